/**
 * Waiting on something outside the test (a real Prometheus, a server process): a free port to
 * give it, and polling with a deadline that says what was awaited and what the other side said.
 * @module
 */
import { createServer, type AddressInfo } from 'node:net'

/** A TCP port on 127.0.0.1 that was free a moment ago (for a process that must be told its port). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as AddressInfo).port
      srv.close(() => resolve(port))
    })
  })
}

/**
 * Calls `fn` every `everyMs` until it returns something other than undefined (a throw counts
 * as "not yet", and the last one is reported); fails after `timeoutMs` naming `what` and adding
 * `context()` (a log tail) to the error.
 */
export async function pollUntil<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, opts: { timeoutMs: number; everyMs: number; context?: () => string }): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs
  let last: unknown
  while (Date.now() < deadline) {
    try {
      const v = await fn()
      if (v !== undefined) return v
    } catch (e) {
      last = e
    }
    await new Promise((r) => setTimeout(r, opts.everyMs))
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}\n${opts.context?.() ?? ''}`)
}
