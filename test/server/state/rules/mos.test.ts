import { describe, expect, it } from 'vitest'
import { estimateMos } from '../../../../protocol'
import { mosRule } from '../../../../server/state/rules/mos'
import { input, samples, times } from './input'

describe('rule mos: E-model from the window figures on video paths, < 4.0 warning, < 3.6 critical', () => {
  it.each([
    // [name, rtt s, jitter s, sent, received per round, expected state]
    ['clean path', 0.02, 0.002, 100, 100, 'ok'],
    ['5 % round-trip loss (MOS ≈ 4.04)', 0.001, 0.0005, 100, 95, 'ok'],
    ['7 % loss', 0.001, 0.0005, 100, 93, 'warning'],
    ['9.75 % loss: 5 % dropped each way', 0.001, 0.0005, 400, 361, 'critical'],
    ['long path: 700 ms RTT, 1 % loss', 0.7, 0.005, 100, 99, 'critical'],
  ] as const)('%s', (_name, rtt, jitter, sent, received, state) => {
    const [v] = mosRule.grade(input({ kind: 'udp_echo', role: 'mcu', window: samples(times(20, { rtt_median_seconds: rtt, jitter_seconds: jitter, sent, received })) }))
    const expected = estimateMos((rtt * 1000) / 2, jitter * 1000, ((sent - received) / sent) * 100)
    expect(v?.state).toBe(state)
    expect(v?.value).toBeCloseTo(expected, 9)
    expect(v?.threshold).toBe(state === 'critical' ? 3.6 : 4.0)
    expect(v?.bad).toBe('below')
  })

  it('needs lossMinPackets packets and a video path', () => {
    expect(mosRule.grade(input({ kind: 'udp_echo', role: 'mcu', window: samples(times(3, { rtt_median_seconds: 0.01, sent: 50, received: 40 })) }))).toEqual([])
    expect(mosRule.appliesTo({ kind: 'udp_echo', role: 'line' })).toBe(false)
    expect(mosRule.appliesTo({ kind: 'sip', role: 'mcu' })).toBe(false)
  })
})
