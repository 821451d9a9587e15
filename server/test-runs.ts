/**
 * "Đo ngay" (issue 10): on-demand line tests. An operator's request becomes one run-now request
 * per target for the probe that owns it; probes long-poll `GET /api/v1/probe/run-now` and are
 * answered the moment a request for them exists; the run is done when a fresh result of each
 * target (observed after the request) arrives through ingest like any other result.
 *
 * Runs live in memory: they last minutes, and a restart in the middle means asking again. The
 * clock is injected; waits are bounded by the caller's deadline (AbortSignal).
 * @module
 */
import { randomUUID } from 'node:crypto'
import type { CheckKind, RunNowRequest, TestRunTarget, TestRunView } from '../protocol'

/** A target to test, with what the run needs to know about it. */
export interface TestRunTargetSpec {
  id: string
  kind: CheckKind
  probeId: string
  timeoutSeconds: number
}

/** A result as ingest saw it (only what a run needs). */
export interface ObservedResult {
  targetId: string
  observedAt: number
  ok: boolean
  error: string | null
  measurements: Readonly<Record<string, number>>
}

interface RunTarget {
  spec: TestRunTargetSpec
  requestId: string
  state: TestRunTarget['state']
  sentAt: number | null
  resultAt: number | null
  ok: boolean | null
  error: string | null
  measurements: Record<string, number> | null
}

interface Run {
  id: string
  communeCode: string
  requestedBy: string
  requestedAt: number
  expiresAt: number
  targets: RunTarget[]
}

export interface TestRunOptions {
  now: () => number
  /** Added to the sum of the targets' timeouts: how long the probes have to pick the run up and ship. */
  graceSeconds: number
  /** Finished runs kept for reading (oldest dropped first). */
  keep?: number
}

export interface TestRuns {
  /**
   * Starts a run for a commune's targets, or returns the run already in progress for it (one at
   * a time per commune: two throughput tests on one line would measure each other).
   */
  start(communeCode: string, targets: readonly TestRunTargetSpec[], actor: string): { run: TestRunView; created: boolean }
  get(id: string): TestRunView | undefined
  /** The newest run of a commune, if any. */
  latest(communeCode: string): TestRunView | undefined
  /** Requests waiting for a probe; they are marked sent. */
  claim(probeId: string): RunNowRequest[]
  /**
   * Resolves with the probe's requests as soon as there are some, or with none when `waitMs`
   * passes or `signal` aborts (a client that went away).
   */
  wait(probeId: string, waitMs: number, signal: AbortSignal): Promise<RunNowRequest[]>
  /** Feeds ingested results: a result of a target observed after its run began completes it. */
  observe(results: readonly ObservedResult[]): void
  /** Ends every open long poll with no requests (shutdown: the server must not wait for them). */
  close(): void
}

/** Creates the in-memory registry of test runs. */
export function createTestRuns(opts: TestRunOptions): TestRuns {
  const runs = new Map<string, Run>()
  const keep = opts.keep ?? 200
  const waiters = new Map<string, Set<() => void>>()
  let closed = false

  const expire = (run: Run): void => {
    if (opts.now() < run.expiresAt) return
    for (const t of run.targets) if (t.state === 'pending' || t.state === 'sent') t.state = 'expired'
  }
  const stateOf = (run: Run): TestRunView['state'] => {
    expire(run)
    if (run.targets.every((t) => t.state === 'done')) return 'done'
    if (run.targets.some((t) => t.state === 'pending' || t.state === 'sent')) return 'running'
    return 'expired'
  }
  const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString())
  const view = (run: Run): TestRunView => ({
    id: run.id,
    communeCode: run.communeCode,
    requestedBy: run.requestedBy,
    requestedAt: new Date(run.requestedAt).toISOString(),
    expiresAt: new Date(run.expiresAt).toISOString(),
    state: stateOf(run),
    targets: run.targets.map((t) => ({
      targetId: t.spec.id,
      kind: t.spec.kind,
      probeId: t.spec.probeId,
      state: t.state,
      sentAt: iso(t.sentAt),
      resultAt: iso(t.resultAt),
      ok: t.ok,
      error: t.error,
      measurements: t.measurements,
    })),
  })
  const pendingFor = (probeId: string): RunTarget[] => {
    const out: RunTarget[] = []
    for (const run of runs.values()) {
      expire(run)
      for (const t of run.targets) if (t.state === 'pending' && t.spec.probeId === probeId) out.push(t)
    }
    return out
  }
  const claim = (probeId: string): RunNowRequest[] => {
    const now = opts.now()
    return pendingFor(probeId).map((t) => {
      t.state = 'sent'
      t.sentAt = now
      return { id: t.requestId, targetId: t.spec.id }
    })
  }
  const wake = (probeId: string): void => {
    const set = waiters.get(probeId)
    if (!set) return
    waiters.delete(probeId)
    for (const w of set) w()
  }

  return {
    start(communeCode, targets, actor) {
      for (const run of [...runs.values()].reverse()) {
        if (run.communeCode === communeCode && stateOf(run) === 'running') return { run: view(run), created: false }
      }
      const now = opts.now()
      const run: Run = {
        id: randomUUID(),
        communeCode,
        requestedBy: actor,
        requestedAt: now,
        // Heavy checks run one at a time on a probe, so the deadline is the sum of the timeouts.
        expiresAt: now + (targets.reduce((a, t) => a + t.timeoutSeconds, 0) + opts.graceSeconds) * 1000,
        targets: targets.map((spec) => ({ spec, requestId: randomUUID(), state: 'pending', sentAt: null, resultAt: null, ok: null, error: null, measurements: null })),
      }
      runs.set(run.id, run)
      while (runs.size > keep) {
        const oldest = runs.keys().next().value as string
        runs.delete(oldest)
      }
      for (const probeId of new Set(targets.map((t) => t.probeId))) wake(probeId)
      return { run: view(run), created: true }
    },
    get(id) {
      const run = runs.get(id)
      return run ? view(run) : undefined
    },
    latest(communeCode) {
      let found: Run | undefined
      for (const run of runs.values()) if (run.communeCode === communeCode) found = run
      return found ? view(found) : undefined
    },
    claim,
    wait(probeId, waitMs, signal) {
      const ready = claim(probeId)
      if (ready.length > 0 || waitMs <= 0 || signal.aborted || closed) return Promise.resolve(ready)
      return new Promise((resolve) => {
        const set = waiters.get(probeId) ?? new Set<() => void>()
        waiters.set(probeId, set)
        const done = (): void => {
          clearTimeout(timer)
          signal.removeEventListener('abort', onAbort)
          set.delete(done)
          if (set.size === 0 && waiters.get(probeId) === set) waiters.delete(probeId)
          resolve(signal.aborted ? [] : claim(probeId))
        }
        const onAbort = (): void => done()
        const timer = setTimeout(done, waitMs)
        signal.addEventListener('abort', onAbort, { once: true })
        set.add(done)
      })
    },
    close() {
      closed = true
      for (const probeId of [...waiters.keys()]) wake(probeId)
    },
    observe(results) {
      if (runs.size === 0) return
      for (const r of results) {
        for (const run of runs.values()) {
          if (r.observedAt < run.requestedAt) continue
          for (const t of run.targets) {
            if (t.spec.id !== r.targetId || (t.state !== 'pending' && t.state !== 'sent')) continue
            t.state = 'done'
            t.resultAt = r.observedAt
            t.ok = r.ok
            t.error = r.error
            t.measurements = { ...r.measurements }
          }
        }
      }
    },
  }
}
