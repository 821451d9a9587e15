/**
 * The one time zone of Xanh (SPEC §4, §8): maintenance windows, SLA months, messages and the
 * dashboard are all in it, whatever the zone of the server or the browser.
 * @module
 */

/** The IANA zone every local time of Xanh is in. */
export const LOCAL_TIME_ZONE = 'Asia/Ho_Chi_Minh'

/**
 * {@link LOCAL_TIME_ZONE}'s offset from UTC (ms): +7 h, without daylight saving, since 13 June
 * 1975 (IANA tzdata, zone Asia/Ho_Chi_Minh; before that it was +8). Local times are computed
 * from it rather than through `Intl.DateTimeFormat`, whose time-zone and locale data take ~4–5 MB
 * of the server's resident memory once loaded (issue 14); test/protocol/time-zone.test.ts checks
 * it against the zone database for instants from 1975 to 2100.
 */
export const LOCAL_OFFSET_MS = 7 * 3_600_000

/** The first instant of {@link LOCAL_OFFSET_MS}: 1975-06-13 00:00 at +8, i.e. 16:00 UTC on the 12th. */
export const LOCAL_OFFSET_SINCE_MS = Date.UTC(1975, 5, 12, 16)

const two = (n: number): string => (n < 10 ? `0${n}` : String(n))

/**
 * The local wall clock of an instant as `HH:mm dd/MM` (hour 00–23), the form the dashboard's
 * verdicts and the alert messages write, for instants since {@link LOCAL_OFFSET_SINCE_MS} (every
 * time Xanh formats is decades later).
 * @example localTimeText(Date.parse('2026-11-25T19:14:00Z')) // "02:14 26/11"
 */
export function localTimeText(ms: number): string {
  const d = new Date(ms + LOCAL_OFFSET_MS)
  return `${two(d.getUTCHours())}:${two(d.getUTCMinutes())} ${two(d.getUTCDate())}/${two(d.getUTCMonth() + 1)}`
}
