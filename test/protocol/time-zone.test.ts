/**
 * Xanh's local time as arithmetic (+7 h since 1975-06-12T16:00Z) agrees with the zone database
 * (Intl, Asia/Ho_Chi_Minh) at the transition and at random instants up to 2100.
 */
import { describe, expect, it } from 'vitest'
import { LOCAL_OFFSET_MS, LOCAL_OFFSET_SINCE_MS, LOCAL_TIME_ZONE, localTimeText } from '../../protocol/time-zone'

const PARTS = new Intl.DateTimeFormat('en-GB', { timeZone: LOCAL_TIME_ZONE, hour: '2-digit', minute: '2-digit', day: '2-digit', month: '2-digit', year: 'numeric', second: '2-digit', hourCycle: 'h23' })
const fromIntl = (ms: number): Record<string, string> => Object.fromEntries(PARTS.formatToParts(ms).map((p) => [p.type, p.value]))
/** Local minus UTC at `ms` per the zone database. */
const intlOffset = (ms: number): number => {
  const p = fromIntl(ms)
  return Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second)) - Math.floor(ms / 1000) * 1000
}

describe('local time', () => {
  it('starts +7 h where the zone database does (+8 before)', () => {
    expect(intlOffset(LOCAL_OFFSET_SINCE_MS - 1000)).toBe(8 * 3_600_000)
    expect(intlOffset(LOCAL_OFFSET_SINCE_MS)).toBe(LOCAL_OFFSET_MS)
  })

  it('reads the same wall clock as the zone database from 1975 to 2100', () => {
    const end = Date.UTC(2100, 0, 1)
    // Every 97th hour or so across 125 years (~11,000 instants, minutes and seconds varied).
    for (let ms = LOCAL_OFFSET_SINCE_MS; ms < end; ms += 97 * 3_600_000 + 61_001) {
      const p = fromIntl(ms)
      expect(localTimeText(ms), new Date(ms).toISOString()).toBe(`${p.hour}:${p.minute} ${p.day}/${p.month}`)
      expect(intlOffset(ms)).toBe(LOCAL_OFFSET_MS)
    }
  })
})
