/**
 * Alerting contract (SPEC §4, §6): support groups and their channels, silences, maintenance
 * windows, incidents, and the Alertmanager-compatible input of `POST /api/v2/alerts`.
 * @module
 */
import { z } from 'zod'
import { CommuneCode, TargetId, TargetRole } from './targets'
import { Verdict } from './verdict'

export const Severity = z.enum(['critical', 'warning', 'info'])
export type Severity = z.infer<typeof Severity>
export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { info: 0, warning: 1, critical: 2 }

export const Language = z.enum(['vi', 'en'])
export type Language = z.infer<typeof Language>

const HttpUrl = z.url({ protocol: /^https?$/ })

/**
 * Zalo, in one of two modes (docs/alerting-channels.md says what a province sets up for each):
 * - `bot`: Zalo Bot Platform `sendMessage` to a 1:1 chat (`chatId`; bots cannot join groups);
 * - `oa`: Official Account Open API v3 with the OA's access token: a group message (GMF) to
 *   `groupId`, or a consultation message to a follower's `userId`. With `appId`, `secretKey`
 *   and `refreshToken` the access token (25 h) is refreshed before it expires and on the
 *   expiry errors, and the rotated pair is kept by Xanh (the refresh token is single-use).
 */
export const ZaloChannel = z
  .strictObject({
    type: z.literal('zalo'),
    mode: z.enum(['bot', 'oa']).default('bot'),
    /** Bot: https://bot-api.zaloplatforms.com; OA: https://openapi.zalo.me */
    baseUrl: HttpUrl.optional(),
    /** OA token endpoint base: https://oauth.zaloapp.com */
    oauthBaseUrl: HttpUrl.optional(),
    /** Bot token ("bot_id:access_token") or the OA access token. */
    token: z.string().min(1).max(2000),
    /** Bot mode: chat id of the user (from the bot's updates). */
    chatId: z.string().min(1).max(100).optional(),
    /** OA mode: user id scoped to the OA (consultation message, 7-day interaction window). */
    userId: z.string().min(1).max(100).optional(),
    /** OA mode: GMF group id (a group the OA created; verified OA with a GMF package). */
    groupId: z.string().min(1).max(100).optional(),
    /** OA mode, token refresh: the app's id, its secret key and the current refresh token. */
    appId: z.string().min(1).max(100).optional(),
    secretKey: z.string().min(1).max(500).optional(),
    refreshToken: z.string().min(1).max(2000).optional(),
  })
  .superRefine((c, ctx) => {
    if (c.mode === 'bot' && c.chatId === undefined) ctx.addIssue({ code: 'custom', path: ['chatId'], message: 'zalo bot mode needs chatId' })
    if (c.mode === 'bot' && (c.userId ?? c.groupId) !== undefined) ctx.addIssue({ code: 'custom', path: ['chatId'], message: 'zalo bot mode sends to chatId only' })
    if (c.mode === 'oa' && (c.userId === undefined) === (c.groupId === undefined)) ctx.addIssue({ code: 'custom', path: ['groupId'], message: 'zalo oa mode needs exactly one of groupId (GMF group) or userId' })
    const pair = [c.appId, c.secretKey, c.refreshToken].filter((v) => v !== undefined).length
    if (pair !== 0 && pair !== 3) ctx.addIssue({ code: 'custom', path: ['refreshToken'], message: 'token refresh needs appId, secretKey and refreshToken together' })
    if (c.mode === 'bot' && pair > 0) ctx.addIssue({ code: 'custom', path: ['refreshToken'], message: 'token refresh is for oa mode' })
  })
export const TelegramChannel = z.strictObject({
  type: z.literal('telegram'),
  baseUrl: HttpUrl.default('https://api.telegram.org'),
  botToken: z.string().min(1).max(200),
  chatId: z.union([z.string().min(1).max(100), z.number().int()]),
  /** Forum topic (one per cluster, for example). */
  messageThreadId: z.number().int().positive().optional(),
})
export const EmailChannel = z.strictObject({
  type: z.literal('email'),
  host: z.string().min(1).max(253),
  port: z.number().int().min(1).max(65535).default(587),
  /** true: implicit TLS (465); false: STARTTLS when offered. */
  secure: z.boolean().default(false),
  requireTls: z.boolean().default(false),
  user: z.string().max(200).optional(),
  password: z.string().max(500).optional(),
  from: z.string().min(3).max(300),
  to: z.array(z.string().min(3).max(300)).min(1).max(50),
})
export const WebhookChannel = z.strictObject({
  type: z.literal('webhook'),
  url: HttpUrl,
  /** Standard Webhooks secret ("whsec_" + base64); signs every delivery when set. */
  secret: z.string().regex(/^whsec_[A-Za-z0-9+/=]{16,}$/, 'whsec_ followed by base64').optional(),
})
export const SlackChannel = z.strictObject({
  type: z.literal('slack'),
  /** Slack or Mattermost incoming-webhook URL. */
  url: HttpUrl,
  flavor: z.enum(['slack', 'mattermost']).default('slack'),
  channel: z.string().max(100).optional(),
})

export type ZaloChannel = z.infer<typeof ZaloChannel>
export type TelegramChannel = z.infer<typeof TelegramChannel>
export type EmailChannel = z.infer<typeof EmailChannel>
export type WebhookChannel = z.infer<typeof WebhookChannel>
export type SlackChannel = z.infer<typeof SlackChannel>

/** One delivery channel of a support group, discriminated by `type`. */
export const ChannelConfig = z.discriminatedUnion('type', [ZaloChannel, TelegramChannel, EmailChannel, WebhookChannel, SlackChannel])
export type ChannelConfig = z.infer<typeof ChannelConfig>
export type ChannelType = ChannelConfig['type']
export const CHANNEL_TYPES: readonly ChannelType[] = ['zalo', 'telegram', 'email', 'webhook', 'slack']

export const EscalationStep = z.strictObject({
  /** Minutes after the incident opened without an ack. */
  afterMinutes: z.number().positive().max(7 * 24 * 60),
  /** Name of the support group to notify next. */
  group: z.string().min(1).max(100),
})
export type EscalationStep = z.infer<typeof EscalationStep>

/** A support group: who is told about which communes, how, and who is next if nobody acks. */
export const SupportGroupInput = z.strictObject({
  name: z.string().trim().min(1).max(100),
  channels: z.array(ChannelConfig).max(20).default([]),
  /** Communes this group covers; with `clusters` empty and this empty the group covers everything. */
  communes: z.array(CommuneCode).max(5000).default([]),
  clusters: z.array(z.string().min(1).max(200)).max(500).default([]),
  /** Roles routed to this group; empty = all. */
  roles: z.array(TargetRole).max(5).default([]),
  minSeverity: Severity.default('warning'),
  language: Language.default('vi'),
  escalation: z.array(EscalationStep).max(10).default([]),
  /** Whether resolutions are sent (Alertmanager's send_resolved). */
  sendResolved: z.boolean().default(true),
})
export type SupportGroupInput = z.infer<typeof SupportGroupInput>

/** Label matcher as in Alertmanager silences: `name (=|!=|=~|!~) value`. */
export const Matcher = z.strictObject({
  name: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'label name'),
  value: z.string().max(1000),
  isRegex: z.boolean().default(false),
  isEqual: z.boolean().default(true),
})
export type Matcher = z.infer<typeof Matcher>

export const SilenceInput = z.strictObject({
  matchers: z.array(Matcher).min(1).max(20),
  startsAt: z.iso.datetime({ offset: true }),
  endsAt: z.iso.datetime({ offset: true }),
  createdBy: z.string().min(1).max(100),
  comment: z.string().min(1).max(1000),
})
export type SilenceInput = z.infer<typeof SilenceInput>

const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM (24 h)')

/** What a maintenance window covers; children of covered targets inherit it. */
export const MaintenanceScope = z
  .strictObject({
    communes: z.array(CommuneCode).max(5000).default([]),
    clusters: z.array(z.string().min(1).max(200)).max(500).default([]),
    targets: z.array(TargetId).max(5000).default([]),
  })
  .refine((s) => s.communes.length + s.clusters.length + s.targets.length > 0, 'scope needs at least one commune, cluster or target')

/** A one-off window (startsAt/endsAt) or a weekly recurring one in Asia/Ho_Chi_Minh. */
export const MaintenanceInput = z.strictObject({
  scope: MaintenanceScope,
  startsAt: z.iso.datetime({ offset: true }),
  endsAt: z.iso.datetime({ offset: true }),
  recurrence: z
    .strictObject({
      /** ISO weekdays, 1 = Monday … 7 = Sunday. */
      weekdays: z.array(z.number().int().min(1).max(7)).min(1).max(7),
      start: HHMM,
      end: HHMM,
    })
    .nullable()
    .default(null),
  reason: z.string().min(1).max(1000),
  createdBy: z.string().min(1).max(100).default('admin'),
})
export type MaintenanceInput = z.infer<typeof MaintenanceInput>

export const IncidentState = z.enum(['open', 'acknowledged', 'resolved'])
export type IncidentState = z.infer<typeof IncidentState>

export const IncidentEvent = z.strictObject({
  at: z.iso.datetime({ offset: true }),
  type: z.enum(['opened', 'severity', 'flapping_start', 'flapping_stop', 'notified', 'notify_failed', 'notify_overdue', 'ack', 'escalated', 'reminder', 'resolved', 'note']),
  actor: z.string().nullable(),
  detail: z.string(),
})
export type IncidentEvent = z.infer<typeof IncidentEvent>

export const IncidentView = z.strictObject({
  id: z.number().int(),
  key: z.string(),
  alertname: z.string(),
  state: IncidentState,
  severity: Severity,
  targetId: z.string().nullable(),
  communeCode: z.string().nullable(),
  communeName: z.string().nullable(),
  cluster: z.string().nullable(),
  role: z.string().nullable(),
  /** The target's name (or id) and check kind: two incidents of one commune are told apart by them. */
  targetName: z.string().nullable(),
  kind: z.string().nullable(),
  /** The current cause (`down`, a rule name…) and, for a degradation, its figure vs threshold. */
  reason: z.string().nullable(),
  verdict: Verdict.nullable(),
  /** The latest error of a down target. */
  error: z.string().nullable(),
  summary: z.string(),
  labels: z.record(z.string(), z.string()),
  /** Communes cut off behind this target (topology), itself included when it is a commune's line. */
  affectedCommunes: z.number().int().nonnegative(),
  flapping: z.boolean(),
  openedAt: z.iso.datetime({ offset: true }),
  ackedAt: z.iso.datetime({ offset: true }).nullable(),
  ackedBy: z.string().nullable(),
  ackComment: z.string().nullable(),
  resolvedAt: z.iso.datetime({ offset: true }).nullable(),
  timeline: z.array(IncidentEvent).optional(),
  /** The active silence that mutes this (unresolved) incident's notifications now, if any. */
  silence: z.strictObject({ id: z.number().int(), endsAt: z.iso.datetime({ offset: true }) }).nullable(),
})
export type IncidentView = z.infer<typeof IncidentView>

export const AckInput = z.strictObject({
  comment: z.string().trim().min(1).max(1000),
})

/**
 * Limits of `POST /api/v2/alerts`, sized to what Prometheus sends: its `generatorURL` is the
 * rule's whole expression, URL-escaped (prometheus/prometheus rules/manager.go SendAlerts →
 * strutil.TableLinkForExpression), so a rule with a long regex matcher sends 5–16 KB.
 * Alertmanager itself sets no such limits; these only bound what one request can store.
 */
export const EXTERNAL_ALERT_LIMITS = {
  /** Alerts in one request (Prometheus sends at most `--alertmanager.notification-batch-size`, 256). */
  alerts: 10_000,
  /** Characters of a label or annotation name. */
  nameChars: 1024,
  /** Characters of a label value; a longer one refuses the alert (labels are its identity). */
  labelValueChars: 16 * 1024,
  /** Characters of an annotation value kept; a longer one is cut (annotations are only shown). */
  annotationValueChars: 16 * 1024,
  /** Characters of a `generatorURL` kept as the incident's `generator_url`; a longer one is dropped, the alert kept. */
  generatorUrlChars: 32 * 1024,
} as const

/** A JS string is valid UTF-8 unless it holds a lone UTF-16 surrogate (`"\ud800"` in JSON). */
const isUtf8 = (s: string): boolean => !/\p{Cs}/u.test(s)

/**
 * Whether Alertmanager (≥ 0.27, default mode) accepts a label or annotation name: any non-empty
 * valid UTF-8 (prometheus/alertmanager matcher/compat/parse.go isValidUTF8LabelName), so
 * Prometheus 3's UTF-8 names such as `tỉnh` pass. Xanh adds a length cap.
 */
export function isValidLabelName(name: string): boolean {
  return name.length > 0 && name.length <= EXTERNAL_ALERT_LIMITS.nameChars && isUtf8(name)
}

/** A label set as Alertmanager validates it (alert/validate.go validateLs): names as above, values valid UTF-8. */
function externalLabelSet(maxValueChars: number) {
  return z.record(z.string(), z.string()).superRefine((set, ctx) => {
    for (const [name, value] of Object.entries(set)) {
      if (!isValidLabelName(name)) {
        ctx.addIssue({ code: 'custom', message: `invalid name ${JSON.stringify(name.slice(0, 100))}: 1–${EXTERNAL_ALERT_LIMITS.nameChars} characters of valid UTF-8` })
      } else if (!isUtf8(value)) {
        ctx.addIssue({ code: 'custom', path: [name], message: 'invalid value: not valid UTF-8' })
      } else if (value.length > maxValueChars) {
        ctx.addIssue({ code: 'custom', path: [name], message: `value of ${value.length} characters is longer than ${maxValueChars}` })
      }
    }
  })
}

/**
 * One alert of `POST /api/v2/alerts` (Alertmanager's postableAlert, api/v2/openapi.yaml): its
 * shape, names and values. The server applies the rest of Alertmanager's handling (empty label
 * values dropped, Go's zero time `0001-01-01T00:00:00Z` taken as unset, at least one label,
 * endsAt not before startsAt). Unknown fields are ignored, as Go's JSON decoding ignores them.
 */
export const ExternalAlert = z.object({
  labels: externalLabelSet(EXTERNAL_ALERT_LIMITS.labelValueChars),
  annotations: externalLabelSet(Number.POSITIVE_INFINITY).default({}),
  startsAt: z.iso.datetime({ offset: true }).optional(),
  endsAt: z.iso.datetime({ offset: true }).optional(),
  generatorURL: z.string().optional(),
})
export type ExternalAlert = z.infer<typeof ExternalAlert>
/** The body: a JSON array. Each element is checked on its own ({@link ExternalAlert}), so one bad alert does not refuse the others. */
export const ExternalAlertBatch = z.array(z.unknown()).max(EXTERNAL_ALERT_LIMITS.alerts)
