import { describe, expect, it } from 'vitest'
import { estimateMos } from '../../../protocol'
import { summarizeRound } from '../../../probes/checks/stats'

describe('summarizeRound', () => {
  it('adds mos_estimate from one-way latency (median RTT / 2), jitter and loss %', () => {
    // RTTs 40/60/50/50 ms: median 50 ms → 25 ms one way; 1 of 5 lost → 20 %.
    const m = summarizeRound({ sent: 5, rttsSeconds: [0.04, 0.06, 0.05, 0.05] })
    expect(m.rtt_median_seconds).toBeCloseTo(0.05, 9)
    const expected = estimateMos(25, (m.jitter_seconds ?? 0) * 1000, 20)
    expect(m.mos_estimate).toBeCloseTo(expected, 9)
    // A clean LAN path grades near the top of the scale, a lossy one far below it.
    expect(summarizeRound({ sent: 3, rttsSeconds: [0.001, 0.001, 0.001] }).mos_estimate).toBeGreaterThan(4.3)
    expect(m.mos_estimate).toBeLessThan(3)
  })

  it('has no RTT, jitter or MOS when nothing came back', () => {
    expect(summarizeRound({ sent: 4, rttsSeconds: [] })).toEqual({ sent: 4, received: 0, loss_ratio: 1 })
  })
})
