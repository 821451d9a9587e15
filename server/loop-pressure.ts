/**
 * How busy the event loop is: the share of the last sample window it spent running code
 * (`performance.eventLoopUtilization`, as fastify's under-pressure reads it). Ingest refuses new
 * batches while it is near 1: bodies that arrive faster than they can be handled otherwise wait
 * in the kernel and in memory, every answer (dashboards, scrapes, agents) waits behind them, and
 * the agents never learn to back off.
 *
 * Sampled when asked, not on a timer: a quiet server samples nothing, a busy one is asked
 * several times per window.
 * @module
 */
import { performance, type EventLoopUtilization } from 'node:perf_hooks'

/** Returns the event loop's utilisation (0–1) over the last complete window of `sampleMs`. */
export type LoopUtilization = () => number

/**
 * Creates a sampler of the event loop's utilisation.
 * @param sampleMs length of a sample window: short enough to notice an overload within a
 *   fraction of a second, long enough that one slow batch does not count as one
 */
export function loopUtilization(sampleMs: number): LoopUtilization {
  let prev: EventLoopUtilization = performance.eventLoopUtilization()
  let at = performance.now()
  let last = 0
  return () => {
    const t = performance.now()
    if (t - at >= sampleMs) {
      const cur = performance.eventLoopUtilization()
      last = performance.eventLoopUtilization(cur, prev).utilization
      prev = cur
      at = t
    }
    return last
  }
}
