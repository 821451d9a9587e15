/**
 * Rendering notifications in Vietnamese (default) or English: what, where (commune name and
 * code, cluster), since when, how bad (measured value vs threshold), how many communes are
 * affected, and a link to the commune page. Channel-neutral: plain text and a small HTML.
 * @module
 */
import type { Language, Severity } from '../../protocol'
import { GLOSSARY, Verdict as VerdictSchema, describeVerdict, localTimeText, type Verdict } from '../../protocol'
import type { OutgoingMessage, WebhookAlert } from './notifier'

/** One alert line of a message. */
export interface MessageAlert {
  incidentId: number | null
  fingerprint: string
  alertname: string
  severity: Severity
  labels: Record<string, string>
  annotations: Record<string, string>
  startsAt: number
  endsAt: number | null
  affectedCommunes: number
  flapping: boolean
}

export type MessageKind = 'notification' | 'reminder' | 'escalation' | 'flapping_start' | 'flapping_stop' | 'test' | 'digest'

export interface RenderInput {
  language: Language
  kind: MessageKind
  receiver: string
  groupKey: string
  groupLabels: Record<string, string>
  firing: MessageAlert[]
  resolved: MessageAlert[]
  now: number
  publicUrl: string
  /** For escalations: the group that did not acknowledge. */
  escalatedFrom?: string
}

/** A glossary term as a headline: upper case in the language's own rules ("MẤT KẾT NỐI"). */
const loud = (term: string, lang: Language): string => term.toLocaleUpperCase(lang)

/**
 * Every word of a message, per language. The state and incident words are the glossary's
 * (`protocol/glossary.ts`), so a chat message says what the dashboard it links to says.
 * Exported for the glossary test.
 */
export const MESSAGE_WORDS = {
  vi: {
    down: loud(GLOSSARY.down.vi, 'vi'),
    degradedCritical: loud(GLOSSARY.critical.vi, 'vi'),
    degradedWarning: loud(GLOSSARY.warning.vi, 'vi'),
    resolved: loud(GLOSSARY.resolved.vi, 'vi'),
    reminder: 'NHẮC LẠI (chưa xác nhận)',
    escalation: 'CHUYỂN CẤP (chưa ai xác nhận)',
    flappingStart: loud(GLOSSARY.flapping.vi, 'vi'),
    flappingStop: `HẾT ${loud(GLOSSARY.flapping.vi, 'vi')}`,
    test: 'TIN NHẮN THỬ',
    digest: 'TỔNG HỢP',
    incidents: (n: number) => `${n} sự cố`,
    since: 'từ',
    for: 'đã',
    error: 'lỗi',
    affected: (n: number) => `ảnh hưởng ${n} xã, phường`,
    role: { line: 'Đường truyền', mcu: 'Điểm cầu truyền hình (MCU)', service: 'Dịch vụ', router: 'Bộ định tuyến', uplink: 'Tuyến trục' } as Record<string, string>,
    downFor: 'không trả lời',
    flapping: 'trạng thái thay đổi liên tục; tạm ngừng báo từng lần đổi cho đến khi ổn định',
    stable: 'đã ổn định trở lại',
    open: 'Xem',
    escalatedFrom: (g: string) => `Nhóm ${g} chưa xác nhận.`,
    testText: 'Kênh cảnh báo của Xanh hoạt động. Không cần làm gì.',
    digestText: (n: number) => `${n} thông báo được gộp do vượt giới hạn gửi của kênh.`,
    minutes: (m: number) => (m < 60 ? `${m} phút` : `${Math.floor(m / 60)} giờ ${m % 60} phút`),
  },
  en: {
    down: loud(GLOSSARY.down.en, 'en'),
    degradedCritical: loud(GLOSSARY.critical.en, 'en'),
    degradedWarning: loud(GLOSSARY.warning.en, 'en'),
    resolved: loud(GLOSSARY.resolved.en, 'en'),
    reminder: 'REMINDER (not acknowledged)',
    escalation: 'ESCALATION (nobody acknowledged)',
    flappingStart: loud(GLOSSARY.flapping.en, 'en'),
    flappingStop: `${loud(GLOSSARY.flapping.en, 'en')} STOPPED`,
    test: 'TEST MESSAGE',
    digest: 'DIGEST',
    incidents: (n: number) => `${n} incidents`,
    since: 'since',
    for: 'for',
    error: 'error',
    affected: (n: number) => `${n} communes affected`,
    role: { line: 'Line', mcu: 'Video endpoint (MCU)', service: 'Service', router: 'Router', uplink: 'Uplink' } as Record<string, string>,
    downFor: 'not answering',
    flapping: 'state keeps changing; per-change messages paused until it settles',
    stable: 'stable again',
    open: 'Open',
    escalatedFrom: (g: string) => `Group ${g} has not acknowledged.`,
    testText: "Xanh's alert channel works. No action needed.",
    digestText: (n: number) => `${n} notifications collapsed: the channel's send budget was exceeded.`,
    minutes: (m: number) => (m < 60 ? `${m} min` : `${Math.floor(m / 60)} h ${m % 60} min`),
  },
} as const

function fmtTime(ms: number, lang: Language): string {
  // "02:14 25/11": the same order in both languages, as Vietnamese readers write it.
  return `${localTimeText(ms)}${lang === 'en' ? ' (ICT)' : ''}`
}

/** "how bad": the measured value against the threshold it crossed (the verdict), or the error of a down target. */
function howBad(a: MessageAlert, lang: Language): string {
  const t = MESSAGE_WORDS[lang]
  const verdict = verdictOf(a.annotations.verdict)
  if (verdict && a.alertname !== 'XanhTargetDown') return describeVerdict(verdict, lang)
  if (a.annotations.error) return `${t.downFor}: ${a.annotations.error}`
  return a.annotations.reason ?? ''
}

function verdictOf(json: string | undefined): Verdict | null {
  if (json === undefined) return null
  try {
    const v = VerdictSchema.safeParse(JSON.parse(json))
    return v.success ? v.data : null
  } catch {
    return null
  }
}

/** Words for check kinds in a message ("[SIP]"): a commune has several MCU checks. */
const KIND_WORDS: Readonly<Record<string, string>> = {
  icmp: 'ping',
  udp_echo: 'UDP echo',
  tcp: 'TCP',
  http: 'HTTP',
  dns: 'DNS',
  sip: 'SIP',
  h323: 'H.323',
  throughput: 'throughput',
  snmp: 'SNMP',
}

function headline(a: MessageAlert, lang: Language): string {
  const t = MESSAGE_WORDS[lang]
  if (a.alertname === 'XanhTargetDown') return t.down
  if (a.alertname === 'XanhTargetDegraded') return a.severity === 'critical' ? t.degradedCritical : t.degradedWarning
  return a.alertname
}

function where(a: MessageAlert, lang: Language): string {
  const role = MESSAGE_WORDS[lang].role[a.labels.role ?? ''] ?? a.labels.role ?? ''
  const kind = a.labels.kind ? ` [${lang === 'vi' && a.labels.kind === 'throughput' ? 'đo tốc độ' : (KIND_WORDS[a.labels.kind] ?? a.labels.kind)}]` : ''
  const commune = a.labels.commune ?? a.labels.commune_code ?? ''
  const code = a.labels.commune_code ? ` (${a.labels.commune_code}${a.labels.cluster ? `, ${a.labels.cluster}` : ''})` : ''
  if (!a.labels.target) return a.annotations.summary ?? a.labels.alertname ?? ''
  return `${role}${kind} ${commune}${code}`.trim()
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

function line(a: MessageAlert, input: RenderInput, resolved: boolean): string {
  const t = MESSAGE_WORDS[input.language]
  const lang = input.language
  const minutes = Math.max(0, Math.round(((resolved ? (a.endsAt ?? input.now) : input.now) - a.startsAt) / 60_000))
  const parts = [`${resolved ? t.resolved : headline(a, lang)}: ${where(a, lang)}`]
  parts.push(`${t.since} ${fmtTime(a.startsAt, lang)} (${t.for} ${t.minutes(minutes)})`)
  if (!resolved) {
    const bad = howBad(a, lang)
    if (bad) parts.push(bad)
  }
  if (a.affectedCommunes > 1 || (a.affectedCommunes === 1 && a.labels.role !== 'line')) parts.push(t.affected(a.affectedCommunes))
  if (a.flapping) parts.push(t.flapping)
  return parts.join(' — ')
}

function commonLabels(alerts: MessageAlert[]): Record<string, string> {
  const first = alerts[0]
  if (!first) return {}
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(first.labels)) if (alerts.every((a) => a.labels[k] === v)) out[k] = v
  return out
}

const GO_ZERO_TIME = '0001-01-01T00:00:00Z'

function webhookAlert(a: MessageAlert, status: 'firing' | 'resolved', link: string, fingerprint: string, summary: string): WebhookAlert {
  return {
    status,
    labels: a.labels,
    // The rendered sentence travels too, so a webhook consumer can show what the chat groups see.
    annotations: { ...a.annotations, summary, affected_communes: String(a.affectedCommunes) },
    startsAt: new Date(a.startsAt).toISOString(),
    endsAt: status === 'resolved' && a.endsAt !== null ? new Date(a.endsAt).toISOString() : GO_ZERO_TIME,
    generatorURL: link,
    fingerprint,
  }
}

/**
 * Renders one notification. The caller supplies the idempotency and thread keys; this
 * function decides only the words.
 */
export function renderMessage(input: RenderInput, keys: { idempotencyKey: string; threadKey: string; fingerprintOf: (a: MessageAlert) => string }): OutgoingMessage {
  const t = MESSAGE_WORDS[input.language]
  const all = [...input.firing, ...input.resolved]
  const status: 'firing' | 'resolved' = input.firing.length > 0 ? 'firing' : 'resolved'
  const single = all.length === 1 ? all[0] : undefined
  const communeCode = single?.labels.commune_code
  const base = input.publicUrl.replace(/\/$/, '')
  const link = communeCode ? `${base}/#/commune/${encodeURIComponent(communeCode)}` : `${base}/#/`

  const prefix = {
    notification: '',
    reminder: `${t.reminder} · `,
    escalation: `${t.escalation} · `,
    flapping_start: `${t.flappingStart} · `,
    flapping_stop: `${t.flappingStop} · `,
    test: `${t.test} · `,
    digest: `${t.digest} · `,
  }[input.kind]
  const icon = input.kind === 'test' ? 'ℹ️' : status === 'resolved' ? '✅' : input.firing.some((a) => a.severity === 'critical') ? '🔴' : '🟠'
  let title: string
  if (input.kind === 'test') title = `${icon} ${t.test} — Xanh`
  else if (single) title = `${icon} ${prefix}${input.firing.length ? headline(single, input.language) : t.resolved} — ${where(single, input.language)}`
  else title = `${icon} ${prefix}${t.incidents(input.firing.length || input.resolved.length)}${input.groupLabels.cluster ? ` — ${input.groupLabels.cluster}` : ''}`

  const lines: string[] = []
  if (input.kind === 'test') lines.push(t.testText)
  if (input.kind === 'escalation' && input.escalatedFrom) lines.push(t.escalatedFrom(input.escalatedFrom))
  if (input.kind === 'flapping_stop') lines.push(t.stable)
  for (const a of input.firing) lines.push(`• ${line(a, input, false)}`)
  for (const a of input.resolved) lines.push(`• ${line(a, input, true)}`)
  lines.push(`${t.open}: ${link}`)
  const text = lines.join('\n')
  const html = [`<b>${escapeHtml(title)}</b>`, ...lines.slice(0, -1).map(escapeHtml), `<a href="${escapeHtml(link)}">${escapeHtml(t.open)}</a>`].join('\n')
  return {
    idempotencyKey: keys.idempotencyKey,
    threadKey: keys.threadKey,
    status,
    title,
    text,
    html,
    link,
    receiver: input.receiver,
    groupKey: input.groupKey,
    groupLabels: input.groupLabels,
    commonLabels: commonLabels(all),
    alerts: [
      ...input.firing.map((a) => webhookAlert(a, 'firing', link, keys.fingerprintOf(a), line(a, input, false))),
      ...input.resolved.map((a) => webhookAlert(a, 'resolved', link, keys.fingerprintOf(a), line(a, input, true))),
    ],
  }
}

/** Words for a digest that replaces several queued messages to one destination. */
export function digestOf(messages: OutgoingMessage[], language: Language, idempotencyKey: string): OutgoingMessage {
  const t = MESSAGE_WORDS[language]
  const first = messages[0]
  const title = `📋 ${t.digest} — ${t.digestText(messages.length)}`
  const text = messages.map((m) => `■ ${m.title}\n${m.text}`).join('\n\n')
  const html = [`<b>${escapeHtml(title)}</b>`, ...messages.map((m) => `${escapeHtml(m.title)}\n${escapeHtml(m.text)}`)].join('\n\n')
  return {
    idempotencyKey,
    threadKey: first?.threadKey ?? idempotencyKey,
    status: messages.some((m) => m.status === 'firing') ? 'firing' : 'resolved',
    title,
    text,
    html,
    ...(first?.link !== undefined ? { link: first.link } : {}),
    receiver: first?.receiver ?? '',
    groupKey: `digest:${idempotencyKey}`,
    groupLabels: {},
    commonLabels: {},
    alerts: messages.flatMap((m) => m.alerts),
  }
}
