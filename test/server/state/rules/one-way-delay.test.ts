import { describe, expect, it } from 'vitest'
import { oneWayDelayRule } from '../../../../server/state/rules/one-way-delay'
import { input, samples, times } from './input'

describe('rule one_way_delay: RTT median ÷ 2 on video paths, > 100 ms warning, > 150 ms critical', () => {
  it.each([
    ['RTT 150 ms → 75 ms one way', 0.15, 'ok', 0.1],
    ['RTT 240 ms → 120 ms', 0.24, 'warning', 0.1],
    ['RTT 320 ms → 160 ms', 0.32, 'critical', 0.15],
  ] as const)('%s → %s', (_name, rtt, state, threshold) => {
    const [v] = oneWayDelayRule.grade(input({ kind: 'udp_echo', role: 'mcu', window: samples(times(6, { rtt_median_seconds: rtt })) }))
    expect(v?.state).toBe(state)
    expect(v?.value).toBeCloseTo(rtt / 2, 9)
    expect(v?.threshold).toBe(threshold)
  })

  it('applies to video paths only', () => {
    expect(oneWayDelayRule.appliesTo({ kind: 'udp_echo', role: 'line' })).toBe(false)
    expect(oneWayDelayRule.appliesTo({ kind: 'h323', role: 'mcu' })).toBe(true)
  })
})
