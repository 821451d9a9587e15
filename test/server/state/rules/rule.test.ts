import { describe, expect, it } from 'vitest'
import { Verdict } from '../../../../protocol'
import { gradeTarget } from '../../../../server/state/grading'
import { above, below } from '../../../../server/state/rules/rule'
import { input, samples, times } from './input'

/** What a consumer of the API or the live feed gets: the verdict through JSON. */
const wire = (v: object): unknown => JSON.parse(JSON.stringify(v))

describe('graded verdicts (one object of the final shape, the rule stamped in place)', () => {
  it('carry every key given, whichever shape they take', () => {
    expect(wire(above(0.06, 0.05, 0.1, 'seconds', 20, Date.UTC(2026, 11, 7, 3)))).toEqual({
      state: 'warning',
      value: 0.06,
      threshold: 0.05,
      unit: 'seconds',
      bad: 'above',
      samples: 20,
      at: '2026-12-07T03:00:00.000Z',
    })
    expect(wire(below(5e6, 10e6, 6e6, 'bytes_per_second', 3, null, { part: 'download', contracted: 12.5e6, factor: 0.8, heldSeconds: 60, forSeconds: 900 }))).toEqual({
      part: 'download',
      state: 'critical',
      value: 5e6,
      threshold: 6e6,
      unit: 'bytes_per_second',
      bad: 'below',
      contracted: 12.5e6,
      factor: 0.8,
      samples: 3,
      heldSeconds: 60,
      forSeconds: 900,
      at: null,
    })
  })

  it('leave gradeTarget as wire-contract verdicts, each named by its rule', () => {
    const verdicts = gradeTarget(input({ kind: 'udp_echo', role: 'mcu', window: samples(times(20, { rtt_median_seconds: 0.06, jitter_seconds: 0.001, sent: 50, received: 50 })) }))
    const rules = verdicts.map((v) => v.rule)
    expect(new Set(rules).size).toBe(rules.length)
    expect(rules).toEqual(expect.arrayContaining(['rtt', 'loss', 'jitter']))
    expect(verdicts.find((v) => v.rule === 'rtt')).toMatchObject({ state: 'warning', value: 0.06, threshold: 0.05 })
    for (const v of verdicts) expect(Verdict.parse(wire(v))).toEqual(wire(v))
  })
})
