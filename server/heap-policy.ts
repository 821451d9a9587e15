/**
 * How V8 manages the server's heap, chosen by load (issue 14, done-when 3: RSS < 200 MB with
 * 10,000 live targets).
 *
 * At national load the old generation holds long-lived per-target state interleaved with objects
 * that live long enough to be promoted and then die: a target's latest measurements, verdicts
 * and figures are replaced by new objects every round (15–30 s). V8's full collections free those but, by their own heuristics, leave half-full
 * pages where they are: at minute 10 of the national benchmark the heap had 102–107 MB of pages
 * for 73–80 MB of objects. With `--compact-on-every-full-gc` every full collection moves the
 * survivors together and gives the emptied pages back (83 MB for 74). Under a heavy load the
 * same flag is ruinous: full collections come every few seconds there, and compacting each one
 * took the load benchmark's capacity from 24,901 to 11,937 results/s (BENCHMARKS.md, stop 26).
 *
 * So the server switches at run time: while the event loop has been quiet for a few sample
 * windows in a row it compacts on every full collection and lets the heap grow less between
 * them; the first busy window restores what the process was started with. Node documents that
 * `v8.setFlagsFromString` after start may do nothing; V8 reads these two flags at each
 * collection, and test/server/heap-policy.test.ts checks in a child process that they take
 * effect, so a Node upgrade that ignores them fails there rather than silently here.
 * @module
 */

/** `quiet`: every full collection compacts, the heap grows slowly; `busy`: V8's own compaction heuristics, the growth the process started with. */
export type HeapMode = 'quiet' | 'busy'

/** The tuning of {@link createHeapPolicy} (`heap` in the server config). */
export interface HeapPolicyOptions {
  /** Loop utilisation (0–1) under which a sample window counts as quiet; 0 never switches. */
  quietBelowLoopShare: number
  /** Quiet windows in a row before switching to quiet (one busy window switches back). */
  quietWindows: number
  /** V8's heap growth between full collections while quiet, percent. */
  quietGrowingPercent: number
  /** The growth the process was started with (`--heap-growing-percent`, 0 = V8's own), restored when busy. */
  busyGrowingPercent: number
}

/** The V8 flags of a mode, as `v8.setFlagsFromString` takes them. */
export function heapFlags(mode: HeapMode, o: Pick<HeapPolicyOptions, 'quietGrowingPercent' | 'busyGrowingPercent'>): string {
  return mode === 'quiet'
    ? `--compact-on-every-full-gc --heap-growing-percent=${o.quietGrowingPercent}`
    : `--no-compact-on-every-full-gc --heap-growing-percent=${o.busyGrowingPercent}`
}

/**
 * The `--heap-growing-percent=N` in effect: the last among `NODE_OPTIONS` and then the command
 * line (`process.execArgv`), which Node reads after `NODE_OPTIONS` so that it wins; 0 when none.
 */
export function startGrowingPercent(execArgv: readonly string[], nodeOptions = ''): number {
  let found = 0
  for (const a of [...nodeOptions.split(/\s+/), ...execArgv]) {
    const m = /^--heap[-_]growing[-_]percent=(\d+)$/.exec(a)
    if (m) found = Number(m[1])
  }
  return found
}

/** The policy: call {@link HeapPolicy.check} once per sample window (a timer in main.ts). */
export interface HeapPolicy {
  /** Closes a sample window (the loop's utilisation since the last call) and switches mode when due. @returns the mode now */
  check(): HeapMode
  mode(): HeapMode
}

/**
 * Creates the policy, starting busy (the flags as given at start: nothing is set until the
 * loop has been quiet for `quietWindows` windows).
 * @param apply sets V8 flags (`v8.setFlagsFromString` in main.ts)
 * @param onSwitch told after each switch (a log line)
 */
export function createHeapPolicy(
  utilization: () => number,
  apply: (flags: string) => void,
  o: HeapPolicyOptions,
  onSwitch: (mode: HeapMode, utilization: number) => void = () => undefined,
): HeapPolicy {
  let mode: HeapMode = 'busy'
  let quietRun = 0
  const enter = (next: HeapMode, u: number): void => {
    apply(heapFlags(next, o))
    mode = next
    onSwitch(next, u)
  }
  return {
    check() {
      if (o.quietBelowLoopShare <= 0) return mode
      const u = utilization()
      if (u < o.quietBelowLoopShare) {
        quietRun++
        if (mode === 'busy' && quietRun >= o.quietWindows) enter('quiet', u)
      } else {
        quietRun = 0
        if (mode === 'quiet') enter('busy', u)
      }
      return mode
    },
    mode: () => mode,
  }
}
