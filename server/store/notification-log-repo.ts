/**
 * Notification log repository (table `notification_log`): what each (receiver, group) was last
 * told, so a restart neither repeats a first notification nor forgets a firing group.
 * @module
 */
import { and, eq } from 'drizzle-orm'
import type { Db } from './db'
import { notificationLog, type NotificationLogRow } from './schema'

/** One (receiver, group key)'s last notification. */
export type NotificationLogEntry = NotificationLogRow

/** What the dispatcher reads at start and writes after each decision. */
export interface NotificationLogRepo {
  /** Every entry. */
  list(): NotificationLogEntry[]
  /** Inserts or replaces the entry of (receiver, groupKey). */
  save(entry: NotificationLogEntry): void
  /** Forgets the entry of (receiver, groupKey); absent is fine. */
  delete(receiver: string, groupKey: string): void
}

/** The SQLite implementation over drizzle. */
export function createNotificationLogRepo(db: Db): NotificationLogRepo {
  return {
    list() {
      return db.select().from(notificationLog).all()
    },
    save(entry) {
      db.insert(notificationLog)
        .values(entry)
        .onConflictDoUpdate({ target: [notificationLog.receiver, notificationLog.groupKey], set: { firing: entry.firing, sentAt: entry.sentAt } })
        .run()
    },
    delete(receiver, groupKey) {
      db.delete(notificationLog).where(and(eq(notificationLog.receiver, receiver), eq(notificationLog.groupKey, groupKey))).run()
    },
  }
}
