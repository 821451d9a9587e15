/**
 * The life of a far-end service process started in a testbed namespace: it runs until the test
 * closes its stdin (or dies: the pipe closes with it) or signals it, then stops once.
 * @module
 */

/** Calls `stop` once, when stdin ends or closes, or on SIGTERM/SIGINT. */
export function stopWithParent(stop: () => void): void {
  let stopping = false
  const once = (): void => {
    if (stopping) return
    stopping = true
    stop()
  }
  process.stdin.on('end', once)
  process.stdin.on('close', once)
  process.stdin.resume()
  process.on('SIGTERM', once)
  process.on('SIGINT', once)
}
