/**
 * In-memory {@link NotificationLogRepo}: same contract as the SQLite one
 * (test/server/store/notification-log-repo.test.ts).
 * @module
 */
import type { NotificationLogEntry, NotificationLogRepo } from '../notification-log-repo'
import { copyRow } from './table'

/** The entries, by receiver and group key. */
export interface MemoryNotificationLogTable {
  entries: Map<string, NotificationLogEntry>
}

/** A notification log over `table` (a fresh one by default). */
export function createMemoryNotificationLogRepo(table: MemoryNotificationLogTable = { entries: new Map() }): NotificationLogRepo {
  // JSON of the pair: no separator a receiver name or group key could contain.
  const key = (receiver: string, groupKey: string): string => JSON.stringify([receiver, groupKey])
  return {
    list() {
      return [...table.entries.values()].map(copyRow)
    },
    save(entry) {
      table.entries.set(key(entry.receiver, entry.groupKey), copyRow(entry))
    },
    delete(receiver, groupKey) {
      table.entries.delete(key(receiver, groupKey))
    },
  }
}
