import { describe, expect, it } from 'vitest'
import { CheckResult, type TargetSpec } from '../../protocol'
import type { CheckContext, CheckOutcome } from '../../probes/checks/checker'
import { createScheduler, type SchedulerOptions } from '../../probes/scheduler'
import { createFakeClock } from '../helpers/probe-fake-clock'
import { makeTarget, silentLog } from '../helpers/probe-fixtures'

const okOutcome: CheckOutcome = { ok: true, measurements: { connect_seconds: 0.01 } }

/** A checker whose runs the test finishes by hand (or the deadline does, like a real checker). */
function manualChecker() {
  const runs: { target: TargetSpec; ctx: CheckContext; finish: (o: CheckOutcome) => void }[] = []
  let running = 0
  let maxRunning = 0
  const runningByKind = new Map<string, number>()
  const maxByKind = new Map<string, number>()
  const run = (target: TargetSpec, ctx: CheckContext) =>
    new Promise<CheckOutcome>((resolve) => {
      running++
      maxRunning = Math.max(maxRunning, running)
      const k = (runningByKind.get(target.kind) ?? 0) + 1
      runningByKind.set(target.kind, k)
      maxByKind.set(target.kind, Math.max(k, maxByKind.get(target.kind) ?? 0))
      let done = false
      const finish = (o: CheckOutcome) => {
        if (done) return
        done = true
        running--
        runningByKind.set(target.kind, (runningByKind.get(target.kind) ?? 1) - 1)
        resolve(o)
      }
      ctx.signal.addEventListener('abort', () => finish({ ok: false, error: 'deadline', measurements: {} }))
      runs.push({ target, ctx, finish })
    })
  return { run, runs, maxRunning: () => maxRunning, running: () => running, maxByKind }
}

function setup(run: SchedulerOptions['run'], extra: Partial<SchedulerOptions> = {}) {
  const clock = createFakeClock()
  const results: CheckResult[] = []
  const scheduler = createScheduler({
    run,
    tools: {},
    onResult: (r) => results.push(r),
    log: silentLog(),
    maxConcurrency: 4,
    clock,
    random: () => 0.5,
    ...extra,
  })
  return { clock, results, scheduler }
}

const tcp = (id: string, intervalSeconds = 10, timeoutSeconds = 5) => makeTarget('tcp', { id, port: 1, intervalSeconds, timeoutSeconds })

describe('scheduler', () => {
  it('runs each target on its interval, first run spread by jitter, and stamps results', async () => {
    const { clock, results, scheduler } = setup(async () => okOutcome)
    const start = clock.now()
    scheduler.setTargets([tcp('a', 10)])
    await clock.advance(4_999)
    expect(results).toHaveLength(0)
    await clock.advance(1) // random 0.5 × 10 s
    expect(results).toHaveLength(1)
    await clock.advance(10_000)
    await clock.advance(10_000)
    expect(results).toHaveLength(3)
    expect(results.map((r) => Date.parse(r.observedAt) - start)).toEqual([5_000, 15_000, 25_000])
    for (const r of results) expect(CheckResult.safeParse(r).success).toBe(true)
    expect(new Set(results.map((r) => r.id)).size).toBe(3)
    expect(results[0]).toMatchObject({ targetId: 'a', kind: 'tcp', ok: true, measurements: { connect_seconds: 0.01 } })
    await scheduler.stop()
  })

  it('never runs more than maxConcurrency checks at once', async () => {
    const m = manualChecker()
    const { clock, results, scheduler } = setup(m.run, { maxConcurrency: 2 })
    scheduler.setTargets(['a', 'b', 'c', 'd', 'e'].map((id) => tcp(id, 60, 30)))
    await clock.advance(30_000)
    expect(m.running()).toBe(2)
    expect(scheduler.stats()).toMatchObject({ running: 2, queued: 3 })
    while (results.length < 5) {
      const next = m.runs.find((r) => !results.some((x) => x.targetId === r.target.id))
      next?.finish(okOutcome)
      await clock.flush()
    }
    expect(m.maxRunning()).toBe(2)
    expect(results).toHaveLength(5)
    await scheduler.stop()
  })

  it('runs serial kinds one at a time and unbounded kinds without the bound', async () => {
    const m = manualChecker()
    const { clock, scheduler } = setup(m.run, { maxConcurrency: 1, unboundedKinds: ['icmp'] })
    const throughput = (id: string) => ({ ...makeTarget('throughput', { id, intervalSeconds: 3600, timeoutSeconds: 60 }) })
    const icmp = (id: string) => makeTarget('icmp', { id, intervalSeconds: 15, timeoutSeconds: 14 })
    scheduler.setTargets([throughput('t1'), throughput('t2'), icmp('i1'), icmp('i2'), icmp('i3'), tcp('c1', 15), tcp('c2', 15)])
    await clock.advance(2 * 3_600_000)
    expect(m.runs.filter((r) => r.target.kind === 'throughput').length).toBeGreaterThanOrEqual(2)
    expect(Object.fromEntries(m.maxByKind)).toEqual({ throughput: 1, tcp: 1, icmp: 3 })
    await scheduler.stop()
  })

  it('aligns aligned kinds so targets of the same interval fall due together', async () => {
    const m = manualChecker()
    const { clock, scheduler } = setup(m.run, { alignedKinds: ['icmp'], random: () => 0.9 })
    scheduler.setTargets([1, 2, 3].map((n) => makeTarget('icmp', { id: `i${n}`, host: `127.0.0.${n}`, intervalSeconds: 15, timeoutSeconds: 14 })))
    const startedAt: number[] = []
    const origRun = m.runs.push.bind(m.runs)
    m.runs.push = (...items) => {
      startedAt.push(clock.now())
      return origRun(...items)
    }
    await clock.advance(15_000)
    expect(m.runs.length).toBeGreaterThanOrEqual(3)
    const first = startedAt.slice(0, 3)
    expect(new Set(first).size).toBe(1)
    expect(first[0]! % 15_000).toBe(0)
    await scheduler.stop()
  })

  it('counts an overrun instead of stacking a second run of the same target', async () => {
    const m = manualChecker()
    const { clock, results, scheduler } = setup(m.run, { random: () => 0 })
    scheduler.setTargets([tcp('slow', 1, 10)])
    await clock.advance(0)
    expect(m.runs).toHaveLength(1)
    await clock.advance(3_000)
    expect(m.runs).toHaveLength(1)
    expect(m.maxRunning()).toBe(1)
    expect(scheduler.stats().overruns).toBe(3)
    m.runs[0]?.finish(okOutcome)
    await clock.flush()
    await clock.advance(1_000)
    expect(m.runs).toHaveLength(2)
    expect(results).toHaveLength(1)
    await scheduler.stop()
  })

  it('aborts the check signal at the target timeout', async () => {
    const { clock, results, scheduler } = setup(
      (target, ctx) =>
        new Promise<CheckOutcome>((resolve) => {
          ctx.signal.addEventListener('abort', () => resolve({ ok: false, error: `timeout waiting for ${target.host}`, measurements: {} }))
        }),
      { random: () => 0 },
    )
    scheduler.setTargets([tcp('t', 30, 5)])
    await clock.advance(4_999)
    expect(results).toHaveLength(0)
    await clock.advance(1)
    expect(results).toHaveLength(1)
    expect(results[0]).toMatchObject({ ok: false, error: 'timeout waiting for 127.0.0.1', durationSeconds: 5 })
    await scheduler.stop()
  })

  it('uses a real AbortSignal timeout with the system clock', async () => {
    let resolveResult: (r: CheckResult) => void = () => {}
    const first = new Promise<CheckResult>((r) => (resolveResult = r))
    const scheduler = createScheduler({
      run: (_t, ctx) => new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve({ ok: false, error: String((ctx.signal.reason as Error).name), measurements: {} }))),
      tools: {},
      onResult: (r) => resolveResult(r),
      log: silentLog(),
      maxConcurrency: 1,
      random: () => 0,
    })
    const started = performance.now()
    scheduler.setTargets([tcp('t', 60, 0.1)])
    const r = await first
    expect(performance.now() - started).toBeLessThan(1000)
    expect(r.error).toBe('TimeoutError')
    expect(r.durationSeconds).toBeGreaterThanOrEqual(0.09)
    await scheduler.stop()
  })

  it('turns a checker rejection into an internal error and counts it', async () => {
    const { clock, results, scheduler } = setup(async () => {
      throw new Error('cannot read properties of undefined')
    }, { random: () => 0 })
    scheduler.setTargets([tcp('bug', 10)])
    await clock.advance(0)
    expect(results[0]).toMatchObject({ ok: false, error: 'internal: cannot read properties of undefined', measurements: {} })
    expect(scheduler.stats().internalErrors).toBe(1)
    await clock.advance(10_000)
    expect(results).toHaveLength(2) // the target keeps being scheduled
    await scheduler.stop()
  })

  it('drops invalid measurements rather than shipping a batch the server would reject', async () => {
    const { clock, results, scheduler } = setup(async () => ({ ok: true, measurements: { good_seconds: 1, BadName: 2, nan_value: Number.NaN } }), {
      random: () => 0,
    })
    scheduler.setTargets([tcp('m', 10)])
    await clock.advance(0)
    expect(results[0]?.measurements).toEqual({ good_seconds: 1 })
    await scheduler.stop()
  })

  it('setTargets diffs added, removed and changed; removed targets stop and their results are dropped', async () => {
    const m = manualChecker()
    const { clock, results, scheduler } = setup(m.run, { random: () => 0 })
    expect(scheduler.setTargets([tcp('a'), tcp('b')])).toEqual({ added: ['a', 'b'], removed: [], changed: [] })
    await clock.advance(0)
    expect(m.runs).toHaveLength(2)
    expect(scheduler.setTargets([tcp('a', 20), tcp('c')])).toEqual({ added: ['c'], removed: ['b'], changed: ['a'] })
    expect(scheduler.setTargets([tcp('a', 20), tcp('c')])).toEqual({ added: [], removed: [], changed: [] })
    for (const r of m.runs) r.finish(okOutcome)
    await clock.flush()
    expect(results.map((r) => r.targetId)).toEqual(['a'])
    expect(scheduler.stats().targets).toBe(2)
    await scheduler.stop()
  })

  it('stop aborts running checks, discards their results and schedules nothing more', async () => {
    const seen: AbortSignal[] = []
    const { clock, results, scheduler } = setup(
      (_t, ctx) => {
        seen.push(ctx.signal)
        return new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve({ ok: false, error: 'aborted', measurements: {} })))
      },
      { random: () => 0 },
    )
    scheduler.setTargets([tcp('a', 10, 9)])
    await clock.advance(0)
    await scheduler.stop()
    expect(seen[0]?.aborted).toBe(true)
    await clock.advance(60_000)
    expect(results).toHaveLength(0)
    expect(seen).toHaveLength(1)
    expect(clock.pendingTimers()).toBeLessThanOrEqual(1) // only the fake deadline timer of the aborted run
  })
})

describe('scheduler: parent re-check', () => {
  it('runs a parent at once when a child fails, at most once per half interval', async () => {
    const runsOf: string[] = []
    const { clock, scheduler } = setup(async (t) => {
      runsOf.push(t.id)
      return t.id === 'child' ? { ok: false, error: 'timeout after 5s waiting for 10.0.0.2:8620', measurements: {} } : okOutcome
    })
    const uplink = makeTarget('tcp', { id: 'uplink', port: 1, intervalSeconds: 60, timeoutSeconds: 5 })
    const child = { ...makeTarget('tcp', { id: 'child', port: 1, intervalSeconds: 10, timeoutSeconds: 5 }), parents: ['uplink'] }
    scheduler.setTargets([uplink, child])
    await clock.advance(10_000)
    const uplinkRunsAfterChildFailed = runsOf.filter((id) => id === 'uplink').length
    expect(runsOf).toContain('child')
    expect(uplinkRunsAfterChildFailed).toBeGreaterThanOrEqual(1)
    // Further failures of the child within the parent's half interval do not re-run it again.
    await clock.advance(20_000)
    const uplinkRuns = runsOf.filter((id) => id === 'uplink').length
    expect(uplinkRuns).toBeLessThanOrEqual(uplinkRunsAfterChildFailed + 1)
    expect(scheduler.stats().parentRechecks).toBeGreaterThanOrEqual(1)
    await scheduler.stop()
  })

  it('runs the children at once when a failing parent answers again', async () => {
    const runsOf: Array<[string, number]> = []
    let lineUp = false
    const { clock, scheduler } = setup(async (t) => {
      runsOf.push([t.id, clock.now()])
      return t.id === 'line' && !lineUp ? { ok: false, error: 'timeout after 5s waiting for 10.0.0.2:8620', measurements: {} } : okOutcome
    }, { random: () => 0 })
    const line = makeTarget('tcp', { id: 'line', port: 1, intervalSeconds: 15, timeoutSeconds: 5 })
    const sip = { ...makeTarget('tcp', { id: 'sip', port: 1, intervalSeconds: 300, timeoutSeconds: 5 }), parents: ['line'] }
    scheduler.setTargets([line, sip])
    await clock.advance(200_000)
    const before = runsOf.filter(([id]) => id === 'sip').length
    lineUp = true
    await clock.advance(15_000)
    const backAt = runsOf.filter(([id]) => id === 'line').at(-1)?.[1] as number
    const sipRuns = runsOf.filter(([id, at]) => id === 'sip' && at >= backAt)
    expect(runsOf.filter(([id]) => id === 'sip').length).toBe(before + 1)
    expect(sipRuns[0]?.[1]).toBe(backAt) // not 300 s later: right after the line answered
    expect(scheduler.stats().childRechecks).toBe(1)
    // Later good rounds of the line re-check nobody.
    await clock.advance(30_000)
    expect(scheduler.stats().childRechecks).toBe(1)
    await scheduler.stop()
  })
})
