/**
 * In-memory {@link OutboxRepo}: same contract as the SQLite one (test/server/store/outbox-repo.test.ts).
 * @module
 */
import type { OutboxRepo, OutboxStatus, PendingSummary } from '../outbox-repo'
import type { OutboxRow } from '../schema'
import { copyRow, memoryTable, type MemoryTable } from './table'

/** An outbox repository over `table` (a fresh one by default). */
export function createMemoryOutboxRepo(table: MemoryTable<OutboxRow> = memoryTable()): OutboxRepo {
  const find = (id: number): OutboxRow | undefined => table.rows.find((r) => r.id === id)
  const insert = (m: Parameters<OutboxRepo['enqueue']>[0]): OutboxRow => {
    if (table.rows.some((r) => r.idempotencyKey === m.idempotencyKey)) throw new Error(`UNIQUE constraint failed: outbox.idempotency_key (${m.idempotencyKey})`)
    const row: OutboxRow = { ...copyRow(m), id: table.nextId++, status: 'pending', attempts: 0, lastError: null, sentAt: null, collapsedInto: null }
    table.rows.push(row)
    return row
  }
  const patch = (id: number, values: Partial<OutboxRow>): void => {
    const row = find(id)
    if (row) Object.assign(row, values)
  }
  const pending = (): OutboxRow[] => table.rows.filter((r) => r.status === 'pending')
  return {
    enqueue(m) {
      if (table.rows.some((r) => r.idempotencyKey === m.idempotencyKey)) return false
      insert(m)
      return true
    },
    get(id) {
      const row = find(id)
      return row && copyRow(row)
    },
    due(now, limit) {
      return pending()
        .filter((r) => r.nextAttemptAt <= now)
        .slice(0, limit)
        .map(copyRow)
    },
    pendingCreatedBy(createdAtOrBefore, limit) {
      return pending()
        .filter((r) => r.createdAt <= createdAtOrBefore)
        .slice(0, limit)
        .map(copyRow)
    },
    collapse(ids, digest) {
      // Insert first: a taken key throws before any row changed, as the SQLite transaction rolls back.
      const row = insert(digest)
      const wanted = new Set(ids)
      for (const r of table.rows) if (wanted.has(r.id)) Object.assign(r, { status: 'collapsed', collapsedInto: row.id })
      return copyRow(row)
    },
    markSent(id, at, attempts) {
      patch(id, { status: 'sent', sentAt: at, attempts, lastError: null })
    },
    markDead(id, attempts, error) {
      patch(id, { status: 'dead', attempts, lastError: error })
    },
    scheduleRetry(id, attempts, error, nextAttemptAt) {
      patch(id, { attempts, lastError: error, nextAttemptAt })
    },
    pendingByDestination() {
      const out = new Map<string, PendingSummary>()
      for (const r of pending()) {
        const s = out.get(r.destination)
        out.set(r.destination, s ? { pending: s.pending + 1, oldestAt: Math.min(s.oldestAt, r.createdAt) } : { pending: 1, oldestAt: r.createdAt })
      }
      return out
    },
    counts() {
      const out: Record<OutboxStatus, number> = { pending: 0, sent: 0, dead: 0, collapsed: 0 }
      for (const r of table.rows) out[r.status]++
      return out
    },
  }
}
