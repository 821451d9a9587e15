/**
 * In-memory {@link MaintenanceRepo}: same contract as the SQLite one (test/server/store/maintenance-repo.test.ts).
 * @module
 */
import type { MaintenanceRepo } from '../maintenance-repo'
import type { MaintenanceRow } from '../schema'
import { copyRow, memoryTable, type MemoryTable } from './table'

/** A maintenance repository over `table` (a fresh one by default); `now` stamps `createdAt`. */
export function createMemoryMaintenanceRepo(table: MemoryTable<MaintenanceRow> = memoryTable(), now: () => number = Date.now): MaintenanceRepo {
  return {
    list() {
      return table.rows.map(copyRow)
    },
    create(values) {
      const row: MaintenanceRow = { ...copyRow(values), id: table.nextId++, createdAt: now() }
      table.rows.push(row)
      return copyRow(row)
    },
    delete(id) {
      const i = table.rows.findIndex((r) => r.id === id)
      if (i < 0) return undefined
      const [row] = table.rows.splice(i, 1)
      return row
    },
  }
}
