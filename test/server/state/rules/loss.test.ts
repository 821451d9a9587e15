import { describe, expect, it } from 'vitest'
import { lossRule } from '../../../../server/state/rules/loss'
import { input, samples, times } from './input'

describe('rule loss: over ≥ 1000 packets, > 0.1 % warning, > 1 % critical', () => {
  it.each([
    ['no loss', 50, 50, 20, 'ok', 0],
    ['0.1 % exactly is not above', 1000, 999, 1, 'ok', 0.001],
    ['0.4 %', 50, 49.8, 20, 'warning', 0.004],
    ['3 %', 100, 97, 20, 'critical', 0.03],
  ] as const)('%s → %s', (_name, sent, received, rounds, state, ratio) => {
    const [v] = lossRule.grade(input({ kind: 'udp_echo', window: samples(times(rounds, { sent, received })) }))
    expect(v?.state).toBe(state)
    expect(v?.value).toBeCloseTo(ratio, 6)
    expect(v?.samples).toBe(sent * rounds)
  })

  it('is not judged over fewer than lossMinPackets packets', () => {
    expect(lossRule.grade(input({ kind: 'icmp', window: samples(times(5, { sent: 50, received: 25 })) }))).toEqual([])
    expect(lossRule.grade(input({ kind: 'icmp', window: samples(times(5, { sent: 50, received: 25 })), thresholds: { lossMinPackets: 200 } }))[0]?.state).toBe('critical')
  })
})
