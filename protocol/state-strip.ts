/**
 * State strips: a state history cut into equal buckets, one character per bucket, as the
 * overview's "last 24 hours" column draws it (and any other timeline that wants the same
 * bucketing). Pure, shared by the server (which builds strips from the state log) and the web
 * app (which draws them).
 * @module
 */
import type { State } from './states'

/** The character of each state in a strip. */
export const STRIP_CODE: Readonly<Record<State, string>> = { ok: 'o', warning: 'w', critical: 'c', down: 'd', unknown: 'u' }

/** A bucket wholly before monitoring began: not drawn at all (it is not "unknown"). */
export const STRIP_NONE = '-'

const STATE_OF_CODE: Readonly<Record<string, State>> = { o: 'ok', w: 'warning', c: 'critical', d: 'down', u: 'unknown' }

/**
 * Which state a bucket shows when several occur in it: an outage, however short, must stay
 * visible at 15-minute resolution, so down wins, then critical, warning, a data gap, ok.
 */
const STRIP_RANK: Readonly<Record<State, number>> = { ok: 0, unknown: 1, warning: 2, critical: 3, down: 4 }

/** Input of {@link buildStrip}: an entity's state history over [from, to). */
export interface StripInput {
  from: number
  to: number
  buckets: number
  /** State in force at `from` (its last change before it); null when there was none. */
  before: State | null
  /** Changes with from ≤ at < to, in time order. */
  changes: ReadonlyArray<{ at: number; state: State }>
  /** When monitoring began (first state ever logged); time before it is not drawn. Null: never. */
  monitoredFrom: number | null
}

/**
 * Cuts a state history into `buckets` equal buckets over [from, to): each holds the worst state
 * (see the rank above) of the time it covers, or {@link STRIP_NONE} when none of it was monitored.
 */
export function buildStrip(input: StripInput): string {
  const { from, to, buckets } = input
  const span = (to - from) / buckets
  const rank = new Array<number>(buckets).fill(-1)
  const start = input.monitoredFrom === null ? to : Math.max(from, input.monitoredFrom)
  let state: State = input.before ?? 'unknown'
  let t = start
  let i = 0
  // Skip changes up to the start of monitoring: the last of them is the state at `start`.
  while (i < input.changes.length && (input.changes[i] as { at: number }).at <= t) state = (input.changes[i++] as { state: State }).state
  while (t < to) {
    const end = i < input.changes.length ? Math.min(to, (input.changes[i] as { at: number }).at) : to
    if (end > t) {
      const first = Math.max(0, Math.floor((t - from) / span))
      // A segment ending exactly on a bucket's edge does not reach into that bucket.
      const last = Math.min(buckets - 1, Math.ceil((end - from) / span) - 1)
      for (let b = first; b <= last; b++) rank[b] = Math.max(rank[b] as number, STRIP_RANK[state])
    }
    t = end
    if (i < input.changes.length) state = (input.changes[i++] as { state: State }).state
  }
  const byRank: State[] = ['ok', 'unknown', 'warning', 'critical', 'down']
  return rank.map((r) => (r < 0 ? STRIP_NONE : STRIP_CODE[byRank[r] as State])).join('')
}

/** One run of equal buckets of a strip. */
export interface StripRun {
  /** Index of its first bucket. */
  start: number
  length: number
  /** Null: not monitored (not drawn). */
  state: State | null
}

/** Reads a strip as runs of equal buckets (what a drawing needs: one rectangle per run). */
export function stripRuns(strip: string): StripRun[] {
  const runs: StripRun[] = []
  for (let i = 0; i < strip.length; i++) {
    const state = STATE_OF_CODE[strip[i] as string] ?? null
    const prev = runs[runs.length - 1]
    if (prev && prev.state === state) prev.length++
    else runs.push({ start: i, length: 1, state })
  }
  return runs
}
