/**
 * In-memory {@link SupportGroupRepo}: same contract as the SQLite one
 * (test/server/store/support-groups-repo.test.ts).
 * @module
 */
import type { SupportGroupRow } from '../schema'
import { SUPPORT_GROUP_DEFAULTS, type SupportGroupRepo } from '../support-groups-repo'
import { copyRow, memoryTable, type MemoryTable } from './table'

/**
 * A support group repository over `table` (a fresh one by default).
 * @param onDelete told the id of each deleted group (the SQLite foreign key cascades to channel state)
 */
export function createMemorySupportGroupRepo(table: MemoryTable<SupportGroupRow> = memoryTable(), onDelete: (id: number) => void = () => {}): SupportGroupRepo {
  const find = (id: number): SupportGroupRow | undefined => table.rows.find((r) => r.id === id)
  const nameTaken = (name: string, exceptId: number): boolean => table.rows.some((r) => r.name === name && r.id !== exceptId)
  return {
    list() {
      return table.rows.map(copyRow)
    },
    get(id) {
      const row = find(id)
      return row && copyRow(row)
    },
    getByName(name) {
      const row = table.rows.find((r) => r.name === name)
      return row && copyRow(row)
    },
    create(values) {
      if (nameTaken(values.name, -1)) throw new Error(`UNIQUE constraint failed: support_groups.name (${values.name})`)
      const row: SupportGroupRow = { ...SUPPORT_GROUP_DEFAULTS, ...copyRow(values), id: table.nextId++ }
      table.rows.push(row)
      return copyRow(row)
    },
    update(id, values) {
      const row = find(id)
      if (!row) return undefined
      if (nameTaken(values.name, id)) throw new Error(`UNIQUE constraint failed: support_groups.name (${values.name})`)
      Object.assign(row, copyRow(values), { id })
      return copyRow(row)
    },
    delete(id) {
      const i = table.rows.findIndex((r) => r.id === id)
      if (i < 0) return undefined
      const [row] = table.rows.splice(i, 1)
      onDelete(id)
      return row
    },
    setChannels(id, channels) {
      const row = find(id)
      if (row) row.channels = copyRow([...channels])
    },
  }
}
