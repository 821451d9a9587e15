import { setFlagsFromString } from 'node:v8'
import { describe, expect, it } from 'vitest'
import { withDuration } from '../../../server/routes/ingest'

// V8's own test intrinsic: whether two objects share a hidden class (map). Turned on for this
// file's worker only; `new Function` compiles after the flag is set.
setFlagsFromString('--allow-natives-syntax')
const haveSameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean

/** A parsed batch as JSON.parse gives it to the route: the same key set, different values. */
function parsedMeasurements(n: number): Array<Record<string, number>> {
  const results = Array.from({ length: n }, (_, i) => ({
    measurements: { sent: 50, received: 50 - (i % 3), loss_ratio: (i % 3) / 50, rtt_median_seconds: 0.012345678 + i * 1e-9, jitter_seconds: 0.0004 },
  }))
  return (JSON.parse(JSON.stringify(results)) as typeof results).map((r) => r.measurements)
}

describe('ingest: the measurements the engine keeps (issue 14, memory at national load)', () => {
  it('share one hidden class per key set, so 10,000 targets do not hold 10,000 classes', () => {
    const kept = parsedMeasurements(200).map((m) => withDuration(m, 2.5))
    expect(kept[0]).toEqual({ sent: 50, received: 50, loss_ratio: 0, rtt_median_seconds: 0.012345678, jitter_seconds: 0.0004, duration_seconds: 2.5 })
    expect(kept.every((m) => haveSameMap(m, kept[0] as object))).toBe(true)
  })

  it('the probe tells classes apart (a different key set is another class)', () => {
    const [a] = parsedMeasurements(1)
    expect(haveSameMap(withDuration(a as Record<string, number>, 1), withDuration({ sent: 1 }, 1))).toBe(false)
  })
})
