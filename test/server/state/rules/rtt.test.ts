import { describe, expect, it } from 'vitest'
import { rttRule } from '../../../../server/state/rules/rtt'
import { input, samples, times } from './input'

describe('rule rtt: median RTT over the window, > 50 ms warning, > 100 ms critical', () => {
  it.each([
    ['10 ms', 0.01, 'ok', 0.05],
    ['exactly 50 ms is not above', 0.05, 'ok', 0.05],
    ['60 ms', 0.06, 'warning', 0.05],
    ['101 ms', 0.101, 'critical', 0.1],
  ] as const)('%s → %s', (_name, rtt, state, threshold) => {
    const [v] = rttRule.grade(input({ kind: 'udp_echo', window: samples(times(20, { rtt_median_seconds: rtt, sent: 50, received: 50 })) }))
    expect(v).toMatchObject({ state, value: rtt, threshold, unit: 'seconds', bad: 'above', samples: 20 })
  })

  it('one slow round in a window of fast ones does not move the median', () => {
    const window = samples([...times(10, { rtt_median_seconds: 0.01 }), { rtt_median_seconds: 0.5 }])
    expect(rttRule.grade(input({ kind: 'icmp', window }))[0]?.state).toBe('ok')
  })

  it('judges the connect time of tcp and h323 targets; nothing without figures', () => {
    expect(rttRule.appliesTo({ kind: 'h323', role: 'mcu' })).toBe(true)
    expect(rttRule.appliesTo({ kind: 'throughput', role: 'line' })).toBe(false)
    expect(rttRule.grade(input({ kind: 'h323', window: samples(times(3, { connect_seconds: 0.07 })) }))[0]?.state).toBe('warning')
    expect(rttRule.grade(input({ kind: 'icmp', window: [] }))).toEqual([])
  })

  it('a per-target override replaces the default limit', () => {
    const window = samples(times(5, { rtt_median_seconds: 0.06 }))
    expect(rttRule.grade(input({ kind: 'icmp', window, thresholds: { rttWarningSeconds: 0.08 } }))[0]).toMatchObject({ state: 'ok', threshold: 0.08 })
  })
})
