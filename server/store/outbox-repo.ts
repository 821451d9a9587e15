/**
 * Outbox repository (table `outbox`): every notification is a row before any delivery attempt.
 * A row is `pending` until it is `sent`, given up (`dead`) or folded into a digest (`collapsed`).
 * The delivery policy (backoff, budgets, when to collapse) is server/alerting/outbox.ts's.
 * @module
 */
import { and, asc, count, eq, inArray, lte, min } from 'drizzle-orm'
import type { Db } from './db'
import { outbox, type OutboxRow } from './schema'

/** A row's status. */
export type OutboxStatus = OutboxRow['status']

/** What enqueueing stores; the row starts pending with no attempt. */
export type NewOutboxMessage = Pick<OutboxRow, 'idempotencyKey' | 'destination' | 'channelType' | 'groupName' | 'channelIndex' | 'message' | 'incidentIds' | 'nextAttemptAt' | 'createdAt'>

/** Pending messages of one destination. */
export interface PendingSummary {
  pending: number
  /** `createdAt` of the oldest pending row. */
  oldestAt: number
}

/** The questions the outbox worker and the channel health ask. */
export interface OutboxRepo {
  /**
   * Adds a pending row, unless a row with the same idempotency key exists in any status (a
   * notification decided twice is sent once).
   * @returns true when the row is new
   */
  enqueue(message: NewOutboxMessage): boolean
  /** One row, or undefined. */
  get(id: number): OutboxRow | undefined
  /** Pending rows whose `nextAttemptAt` ≤ `now`, in enqueue order (id), at most `limit`. */
  due(now: number, limit: number): OutboxRow[]
  /** Pending rows created at or before `createdAtOrBefore`, in enqueue order, at most `limit`. */
  pendingCreatedBy(createdAtOrBefore: number, limit: number): OutboxRow[]
  /**
   * Stores `digest` as a new pending row and marks the rows of `ids` `collapsed` into it, all or
   * nothing.
   * @returns the digest row
   */
  collapse(ids: readonly number[], digest: NewOutboxMessage): OutboxRow
  /** The row was delivered at `at` after `attempts` attempts. */
  markSent(id: number, at: number, attempts: number): void
  /** The row is given up: no more attempts. */
  markDead(id: number, attempts: number, error: string): void
  /** The row stays pending and is due again at `nextAttemptAt`. */
  scheduleRetry(id: number, attempts: number, error: string, nextAttemptAt: number): void
  /** Pending rows per destination (`group#index`). */
  pendingByDestination(): Map<string, PendingSummary>
  /** Rows per status (every status present, 0 when none). */
  counts(): Record<OutboxStatus, number>
}

/** The SQLite implementation over drizzle. */
export function createOutboxRepo(db: Db): OutboxRepo {
  const insert = (m: NewOutboxMessage) => db.insert(outbox).values({ ...m, status: 'pending', attempts: 0 })
  return {
    enqueue(m) {
      return insert(m).onConflictDoNothing({ target: outbox.idempotencyKey }).run().changes > 0
    },
    get(id) {
      return db.select().from(outbox).where(eq(outbox.id, id)).get()
    },
    due(now, limit) {
      return db.select().from(outbox).where(and(eq(outbox.status, 'pending'), lte(outbox.nextAttemptAt, now))).orderBy(asc(outbox.id)).limit(limit).all()
    },
    pendingCreatedBy(createdAtOrBefore, limit) {
      return db.select().from(outbox).where(and(eq(outbox.status, 'pending'), lte(outbox.createdAt, createdAtOrBefore))).orderBy(asc(outbox.id)).limit(limit).all()
    },
    collapse(ids, digest) {
      return db.transaction((tx) => {
        const row = tx.insert(outbox).values({ ...digest, status: 'pending', attempts: 0 }).returning().get()
        tx.update(outbox).set({ status: 'collapsed', collapsedInto: row.id }).where(inArray(outbox.id, [...ids])).run()
        return row
      })
    },
    markSent(id, at, attempts) {
      db.update(outbox).set({ status: 'sent', sentAt: at, attempts, lastError: null }).where(eq(outbox.id, id)).run()
    },
    markDead(id, attempts, error) {
      db.update(outbox).set({ status: 'dead', attempts, lastError: error }).where(eq(outbox.id, id)).run()
    },
    scheduleRetry(id, attempts, error, nextAttemptAt) {
      db.update(outbox).set({ attempts, lastError: error, nextAttemptAt }).where(eq(outbox.id, id)).run()
    },
    pendingByDestination() {
      const rows = db
        .select({ destination: outbox.destination, n: count(), oldest: min(outbox.createdAt) })
        .from(outbox)
        .where(eq(outbox.status, 'pending'))
        .groupBy(outbox.destination)
        .all()
      return new Map(rows.map((r) => [r.destination, { pending: r.n, oldestAt: r.oldest ?? 0 }]))
    },
    counts() {
      const out: Record<OutboxStatus, number> = { pending: 0, sent: 0, dead: 0, collapsed: 0 }
      for (const r of db.select({ status: outbox.status, n: count() }).from(outbox).groupBy(outbox.status).all()) out[r.status] = r.n
      return out
    },
  }
}
