/**
 * Quiet windows: local times (e.g. scheduled meetings) during which heavy checks must not
 * load the line (SPEC §3 "never during a scheduled meeting window if configured").
 * @module
 */
import { z } from 'zod'

/** Vietnam's one time zone (UTC+7, no daylight saving time). */
export const DEFAULT_QUIET_TIME_ZONE = 'Asia/Ho_Chi_Minh'

const ClockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM, 00:00–23:59')

/**
 * One window in local time: `from` inclusive, `to` exclusive (`24:00` allowed), on the ISO
 * weekdays in `days` (1 = Monday … 7 = Sunday; all days when absent). A window with `from`
 * after `to` runs past midnight, and `days` names the day it starts on.
 * @example { from: '07:30', to: '11:30', days: [1, 2, 3, 4, 5] } // weekday mornings
 */
export const QuietWindow = z
  .strictObject({
    from: ClockTime,
    to: z.union([ClockTime, z.literal('24:00')]),
    days: z.array(z.number().int().min(1).max(7)).min(1).max(7).optional(),
  })
  .refine((w) => w.from !== w.to, 'from and to must differ (use 00:00–24:00 for a whole day)')
export type QuietWindow = z.infer<typeof QuietWindow>

/** Answers "is this instant quiet, and until when?". */
export interface QuietSchedule {
  /**
   * The end (ms since the epoch) of the quiet time containing `nowMs`, following windows that
   * touch or overlap into one stretch; `undefined` when `nowMs` is not in any window.
   */
  quietUntil(nowMs: number): number | undefined
}

/**
 * Builds the schedule of `windows` (validated here) in `timeZone` (IANA name). Windows are
 * matched on the local time of day and their end is found by adding the time left, which
 * assumes no daylight-saving change inside a window (true for Asia/Ho_Chi_Minh).
 * @throws Error naming the bad window or time zone
 */
export function createQuietSchedule(windows: readonly unknown[], timeZone: string = DEFAULT_QUIET_TIME_ZONE): QuietSchedule {
  const parsed = windows.map((w, i) => {
    const r = QuietWindow.safeParse(w)
    if (!r.success) {
      const issue = r.error.issues[0]
      throw new Error(`quietWindows[${i}]${issue?.path.length ? `.${issue.path.join('.')}` : ''}: ${issue?.message ?? 'invalid'}`)
    }
    return { from: msOfClockTime(r.data.from), to: msOfClockTime(r.data.to), days: r.data.days ? new Set(r.data.days) : undefined }
  })
  let format: Intl.DateTimeFormat
  try {
    format = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', weekday: 'short', hour: '2-digit', minute: '2-digit', second: '2-digit' })
  } catch {
    throw new Error(`quiet windows: unknown time zone ${JSON.stringify(timeZone)}`)
  }

  /** End of the window containing `nowMs`, if any (the latest end when several do). */
  const endOfWindowAt = (nowMs: number): number | undefined => {
    const { weekday, msOfDay } = localTime(format, nowMs)
    const yesterday = weekday === 1 ? 7 : weekday - 1
    let end: number | undefined
    for (const w of parsed) {
      let leftMs: number | undefined
      if (w.from < w.to) {
        if ((!w.days || w.days.has(weekday)) && msOfDay >= w.from && msOfDay < w.to) leftMs = w.to - msOfDay
      } else if ((!w.days || w.days.has(weekday)) && msOfDay >= w.from) {
        leftMs = DAY_MS - msOfDay + w.to
      } else if ((!w.days || w.days.has(yesterday)) && msOfDay < w.to) {
        leftMs = w.to - msOfDay
      }
      if (leftMs !== undefined && (end === undefined || nowMs + leftMs > end)) end = nowMs + leftMs
    }
    return end
  }

  return {
    quietUntil(nowMs) {
      let end = endOfWindowAt(nowMs)
      if (end === undefined) return undefined
      // A window ending where the next begins (or inside it) is one quiet stretch; each step
      // moves forward by at least one window, so this ends after at most that many steps.
      for (let i = 0; i < parsed.length; i++) {
        const next = endOfWindowAt(end)
        if (next === undefined || next <= end) break
        end = next
      }
      return end
    },
  }
}

const DAY_MS = 24 * 3_600_000

function msOfClockTime(hhmm: string): number {
  const [h, m] = hhmm.split(':')
  return (Number(h) * 60 + Number(m)) * 60_000
}

const WEEKDAYS: Readonly<Record<string, number>> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 }

/** ISO weekday and milliseconds since local midnight of `ms` in the formatter's time zone. */
function localTime(format: Intl.DateTimeFormat, ms: number): { weekday: number; msOfDay: number } {
  let weekday = 1
  let h = 0
  let m = 0
  let s = 0
  for (const p of format.formatToParts(ms)) {
    if (p.type === 'weekday') weekday = WEEKDAYS[p.value] ?? 1
    else if (p.type === 'hour') h = Number(p.value)
    else if (p.type === 'minute') m = Number(p.value)
    else if (p.type === 'second') s = Number(p.value)
  }
  // Zone offsets are whole seconds, so the sub-second part is the same locally.
  const subSecond = ((ms % 1000) + 1000) % 1000
  return { weekday, msOfDay: ((h * 60 + m) * 60 + s) * 1000 + subSecond }
}
