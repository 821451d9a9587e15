/**
 * Health states shared by the server, the dashboard and the metrics (SPEC §4).
 * @module
 */
import { z } from 'zod'

/** Evaluation result of a target or a commune. `unknown` is a data gap, never up or down. */
export const State = z.enum(['ok', 'warning', 'critical', 'down', 'unknown'])
export type State = z.infer<typeof State>

/** Every state, in the order the state-set metric and the dashboard list them. */
export const STATES: readonly State[] = State.options

/**
 * Attention rank: higher needs attention first. The overview sorts by it
 * ("down, critical, unknown" first, SPEC §8); unknown outranks warning because a
 * silent commune may be a cut-off commune.
 */
export const ATTENTION_RANK: Readonly<Record<State, number>> = {
  down: 4,
  critical: 3,
  unknown: 2,
  warning: 1,
  ok: 0,
}

/**
 * Severity used to combine measured states (unknown excluded): the worse of two
 * known states is the one with the higher severity.
 */
export const SEVERITY: Readonly<Record<Exclude<State, 'unknown'>, number>> = {
  ok: 0,
  warning: 1,
  critical: 2,
  down: 3,
}

/** Returns the worse of two known states. */
export function worseState<S extends Exclude<State, 'unknown'>>(a: S, b: S): S {
  return SEVERITY[b] > SEVERITY[a] ? b : a
}
