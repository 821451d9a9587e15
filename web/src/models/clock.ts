/**
 * Time source for the models. Injected so tests can drive staleness, backoff and
 * "since" durations without waiting on real time.
 * @module
 */

/** Opaque timer handle; only ever passed back to the clock that made it. */
export type TimerHandle = unknown

/** Wall clock plus timers. All times are epoch milliseconds. */
export interface Clock {
  now(): number
  setTimeout(fn: () => void, ms: number): TimerHandle
  clearTimeout(handle: TimerHandle): void
  setInterval(fn: () => void, ms: number): TimerHandle
  clearInterval(handle: TimerHandle): void
}

/**
 * The real clock (Date.now and the global timers).
 * @returns a Clock bound to the global timer functions.
 */
export function createSystemClock(): Clock {
  return {
    now: () => Date.now(),
    setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
    clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof globalThis.setTimeout>),
    setInterval: (fn, ms) => globalThis.setInterval(fn, ms),
    clearInterval: (h) => globalThis.clearInterval(h as ReturnType<typeof globalThis.setInterval>),
  }
}
