import { describe, expect, it } from 'vitest'
import { utilizationRule } from '../../../../server/state/rules/utilization'
import { CONTRACT_100, input, samples, times } from './input'

/** `minutes` SNMP samples, one a minute, with inbound traffic at `ratio` of the contract. */
const traffic = (minutes: number, ratio: number, outRatio = 0.1) =>
  times(minutes, { in_bytes_per_second: ratio * CONTRACT_100, out_bytes_per_second: outRatio * CONTRACT_100 })

describe('rule utilization: > 70 % for 15 min warning, > 90 % for 15 min critical', () => {
  it.each([
    ['75 % for 15 min', traffic(15, 0.75), 'warning', 0.7],
    ['75 % for 14 min only', traffic(14, 0.75), 'ok', 0.7],
    ['95 % for 15 min', traffic(15, 0.95), 'critical', 0.9],
    ['95 % for 10 min after 5 min at 80 %', [...traffic(5, 0.8), ...traffic(10, 0.95)], 'warning', 0.7],
    ['a dip to 50 % breaks the run', [...traffic(8, 0.8), ...traffic(1, 0.5), ...traffic(8, 0.8)], 'ok', 0.7],
    ['50 %', traffic(20, 0.5), 'ok', 0.7],
  ] as const)('%s → %s', (_name, rows, state, threshold) => {
    const verdicts = utilizationRule.grade(input({ kind: 'snmp', intervalSeconds: 60, window: samples(rows, 60) }))
    const inbound = verdicts.find((v) => v.part === 'in')
    expect(inbound).toMatchObject({ state, threshold, unit: 'ratio', contracted: CONTRACT_100, forSeconds: 900 })
    expect(verdicts.find((v) => v.part === 'out')?.state).toBe('ok')
  })

  it('shows the sustained (lowest) level of the run that held, and how long it held', () => {
    const rows = [...traffic(5, 0.72), ...traffic(10, 0.85)]
    const inbound = utilizationRule.grade(input({ kind: 'snmp', intervalSeconds: 60, window: samples(rows, 60) })).find((v) => v.part === 'in')
    expect(inbound?.value).toBeCloseTo(0.72, 9)
    expect(inbound?.heldSeconds).toBe(900)
  })

  it('a lost poll longer than two intervals breaks the run', () => {
    const rows = samples(traffic(16, 0.8), 60).filter((_, i) => i !== 7 && i !== 8)
    expect(utilizationRule.grade(input({ kind: 'snmp', intervalSeconds: 60, window: rows })).find((v) => v.part === 'in')?.state).toBe('ok')
  })
})
