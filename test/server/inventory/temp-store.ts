import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDatabase } from '../../../server/store/db'
import { Store } from '../../../server/store/store'

/** A real SQLite store in a fresh temp directory; `dispose` closes and deletes it. */
export function createTempStore(): { store: Store; dir: string; dispose: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'xanh-inv-'))
  const { sqlite, db } = openDatabase(join(dir, 'xanh.db'))
  return {
    store: new Store(sqlite, db),
    dir,
    dispose: () => {
      sqlite.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Rows in a table, straight from SQLite. */
export function countRows(store: Store, table: 'communes' | 'targets' | 'coverage_gaps' | 'audit_log'): number {
  const row: unknown = store.sqlite.prepare(`SELECT count(*) AS n FROM ${table}`).get()
  return row && typeof row === 'object' && 'n' in row && typeof row.n === 'number' ? row.n : -1
}
