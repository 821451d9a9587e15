/**
 * The engine's windows are compact rows (server/state/window.ts) instead of one object per
 * round: whatever the order of arrival, the drops, and the figures a round carries (a figure
 * first seen late widens the rows), every row must read back as the round it stores, in the
 * order a list sorted by time with late rounds after equal times would hold them.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { SampleWindow, type SampleField } from '../../../server/state/window'

const FIELDS: ReadonlyArray<readonly [SampleField, string]> = [
  ['rtt', 'rtt_median_seconds'],
  ['sent', 'sent'],
  ['received', 'received'],
  ['jitter', 'jitter_seconds'],
  ['download', 'download_bytes_per_second'],
  ['upload', 'upload_bytes_per_second'],
  ['inBps', 'in_bytes_per_second'],
  ['outBps', 'out_bytes_per_second'],
  ['statusCode', 'status_code'],
  ['responseSeconds', 'response_seconds'],
]

/** What a round reads as: the measured figure, else undefined (0 for the packet counts). */
function expected(m: Record<string, number>, field: SampleField): number | undefined {
  if (field === 'rtt') return m.rtt_median_seconds ?? m.rtt_avg_seconds ?? m.connect_seconds
  const metric = FIELDS.find(([f]) => f === field)?.[1] as string
  return m[metric] ?? (field === 'sent' || field === 'received' ? 0 : undefined)
}

describe('SampleWindow', () => {
  const measurements = fc.dictionary(
    fc.constantFrom(...FIELDS.map(([, metric]) => metric), 'rtt_avg_seconds', 'connect_seconds'),
    fc.oneof(
      fc.integer({ min: -5, max: 5 }),
      fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 }),
      // Seconds at nanosecond resolution (kept as integer nanoseconds while they fit 32 bits), some past ±2.1 s.
      fc.integer({ min: -3e9, max: 3e9 }).map((n) => n / 1e9),
    ),
    { maxKeys: 5 },
  )
  const op = fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('insert' as const), t: fc.integer({ min: 0, max: 30 }), m: measurements }) },
    // Times far apart (an integer offset no longer fits 32 bits: rebased, else kept as floats) and fractional ones.
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('insert' as const), t: fc.oneof(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e13, max: 1e13 })), m: measurements }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('drop' as const), n: fc.integer({ min: 0, max: 4 }) }) },
  )

  it('reads back every round in time order (late rounds after equal times), through drops and widening', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), fc.integer({ min: 0, max: 6 }), (ops, hint) => {
        const w = new SampleWindow(hint)
        const list: Array<{ t: number; m: Record<string, number> }> = []
        for (const o of ops) {
          if (o.kind === 'insert') {
            let i = list.length
            while (i > 0 && (list[i - 1] as { t: number }).t > o.t) i--
            list.splice(i, 0, { t: o.t, m: o.m })
            expect(w.insert(o.t, o.m)).toBe(i)
          } else {
            list.splice(0, o.n)
            w.dropOldest(o.n)
          }
          expect(w.length).toBe(list.length)
          expect(w.newestAt()).toBe(list.length > 0 ? (list[list.length - 1] as { t: number }).t : null)
          list.forEach((r, i) => {
            expect(w.at(i)).toBe(r.t)
            for (const [field] of FIELDS) expect(w.value(i, field)).toBe(expected(r.m, field))
          })
        }
      }),
      // Found by CI (seed 1032152488): a measured -0 packet count came back as +0.
      { examples: [[[{ kind: 'insert', t: 0, m: { sent: -0 } }], 0]] },
    )
  })

  it('keeps a packet round in 20 bytes (time, counts, nanosecond RTT and jitter as integers), for months of rounds', () => {
    const w = new SampleWindow(61)
    const t0 = Date.parse('2026-12-01T00:00:00Z')
    const hour = 3_600_000
    // 90 days of hourly rounds through a window of 60: the time offsets outgrow 32 bits (24.8 days) and are rebased.
    for (let h = 0; h < 90 * 24; h++) {
      w.insert(t0 + h * hour, { rtt_median_seconds: (12_345_678 + h) / 1e9, sent: 50, received: 49, jitter_seconds: 0.0007 })
      if (w.length > 60) w.dropOldest(1)
    }
    expect(w.rowBytes()).toBe(20)
    expect(w.length).toBe(60)
    expect(w.at(0)).toBe(t0 + (90 * 24 - 60) * hour)
    expect(w.newestAt()).toBe(t0 + (90 * 24 - 1) * hour)
    expect(w.value(59, 'rtt')).toBe((12_345_678 + 90 * 24 - 1) / 1e9)
    expect(w.value(0, 'jitter')).toBe(0.0007)
    expect(w.median(0)).toBe((12_345_678 + 90 * 24 - 30) / 1e9 / 2 + (12_345_678 + 90 * 24 - 31) / 1e9 / 2)
    expect(w.value(0, 'received')).toBe(49)
    // An RTT that is not whole nanoseconds (fping's hundredths of a ms divided into seconds) moves its column to floats.
    const fping = 11.01 / 1000 // 0.011009999999999999
    expect(Math.round(fping * 1e9) / 1e9).not.toBe(fping)
    w.insert(t0 + 90 * 24 * hour, { rtt_median_seconds: fping, sent: 50, received: 50, jitter_seconds: 0.0007 })
    expect(w.rowBytes()).toBe(24)
    expect(w.value(60, 'rtt')).toBe(fping)
    expect(w.value(59, 'rtt')).toBe((12_345_678 + 90 * 24 - 1) / 1e9)
    // A count that is not a 32-bit integer moves its column to floats, every row kept as it was.
    w.insert(t0 + 90 * 24 * hour + 1, { rtt_median_seconds: 0.01, sent: 2.5, received: 2 })
    expect(w.rowBytes()).toBe(28)
    expect(w.value(61, 'sent')).toBe(2.5)
    expect(w.value(59, 'sent')).toBe(50)
    expect(w.at(0)).toBe(t0 + (90 * 24 - 60) * hour)
  })

  it('keeps a measured -0 and 0, and reads figures a round did not measure as absent (counts as 0)', () => {
    const w = new SampleWindow()
    w.insert(1, { rtt_median_seconds: -0, sent: 0 })
    w.insert(2, { jitter_seconds: 0.5 })
    expect(Object.is(w.value(0, 'rtt'), -0)).toBe(true)
    expect(w.value(0, 'sent')).toBe(0)
    expect(w.value(1, 'rtt')).toBeUndefined()
    expect(w.value(0, 'jitter')).toBeUndefined()
    expect(w.value(1, 'jitter')).toBe(0.5)
  })
})
