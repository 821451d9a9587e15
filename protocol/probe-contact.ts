/**
 * Whether a probe is in contact (SPEC §3): an agent reaches the server at least every
 * {@link PROBE_HEARTBEAT_SECONDS} (a batch, or an empty heartbeat batch when it has nothing to
 * ship). Like a target, it is silent after `unknownAfterIntervals` missed contacts.
 * @module
 */

/** Longest an agent goes without contacting the server: its heartbeat period. */
export const PROBE_HEARTBEAT_SECONDS = 30

/** A probe's contact: `never` before its first batch or config poll. */
export type ProbeContact = 'online' | 'silent' | 'never'

/**
 * Milliseconds without contact after which a probe is silent: the server's
 * `state.unknownAfterIntervals` (the count that makes a target silent) heartbeat periods.
 */
export function probeSilentAfterMs(unknownAfterIntervals: number): number {
  return unknownAfterIntervals * PROBE_HEARTBEAT_SECONDS * 1000
}

/** Contact of a probe last seen at `lastSeenMs` (null: never), as of `nowMs`. */
export function probeContact(lastSeenMs: number | null, nowMs: number, silentAfterMs: number): ProbeContact {
  if (lastSeenMs === null) return 'never'
  return nowMs - lastSeenMs > silentAfterMs ? 'silent' : 'online'
}
