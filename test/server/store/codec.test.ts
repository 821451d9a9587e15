/**
 * The result codec is lossless: every finite double comes back identical (Object.is), values
 * probes report take few bytes, and records and chunks round-trip with Vietnamese error text.
 */
import { describe, expect, it } from 'vitest'
import { ByteReader, ByteWriter, decodeChunk, encodeChunk, readRecord, writeRecord, writeRecordBody, writeRecordHead, type ResultRecord } from '../../../server/store/results/codec'

const roundTrip = (v: number): { back: number; bytes: number } => {
  const w = new ByteWriter(4)
  w.value(v)
  const rd = new ByteReader(w.view())
  return { back: rd.value(), bytes: w.len }
}

describe('result codec', () => {
  it('gives back the very same double, whatever it is', () => {
    const values = [0, -0, 1, -1, 50, 0.012, 0.000123456, 12.34 / 1000, 1 / 15, 2 / 3, -0.5, 1e-12, 123456789.123, 2 ** 47, 2 ** 53, -(2 ** 60), Number.MAX_VALUE, Number.MIN_VALUE, 0.1 + 0.2]
    // And a few thousand pseudo-random ones across magnitudes.
    let seed = 7
    for (let i = 0; i < 5000; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      values.push(((seed / 2 ** 31) - 0.5) * 10 ** ((i % 24) - 12))
    }
    for (const v of values) expect(Object.is(roundTrip(v).back, v), String(v)).toBe(true)
  })

  it('stores what probes report in few bytes', () => {
    expect(roundTrip(0).bytes).toBe(1)
    expect(roundTrip(50).bytes).toBe(2)
    expect(roundTrip(0.012).bytes).toBe(2)
    // Nanosecond-resolution seconds (udp_echo): 8 significant digits, 5 bytes.
    expect(roundTrip(0.012345678).bytes).toBe(5)
    // No short decimal holds 1/15: the tag and the eight bytes of the double.
    expect(roundTrip(1 / 15).bytes).toBe(9)
  })

  it('round-trips records and chunks, error text in Vietnamese included', () => {
    const records: ResultRecord[] = [
      { ts: 1_796_000_000_000, ok: true, probe: 3, durationMs: 2500.25, values: [1, 0.012, 2, 0, 3, 50], error: null },
      { ts: 1_796_000_015_000, ok: false, probe: 3, durationMs: 2000, values: [2, 1, 3, 50], error: 'Xã Mường Xén: 10.0.0.1 không trả lời sau 2 s' },
      { ts: 1_796_000_030_007, ok: true, probe: 9, durationMs: 2600, values: [], error: null },
    ]
    const w = new ByteWriter(8)
    const prev = { ts: 1_796_000_000_000, probe: 0 }
    for (const r of records) writeRecord(w, r, prev)
    const rd = new ByteReader(w.view())
    const back = { ts: 1_796_000_000_000, probe: 0 }
    expect(records.map(() => readRecord(rd, back))).toEqual(records)
    expect(rd.done).toBe(true)
    expect(decodeChunk(encodeChunk(records, 1_795_999_500_000), 1_795_999_500_000)).toEqual(records)
  })

  it('writes the same bytes as a head and a body from the measurements (ingest) as writeRecord does from the record', () => {
    const keys = new Map([['rtt_median_seconds', 1], ['loss_ratio', 2], ['sent', 3], ['mos_estimate', 7]])
    const keyOf = (m: string): number => keys.get(m) as number
    const results: Array<{ ts: number; ok: boolean; probe: number; durationMs: number; m: Record<string, number>; error: string | null }> = [
      { ts: 1_796_000_000_000, ok: true, probe: 3, durationMs: 2500.25, m: { rtt_median_seconds: 0.012345678, loss_ratio: 0, sent: 50, mos_estimate: 4.312 }, error: null },
      { ts: 1_796_000_015_000, ok: false, probe: 3, durationMs: 2000, m: { loss_ratio: 1, sent: 50 }, error: 'Điểm cầu Xã Mường Xén: không có phản hồi trong 2 s' },
      { ts: 1_796_000_014_000, ok: true, probe: 9, durationMs: 1 / 3, m: {}, error: '' },
    ]
    const whole = new ByteWriter(8)
    const parts = new ByteWriter(8)
    const prevWhole = { ts: 0, probe: 0 }
    const prevParts = { ts: 0, probe: 0 }
    for (const r of results) {
      const values = Object.entries(r.m).flatMap(([name, v]) => [keyOf(name), v])
      writeRecord(whole, { ts: r.ts, ok: r.ok, probe: r.probe, durationMs: r.durationMs, values, error: r.error }, prevWhole)
      writeRecordHead(parts, r.ts, r.ok, r.error !== null, r.probe, prevParts)
      writeRecordBody(parts, r.durationMs, r.m, keyOf, r.error)
    }
    expect(Buffer.from(parts.view()).equals(Buffer.from(whole.view()))).toBe(true)
    expect(prevParts).toEqual(prevWhole)
    // And a body copied into another chain reads back as its record.
    const body = new ByteWriter(8)
    writeRecordBody(body, 2000, results[1]!.m, keyOf, results[1]!.error)
    const other = new ByteWriter(8)
    writeRecordHead(other, 1_796_000_015_000, false, true, 3, { ts: 1_796_000_000_000, probe: 3 })
    other.copyFrom(body.buf, 0, body.len)
    expect(readRecord(new ByteReader(other.view()), { ts: 1_796_000_000_000, probe: 3 })).toEqual({ ts: 1_796_000_015_000, ok: false, probe: 3, durationMs: 2000, values: [2, 1, 3, 50], error: results[1]!.error })
  })

  it('grows from any capacity and keeps every byte', () => {
    for (const initial of [0, 1, 3, 256]) {
      const w = new ByteWriter(initial)
      const values = Array.from({ length: 300 }, (_, i) => (i % 2 === 0 ? i / 7 : i))
      for (const v of values) w.value(v)
      const rd = new ByteReader(w.view())
      expect(values.map(() => rd.value())).toEqual(values)
      expect(rd.done).toBe(true)
    }
  })

  it('refuses truncated data instead of inventing values', () => {
    const w = new ByteWriter(4)
    w.value(1 / 15)
    expect(() => new ByteReader(w.view().subarray(0, 5)).value()).toThrow(/truncated/)
  })
})
