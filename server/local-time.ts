/**
 * Local time in Asia/Ho_Chi_Minh, the zone of maintenance windows, SLA months and messages.
 * @module
 */

import { LOCAL_TIME_ZONE } from '../protocol/time-zone'

export { LOCAL_TIME_ZONE }

// Built once: constructing a DateTimeFormat is far more expensive than using it.
const OFFSET_FORMAT = new Intl.DateTimeFormat('en-US', {
  timeZone: LOCAL_TIME_ZONE,
  hourCycle: 'h23',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
  second: 'numeric',
})

/**
 * Local time minus UTC at instant `ms`, from Intl (Vietnam: +7 h, no DST since 1975 — read from
 * the zone database anyway, so it is right by construction).
 */
export function zoneOffsetMs(ms: number): number {
  const f: Record<string, number> = {}
  for (const p of OFFSET_FORMAT.formatToParts(ms)) if (p.type !== 'literal') f[p.type] = Number(p.value)
  return Date.UTC(f.year ?? 1970, (f.month ?? 1) - 1, f.day ?? 1, f.hour ?? 0, f.minute ?? 0, f.second ?? 0) - Math.floor(ms / 1000) * 1000
}

/** Local wall-clock time as if it were UTC (so UTC getters read local fields). */
export function toLocal(ms: number): number {
  return ms + zoneOffsetMs(ms)
}

/** The UTC instant of a local wall-clock time given as if UTC; two passes settle DST edges. */
export function fromLocal(localMs: number): number {
  const guess = localMs - zoneOffsetMs(localMs)
  return localMs - zoneOffsetMs(guess)
}
