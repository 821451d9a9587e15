/**
 * The persistent outbox. Every notification is a row before any delivery attempt; a worker
 * delivers due rows with retries and exponential backoff, per-destination rate limits
 * (honouring 429 retry_after) and a digest when a destination is over budget. Rows survive
 * restarts; enqueueing the same idempotency key twice is a no-op.
 *
 * Delivery is at-least-once: a crash between the provider's acceptance and the row update
 * repeats that one message; webhooks carry `webhook-id` so receivers can drop it.
 * @module
 */
import { and, asc, eq, lte, inArray } from 'drizzle-orm'
import type { Logger } from 'pino'
import type { ChannelConfig, Language } from '../../protocol'
import type { AlertingConfig } from '../config'
import { outbox, type OutboxRow } from '../store/schema'
import type { Store } from '../store/store'
import { digestOf } from './messages'
import { NotifierError, type Notifier, type OutgoingMessage } from './notifier'

/** Where a row goes: the group's channel at the time of delivery (secrets are not copied into rows). */
export interface Destination {
  notifier: Notifier
  perMinute: number
  language: Language
}

export interface OutboxDeps {
  store: Store
  config: AlertingConfig
  log: Logger
  now: () => number
  fetch: typeof fetch
  /** Resolves a row's group and channel index to a live notifier, or undefined when it no longer exists. */
  destination: (groupName: string, channelIndex: number) => Destination | undefined
  /** Told about each outcome (timeline events, metrics). */
  onOutcome: (row: OutboxRow, outcome: 'sent' | 'retry' | 'dead' | 'collapsed', error?: string) => void
}

export interface EnqueueInput {
  idempotencyKey: string
  groupName: string
  channelIndex: number
  channel: ChannelConfig
  message: OutgoingMessage
  incidentIds: number[]
}

interface Budget {
  tokens: number
  refilledAt: number
  pausedUntil: number
}

/** Creates the outbox over the store. */
export function createOutbox(deps: OutboxDeps) {
  const { store, config, log, now } = deps
  const budgets = new Map<string, Budget>()
  let current: Promise<number> | undefined

  const budgetOf = (destination: string, perMinute: number): Budget => {
    const t = now()
    let b = budgets.get(destination)
    if (!b) {
      b = { tokens: perMinute, refilledAt: t, pausedUntil: 0 }
      budgets.set(destination, b)
    }
    const refill = ((t - b.refilledAt) / 60_000) * perMinute
    b.tokens = Math.min(perMinute, b.tokens + refill)
    b.refilledAt = t
    return b
  }

  const backoff = (attempts: number): number => {
    const base = config.backoffBaseSeconds * 1000 * 2 ** Math.min(attempts - 1, 20)
    const capped = Math.min(base, config.backoffMaxSeconds * 1000)
    return capped / 2 + Math.random() * (capped / 2)
  }

  /**
   * Adds a notification. Idempotent on the key.
   * @returns true when the row is new
   */
  function enqueue(input: EnqueueInput): boolean {
    const r = store.sqlite
      .prepare(
        `INSERT OR IGNORE INTO outbox (idempotency_key, destination, channel_type, group_name, channel_index, message, incident_ids, status, attempts, next_attempt_at, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)`,
      )
      .run(
        input.idempotencyKey,
        `${input.groupName}#${input.channelIndex}`,
        input.channel.type,
        input.groupName,
        input.channelIndex,
        JSON.stringify(input.message),
        JSON.stringify(input.incidentIds),
        now(),
        now(),
      )
    return r.changes > 0
  }

  function due(): OutboxRow[] {
    return store.db.select().from(outbox).where(and(eq(outbox.status, 'pending'), lte(outbox.nextAttemptAt, now()))).orderBy(asc(outbox.id)).limit(500).all()
  }

  /** Replaces the pending rows of one destination by a single digest row. */
  function collapse(rows: OutboxRow[], language: Language): OutboxRow | undefined {
    const first = rows[0]
    if (!first || rows.length < 2) return first
    const messages = rows.map((r) => JSON.parse(r.message) as OutgoingMessage)
    const key = `digest:${rows.map((r) => r.id).join(',')}`
    const digest = digestOf(messages, language, key)
    return store.transaction(() => {
      const inserted = store.db
        .insert(outbox)
        .values({
          idempotencyKey: key,
          destination: first.destination,
          channelType: first.channelType,
          groupName: first.groupName,
          channelIndex: first.channelIndex,
          message: JSON.stringify(digest),
          incidentIds: [...new Set(rows.flatMap((r) => r.incidentIds))],
          status: 'pending',
          attempts: 0,
          nextAttemptAt: now(),
          createdAt: now(),
        })
        .returning()
        .get()
      store.db.update(outbox).set({ status: 'collapsed', collapsedInto: inserted.id }).where(inArray(outbox.id, rows.map((r) => r.id))).run()
      for (const r of rows) deps.onOutcome(r, 'collapsed')
      return inserted
    })
  }

  async function attempt(row: OutboxRow, dest: Destination, budget: Budget): Promise<void> {
    const message = JSON.parse(row.message) as OutgoingMessage
    const signal = AbortSignal.timeout(config.sendTimeoutSeconds * 1000)
    try {
      await dest.notifier.send(message, { signal, fetch: deps.fetch, log, now })
      // Only accepted messages spend the provider's budget; refused connections do not.
      budget.tokens -= 1
      store.db.update(outbox).set({ status: 'sent', sentAt: now(), attempts: row.attempts + 1, lastError: null }).where(eq(outbox.id, row.id)).run()
      deps.onOutcome(row, 'sent')
    } catch (e) {
      const err = e instanceof NotifierError ? e : new NotifierError(`internal: ${(e as Error).message}`, { retryable: true })
      const attempts = row.attempts + 1
      if (err.retryAfterSeconds !== undefined) {
        budget.pausedUntil = now() + err.retryAfterSeconds * 1000
        budget.tokens = 0
      }
      if (!err.retryable || attempts >= config.maxAttempts) {
        store.db.update(outbox).set({ status: 'dead', attempts, lastError: err.message }).where(eq(outbox.id, row.id)).run()
        deps.onOutcome(row, 'dead', err.message)
        log.warn({ destination: row.destination, err: err.message }, 'notification given up')
        return
      }
      const wait = Math.max(backoff(attempts), (err.retryAfterSeconds ?? 0) * 1000)
      store.db.update(outbox).set({ attempts, lastError: err.message, nextAttemptAt: now() + wait }).where(eq(outbox.id, row.id)).run()
      deps.onOutcome(row, 'retry', err.message)
    }
  }

  /**
   * Delivers what is due, at most `maxConcurrentSends` at once. A call while a round runs
   * joins that round instead of starting a second one.
   * @returns how many destinations were served
   */
  function deliverDue(): Promise<number> {
    current ??= deliverRound().finally(() => {
      current = undefined
    })
    return current
  }

  async function deliverRound(): Promise<number> {
    {
      const byDest = new Map<string, OutboxRow[]>()
      for (const row of due()) {
        const list = byDest.get(row.destination) ?? []
        list.push(row)
        byDest.set(row.destination, list)
      }
      const work: Array<() => Promise<void>> = []
      for (const [destination, rows] of byDest) {
        const first = rows[0] as OutboxRow
        const dest = deps.destination(first.groupName, first.channelIndex)
        if (!dest) {
          for (const r of rows) {
            store.db.update(outbox).set({ status: 'dead', lastError: 'destination no longer configured' }).where(eq(outbox.id, r.id)).run()
            deps.onOutcome(r, 'dead', 'destination no longer configured')
          }
          continue
        }
        const budget = budgetOf(destination, dest.perMinute)
        if (budget.pausedUntil > now()) continue
        let sendable = rows
        // Over budget: one digest now beats a queue that drains for an hour.
        if (rows.length > Math.floor(budget.tokens) && rows.length > 1) {
          const digest = collapse(rows, dest.language)
          sendable = digest ? [digest] : []
        }
        const allowed = sendable.slice(0, Math.max(1, Math.floor(budget.tokens)))
        // Per destination in order; destinations in parallel.
        work.push(async () => {
          for (const row of allowed) {
            if (budget.pausedUntil > now()) break
            await attempt(row, dest, budget)
          }
        })
      }
      let attempts = 0
      const queue = [...work]
      const runners = Array.from({ length: Math.min(config.maxConcurrentSends, queue.length) }, async () => {
        for (let job = queue.shift(); job; job = queue.shift()) {
          await job()
          attempts++
        }
      })
      await Promise.all(runners)
      return attempts
    }
  }

  /** Counts by status (tests, metrics). */
  function counts(): Record<OutboxRow['status'], number> {
    const rows = store.sqlite.prepare('SELECT status, count(*) AS n FROM outbox GROUP BY status').all() as Array<{ status: OutboxRow['status']; n: number }>
    const out: Record<OutboxRow['status'], number> = { pending: 0, sent: 0, dead: 0, collapsed: 0 }
    for (const r of rows) out[r.status] = r.n
    return out
  }

  return { enqueue, deliverDue, counts }
}

export type Outbox = ReturnType<typeof createOutbox>
