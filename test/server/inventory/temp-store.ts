import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDatabase } from '../../../server/store/db'
import { Store } from '../../../server/store/store'

/** A real SQLite store in a fresh temp directory; `dispose` closes and deletes it. */
export function createTempStore(): { store: Store; dir: string; dispose: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'xanh-inv-'))
  const opened = openDatabase(join(dir, 'xanh.db'))
  return {
    store: Store.fromOpened(opened),
    dir,
    dispose: () => {
      opened.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Rows in a table, read through the store (every row: none is filtered out on the way). */
export function countRows(store: Store, table: 'communes' | 'targets' | 'coverage_gaps' | 'audit_log'): number {
  switch (table) {
    case 'communes':
      return store.countCommunes()
    case 'targets':
      return store.listTargets().length
    case 'coverage_gaps':
      return store.listGaps().length
    case 'audit_log':
      return store.auditLog.list({ limit: Number.MAX_SAFE_INTEGER }).length
  }
}
