/**
 * Facts about the database file and an online copy of it: `xanh db stats`, `xanh db backup`,
 * `/readyz` (migrations applied) and the server's watch for writes by another process.
 * @module
 */
import { renameSync, rmSync } from 'node:fs'
import type Database from 'better-sqlite3'

/** Rows and bytes of one table; `indexBytes` sums its indexes (automatic ones included). */
export interface TableStats {
  table: string
  rows: number
  dataBytes: number
  indexBytes: number
}

/** The whole file: pages in use and free, and the write-ahead log not yet checkpointed. */
export interface DatabaseStats {
  tables: TableStats[]
  pageSize: number
  pages: number
  freePages: number
  fileBytes: number
}

/**
 * Rows (`count(*)`, exact) and on-disk bytes (the `dbstat` virtual table: every page of every
 * b-tree) per table, largest first. Reads the whole file, so it takes a moment on a big one;
 * it runs in a read transaction and never blocks a writer (WAL).
 */
export function databaseStats(sqlite: Database.Database): DatabaseStats {
  const objects = sqlite.prepare("SELECT name, tbl_name, type FROM sqlite_schema WHERE type IN ('table', 'index')").all() as Array<{
    name: string
    tbl_name: string
    type: 'table' | 'index'
  }>
  const tableOf = new Map(objects.map((o) => [o.name, o.tbl_name]))
  const bytes = sqlite.prepare('SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name').all() as Array<{ name: string; bytes: number }>
  const byTable = new Map<string, TableStats>()
  const read = sqlite.transaction(() => {
    for (const o of objects) {
      if (o.type !== 'table' || o.name.startsWith('sqlite_')) continue
      const rows = (sqlite.prepare(`SELECT count(*) AS n FROM "${o.name.replace(/"/g, '""')}"`).get() as { n: number }).n
      byTable.set(o.name, { table: o.name, rows, dataBytes: 0, indexBytes: 0 })
    }
  })
  read()
  for (const b of bytes) {
    const table = tableOf.get(b.name) ?? b.name
    const s = byTable.get(table)
    if (!s) continue
    if (b.name === table) s.dataBytes += b.bytes
    else s.indexBytes += b.bytes
  }
  const pageSize = sqlite.pragma('page_size', { simple: true }) as number
  const pages = sqlite.pragma('page_count', { simple: true }) as number
  const freePages = sqlite.pragma('freelist_count', { simple: true }) as number
  const tables = [...byTable.values()].sort((a, b) => b.dataBytes + b.indexBytes - (a.dataBytes + a.indexBytes) || a.table.localeCompare(b.table))
  return { tables, pageSize, pages, freePages, fileBytes: pageSize * pages }
}

/** Rows (`count(*)`) of every table but SQLite's own, in one read transaction. */
export function tableRowCounts(sqlite: Database.Database): Record<string, number> {
  const names = sqlite.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[]
  const read = sqlite.transaction(() => {
    const out: Record<string, number> = {}
    for (const name of names) out[name] = (sqlite.prepare(`SELECT count(*) AS n FROM "${name.replace(/"/g, '""')}"`).get() as { n: number }).n
    return out
  })
  return read()
}

/**
 * Copies the open database to `file` with SQLite's online backup API, in one step: one read
 * transaction, so the copy is a consistent snapshot while the server keeps ingesting (WAL:
 * readers never block the writer). Written to `file.partial` and renamed, so a failed backup
 * leaves no half file behind.
 * @returns pages copied
 */
export async function backupDatabase(sqlite: Database.Database, file: string): Promise<number> {
  const partial = `${file}.partial`
  rmSync(partial, { force: true })
  try {
    // The first step only sizes the copy; returning the maximum makes the next step copy all.
    const done = await sqlite.backup(partial, { progress: () => 0x7fffffff })
    renameSync(partial, file)
    return done.totalPages
  } catch (e) {
    rmSync(partial, { force: true })
    throw e
  }
}

/** The database as a file: what it holds, a copy, and whether another connection wrote to it. */
export interface DatabaseAdmin {
  /** Rows and bytes per table (see {@link databaseStats}: reads the whole file). */
  stats(): DatabaseStats
  /**
   * Rows per table (`count(*)`, exact, one read transaction), without the byte sizes: cheap
   * enough to sample often (the soak test watches every table's growth with it).
   */
  rowCounts(): Record<string, number>
  /** Copies the database to `file` while it stays in use (see {@link backupDatabase}). */
  backup(file: string): Promise<{ pages: number; bytes: number }>
  /**
   * A number that changes when another connection (the CLI, another process) commits a write;
   * this connection's own writes leave it unchanged (SQLite's `data_version`).
   */
  dataVersion(): number
  /**
   * How many migrations have been applied.
   * @throws when the migrations table is missing or the database does not answer
   */
  appliedMigrations(): number
}

/** The SQLite implementation over one open connection. */
export function createDatabaseAdmin(sqlite: Database.Database): DatabaseAdmin {
  return {
    stats: () => databaseStats(sqlite),
    rowCounts: () => tableRowCounts(sqlite),
    async backup(file) {
      const pages = await backupDatabase(sqlite, file)
      return { pages, bytes: pages * (sqlite.pragma('page_size', { simple: true }) as number) }
    },
    dataVersion: () => sqlite.pragma('data_version', { simple: true }) as number,
    appliedMigrations: () => (sqlite.prepare('SELECT count(*) AS n FROM __drizzle_migrations').get() as { n: number }).n,
  }
}

/** 1536 → "1.5 KiB". */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let v = n
  let u = 0
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024
    u++
  }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u]}`
}
