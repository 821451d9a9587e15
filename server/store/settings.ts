/**
 * The settings repository (table `settings`): small string values the server keeps across
 * restarts (province name, demo mark, rollup cursor, the state log's heartbeat).
 * @module
 */
import { eq } from 'drizzle-orm'
import type { Db } from './db'
import { settings } from './schema'

/** Key → string value; a key never set (or deleted) reads as undefined, unlike an empty value. */
export interface SettingsRepo {
  get(key: string): string | undefined
  /** Sets or replaces the value. */
  set(key: string, value: string): void
  /** Forgets the key; deleting a key never set is not an error. */
  delete(key: string): void
}

/** The SQLite implementation over drizzle. */
export function createSettingsRepo(db: Db): SettingsRepo {
  return {
    get: (key) => db.select().from(settings).where(eq(settings.key, key)).get()?.value,
    set(key, value) {
      db.insert(settings).values({ key, value }).onConflictDoUpdate({ target: settings.key, set: { value } }).run()
    },
    delete(key) {
      db.delete(settings).where(eq(settings.key, key)).run()
    },
  }
}

/** An in-memory implementation with the same contract, for tests that need no database. */
export function createMemorySettingsRepo(): SettingsRepo {
  const values = new Map<string, string>()
  return {
    get: (key) => values.get(key),
    set(key, value) {
      values.set(key, value)
    },
    delete(key) {
      values.delete(key)
    },
  }
}
