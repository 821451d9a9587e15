/**
 * Flap detection (SPEC §4): a weighted share of state changes over the last rounds.
 * @module
 */
import type { State } from '../../protocol'

/** One letter per state, for a history kept as a string (the engine: tens of bytes per target instead of an array's ~340 B). */
export const STATE_INITIAL: Readonly<Record<State, string>> = { ok: 'o', warning: 'w', critical: 'c', down: 'd', unknown: 'u' }
const UNKNOWN_INITIAL = STATE_INITIAL.unknown

/**
 * Weighted share of state changes over a window of `rounds` rounds (Nagios/Icinga model):
 * the newest possible change weighs 1.25, the oldest 0.75, so recent changes count more.
 * The denominator is always the full window, so a short history cannot look like flapping;
 * changes to or from `unknown` are data gaps, not flapping. 0 = stable, 1 = changes every round.
 * @param history the states of the last rounds, oldest first, as their {@link STATE_INITIAL} letters
 */
export function flapRatio(history: string, rounds: number): number {
  const slots = rounds - 1
  if (slots < 1 || history.length < 2) return 0
  const offset = rounds - history.length
  let weighted = 0
  for (let i = 1; i < history.length; i++) {
    const a = history[i - 1]
    const b = history[i]
    if (a === b || a === UNKNOWN_INITIAL || b === UNKNOWN_INITIAL) continue
    const slot = offset + i // 1 … slots, newest = slots
    weighted += slots === 1 ? 1 : 0.75 + (0.5 * (slot - 1)) / (slots - 1)
  }
  return weighted / slots
}
