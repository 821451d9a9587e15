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

/** Zalo Bot API (`{base}/bot<token>/sendMessage`) or Zalo OA v3 consultation message. */
export const ZaloChannel = z.strictObject({
  type: z.literal('zalo'),
  mode: z.enum(['bot', 'oa']).default('bot'),
  /** Bot: https://bot-api.zaloplatforms.com; OA: https://openapi.zalo.me */
  baseUrl: HttpUrl.optional(),
  /** Bot token ("bot_id:access_token") or OA access token. */
  token: z.string().min(1).max(500),
  /** Bot mode: chat id of the group or user. */
  chatId: z.string().min(1).max(100).optional(),
  /** OA mode: user id scoped to the OA. */
  userId: z.string().min(1).max(100).optional(),
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
  type: z.enum(['opened', 'severity', 'flapping_start', 'flapping_stop', 'notified', 'notify_failed', 'ack', 'escalated', 'reminder', 'resolved', 'note']),
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
})
export type IncidentView = z.infer<typeof IncidentView>

export const AckInput = z.strictObject({
  comment: z.string().trim().min(1).max(1000),
})

/** One alert of Alertmanager's `POST /api/v2/alerts` body. */
export const ExternalAlert = z.strictObject({
  labels: z.record(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/), z.string().max(1000)).refine((l) => typeof l.alertname === 'string' && l.alertname.length > 0, 'labels.alertname is required'),
  annotations: z.record(z.string(), z.string().max(4000)).default({}),
  startsAt: z.iso.datetime({ offset: true }).optional(),
  endsAt: z.iso.datetime({ offset: true }).optional(),
  generatorURL: z.string().max(2000).optional(),
})
export type ExternalAlert = z.infer<typeof ExternalAlert>
export const ExternalAlertBatch = z.array(ExternalAlert).min(1).max(1000)
