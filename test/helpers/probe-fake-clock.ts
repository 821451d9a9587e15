/**
 * A manual clock for scheduler/shipper tests: time moves only when the test says so.
 * @module
 */
import type { Clock } from '../../probes/clock'

export interface FakeClock extends Clock {
  /** Moves time forward by `ms`, firing due timers in order and letting promises settle between them. */
  advance(ms: number): Promise<void>
  /** Lets pending promise callbacks run without moving time. */
  flush(): Promise<void>
  /** Timers still scheduled. */
  pendingTimers(): number
}

interface Timer {
  due: number
  seq: number
  fn: () => void
}

/** A fake clock starting at `startMs` (wall) / 0 (monotonic). */
export function createFakeClock(startMs = Date.parse('2026-01-01T00:00:00Z')): FakeClock {
  let now = startMs
  let seq = 0
  const timers = new Set<Timer>()
  const flush = () => new Promise<void>((r) => setImmediate(r))
  const setTimer = (fn: () => void, ms: number) => {
    const t: Timer = { due: now + Math.max(0, ms), seq: seq++, fn }
    timers.add(t)
    return () => {
      timers.delete(t)
    }
  }
  return {
    now: () => now,
    monotonic: () => now - startMs,
    setTimer,
    timeoutSignal(ms) {
      const c = new AbortController()
      setTimer(() => c.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), ms)
      return c.signal
    },
    async advance(ms) {
      const end = now + ms
      await flush()
      for (;;) {
        let next: Timer | undefined
        for (const t of timers) if (t.due <= end && (!next || t.due < next.due || (t.due === next.due && t.seq < next.seq))) next = t
        if (!next) break
        timers.delete(next)
        now = next.due
        next.fn()
        await flush()
      }
      now = end
      await flush()
    },
    flush,
    pendingTimers: () => timers.size,
  }
}
