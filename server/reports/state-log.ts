/**
 * The state log: every state change of every target and commune, persisted from the engine's
 * transitions, so SLA reports integrate exact intervals for months after the raw results are
 * gone. Time the server itself was not running is logged as `unknown` (nobody was watching):
 * a heartbeat setting says when the server was last alive, and at start every entity whose
 * last row is not `unknown` gets an `unknown` row at that moment.
 * @module
 */
import type Database from 'better-sqlite3'
import type { State } from '../../protocol'
import type { StateTransition } from '../state/engine'

/** Settings key of the heartbeat (ms): the server was alive at least until then. */
export const ALIVE_KEY = 'state_log.alive_at'

/** How often the heartbeat is written: the error bound on when a crash started a gap. */
export const HEARTBEAT_MS = 10_000

/** Appends transitions to `state_log`, skipping rows that repeat an entity's last state. */
export class StateLog {
  private readonly last = new Map<string, State>()
  private readonly insert: Database.Statement
  private readonly saveAlive: Database.Statement
  private lastHeartbeat = -Infinity

  constructor(
    private readonly sqlite: Database.Database,
    private readonly now: () => number,
  ) {
    // SQLite returns the bare column of the row holding max(at) within each group.
    const rows = sqlite.prepare('SELECT entity, entity_id, state, max(at) AS at FROM state_log GROUP BY entity, entity_id').all() as Array<{
      entity: string
      entity_id: string
      state: State
    }>
    for (const r of rows) this.last.set(`${r.entity}\u0000${r.entity_id}`, r.state)
    this.insert = sqlite.prepare('INSERT INTO state_log (entity, entity_id, at, state) VALUES (?, ?, ?, ?)')
    this.saveAlive = sqlite.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value')
  }

  /**
   * Marks the time the server was down: every entity whose last state is not `unknown` becomes
   * `unknown` at the last heartbeat (or at `stoppedAt`). Call once at start, before the first
   * {@link append}. @returns rows written
   */
  markDowntime(stoppedAt?: number): number {
    let at = stoppedAt
    if (at === undefined) {
      const row = this.sqlite.prepare('SELECT value FROM settings WHERE key = ?').get(ALIVE_KEY) as { value: string } | undefined
      if (!row) return 0
      // A transition logged after the last heartbeat must stay before the gap it opens.
      const newest = (this.sqlite.prepare('SELECT max(at) FROM state_log').pluck().get() as number | null) ?? 0
      at = Math.max(Number(row.value), newest)
    }
    const open = [...this.last.entries()].filter(([, s]) => s !== 'unknown')
    const when = at
    this.sqlite.transaction(() => {
      for (const [key] of open) {
        const [entity, id] = key.split('\u0000') as [string, string]
        this.insert.run(entity, id, when, 'unknown')
        this.last.set(key, 'unknown')
      }
    })()
    return open.length
  }

  /** Persists transitions in one transaction; @returns rows written. */
  append(transitions: readonly StateTransition[]): number {
    if (transitions.length === 0) return 0
    let written = 0
    this.sqlite.transaction(() => {
      for (const t of transitions) {
        const key = `${t.entity}\u0000${t.id}`
        if (this.last.get(key) === t.state) continue
        this.insert.run(t.entity, t.id, t.at, t.state)
        this.last.set(key, t.state)
        written++
      }
    })()
    return written
  }

  /** Records that the server is alive (written at most every {@link HEARTBEAT_MS}). */
  heartbeat(): void {
    const now = this.now()
    if (now - this.lastHeartbeat < HEARTBEAT_MS) return
    this.lastHeartbeat = now
    this.saveAlive.run(ALIVE_KEY, String(now))
  }
}

/** A logged state of one entity. */
export interface LoggedState {
  at: number
  state: State
}

/** Reads of one entity's logged states, each an indexed seek on `state_log(entity, entity_id, at)`. */
export interface EntityStateReader {
  /** The last row before `from`: the state the entity entered the period in. */
  before(entity: 'commune' | 'target', id: string, from: number): LoggedState | undefined
  /** Rows with `from ≤ at < to`, in time order. */
  changes(entity: 'commune' | 'target', id: string, from: number, to: number): LoggedState[]
  /** The first row ever logged: when monitoring of the entity began. */
  first(entity: 'commune' | 'target', id: string): number | null
}

/**
 * The prepared reads the SLA report, the overview's history and the commune timeline share. One
 * entity at a time on purpose: the index serves (entity, id, at) ranges, while a range on `at`
 * alone across entities reads every row of every month kept.
 */
export function entityStateReader(sqlite: Database.Database): EntityStateReader {
  const before = sqlite.prepare('SELECT at, state FROM state_log WHERE entity = ? AND entity_id = ? AND at < ? ORDER BY at DESC, id DESC LIMIT 1')
  const changes = sqlite.prepare('SELECT at, state FROM state_log WHERE entity = ? AND entity_id = ? AND at >= ? AND at < ? ORDER BY at, id')
  const first = sqlite.prepare('SELECT min(at) FROM state_log WHERE entity = ? AND entity_id = ?').pluck()
  return {
    before: (entity, id, from) => before.get(entity, id, from) as LoggedState | undefined,
    changes: (entity, id, from, to) => changes.all(entity, id, from, to) as LoggedState[],
    first: (entity, id) => (first.get(entity, id) as number | null | undefined) ?? null,
  }
}
