/**
 * Date and time typed as text, `dd/MM/yyyy HH:mm` (24-hour) in Vietnam time, whatever the
 * browser's locale and zone. `<input type="datetime-local">` and `type="time"` render in the
 * browser's locale ("12/02/2026, 05:00 AM" in an en-US Chromium), which is not how the province
 * writes dates, so the forms use plain text fields read by these pure functions instead.
 * @module
 */
import type { MessageKey, MessageParams } from './i18n'

/** Asia/Ho_Chi_Minh is UTC+7 all year (no daylight saving since 1975). */
const VN_OFFSET_MS = 7 * 3600_000

/** Years a form accepts: a typo such as 0226 or 20226 is refused rather than sent. */
export const INPUT_YEARS = { min: 2000, max: 2100 } as const

/** What a field says about bad input: a message key with its parameters (translated by the view). */
export interface InputProblem {
  key: MessageKey
  params?: MessageParams
}

/** The result of reading a field: the value, or why it cannot be read. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: InputProblem }

const pad = (n: number): string => String(n).padStart(2, '0')

/** `dd/MM/yyyy HH:mm` of an instant, in Vietnam time (the value a date-time field starts with). */
export function formatInputDateTime(ms: number): string {
  const d = new Date(ms + VN_OFFSET_MS)
  return `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`
}

function daysIn(month: number, year: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate()
}

/** Checks hour and minute; a problem or null. */
function timeProblem(hour: number, minute: number): InputProblem | null {
  if (hour > 23) return { key: 'datetime.badHour' }
  if (minute > 59) return { key: 'datetime.badMinute' }
  return null
}

/**
 * Reads `dd/MM/yyyy HH:mm` as Vietnam time. Also accepted, as people type them: one-digit day,
 * month or hour (`5/2/2026 7:05`), `-` or `.` between date parts, `h` for the colon (`07h05`).
 * Refused with a reason: empty, another shape (e.g. `2026-02-12` or `05:00 AM`), month 0 or
 * above 12, a day the month does not have (30/02), hour above 23, minute above 59, a year
 * outside {@link INPUT_YEARS}.
 * @example parseInputDateTime('12/02/2026 05:00') // { ok: true, value: Date.parse('2026-02-11T22:00:00Z') }
 */
export function parseInputDateTime(text: string): Parsed<number> {
  const s = text.trim()
  if (s === '') return { ok: false, problem: { key: 'datetime.empty' } }
  const m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s+(\d{1,2})[:hH](\d{2})$/.exec(s)
  if (!m) return { ok: false, problem: { key: 'datetime.badFormat' } }
  const [day, month, year, hour, minute] = m.slice(1).map(Number) as [number, number, number, number, number]
  if (year < INPUT_YEARS.min || year > INPUT_YEARS.max) return { ok: false, problem: { key: 'datetime.badYear', params: { min: INPUT_YEARS.min, max: INPUT_YEARS.max } } }
  if (month < 1 || month > 12) return { ok: false, problem: { key: 'datetime.badMonth' } }
  if (day < 1 || day > daysIn(month, year)) return { ok: false, problem: { key: 'datetime.badDay', params: { day, month: pad(month), year } } }
  const tp = timeProblem(hour, minute)
  if (tp) return { ok: false, problem: tp }
  return { ok: true, value: Date.UTC(year, month - 1, day, hour, minute) - VN_OFFSET_MS }
}

/**
 * Reads a time of day `HH:mm` (24-hour; `7:05` and `07h05` accepted) and returns it as `HH:mm`,
 * the form the weekly maintenance schedule stores.
 */
export function parseInputTime(text: string): Parsed<string> {
  const s = text.trim()
  if (s === '') return { ok: false, problem: { key: 'datetime.emptyTime' } }
  const m = /^(\d{1,2})[:hH](\d{2})$/.exec(s)
  if (!m) return { ok: false, problem: { key: 'datetime.badTimeFormat' } }
  const hour = Number(m[1])
  const minute = Number(m[2])
  const tp = timeProblem(hour, minute)
  if (tp) return { ok: false, problem: tp }
  return { ok: true, value: `${pad(hour)}:${pad(minute)}` }
}

/** `dd/MM/yyyy` of a calendar date stored as `yyyy-MM-dd` (what a date field starts with); '' stays ''. */
export function formatInputDate(isoDate: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate)
  return m ? `${m[3]}/${m[2]}/${m[1]}` : isoDate
}

/**
 * Reads a calendar date `dd/MM/yyyy` (one-digit day or month, `-` or `.` accepted) and returns it
 * as `yyyy-MM-dd`, the form the coverage-gap registry stores. Refused with a reason like
 * {@link parseInputDateTime}.
 */
export function parseInputDate(text: string): Parsed<string> {
  const s = text.trim()
  if (s === '') return { ok: false, problem: { key: 'datetime.emptyDate' } }
  const m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(s)
  if (!m) return { ok: false, problem: { key: 'datetime.badDateFormat' } }
  const [day, month, year] = m.slice(1).map(Number) as [number, number, number]
  if (year < INPUT_YEARS.min || year > INPUT_YEARS.max) return { ok: false, problem: { key: 'datetime.badYear', params: { min: INPUT_YEARS.min, max: INPUT_YEARS.max } } }
  if (month < 1 || month > 12) return { ok: false, problem: { key: 'datetime.badMonth' } }
  if (day < 1 || day > daysIn(month, year)) return { ok: false, problem: { key: 'datetime.badDay', params: { day, month: pad(month), year } } }
  return { ok: true, value: `${year}-${pad(month)}-${pad(day)}` }
}
