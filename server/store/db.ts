/**
 * Opening the SQLite file: pragmas for a write-heavy monitor, then committed migrations.
 * @module
 */
import Database from 'better-sqlite3'
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'
import { join } from 'node:path'
import { APP_ROOT } from '../app-root'
import * as schema from './schema'

export type Db = BetterSQLite3Database<typeof schema>

/**
 * An open database. Outside server/store/ it is an opaque token: handed to the store's
 * constructors and closed, its handles never used (test/architecture.test.ts).
 */
export interface OpenedDb {
  sqlite: Database.Database
  db: Db
  /** Closes the connection (after the last use of every store over it). */
  close(): void
}

/** Folder of the generated, committed migrations. */
export const MIGRATIONS_DIR = join(APP_ROOT, 'server', 'store', 'migrations')

/** SQLite's page cache when the caller names none (the server's `sqliteCacheMiB` default). */
export const DEFAULT_CACHE_MIB = 2

/**
 * Opens (creating if needed) the database at `file` (":memory:" for tests), sets WAL and
 * applies every pending migration. Throws if a migration fails, so start-up stops.
 * @param opts.cacheMiB SQLite's page cache: memory the process keeps for pages it read (see
 *   ServerConfig `sqliteCacheMiB`)
 */
export function openDatabase(file: string, opts: { cacheMiB?: number } = {}): OpenedDb {
  const sqlite = new Database(file)
  sqlite.pragma('journal_mode = WAL')
  // NORMAL is durable across application crashes in WAL mode; only a power cut can lose the last commits.
  sqlite.pragma('synchronous = NORMAL')
  sqlite.pragma('foreign_keys = ON')
  sqlite.pragma('busy_timeout = 5000')
  // Negative: a size in KiB rather than in pages.
  sqlite.pragma(`cache_size = -${Math.round((opts.cacheMiB ?? DEFAULT_CACHE_MIB) * 1024)}`)
  const db = drizzle(sqlite, { schema })
  migrate(db, { migrationsFolder: MIGRATIONS_DIR })
  return { sqlite, db, close: () => sqlite.close() }
}
