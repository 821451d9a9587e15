/**
 * Runs every target's check on its own interval (SPEC §3): jittered first run, bounded
 * concurrency, heavy kinds one at a time (staggered by target id, postponed out of quiet
 * windows), overruns counted not stacked, a deadline per check, and results stamped with id,
 * observed time and duration.
 * @module
 */
import { createHash, randomUUID } from 'node:crypto'
import { setMaxListeners } from 'node:events'
import type { Logger } from 'pino'
import { MeasurementName, type CheckKind, type CheckResult, type TargetSpec } from '../protocol'
import type { CheckContext, CheckOutcome, ProbeTools, SpeedtestAccess } from './checks/checker'
import { oneLine } from './checks/describe'
import { linkSignals } from './abort'
import { systemClock, type Clock } from './clock'
import { createQuietSchedule, DEFAULT_QUIET_TIME_ZONE, type QuietSchedule, type QuietWindow } from './quiet-windows'

export interface SchedulerOptions {
  /** Runs one check (normally `CheckerSet.run`). May reject on bugs; that becomes `internal: …`. */
  run: (target: TargetSpec, ctx: CheckContext) => Promise<CheckOutcome>
  tools: ProbeTools
  /** Receives every finished result, in completion order. */
  onResult: (result: CheckResult) => void
  log: Logger
  /** Checks running at once in the general lane. */
  maxConcurrency: number
  /**
   * Heavy kinds: run strictly one at a time (throughput saturates the uplink), first run at a
   * phase derived from the target id, postponed out of quiet windows. Default `['throughput']`.
   */
  serialKinds?: readonly CheckKind[]
  /**
   * Local times when heavy kinds must not run (meetings): a run falling due inside one waits
   * for the window's end and is counted in `postponed`. Validated here (throws when invalid).
   */
  quietWindows?: readonly QuietWindow[]
  /** IANA time zone of `quietWindows`; default Asia/Ho_Chi_Minh. */
  timeZone?: string
  /** Given to throughput checks only (the probe token for the server's speedtest endpoints). */
  speedtest?: SpeedtestAccess
  /** Kinds exempt from the concurrency bound (icmp when fping coalesces them into one process). */
  unboundedKinds?: readonly CheckKind[]
  /**
   * Kinds whose runs are aligned to multiples of their interval instead of spread: targets of
   * the same interval then fall due together, which is what lets fping coalesce them.
   */
  alignedKinds?: readonly CheckKind[]
  clock?: Clock
  /** [0, 1) source for the first-run spread; injectable for deterministic tests. */
  random?: () => number
}

/** Counters and gauges of the scheduler. */
export interface SchedulerStats {
  targets: number
  running: number
  queued: number
  /** Runs skipped because the target's previous run was still queued or running when due. */
  overruns: number
  /**
   * Heavy runs that fell due (or reached the head of their queue) inside a quiet window and
   * were moved to its end; several due times inside one window fold into that one run.
   */
  postponed: number
  /** Checker rejections (bugs), reported as `internal: …` results. */
  internalErrors: number
  completed: number
  /** Extra runs of parents because a child failed. */
  parentRechecks: number
  /** Extra runs of children because their parent answered again after failing. */
  childRechecks: number
  /** Runs asked for by an operator ("Đo ngay"). */
  manualRuns: number
}

/** What `setTargets` changed, by target id. */
export interface TargetDiff {
  added: string[]
  removed: string[]
  changed: string[]
}

export interface Scheduler {
  /** Replaces the target list; unchanged targets keep their phase, changed ones their id. */
  setTargets(targets: readonly TargetSpec[]): TargetDiff
  /**
   * Runs a target now, on an operator's request ("Đo ngay"): queued in its lane at once (heavy
   * checks still one at a time), past any quiet window — the operator chose the moment. A run
   * already in progress started before the request, so the target runs again after it.
   * @returns what happened: `queued`, `after-current` or `unknown` (not a target of this probe)
   */
  runNow(targetId: string): 'queued' | 'after-current' | 'unknown'
  stats(): SchedulerStats
  /**
   * Stops scheduling, aborts running checks and resolves when they have settled. Results of
   * aborted runs are discarded (a shutdown is not an observation of the target).
   */
  stop(): Promise<void>
}

type LaneName = 'serial' | 'unbounded' | 'general'

interface Lane {
  limit: number
  running: number
  queue: Entry[]
}

interface Entry {
  spec: TargetSpec
  key: string
  log: Logger
  state: 'idle' | 'queued' | 'running' | 'postponed'
  removed: boolean
  cancelTimer?: () => void
  /** Cancels the end-of-quiet-window timer of a postponed run. */
  cancelPostpone?: () => void
  nextDueMs: number
  /** Start of the latest run (clock ms), to keep parent re-checks from piling up. */
  lastStartMs?: number
  /** Whether the latest run succeeded (a failing parent that answers again re-checks its children). */
  lastOk?: boolean
  /** An operator asked for a run while one was in progress: run again when it ends. */
  rerun?: boolean
  /** The queued run was asked for by an operator: it ignores quiet windows. */
  manual?: boolean
}

/**
 * Creates a scheduler; nothing runs until {@link Scheduler.setTargets} gives it targets.
 * Guarantees: at most `maxConcurrency` general checks and one serial check run at once; a target
 * never has two runs in flight; every run gets an AbortSignal that fires after the target's
 * `timeoutSeconds`; `onResult` gets exactly one result per started run (unless stopped/removed).
 */
export function createScheduler(opts: SchedulerOptions): Scheduler {
  const clock = opts.clock ?? systemClock
  const random = opts.random ?? Math.random
  const serial = new Set(opts.serialKinds ?? ['throughput'])
  const unbounded = new Set(opts.unboundedKinds ?? [])
  const aligned = new Set(opts.alignedKinds ?? [])
  const quiet: QuietSchedule | undefined = opts.quietWindows?.length
    ? createQuietSchedule(opts.quietWindows, opts.timeZone ?? DEFAULT_QUIET_TIME_ZONE)
    : undefined
  const lanes: Record<LaneName, Lane> = {
    serial: { limit: 1, running: 0, queue: [] },
    unbounded: { limit: Infinity, running: 0, queue: [] },
    general: { limit: Math.max(1, opts.maxConcurrency), running: 0, queue: [] },
  }
  const entries = new Map<string, Entry>()
  const inFlight = new Set<Promise<void>>()
  const shutdown = new AbortController()
  // Every in-flight check links to the shutdown signal (and unlinks when done), so hundreds of
  // concurrent listeners are normal here, not a leak.
  setMaxListeners(0, shutdown.signal)
  const counters = { overruns: 0, postponed: 0, internalErrors: 0, completed: 0, parentRechecks: 0, childRechecks: 0, manualRuns: 0 }

  /**
   * A failing child makes its parents run now (Nagios' on-demand host check): whether the
   * uplink is down is then known in seconds, not after the parent's next interval, so the
   * server can mark the child unreachable before anyone is paged. At most once per half
   * interval of the parent; heavy parents are never re-run early.
   */
  const recheckParents = (spec: TargetSpec): void => {
    for (const id of spec.parents) {
      const p = entries.get(id)
      if (!p || p.removed || p.state !== 'idle' || serial.has(p.spec.kind)) continue
      if (p.lastStartMs !== undefined && clock.now() - p.lastStartMs < (p.spec.intervalSeconds * 1000) / 2) continue
      counters.parentRechecks++
      p.log.debug({ child: spec.id }, 'child failed: re-checking this parent now')
      enqueue(p)
    }
  }

  /**
   * A parent that answers again after failing makes its children run now: they were marked
   * unreachable while it was down, and stay so on the server until they have rounds of their
   * own, so their recovery (or their own failure) is known in seconds. Same limits as above.
   */
  const recheckChildren = (spec: TargetSpec): void => {
    for (const c of entries.values()) {
      if (c.removed || c.state !== 'idle' || serial.has(c.spec.kind) || !c.spec.parents.includes(spec.id)) continue
      if (c.lastStartMs !== undefined && clock.now() - c.lastStartMs < (c.spec.intervalSeconds * 1000) / 2) continue
      counters.childRechecks++
      c.log.debug({ parent: spec.id }, 'parent answers again: re-checking this child now')
      enqueue(c)
    }
  }

  const laneOf = (kind: CheckKind): Lane =>
    serial.has(kind) ? lanes.serial : unbounded.has(kind) ? lanes.unbounded : lanes.general

  const firstDue = (spec: TargetSpec): number => {
    const now = clock.now()
    const intervalMs = spec.intervalSeconds * 1000
    if (aligned.has(spec.kind)) return Math.ceil(now / intervalMs) * intervalMs
    if (serial.has(spec.kind)) return heavyFirstDueMs(spec.id, intervalMs, now)
    return now + random() * intervalMs
  }

  /** End of the quiet window `e` must wait for now, if it is heavy and one is on (never for an operator's run). */
  const quietUntil = (e: Entry): number | undefined => (quiet && serial.has(e.spec.kind) && !e.manual ? quiet.quietUntil(clock.now()) : undefined)

  const enqueue = (e: Entry): void => {
    const until = quietUntil(e)
    if (until !== undefined) return postpone(e, until, true)
    e.state = 'queued'
    const lane = laneOf(e.spec.kind)
    lane.queue.push(e)
    pump(lane)
  }

  const postpone = (e: Entry, until: number, count: boolean): void => {
    if (count) {
      counters.postponed++
      e.log.info({ until: new Date(until).toISOString() }, 'heavy check postponed: quiet window')
    }
    e.state = 'postponed'
    e.cancelPostpone?.()
    e.cancelPostpone = clock.setTimer(() => {
      e.cancelPostpone = undefined
      if (e.removed || shutdown.signal.aborted || e.state !== 'postponed') return
      e.state = 'idle'
      // Re-checked at the end: the windows may have been extended meanwhile (a clock jump).
      const again = quietUntil(e)
      if (again !== undefined) return postpone(e, again, false)
      enqueue(e)
    }, until - clock.now())
  }

  const arm = (e: Entry): void => {
    e.cancelTimer?.()
    e.cancelTimer = clock.setTimer(() => onDue(e), e.nextDueMs - clock.now())
  }

  const onDue = (e: Entry): void => {
    if (e.removed || shutdown.signal.aborted) return
    if (e.state === 'postponed') {
      counters.postponed++
      e.log.debug('still postponed by a quiet window: this due time folds into the pending run')
    } else if (e.state !== 'idle') {
      counters.overruns++
      e.log.debug({ state: e.state }, 'overrun: previous run still in progress, skipping this one')
    } else {
      enqueue(e)
    }
    const intervalMs = e.spec.intervalSeconds * 1000
    const now = clock.now()
    e.nextDueMs += intervalMs
    // After a stall (suspend, blocked loop) keep the phase but do not fire a burst of catch-ups.
    if (e.nextDueMs <= now) e.nextDueMs += Math.ceil((now - e.nextDueMs) / intervalMs + 1e-9) * intervalMs
    arm(e)
  }

  const pump = (lane: Lane): void => {
    while (lane.running < lane.limit && lane.queue.length > 0 && !shutdown.signal.aborted) {
      const e = lane.queue.shift()
      if (!e || e.removed) continue
      // Queued behind other heavy checks until a quiet window began: it waits for the end.
      const until = quietUntil(e)
      if (until !== undefined) {
        postpone(e, until, true)
        continue
      }
      lane.running++
      const p = execute(e).finally(() => {
        lane.running--
        inFlight.delete(p)
        pump(lane)
      })
      inFlight.add(p)
    }
  }

  const execute = async (e: Entry): Promise<void> => {
    e.state = 'running'
    const spec = e.spec
    const observedAtMs = clock.now()
    e.lastStartMs = observedAtMs
    const started = clock.monotonic()
    const linked = linkSignals([clock.timeoutSignal(spec.timeoutSeconds * 1000), shutdown.signal])
    let outcome: CheckOutcome
    try {
      const ctx: CheckContext = { signal: linked.signal, log: e.log, tools: opts.tools }
      if (spec.kind === 'throughput' && opts.speedtest) ctx.speedtest = opts.speedtest
      outcome = checkOutcomeShape(await opts.run(spec, ctx))
    } catch (err) {
      counters.internalErrors++
      e.log.error({ err }, 'checker rejected: this is a bug in the checker')
      outcome = { ok: false, error: `internal: ${err instanceof Error ? err.message : String(err)}`, measurements: {} }
    } finally {
      linked.dispose()
    }
    e.state = 'idle'
    e.manual = false
    if (e.removed || shutdown.signal.aborted) return
    counters.completed++
    const result: CheckResult = {
      id: randomUUID(),
      targetId: spec.id,
      kind: spec.kind,
      observedAt: new Date(observedAtMs).toISOString(),
      durationSeconds: Math.max(0, (clock.monotonic() - started) / 1000),
      ok: outcome.ok,
      measurements: cleanMeasurements(outcome.measurements, e.log),
    }
    if (!outcome.ok) result.error = oneLine(outcome.error ?? `${spec.kind} check failed without an error message`) || `${spec.kind} check failed`
    try {
      opts.onResult(result)
    } catch (err) {
      e.log.error({ err }, 'result consumer threw; result lost')
    }
    if (!result.ok && spec.parents.length > 0) recheckParents(spec)
    if (result.ok && e.lastOk === false) recheckChildren(spec)
    e.lastOk = result.ok
    if (e.rerun) {
      e.rerun = false
      e.manual = true
      enqueue(e)
    }
  }

  const remove = (e: Entry): void => {
    e.removed = true
    e.cancelTimer?.()
    e.cancelPostpone?.()
    const lane = laneOf(e.spec.kind)
    lane.queue = lane.queue.filter((q) => q !== e)
  }

  return {
    runNow(targetId) {
      const e = entries.get(targetId)
      if (!e || e.removed || shutdown.signal.aborted) return 'unknown'
      counters.manualRuns++
      if (e.state === 'running') {
        e.rerun = true
        return 'after-current'
      }
      e.manual = true
      if (e.state === 'queued') return 'queued'
      if (e.state === 'postponed') {
        e.cancelPostpone?.()
        e.cancelPostpone = undefined
        e.state = 'idle'
      }
      enqueue(e)
      return 'queued'
    },
    setTargets(targets) {
      const diff: TargetDiff = { added: [], removed: [], changed: [] }
      if (shutdown.signal.aborted) return diff
      const next = new Map(targets.map((t) => [t.id, t]))
      for (const [id, e] of entries) {
        if (!next.has(id)) {
          remove(e)
          entries.delete(id)
          diff.removed.push(id)
        }
      }
      for (const [id, spec] of next) {
        const key = JSON.stringify(spec)
        const e = entries.get(id)
        if (!e) {
          const entry: Entry = {
            spec,
            key,
            log: opts.log.child({ targetId: id, kind: spec.kind }),
            state: 'idle',
            removed: false,
            nextDueMs: firstDue(spec),
          }
          entries.set(id, entry)
          arm(entry)
          diff.added.push(id)
        } else if (e.key !== key) {
          const lane = laneOf(e.spec.kind)
          const timingChanged = e.spec.intervalSeconds !== spec.intervalSeconds || e.spec.kind !== spec.kind
          if (e.spec.kind !== spec.kind && e.state === 'queued') {
            lane.queue = lane.queue.filter((q) => q !== e)
            e.state = 'idle'
          }
          if (e.spec.kind !== spec.kind && e.state === 'postponed') {
            e.cancelPostpone?.()
            e.cancelPostpone = undefined
            e.state = 'idle'
          }
          e.spec = spec
          e.key = key
          e.log = opts.log.child({ targetId: id, kind: spec.kind })
          if (timingChanged) {
            e.nextDueMs = firstDue(spec)
            arm(e)
          }
          diff.changed.push(id)
        }
      }
      if (diff.added.length + diff.removed.length + diff.changed.length > 0) {
        opts.log.info({ targets: entries.size, added: diff.added.length, removed: diff.removed.length, changed: diff.changed.length }, 'targets updated')
      }
      return diff
    },
    stats() {
      return {
        targets: entries.size,
        running: lanes.serial.running + lanes.unbounded.running + lanes.general.running,
        queued: lanes.serial.queue.length + lanes.unbounded.queue.length + lanes.general.queue.length,
        ...counters,
      }
    },
    async stop() {
      if (!shutdown.signal.aborted) shutdown.abort(new Error('agent stopping'))
      for (const e of entries.values()) {
        e.cancelTimer?.()
        e.cancelPostpone?.()
      }
      for (const lane of Object.values(lanes)) lane.queue = []
      await Promise.allSettled([...inFlight])
    },
  }
}

/**
 * When a heavy target first runs: the next instant after `nowMs` at its fixed phase on the wall
 * clock, `phase = fraction(sha256(id)) × interval`. Heavy checks are thus spread over the
 * interval by id, and an agent restart neither runs them all at once nor moves their cadence.
 */
export function heavyFirstDueMs(id: string, intervalMs: number, nowMs: number): number {
  const phaseMs = Math.floor((createHash('sha256').update(id).digest().readUInt32BE(0) / 2 ** 32) * intervalMs)
  return (Math.floor((nowMs - phaseMs) / intervalMs) + 1) * intervalMs + phaseMs
}

/** A checker that resolves something malformed has a bug; treat it like a rejection. */
function checkOutcomeShape(o: CheckOutcome): CheckOutcome {
  if (typeof o !== 'object' || o === null || typeof o.ok !== 'boolean' || typeof o.measurements !== 'object' || o.measurements === null) {
    throw new Error('checker resolved a malformed outcome')
  }
  return o
}

/**
 * Keeps only measurements the server accepts (snake_case names, finite numbers): one bad value
 * must not get the whole batch rejected and dead-lettered.
 */
function cleanMeasurements(m: Record<string, number>, log: Logger): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [name, value] of Object.entries(m)) {
    if (typeof value === 'number' && Number.isFinite(value) && MeasurementName.safeParse(name).success) out[name] = value
    else log.warn({ name, value: String(value) }, 'dropping an invalid measurement')
  }
  return out
}
