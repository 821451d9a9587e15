/**
 * The state log repository (table `state_log`): every state change of every target and
 * commune, appended by the server's `StateLog` (server/reports/state-log.ts, which owns the
 * rules: skip repeats, log downtime as unknown) and read one entity at a time by the SLA report,
 * the overview's history and the commune timeline.
 * @module
 */
import type Database from 'better-sqlite3'
import type { State } from '../../protocol'

/** What the log records states of. */
export type LoggedEntity = 'commune' | 'target'

/** A logged state of one entity. */
export interface LoggedState {
  at: number
  state: State
}

/** One row of the log. */
export interface StateLogEntry extends LoggedState {
  entity: LoggedEntity
  entityId: string
}

/**
 * Reads and appends of the state log. Reads are per entity on purpose: the SQLite index serves
 * (entity, id, at) ranges, while a range on `at` alone across entities reads every row of every
 * month kept. Rows of one entity at the same `at` keep their append order.
 */
export interface StateLogRepo {
  /** Appends rows in order, in one transaction (all or none). */
  append(rows: readonly StateLogEntry[]): void
  /** Each entity's newest row (latest `at`; of rows at the same `at`, the last appended). */
  latest(): StateLogEntry[]
  /** The newest `at` of any row, or null when the log is empty. */
  newestAt(): number | null
  /** The last row before `from`: the state the entity entered the period in. */
  before(entity: LoggedEntity, id: string, from: number): LoggedState | undefined
  /** Rows with `from ≤ at < to`, in time order (append order within one instant). */
  changes(entity: LoggedEntity, id: string, from: number, to: number): LoggedState[]
  /** The `at` of the first row ever logged: when monitoring of the entity began. */
  first(entity: LoggedEntity, id: string): number | null
}

/** The SQLite implementation: prepared statements, each an indexed seek on `state_log(entity, entity_id, at)`. */
export function createStateLogRepo(sqlite: Database.Database): StateLogRepo {
  const insert = sqlite.prepare('INSERT INTO state_log (entity, entity_id, at, state) VALUES (?, ?, ?, ?)')
  const appendAll = sqlite.transaction((rows: readonly StateLogEntry[]) => {
    for (const r of rows) insert.run(r.entity, r.entityId, r.at, r.state)
  })
  // Read once at start; a full pass either way, the window only makes ties on `at` deterministic.
  const latest = sqlite.prepare(
    `SELECT entity, entity_id AS entityId, at, state FROM (
       SELECT entity, entity_id, at, state, row_number() OVER (PARTITION BY entity, entity_id ORDER BY at DESC, id DESC) AS k FROM state_log
     ) WHERE k = 1`,
  )
  const newest = sqlite.prepare('SELECT max(at) FROM state_log').pluck()
  const before = sqlite.prepare('SELECT at, state FROM state_log WHERE entity = ? AND entity_id = ? AND at < ? ORDER BY at DESC, id DESC LIMIT 1')
  const changes = sqlite.prepare('SELECT at, state FROM state_log WHERE entity = ? AND entity_id = ? AND at >= ? AND at < ? ORDER BY at, id')
  const first = sqlite.prepare('SELECT min(at) FROM state_log WHERE entity = ? AND entity_id = ?').pluck()
  return {
    append(rows) {
      if (rows.length > 0) appendAll(rows)
    },
    latest: () => latest.all() as StateLogEntry[],
    newestAt: () => (newest.get() as number | null | undefined) ?? null,
    before: (entity, id, from) => before.get(entity, id, from) as LoggedState | undefined,
    changes: (entity, id, from, to) => changes.all(entity, id, from, to) as LoggedState[],
    first: (entity, id) => (first.get(entity, id) as number | null | undefined) ?? null,
  }
}

/**
 * An in-memory implementation with the same contract, for tests of the code above the store
 * (the state log's rules) that need no database. Not for production: nothing is persisted.
 */
export function createMemoryStateLogRepo(): StateLogRepo {
  const byEntity = new Map<string, StateLogEntry[]>()
  const keyOf = (entity: LoggedEntity, id: string): string => `${entity}\u0000${id}`
  const rowsOf = (entity: LoggedEntity, id: string): readonly StateLogEntry[] => byEntity.get(keyOf(entity, id)) ?? []
  const view = (r: StateLogEntry): LoggedState => ({ at: r.at, state: r.state })
  return {
    append(rows) {
      for (const r of rows) {
        const list = byEntity.get(keyOf(r.entity, r.entityId)) ?? []
        // Insert after every row at or before `at`: time order, append order within an instant.
        let i = list.length
        while (i > 0 && (list[i - 1] as StateLogEntry).at > r.at) i--
        list.splice(i, 0, { entity: r.entity, entityId: r.entityId, at: r.at, state: r.state })
        byEntity.set(keyOf(r.entity, r.entityId), list)
      }
    },
    latest: () => [...byEntity.values()].flatMap((list) => (list.length > 0 ? [{ ...(list[list.length - 1] as StateLogEntry) }] : [])),
    newestAt() {
      let max: number | null = null
      for (const list of byEntity.values()) for (const r of list) if (max === null || r.at > max) max = r.at
      return max
    },
    before(entity, id, from) {
      const prior = rowsOf(entity, id).filter((r) => r.at < from)
      const last = prior[prior.length - 1]
      return last ? view(last) : undefined
    },
    changes: (entity, id, from, to) => rowsOf(entity, id).filter((r) => r.at >= from && r.at < to).map(view),
    first: (entity, id) => rowsOf(entity, id)[0]?.at ?? null,
  }
}
