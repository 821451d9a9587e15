/**
 * Load shedding for ingest, on how busy the event loop is: the share of the last sample window
 * it spent running code (`performance.eventLoopUtilization`, the signal fastify's under-pressure
 * reads). Bodies that arrive faster than they can be handled otherwise wait in the kernel and in
 * memory, every answer (dashboards, scrapes, agents) waits behind them, and agents never learn
 * to back off.
 *
 * Refusing everything for a window whenever one ran hot would halve the throughput in an
 * overload (a hot window, an idle one, …). Instead the share of batches taken follows the load:
 * halved after each window over the budget (from the second in a row on: one hot window is a
 * periodic job, not an overload), raised again after each window under it (additive
 * increase, multiplicative decrease, as TCP finds a link's capacity; back to all at once after a
 * window at half the budget or less: the load stopped), and taken deterministically
 * (every 1/share-th batch) rather than by chance, so the same loads give the same answers.
 *
 * Sampled when asked, not on a timer: a quiet server samples nothing, a busy one is asked
 * several times per window.
 * @module
 */
import { performance } from 'node:perf_hooks'

/** The event loop's utilisation (0–1) over the last complete window, and which window that was. */
export interface LoopSample {
  utilization: number
  /** Counts the windows measured: a new number is a new window, even at the same utilisation. */
  window: number
}

/** Returns the last complete window's {@link LoopSample}. */
export type LoopUtilization = () => LoopSample

/**
 * Loop time spent on deferrable background work (the seal pass, which pauses after each step
 * so that ingest goes in between): ms, ever increasing. The load shedder does not count it as
 * load (see {@link loopUtilization}).
 */
export interface BackgroundTime {
  readonly ms: number
}

/**
 * Creates a sampler of the event loop's utilisation.
 *
 * With `background`, a window's figure leaves the background work out: (busy − background) /
 * window. A seal pass is not an overload: counted, a pass run back to back made the shedder
 * refuse batches at stop 25 (`retention.sealLoopShare` 1 still runs it so). While a pass runs,
 * an overload therefore reads lower than it is; what bounds it then is `maxInFlight` (also
 * answered 429 before the body is read).
 * @param sampleMs length of a window: short enough to notice an overload within seconds, long
 *   enough that the periodic jobs (the state tick, a scrape's render) average out
 */
export function loopUtilization(sampleMs: number, background?: BackgroundTime): LoopUtilization {
  const since = utilizationSinceLastCall()
  let at = performance.now()
  let backgroundAt = background?.ms ?? 0
  const last: LoopSample = { utilization: 0, window: 0 }
  return () => {
    const t = performance.now()
    if (t - at >= sampleMs) {
      const u = since()
      const elapsed = t - at
      const bg = Math.min(elapsed, (background?.ms ?? 0) - backgroundAt)
      last.utilization = bg <= 0 ? u : Math.max(0, u - bg / elapsed)
      last.window++
      at = t
      backgroundAt = background?.ms ?? 0
    }
    return last
  }
}

/**
 * The event loop's utilisation (0–1) since the previous call: each call closes a window. (The heap
 * policy's timer closes one window per tick with it: {@link loopUtilization} starts a window
 * only once `sampleMs` has passed when asked, and a timer of that period can fire a fraction of
 * a millisecond short of it by `performance.now()`.)
 */
export function utilizationSinceLastCall(): () => number {
  let prev = performance.eventLoopUtilization()
  return () => {
    const cur = performance.eventLoopUtilization()
    const u = performance.eventLoopUtilization(cur, prev).utilization
    prev = cur
    return u
  }
}

/** Whether to take one more batch, from the event loop's recent load. */
export interface LoadShedder {
  /** True to take this batch; false to refuse it (429) unread. */
  admit(): boolean
  /** The utilisation over the last complete window (0–1). */
  utilization(): number
  /** The share of batches taken now (0–1; 1 while the loop is within its budget). */
  share(): number
}

/** The smallest share: even at the worst some batches go in, so the share can be found again. */
const MIN_SHARE = 1 / 64
/** Added to the share after a window within the budget. */
const SHARE_STEP = 0.25
/**
 * Windows in a row over the budget before the share is first halved: one hot window is a
 * periodic job (a scrape's render, a storm tick and a GC pause landing together), not an
 * overload. At 13,000 results/s (the loop ~65 % busy on average) single 2 s windows over 95 %
 * had a few percent of batches refused; an overload keeps the loop saturated window after window.
 */
const HOT_WINDOWS = 2

/**
 * Creates the shedder.
 * @param utilization the sampler (a new window's figure adjusts the share once)
 * @param maxUtilization the budget; 1 never sheds
 */
export function loadShedder(utilization: LoopUtilization, maxUtilization: number): LoadShedder {
  let share = 1
  let credit = 0
  let seen = 0
  let u = 0
  /** Windows over the budget in a row. */
  let hot = 0
  const update = (): number => {
    const sample = utilization()
    // Each window adjusts the share once. (Told apart by number, not figure: saturated windows
    // all measure exactly 1, and comparing figures froze the share at the first halving.)
    if (sample.window !== seen) {
      seen = sample.window
      u = sample.utilization
      // Half the budget or less: the overload is over (the load stopped), take everything again.
      if (u > maxUtilization) {
        // Halved from the second hot window in a row on (then every hot window while it lasts).
        if (++hot >= HOT_WINDOWS) share = Math.max(MIN_SHARE, share / 2)
      } else {
        hot = 0
        share = u <= maxUtilization / 2 ? 1 : Math.min(1, share + SHARE_STEP)
      }
    }
    return u
  }
  return {
    admit() {
      if (maxUtilization >= 1) return true
      update()
      if (share >= 1) return true
      credit += share
      if (credit >= 1) {
        credit -= 1
        return true
      }
      return false
    },
    utilization: () => update(),
    share: () => share,
  }
}

/** Lets a batch run in the current turn of the event loop, or makes it wait for a later one. */
export interface TurnGate {
  /** Resolves at once while the current turn has run less than the budget, else in a later turn. */
  enter(): Promise<void> | undefined
}

/**
 * Bounds the ingest work done in one turn of the event loop. A turn handles every socket that
 * is ready, and a batch whose body arrived whole is read and stored within the same turn: in an
 * overload (hundreds of connections, each with a body waiting) one turn stored batch after
 * batch for seconds, and nothing else (a scrape's next slice, a dashboard's delta, a timer) ran
 * meanwhile. Past `budgetMs` since the turn's first batch, the next one waits for the check
 * phase (where `setImmediate` runs: a scrape's next slice queued before it runs first), and
 * past the budget there for the next turn's (timers and I/O run in between). A waiting batch
 * still counts as in progress, so `ingest.maxInFlight` bounds how many wait.
 * @param budgetMs ingest time per turn before batches wait; 0 or less never waits
 */
export function turnGate(budgetMs: number): TurnGate {
  /** When the current turn's first batch ran (-1: none yet this turn). */
  let turnStart = -1
  let resetScheduled = false
  const nextTurn = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve))
  const start = (): void => {
    turnStart = performance.now()
    if (!resetScheduled) {
      resetScheduled = true
      setImmediate(() => {
        resetScheduled = false
        turnStart = -1
      })
    }
  }
  const over = (): boolean => turnStart >= 0 && performance.now() - turnStart >= budgetMs
  return {
    enter() {
      if (budgetMs <= 0) return undefined
      if (!over()) {
        if (turnStart < 0) start()
        return undefined
      }
      return (async () => {
        do await nextTurn()
        while (over())
        if (turnStart < 0) start()
      })()
    },
  }
}
