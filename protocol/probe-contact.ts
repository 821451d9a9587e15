/**
 * Whether a probe is in contact (SPEC §3), as the Settings probes tab shows it. The server
 * decides how long a silence may last (server/state/silent-probes.ts: as long as the probe's
 * targets take to go silent, at least a minute) and sends it as `silentAfterSeconds`; the page
 * applies it as its clock ticks.
 * @module
 */

/** A probe's contact: `never` before its first batch or config poll. */
export type ProbeContact = 'online' | 'silent' | 'never'

/** Contact of a probe last seen at `lastSeenMs` (null: never), as of `nowMs`. */
export function probeContact(lastSeenMs: number | null, nowMs: number, silentAfterMs: number): ProbeContact {
  if (lastSeenMs === null) return 'never'
  return nowMs - lastSeenMs > silentAfterMs ? 'silent' : 'online'
}
