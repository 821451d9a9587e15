import { describe, expect, it } from 'vitest'
import { buildStrip, stripRuns } from '../../protocol'

const H = 3600_000
const from = Date.parse('2026-11-24T00:00:00Z')
const to = from + 24 * H

describe('buildStrip', () => {
  it('puts each state in the buckets it covers, worst first, and does not draw time before monitoring', () => {
    const strip = buildStrip({
      from,
      to,
      buckets: 24,
      before: null,
      monitoredFrom: from + 2 * H,
      changes: [
        { at: from + 2 * H, state: 'unknown' },
        { at: from + 2 * H + 60_000, state: 'ok' },
        { at: from + 10 * H + 30 * 60_000, state: 'down' },
        { at: from + 11 * H + 10 * 60_000, state: 'ok' },
        { at: from + 20 * H, state: 'unknown' },
        { at: from + 22 * H, state: 'warning' },
      ],
    })
    // 00–02 not monitored; 02 unknown (one minute); 10 and 11 down (an outage outranks ok in its
    // bucket); 20–21 unknown; 22–23 warning.
    expect(strip).toBe('--u' + 'o'.repeat(7) + 'dd' + 'o'.repeat(8) + 'uuww')
  })

  it('carries the state in force before the window, and a change on a bucket edge does not leak backwards', () => {
    expect(buildStrip({ from, to, buckets: 4, before: 'down', monitoredFrom: from - 48 * H, changes: [{ at: from + 6 * H, state: 'ok' }] })).toBe('dooo')
    expect(buildStrip({ from, to, buckets: 4, before: null, monitoredFrom: null, changes: [] })).toBe('----')
  })

  it('reads back as runs', () => {
    expect(stripRuns('--oodd')).toEqual([
      { start: 0, length: 2, state: null },
      { start: 2, length: 2, state: 'ok' },
      { start: 4, length: 2, state: 'down' },
    ])
  })
})
