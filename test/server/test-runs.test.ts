import { describe, expect, it } from 'vitest'
import { createTestRuns } from '../../server/test-runs'

const T0 = Date.parse('2026-12-04T01:00:00Z')
const targets = [
  { id: 'ml-speed', kind: 'throughput' as const, probeId: 'p1', timeoutSeconds: 60 },
  { id: 'ml-line', kind: 'udp_echo' as const, probeId: 'p1', timeoutSeconds: 10 },
]

describe('test runs ("Đo ngay")', () => {
  it('wakes the probe waiting for it, and is done when fresh results of every target arrive', async () => {
    const clock = { now: T0 }
    const runs = createTestRuns({ now: () => clock.now, graceSeconds: 60 })
    const waiting = runs.wait('p1', 30_000, new AbortController().signal)
    const { run, created } = runs.start('KS-ML', targets, 'vanhanh')
    expect(created).toBe(true)
    expect(run).toMatchObject({ communeCode: 'KS-ML', requestedBy: 'vanhanh', state: 'running', expiresAt: new Date(T0 + 130_000).toISOString() })
    const got = await waiting
    expect(got.map((r) => r.targetId)).toEqual(['ml-speed', 'ml-line'])
    expect(runs.get(run.id)?.targets.map((t) => t.state)).toEqual(['sent', 'sent'])
    // A result observed before the request is not fresh.
    runs.observe([{ targetId: 'ml-line', observedAt: T0 - 1, ok: true, error: null, measurements: {} }])
    expect(runs.get(run.id)?.targets[1]?.state).toBe('sent')
    runs.observe([{ targetId: 'ml-line', observedAt: T0 + 3000, ok: true, error: null, measurements: { rtt_median_seconds: 0.004 } }])
    runs.observe([{ targetId: 'ml-speed', observedAt: T0 + 12_000, ok: true, error: null, measurements: { download_bytes_per_second: 7e6 } }])
    const done = runs.get(run.id)
    expect(done?.state).toBe('done')
    expect(done?.targets[0]).toMatchObject({ state: 'done', ok: true, measurements: { download_bytes_per_second: 7e6 }, resultAt: new Date(T0 + 12_000).toISOString() })
  })

  it('one run at a time per commune; unfinished targets expire at the deadline', () => {
    const clock = { now: T0 }
    const runs = createTestRuns({ now: () => clock.now, graceSeconds: 10 })
    const first = runs.start('KS-ML', targets, 'a').run
    const again = runs.start('KS-ML', targets, 'b')
    expect(again).toMatchObject({ created: false, run: { id: first.id } })
    clock.now = T0 + 80_001
    expect(runs.get(first.id)?.state).toBe('expired')
    expect(runs.get(first.id)?.targets.map((t) => t.state)).toEqual(['expired', 'expired'])
    expect(runs.claim('p1')).toEqual([])
    expect(runs.start('KS-ML', targets, 'c').created).toBe(true)
  })

  it('a wait ends empty at its deadline or when the client goes away', async () => {
    const runs = createTestRuns({ now: Date.now, graceSeconds: 10 })
    const started = performance.now()
    expect(await runs.wait('p1', 50, new AbortController().signal)).toEqual([])
    expect(performance.now() - started).toBeGreaterThanOrEqual(45)
    const gone = new AbortController()
    const pending = runs.wait('p1', 60_000, gone.signal)
    gone.abort()
    expect(await pending).toEqual([])
  })
})
