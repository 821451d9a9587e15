/**
 * Local time in Asia/Ho_Chi_Minh, the zone of maintenance windows, SLA months and messages.
 * @module
 */

import { LOCAL_OFFSET_MS, LOCAL_OFFSET_SINCE_MS, LOCAL_TIME_ZONE } from '../protocol/time-zone'

export { LOCAL_TIME_ZONE }

/** The zone database's view, for instants before the fixed offset (never built in practice: see below). */
let offsetFormat: Intl.DateTimeFormat | undefined

/**
 * Local time minus UTC at instant `ms`: +7 h since 1975 (protocol/time-zone.ts, checked against
 * the zone database by its test) without loading ICU's zone data, which a DateTimeFormat would
 * keep resident (issue 14); an earlier instant asks the zone database.
 */
export function zoneOffsetMs(ms: number): number {
  if (ms >= LOCAL_OFFSET_SINCE_MS) return LOCAL_OFFSET_MS
  offsetFormat ??= new Intl.DateTimeFormat('en-US', {
    timeZone: LOCAL_TIME_ZONE,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  })
  const f: Record<string, number> = {}
  for (const p of offsetFormat.formatToParts(ms)) if (p.type !== 'literal') f[p.type] = Number(p.value)
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
