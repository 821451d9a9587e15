/**
 * Formatting of times, durations and measurements for display. Times are always shown in
 * Asia/Ho_Chi_Minh whatever the browser's zone: staff compare them with chat messages and
 * phone calls in local time.
 * @module
 */
import { LOCAL_TIME_ZONE, describeVerdict, type Verdict } from '../../protocol'
import { LOCALES, isMessageKey, type Lang, type Translate } from './i18n'

/** The dashboard's display time zone (SPEC §8). */
export const TIME_ZONE = LOCAL_TIME_ZONE

// Formatters are costly to build; the table formats thousands of cells, so cache them.
const dateTimeParts = new Intl.DateTimeFormat('en-GB', {
  timeZone: TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
})

interface LocalParts {
  year: string
  month: string
  day: string
  hour: string
  minute: string
  second: string
}

// formatToParts costs tens of µs; tables re-render the same times several times a second.
const partsCache = new Map<number, LocalParts>()

function localParts(ms: number): LocalParts {
  const second = Math.floor(ms / 1000)
  const hit = partsCache.get(second)
  if (hit) return hit
  const out: LocalParts = { year: '', month: '', day: '', hour: '', minute: '', second: '' }
  for (const p of dateTimeParts.formatToParts(second * 1000)) {
    if (p.type in out) out[p.type as keyof LocalParts] = p.value
  }
  if (partsCache.size >= 5000) partsCache.clear()
  partsCache.set(second, out)
  return out
}

/** Parses an ISO time (or passes epoch ms through); null for null/invalid. */
export function toMs(time: string | number | null | undefined): number | null {
  if (time === null || time === undefined) return null
  if (typeof time === 'number') return Number.isFinite(time) ? time : null
  const ms = Date.parse(time)
  return Number.isNaN(ms) ? null : ms
}

/** `HH:mm:ss` in Asia/Ho_Chi_Minh. */
export function formatTime(ms: number): string {
  const p = localParts(ms)
  return `${p.hour}:${p.minute}:${p.second}`
}

/**
 * Short local time for tables: `HH:mm` when on the same local day as `nowMs`,
 * else `dd/MM HH:mm`, so a column of recent times stays narrow and readable.
 */
export function formatShortDateTime(ms: number, nowMs: number): string {
  const p = localParts(ms)
  const n = localParts(nowMs)
  const hm = `${p.hour}:${p.minute}`
  return p.year === n.year && p.month === n.month && p.day === n.day ? hm : `${p.day}/${p.month} ${hm}`
}

/** Full local date and time, `dd/MM/yyyy HH:mm:ss`. */
export function formatDateTime(ms: number): string {
  const p = localParts(ms)
  return `${p.day}/${p.month}/${p.year} ${p.hour}:${p.minute}:${p.second}`
}

/** `HH:mm` in Asia/Ho_Chi_Minh, for chart axes. */
export function formatHourMinute(ms: number): string {
  const p = localParts(ms)
  return `${p.hour}:${p.minute}`
}

/**
 * Human duration with the two most significant units ("2 giờ 5 phút", "3 d 4 h").
 * Negative durations (clock skew between server and browser) read as "just now".
 */
export function formatDuration(seconds: number, t: Translate): string {
  if (!Number.isFinite(seconds) || seconds < 1) return t('duration.justNow')
  const s = Math.floor(seconds)
  const d = Math.floor(s / 86400)
  const h = Math.floor((s % 86400) / 3600)
  const m = Math.floor((s % 3600) / 60)
  const sec = s % 60
  if (d > 0) return h > 0 ? `${t('unit.d', { n: d })} ${t('unit.h', { n: h })}` : t('unit.d', { n: d })
  if (h > 0) return m > 0 ? `${t('unit.h', { n: h })} ${t('unit.min', { n: m })}` : t('unit.h', { n: h })
  if (m > 0) return t('unit.min', { n: m })
  return t('unit.s', { n: sec })
}

/**
 * When a state began, as the clock time and how long ago: "từ 04:32 (18 phút)", with the date
 * ("từ 12/02 04:32 (1 ngày 2 giờ)") when it began before today (Asia/Ho_Chi_Minh). Wherever a
 * state's start is shown, so an operator can match it with a phone call or a chat message.
 */
export function sinceLabel(startMs: number, nowMs: number, t: Translate): string {
  return t('since.label', { time: formatShortDateTime(startMs, nowMs), duration: formatDuration((nowMs - startMs) / 1000, t) })
}

/**
 * An availability ratio as a percentage with one decimal, rounded down so 99.96 % never reads
 * as 100 %; "—" when nothing was known.
 */
export function formatAvailability(ratio: number | null, lang: Lang): string {
  if (ratio === null) return '—'
  return `${formatNumber(Math.floor(ratio * 1000) / 10, lang, 1)} %`
}

/**
 * How long something has lasted, as a phrase: "đã 9 phút", or "vừa xong" under a second (never
 * "đã vừa xong"). The one wording of elapsed time next to a state or an incident.
 */
export function formatElapsed(seconds: number, t: Translate): string {
  if (!Number.isFinite(seconds) || seconds < 1) return t('duration.justNow')
  return t('attention.for', { duration: formatDuration(seconds, t) })
}

const numberFormats = new Map<string, Intl.NumberFormat>()

/** Locale number with at most `digits` fraction digits. */
export function formatNumber(value: number, lang: Lang, digits: number): string {
  const key = `${lang}:${digits}`
  let f = numberFormats.get(key)
  if (!f) {
    f = new Intl.NumberFormat(LOCALES[lang], { maximumFractionDigits: digits, minimumFractionDigits: 0 })
    numberFormats.set(key, f)
  }
  return f.format(value)
}

/** RTT given in seconds, shown in ms: one decimal below 10 ms, whole ms above. */
export function formatRttMs(seconds: number | null, lang: Lang): string {
  if (seconds === null) return '—'
  const ms = seconds * 1000
  return formatNumber(ms, lang, ms < 10 ? 1 : 0)
}

/** Loss ratio shown in percent: two decimals under 1 % (0.1 % is a threshold), one above. */
export function formatLossPct(ratio: number | null, lang: Lang): string {
  if (ratio === null) return '—'
  const pct = ratio * 100
  return formatNumber(pct, lang, pct < 1 ? 2 : 1)
}

function causeWords(cause: string, t: Translate): string {
  const failing = /^failing-(\d+)$/.exec(cause)
  if (failing) return t('cause.failing', { n: failing[1] ?? '?' })
  const key = `cause.${cause}`
  return isMessageKey(key) ? t(key) : cause
}

/**
 * Words for the server's machine-readable cause (`"line:rtt"` → "Đường truyền: độ trễ cao").
 * Unknown roles or causes are shown as sent, so a new server-side reason is never hidden.
 */
export function describeReason(reason: string | null, t: Translate): string | null {
  if (reason === null || reason === '') return null
  const i = reason.indexOf(':')
  if (i < 0) return causeWords(reason, t)
  const role = reason.slice(0, i)
  const roleKey = `role.${role}`
  return `${isMessageKey(roleKey) ? t(roleKey) : role}: ${causeWords(reason.slice(i + 1), t)}`
}

/**
 * Why a commune (or target) is not green, with the figure: "Đường truyền: Tải xuống 57 Mbit/s <
 * 80 Mbit/s (0,8 × hợp đồng 100 Mbit/s)" when a grading rule decided it, else the cause in words.
 */
export function describeCause(reason: string | null, verdict: Verdict | null, t: Translate, lang: Lang): string | null {
  if (!verdict) return describeReason(reason, t)
  const i = reason?.indexOf(':') ?? -1
  const role = i > 0 ? (reason as string).slice(0, i) : null
  const roleKey = `role.${role ?? ''}`
  const text = describeVerdict(verdict, lang)
  return role ? `${isMessageKey(roleKey) ? t(roleKey) : role}: ${text}` : text
}

/** Local calendar date `dd/MM/yyyy` of an ISO date (`YYYY-MM-DD`) or time; the input when unparsable. */
export function formatDate(isoDate: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(isoDate)
  if (!m) return isoDate
  if (isoDate.length === 10) return `${m[3]}/${m[2]}/${m[1]}`
  const ms = Date.parse(isoDate)
  if (Number.isNaN(ms)) return isoDate
  const p = localParts(ms)
  return `${p.day}/${p.month}/${p.year}`
}

/**
 * Words for an incident of Xanh's own rules in the UI language: the role, the target's name and
 * check kind (a commune's SIP and H.323 incidents differ), its current state and, for a
 * degradation, the figure against its threshold ("Điểm cầu (MCU) · Điểm cầu Mường Lống [SIP]:
 * suy giảm — SIP trả lời 404 (cần 2xx)"). Without the structured fields (an old timeline entry)
 * the machine part of the summary is read instead. Alerts from elsewhere keep their summary.
 */
export function describeIncident(
  i: {
    alertname: string
    role: string | null
    severity: string
    summary: string
    targetName?: string | null
    kind?: string | null
    reason?: string | null
    verdict?: Verdict | null
    error?: string | null
  },
  t: Translate,
  lang: Lang = 'vi',
): { what: string; error: string | null } {
  const own = i.alertname === 'XanhTargetDown' || i.alertname === 'XanhTargetDegraded'
  const dash = i.summary.indexOf(' — ')
  const summaryError = dash >= 0 ? i.summary.slice(dash + 3) : null
  if (!own) return { what: i.summary, error: null }
  const roleKey = `role.${i.role ?? ''}`
  const role = isMessageKey(roleKey) ? t(roleKey) : (i.role ?? '')
  const kindKey = `check.${i.kind ?? ''}`
  const kind = i.kind ? ` [${isMessageKey(kindKey) ? t(kindKey) : i.kind}]` : ''
  const who = i.targetName ? `${role} · ${i.targetName}${kind}` : `${role}${kind}`
  if (i.alertname === 'XanhTargetDown') return { what: `${who}: ${t('state.down').toLowerCase()}`, error: i.error ?? summaryError }
  const sevKey = `state.${i.severity}`
  const sev = isMessageKey(sevKey) ? t(sevKey).toLowerCase() : i.severity
  if (i.verdict) return { what: `${who}: ${sev} — ${describeVerdict(i.verdict, lang)}`, error: null }
  const head = dash >= 0 ? i.summary.slice(0, dash) : i.summary
  const cause = i.reason ?? /\(([a-z0-9:_-]+)\)$/.exec(head)?.[1]
  return { what: `${who}: ${sev}${cause ? ` — ${causeWords(cause, t)}` : ''}`, error: summaryError }
}

/** A severity event's change in words: "down → warning (rtt)" → "Mất kết nối → Suy giảm (độ trễ cao)". */
export function describeStateChange(detail: string, t: Translate): string {
  const m = /^(\w+) → (\w+)(?: \(([a-z0-9_:-]+)\))?$/.exec(detail)
  if (!m) return detail
  const word = (s: string): string => {
    const key = `state.${s}`
    return isMessageKey(key) ? t(key) : s
  }
  return `${word(m[1] as string)} → ${word(m[2] as string)}${m[3] ? ` (${causeWords(m[3], t)})` : ''}`
}
