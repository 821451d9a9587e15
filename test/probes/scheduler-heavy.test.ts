import { describe, expect, it } from 'vitest'
import type { CheckResult } from '../../protocol'
import type { CheckContext, CheckOutcome } from '../../probes/checks/checker'
import { createScheduler, heavyFirstDueMs, type SchedulerOptions } from '../../probes/scheduler'
import { createFakeClock } from '../helpers/probe-fake-clock'
import { makeTarget, silentLog } from '../helpers/probe-fixtures'

const HOUR = 3_600_000
const SIX_HOURS = 6 * HOUR
// Monday 2026-01-05 07:00 in Asia/Ho_Chi_Minh (UTC+7).
const MONDAY_0700_ICT = Date.parse('2026-01-05T00:00:00Z')
const ok: CheckOutcome = { ok: true, measurements: { download_bytes_per_second: 1 } }

const throughput = (id: string, intervalSeconds = 6 * 3600, timeoutSeconds = 60) =>
  makeTarget('throughput', { id, intervalSeconds, timeoutSeconds })

function setup(run: SchedulerOptions['run'], extra: Partial<SchedulerOptions> = {}, startMs = MONDAY_0700_ICT) {
  const clock = createFakeClock(startMs)
  const results: CheckResult[] = []
  const started: { id: string; at: number; ctx: CheckContext }[] = []
  const scheduler = createScheduler({
    run: (t, ctx) => {
      started.push({ id: t.id, at: clock.now(), ctx })
      return run(t, ctx)
    },
    tools: {},
    onResult: (r) => results.push(r),
    log: silentLog(),
    maxConcurrency: 4,
    clock,
    random: () => 0.5,
    ...extra,
  })
  return { clock, results, started, scheduler }
}

/** Ids whose heavy phase (ms after a multiple of `intervalMs`) satisfies `pred`, first `n` of them. */
function idsWithPhase(n: number, intervalMs: number, pred: (phaseMs: number) => boolean): string[] {
  const out: string[] = []
  for (let i = 0; out.length < n && i < 100_000; i++) {
    const id = `tp-${i}`
    if (pred(heavyFirstDueMs(id, intervalMs, 0) % intervalMs)) out.push(id)
  }
  return out
}

describe('scheduler: heavy checks', () => {
  it('first runs are spread over the interval by target id, the same after a restart', async () => {
    const ids = Array.from({ length: 12 }, (_, i) => `line-${i}`)
    const phases = async (startMs: number) => {
      const { clock, started, scheduler } = setup(async () => ok, {}, startMs)
      scheduler.setTargets(ids.map((id) => throughput(id)))
      await clock.advance(SIX_HOURS)
      await scheduler.stop()
      expect(started).toHaveLength(ids.length)
      return new Map(started.map((s) => [s.id, s.at % SIX_HOURS]))
    }
    const first = await phases(MONDAY_0700_ICT)
    // A restart 1 h 23 min later keeps every target's phase: nothing bunches up at start.
    const restarted = await phases(MONDAY_0700_ICT + 83 * 60_000 + 17)
    expect(restarted).toEqual(first)
    const sorted = [...first.values()].sort((a, b) => a - b)
    expect(new Set(sorted).size).toBe(ids.length)
    expect((sorted.at(-1) ?? 0) - (sorted[0] ?? 0)).toBeGreaterThan(SIX_HOURS / 2)
  })

  it('heavyFirstDueMs is the next instant at the phase, strictly after now', () => {
    const now = MONDAY_0700_ICT + 12_345
    const due = heavyFirstDueMs('line-1', SIX_HOURS, now)
    expect(due).toBeGreaterThan(now)
    expect(due - now).toBeLessThanOrEqual(SIX_HOURS)
    expect(heavyFirstDueMs('line-1', SIX_HOURS, due)).toBe(due + SIX_HOURS)
    expect(heavyFirstDueMs('line-1', SIX_HOURS, due - 1)).toBe(due)
  })

  it('postpones heavy runs out of a quiet window, counts them, folds them into one run at its end', async () => {
    const { clock, results, started, scheduler } = setup(async () => ok, {
      quietWindows: [{ from: '07:30', to: '11:30', days: [1, 2, 3, 4, 5] }],
    })
    scheduler.setTargets([throughput('line-a', 3600), makeTarget('tcp', { id: 'tcp-a', port: 1, intervalSeconds: 600, timeoutSeconds: 5 })])
    await clock.advance(6 * HOUR)
    const windowStart = MONDAY_0700_ICT + 30 * 60_000
    const windowEnd = MONDAY_0700_ICT + 4.5 * HOUR
    const heavy = started.filter((s) => s.id === 'line-a').map((s) => s.at)
    expect(heavy.filter((at) => at >= windowStart && at < windowEnd)).toEqual([])
    expect(heavy).toContain(windowEnd)
    // Due four times inside the 4 h window (hourly), run once at its end.
    expect(heavy.filter((at) => at === windowEnd)).toHaveLength(1)
    expect(scheduler.stats().postponed).toBe(4)
    // Light checks are not affected.
    expect(started.filter((s) => s.id === 'tcp-a' && s.at >= windowStart && s.at < windowEnd).length).toBeGreaterThanOrEqual(20)
    expect(results.filter((r) => r.targetId === 'line-a').length).toBe(heavy.length)
    await scheduler.stop()
  })

  it('a heavy check queued behind another when the window begins waits for its end', async () => {
    const [a, b] = idsWithPhase(2, HOUR, (p) => p > 60_000 && p < 20 * 60_000).sort((x, y) => heavyFirstDueMs(x, HOUR, 0) - heavyFirstDueMs(y, HOUR, 0))
    if (!a || !b) throw new Error('no ids found')
    const finishers: ((o: CheckOutcome) => void)[] = []
    const { clock, started, scheduler } = setup(() => new Promise<CheckOutcome>((resolve) => finishers.push(resolve)), {
      quietWindows: [{ from: '07:30', to: '08:30' }],
    })
    scheduler.setTargets([throughput(a, 3600, 600), throughput(b, 3600, 600)])
    await clock.advance(25 * 60_000)
    // a runs, b waits in the serial lane.
    expect(started.map((s) => s.id)).toEqual([a])
    expect(scheduler.stats()).toMatchObject({ running: 1, queued: 1 })
    await clock.advance(10 * 60_000) // 07:35, inside the window
    finishers[0]?.(ok)
    await clock.flush()
    expect(started.map((s) => s.id)).toEqual([a])
    expect(scheduler.stats()).toMatchObject({ running: 0, queued: 0, postponed: 1 })
    await clock.advance(55 * 60_000) // 08:30
    expect(started.map((s) => s.id)).toEqual([a, b])
    expect(started[1]?.at).toBe(MONDAY_0700_ICT + 90 * 60_000)
    finishers[1]?.(ok)
    await scheduler.stop()
  })

  it('a target removed while postponed does not run at the end of the window', async () => {
    const { clock, started, scheduler } = setup(async () => ok, { quietWindows: [{ from: '07:00', to: '09:00' }] })
    scheduler.setTargets([throughput('line-a', 3600)])
    await clock.advance(HOUR)
    expect(scheduler.stats().postponed).toBe(1)
    scheduler.setTargets([])
    await clock.advance(2 * HOUR)
    expect(started).toEqual([])
    await scheduler.stop()
  })

  it('gives the speedtest access to throughput checks only', async () => {
    const { clock, started, scheduler } = setup(async () => ok, { speedtest: { token: 'probe-token' } })
    scheduler.setTargets([throughput('line-a', 600), makeTarget('tcp', { id: 'tcp-a', port: 1, intervalSeconds: 600, timeoutSeconds: 5 })])
    await clock.advance(600_000)
    const ctxOf = (id: string) => started.find((s) => s.id === id)?.ctx
    expect(ctxOf('line-a')?.speedtest).toEqual({ token: 'probe-token' })
    expect(ctxOf('tcp-a')).toBeDefined()
    expect(ctxOf('tcp-a')?.speedtest).toBeUndefined()
    await scheduler.stop()
  })

  it('refuses invalid quiet windows at creation', () => {
    expect(() => setup(async () => ok, { quietWindows: [{ from: '7:30', to: '11:30' }] })).toThrow('quietWindows[0].from')
  })
})
