/**
 * In-memory {@link IncidentRepo}: same contract as the SQLite one (test/server/store/incidents-repo.test.ts).
 * @module
 */
import type { IncidentRepo } from '../incidents-repo'
import type { IncidentEventRow, IncidentRow } from '../schema'
import { copyRow, memoryTable, type MemoryTable } from './table'

/** The tables of the in-memory incident repository. */
export interface MemoryIncidentTables {
  incidents: MemoryTable<IncidentRow>
  events: MemoryTable<IncidentEventRow>
}

/** Empty incident tables. */
export function memoryIncidentTables(): MemoryIncidentTables {
  return { incidents: memoryTable(), events: memoryTable() }
}

/** An incident repository over `tables` (fresh ones by default). */
export function createMemoryIncidentRepo(tables: MemoryIncidentTables = memoryIncidentTables()): IncidentRepo {
  const find = (id: number): IncidentRow | undefined => tables.incidents.rows.find((r) => r.id === id)
  const newestFirst = (a: IncidentRow, b: IncidentRow): number => b.openedAt - a.openedAt || b.id - a.id
  return {
    unresolved() {
      return tables.incidents.rows.filter((r) => r.state !== 'resolved').map(copyRow)
    },
    get(id) {
      const row = find(id)
      return row && copyRow(row)
    },
    byIds(ids) {
      const wanted = new Set(ids)
      return tables.incidents.rows.filter((r) => wanted.has(r.id)).map(copyRow)
    },
    open(values) {
      const row: IncidentRow = { ...copyRow(values), id: tables.incidents.nextId++, state: 'open', ackedAt: null, ackedBy: null, ackComment: null, resolvedAt: null }
      tables.incidents.rows.push(row)
      return copyRow(row)
    },
    update(id, patch) {
      const row = find(id)
      if (row) Object.assign(row, copyRow(patch))
    },
    resolve(id, at) {
      const row = find(id)
      if (row) Object.assign(row, { state: 'resolved', resolvedAt: at })
    },
    acknowledge(id, at, actor, comment) {
      const row = find(id)
      if (!row) return undefined
      Object.assign(row, { state: 'acknowledged', ackedAt: at, ackedBy: actor, ackComment: comment })
      return copyRow(row)
    },
    resolvedWithKeys(keys) {
      const wanted = new Set(keys)
      return tables.incidents.rows
        .filter((r) => r.state === 'resolved' && wanted.has(r.key))
        .sort((a, b) => b.id - a.id)
        .map(copyRow)
    },
    list(opts) {
      return tables.incidents.rows
        .filter((r) => opts.state === 'all' || r.state !== 'resolved')
        .sort(newestFirst)
        .slice(0, opts.limit)
        .map(copyRow)
    },
    countOpenedByCommune(fromMs, toMs) {
      const counts = new Map<string, number>()
      for (const r of tables.incidents.rows) {
        if (r.communeCode === null || r.openedAt < fromMs || r.openedAt >= toMs) continue
        counts.set(r.communeCode, (counts.get(r.communeCode) ?? 0) + 1)
      }
      return counts
    },
    addEvent(event) {
      tables.events.rows.push({ ...copyRow(event), id: tables.events.nextId++ })
    },
    hasEvent(incidentId, type, detail) {
      return tables.events.rows.some((e) => e.incidentId === incidentId && e.type === type && (detail === undefined || e.detail === detail))
    },
    events(incidentId) {
      return tables.events.rows.filter((e) => e.incidentId === incidentId).map(copyRow)
    },
  }
}
