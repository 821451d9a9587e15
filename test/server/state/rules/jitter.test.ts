import { describe, expect, it } from 'vitest'
import { jitterRule } from '../../../../server/state/rules/jitter'
import { input, samples, times } from './input'

describe('rule jitter: line 10/30 ms, video 30/50 ms', () => {
  it.each([
    ['line 5 ms', 'line', 0.005, 'ok', 0.01],
    ['line 18 ms', 'line', 0.018, 'warning', 0.01],
    ['line 35 ms', 'line', 0.035, 'critical', 0.03],
    ['video 18 ms', 'mcu', 0.018, 'ok', 0.03],
    ['video 35 ms', 'mcu', 0.035, 'warning', 0.03],
    ['video 60 ms', 'mcu', 0.06, 'critical', 0.05],
  ] as const)('%s → %s', (_name, role, jitter, state, threshold) => {
    const [v] = jitterRule.grade(input({ kind: 'udp_echo', role, window: samples(times(8, { jitter_seconds: jitter })) }))
    expect(v).toMatchObject({ state, value: jitter, threshold })
  })
})
