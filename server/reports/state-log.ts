/**
 * The state log: every state change of every target and commune, persisted from the engine's
 * transitions, so SLA reports integrate exact intervals for months after the raw results are
 * gone. Time the server itself was not running is logged as `unknown` (nobody was watching):
 * a heartbeat setting says when the server was last alive, and at start every entity whose
 * last row is not `unknown` gets an `unknown` row at that moment.
 * @module
 */
import type { State } from '../../protocol'
import type { SettingsRepo } from '../store/settings'
import type { StateLogEntry, StateLogRepo } from '../store/state-log'
import type { StateTransition } from '../state/engine'

/** Settings key of the heartbeat (ms): the server was alive at least until then. */
export const ALIVE_KEY = 'state_log.alive_at'

/** How often the heartbeat is written: the error bound on when a crash started a gap. */
export const HEARTBEAT_MS = 10_000

/** Appends transitions to the state log, skipping rows that repeat an entity's last state. */
export class StateLog {
  private readonly last = new Map<string, State>()
  private lastHeartbeat = -Infinity

  constructor(
    private readonly log: StateLogRepo,
    private readonly settings: SettingsRepo,
    private readonly now: () => number,
  ) {
    for (const r of log.latest()) this.last.set(`${r.entity}\u0000${r.entityId}`, r.state)
  }

  /**
   * Marks the time the server was down: every entity whose last state is not `unknown` becomes
   * `unknown` at the last heartbeat (or at `stoppedAt`). Call once at start, before the first
   * {@link append}. @returns rows written
   */
  markDowntime(stoppedAt?: number): number {
    let at = stoppedAt
    if (at === undefined) {
      const alive = this.settings.get(ALIVE_KEY)
      if (alive === undefined) return 0
      // A transition logged after the last heartbeat must stay before the gap it opens.
      at = Math.max(Number(alive), this.log.newestAt() ?? 0)
    }
    const rows: StateLogEntry[] = []
    for (const [key, state] of this.last) {
      if (state === 'unknown') continue
      const [entity, entityId] = key.split('\u0000') as [StateLogEntry['entity'], string]
      rows.push({ entity, entityId, at, state: 'unknown' })
    }
    this.log.append(rows)
    for (const r of rows) this.last.set(`${r.entity}\u0000${r.entityId}`, 'unknown')
    return rows.length
  }

  /** Persists transitions in one transaction; @returns rows written. */
  append(transitions: readonly StateTransition[]): number {
    const rows: StateLogEntry[] = []
    // Only this batch's rows count as written: the cache moves once the append committed.
    const pending = new Map<string, State>()
    for (const t of transitions) {
      const key = `${t.entity}\u0000${t.id}`
      if ((pending.get(key) ?? this.last.get(key)) === t.state) continue
      rows.push({ entity: t.entity, entityId: t.id, at: t.at, state: t.state })
      pending.set(key, t.state)
    }
    this.log.append(rows)
    for (const [key, state] of pending) this.last.set(key, state)
    return rows.length
  }

  /** Records that the server is alive (written at most every {@link HEARTBEAT_MS}). */
  heartbeat(): void {
    const now = this.now()
    if (now - this.lastHeartbeat < HEARTBEAT_MS) return
    this.lastHeartbeat = now
    this.settings.set(ALIVE_KEY, String(now))
  }
}
