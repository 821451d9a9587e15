/**
 * Time as a dependency, so the scheduler and shipper can be driven by a fake clock in tests.
 * @module
 */
import { performance } from 'node:perf_hooks'

/** Everything the agent needs from time. */
export interface Clock {
  /** Wall clock, ms since the Unix epoch (for observedAt / sentAt). */
  now(): number
  /** Monotonic ms (for durations). */
  monotonic(): number
  /** Runs `fn` once after `ms`; returns a function that cancels it. */
  setTimer(fn: () => void, ms: number): () => void
  /** A signal that aborts with a `TimeoutError` after `ms`. */
  timeoutSignal(ms: number): AbortSignal
}

/** The real clock: Date, performance.now, setTimeout, AbortSignal.timeout. Stateless. */
export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  setTimer(fn, ms) {
    const t = setTimeout(fn, Math.max(0, ms))
    return () => clearTimeout(t)
  },
  timeoutSignal: (ms) => AbortSignal.timeout(Math.max(1, Math.ceil(ms))),
}

/**
 * Waits `ms` on `clock`. Resolves true when the time passed, false as soon as `signal` aborts
 * (never rejects, so callers in loops need no try/catch).
 */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false)
    const onAbort = (): void => {
      cancel()
      resolve(false)
    }
    const cancel = clock.setTimer(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve(true)
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
