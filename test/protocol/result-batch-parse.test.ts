/**
 * `parseResultBatch` (the ingest route's parser) answers exactly as `ResultBatch.safeParse`:
 * same success, an equal batch, the same issues. Its quick check must never vouch for a batch
 * zod refuses, nor change what zod would return; and it must take the batches agents send.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CheckKind, ResultBatch, parseResultBatch } from '../../protocol'

const json = (v: unknown): unknown => JSON.parse(JSON.stringify(v)) as unknown

/** Mostly `valid`, sometimes `invalid` (each batch should more often than not be one zod accepts). */
const mostly = <T, U>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<U>): fc.Arbitrary<T | U> => fc.oneof({ weight: 30, arbitrary: valid }, { weight: 1, arbitrary: invalid })

const measurements = fc.dictionary(
  mostly(fc.oneof(fc.constantFrom('rtt_median_seconds', 'sent', 'received', 'jitter_seconds', 'constructor', 'a'), fc.stringMatching(/^[a-z][a-z0-9_]{0,63}$/)), fc.constantFrom('Rtt', '_x', 'x'.repeat(65), '')),
  mostly(fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: 0, max: 1000 })), fc.constantFrom('1', null, true)),
  { maxKeys: 5 },
)
const iso = mostly(
  fc.oneof(
    fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString()),
    fc.constantFrom('2028-02-29T23:59:59+07:00', '2026-12-01T08:00:00.123456Z', '2026-12-01T08:00:00-05:30'),
  ),
  fc.constantFrom('2026-02-29T00:00:00Z', '2026-12-01T24:00:00Z', '2026-12-01 08:00:00Z', '2026-12-01T08:00:00', '2026-12-01T08:00Z', 1_700_000_000_000),
)
const result = fc.record(
  {
    id: mostly(fc.oneof(fc.uuid(), fc.constantFrom('00000000-0000-0000-0000-000000000000', '6F1C3C52-7D7E-4D0E-9A43-0D4F0A1C2B3D')), fc.constantFrom('not-a-uuid', '6f1c3c52-7d7e-0d0e-9a43-0d4f0a1c2b3d', 7)),
    targetId: mostly(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,79}$/), fc.constantFrom('', '-x', 'ml line', 'x'.repeat(81))),
    kind: mostly(fc.constantFrom(...CheckKind.options), fc.constantFrom('ping', null)),
    observedAt: iso,
    durationSeconds: mostly(fc.oneof(fc.double({ min: 0, max: 86400, noNaN: true }), fc.constantFrom(86400, -0)), fc.constantFrom(-1, 86400.5, '2')),
    ok: mostly(fc.boolean(), fc.constantFrom(1, 'true')),
    error: mostly(fc.oneof(fc.string({ maxLength: 10 }), fc.constant('x'.repeat(500))), fc.constantFrom('x'.repeat(501), null)),
    measurements: mostly(measurements, fc.constantFrom([], null, 'm')),
  },
  { requiredKeys: ['id', 'targetId', 'kind', 'observedAt', 'durationSeconds', 'ok', 'measurements'] },
)
const count = mostly(fc.nat(1000), fc.constantFrom(-1, 1.5, 2 ** 53, '3'))
const batch = fc.record(
  {
    protocolVersion: mostly(fc.constant(1), fc.constantFrom(2, '1')),
    probeId: mostly(fc.oneof(fc.string({ minLength: 1, maxLength: 12 }), fc.constant('p'.repeat(80))), fc.constantFrom('', 'p'.repeat(81))),
    sentAt: iso,
    status: fc.record(
      {
        version: mostly(fc.string({ maxLength: 8 }), fc.constant('v'.repeat(41))),
        spoolBatches: count,
        spoolBytes: count,
        droppedBatches: count,
        overruns: count,
        unavailable: mostly(fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }), fc.constantFrom(Array.from({ length: 21 }, () => 'x'), ['y'.repeat(301)], [1])),
      },
      { requiredKeys: ['version', 'spoolBatches', 'spoolBytes', 'droppedBatches', 'overruns'] },
    ),
    results: fc.array(result, { maxLength: 4 }),
  },
  { requiredKeys: ['protocolVersion', 'probeId', 'sentAt', 'results'] },
)
/** What an agent cannot send but a client can: a key the schema does not know, or a required one missing. */
const corrupted = fc.tuple(batch, fc.constantFrom('none', 'none', 'none', 'none', 'extra', 'extra-result', 'extra-status', 'missing', 'missing-result', 'missing-status')).map(([b, how]) => {
  const o = json(b) as Record<string, unknown> & { results: Array<Record<string, unknown>>; status?: Record<string, unknown> }
  const r = o.results[0]
  if (how === 'extra') o.extra = 1
  if (how === 'extra-result' && r) r.extra = 'x'
  if (how === 'extra-status' && o.status) o.status.extra = true
  if (how === 'missing') delete o.sentAt
  if (how === 'missing-result' && r) delete r.kind
  if (how === 'missing-status' && o.status) delete o.status.overruns
  return o
})

function sameAsZod(input: unknown): void {
  const fast = parseResultBatch(input)
  const zod = ResultBatch.safeParse(input)
  expect(fast.success).toBe(zod.success)
  if (zod.success) expect(fast.data).toStrictEqual(zod.data)
  else expect(fast.error?.issues).toStrictEqual(zod.error.issues)
}

describe('parseResultBatch', () => {
  it('answers as ResultBatch.safeParse on generated batches, valid or not', () => {
    fc.assert(fc.property(corrupted, (b) => sameAsZod(b)), { numRuns: 3000 })
  })

  it('answers as ResultBatch.safeParse on what JSON alone can carry: out-of-range numbers, odd shapes', () => {
    const ok = {
      protocolVersion: 1,
      probeId: 'p-1',
      sentAt: '2026-12-01T08:00:00Z',
      results: [{ id: '6f1c3c52-7d7e-4d0e-9a43-0d4f0a1c2b3d', targetId: 'ml-line', kind: 'udp_echo', observedAt: '2026-12-01T08:00:00+07:00', durationSeconds: 2.5, ok: true, measurements: { rtt_median_seconds: 0.012 } }],
    }
    const text = JSON.stringify(ok)
    for (const input of [
      JSON.parse(text.replace('0.012', '1e400')),
      JSON.parse(text.replace('2.5', '1e400')),
      JSON.parse(text.replace('"rtt_median_seconds"', '"__proto__"')),
      JSON.parse(text.replace('"rtt_median_seconds"', '"constructor"')),
      JSON.parse(text.replace('"durationSeconds":2.5', '"durationSeconds":-0')),
      JSON.parse(text.replace('"results":[', '"results":[null,')),
      null,
      [],
      'batch',
      { ...ok, results: Array.from({ length: 1001 }, () => ok.results[0]) },
      { ...ok, results: Array.from({ length: 1000 }, () => ok.results[0]) },
    ])
      sameAsZod(input)
  })

  it('takes an agent’s batch without zod: the batch itself comes back, with the status default added as zod does', () => {
    const input = json({
      protocolVersion: 1,
      probeId: 'p-1',
      sentAt: '2026-12-01T08:00:00.123Z',
      status: { version: '0.2.0', spoolBatches: 0, spoolBytes: 0, droppedBatches: 0, overruns: 0 },
      results: [{ id: '6f1c3c52-7d7e-4d0e-9a43-0d4f0a1c2b3d', targetId: 'ml-line', kind: 'icmp', observedAt: '2026-12-01T08:00:00Z', durationSeconds: 2.5, ok: false, error: 'timeout', measurements: { sent: 50, received: 0 } }],
    }) as ResultBatch
    const parsed = parseResultBatch(input)
    expect(parsed.success && parsed.data.results).toBe(input.results)
    expect(parsed.data?.status?.unavailable).toEqual([])
    expect(input.status).not.toHaveProperty('unavailable')
    sameAsZod(input)
  })
})
