/**
 * In-memory {@link SilenceRepo}: same contract as the SQLite one (test/server/store/silences-repo.test.ts).
 * @module
 */
import type { SilenceRow } from '../schema'
import type { SilenceRepo } from '../silences-repo'
import { copyRow, memoryTable, type MemoryTable } from './table'

/** A silence repository over `table` (a fresh one by default); `now` stamps `createdAt`. */
export function createMemorySilenceRepo(table: MemoryTable<SilenceRow> = memoryTable(), now: () => number = Date.now): SilenceRepo {
  const find = (id: number): SilenceRow | undefined => table.rows.find((r) => r.id === id)
  return {
    list() {
      return table.rows.map(copyRow)
    },
    get(id) {
      const row = find(id)
      return row && copyRow(row)
    },
    create(values) {
      const row: SilenceRow = { ...copyRow(values), id: table.nextId++, createdAt: now() }
      table.rows.push(row)
      return copyRow(row)
    },
    setTimes(id, times) {
      const row = find(id)
      if (!row) return undefined
      if (times.startsAt !== undefined) row.startsAt = times.startsAt
      if (times.endsAt !== undefined) row.endsAt = times.endsAt
      return copyRow(row)
    },
  }
}
