/**
 * The persistent outbox. Every notification is a row before any delivery attempt; a worker
 * delivers due rows with retries and exponential backoff, per-destination rate limits
 * (honouring 429 retry_after) and a digest when a destination is over budget. Rows survive
 * restarts; enqueueing the same idempotency key twice is a no-op.
 *
 * Delivery is at-least-once: a crash between the provider's acceptance and the row update
 * repeats that one message; webhooks carry `webhook-id` so receivers can drop it. A shutdown
 * ({@link createOutbox}'s `stop`) starts no attempt and gives those in flight a deadline; one
 * cut short stays pending as it was and is sent again at the next start, so it may arrive
 * twice too (same id). Every other message arrives once.
 * @module
 */
import type { Logger } from 'pino'
import type { ChannelConfig, Language } from '../../protocol'
import type { AlertingConfig } from '../config'
import type { AlertingRepos, NewOutboxMessage, OutboxRow } from '../store/types'
import { digestOf } from './messages'
import { NotifierError, type CredentialStore, type Notifier, type OutgoingMessage, type SendOutcome } from './notifier'

/** Where a row goes: the group's channel at the time of delivery (secrets are not copied into rows). */
export interface Destination {
  notifier: Notifier
  perMinute: number
  language: Language
  groupId: number
  channelIndex: number
  /** Hash of the channel's config: its health is kept per config. */
  configHash: string
  /** The channel's rotated credentials (a Zalo OA token pair). */
  credentials: CredentialStore
  /** Set when the receiver said the endpoint is gone (410): nothing is attempted. */
  disabledReason: string | null
}

export interface OutboxDeps {
  /** The rows, and the channels' delivery health each attempt updates. */
  repos: Pick<AlertingRepos, 'outbox' | 'channels'>
  config: AlertingConfig
  log: Logger
  now: () => number
  fetch: typeof fetch
  /** Resolves a row's group and channel index to a live notifier, or undefined when it no longer exists. */
  destination: (groupName: string, channelIndex: number) => Destination | undefined
  /** Told about each outcome (timeline events, metrics). */
  onOutcome: (row: OutboxRow, outcome: 'sent' | 'retry' | 'dead' | 'collapsed', error?: string) => void
  /** The provider moved the destination (a Telegram supergroup): the channel's config must follow. */
  onChannelUpdate: (dest: Destination, update: NonNullable<SendOutcome['channelUpdate']>) => void
  /** A message still pending `alerting.overdueSeconds` after it was queued: surfaced once, not only retried. */
  onOverdue: (row: OutboxRow, ageSeconds: number) => void
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

/** Most rows one delivery round reads: a backlog drains over rounds, not in one long read. */
const ROUND_ROWS = 500

/** Creates the outbox over its repository. */
export function createOutbox(deps: OutboxDeps) {
  const { repos, config, log, now } = deps
  const budgets = new Map<string, Budget>()
  let current: Promise<number> | undefined
  /** Set by `stop`: no attempt starts after it. */
  let stopping = false
  /** Aborted at the shutdown's deadline: cuts the attempts in flight. */
  const halt = new AbortController()

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
    return repos.outbox.enqueue({
      idempotencyKey: input.idempotencyKey,
      destination: `${input.groupName}#${input.channelIndex}`,
      channelType: input.channel.type,
      groupName: input.groupName,
      channelIndex: input.channelIndex,
      message: JSON.stringify(input.message),
      incidentIds: input.incidentIds,
      nextAttemptAt: now(),
      createdAt: now(),
    })
  }

  /** Replaces the pending rows of one destination by a single digest row. */
  function collapse(rows: OutboxRow[], language: Language): OutboxRow | undefined {
    const first = rows[0]
    if (!first || rows.length < 2) return first
    const messages = rows.map((r) => JSON.parse(r.message) as OutgoingMessage)
    const key = `digest:${rows.map((r) => r.id).join(',')}`
    const digest: NewOutboxMessage = {
      idempotencyKey: key,
      destination: first.destination,
      channelType: first.channelType,
      groupName: first.groupName,
      channelIndex: first.channelIndex,
      message: JSON.stringify(digestOf(messages, language, key)),
      incidentIds: [...new Set(rows.flatMap((r) => r.incidentIds))],
      nextAttemptAt: now(),
      createdAt: now(),
    }
    const inserted = repos.outbox.collapse(rows.map((r) => r.id), digest)
    for (const r of rows) deps.onOutcome(r, 'collapsed')
    return inserted
  }

  function markDead(row: OutboxRow, attempts: number, error: string): void {
    repos.outbox.markDead(row.id, attempts, error)
    deps.onOutcome(row, 'dead', error)
  }

  /** One delivery attempt, ended by the send deadline or by `stop`'s. */
  async function attempt(row: OutboxRow, dest: Destination, budget: Budget): Promise<void> {
    // Tied to the process-long `halt` by a listener removed afterwards, not by AbortSignal.any
    // over it: a long-lived source signal keeps every composite alive (nodejs/node#55351, #64476).
    const cut = new AbortController()
    const onHalt = (): void => cut.abort()
    halt.signal.addEventListener('abort', onHalt, { once: true })
    try {
      await deliver(row, dest, budget, AbortSignal.any([AbortSignal.timeout(config.sendTimeoutSeconds * 1000), cut.signal]))
    } finally {
      halt.signal.removeEventListener('abort', onHalt)
    }
  }

  async function deliver(row: OutboxRow, dest: Destination, budget: Budget, signal: AbortSignal): Promise<void> {
    const message = JSON.parse(row.message) as OutgoingMessage
    const channels = repos.channels
    try {
      const outcome = await dest.notifier.send(message, { signal, fetch: deps.fetch, log, now, credentials: dest.credentials })
      // Only accepted messages spend the provider's budget; refused connections do not.
      budget.tokens -= 1
      repos.outbox.markSent(row.id, now(), row.attempts + 1)
      channels.recordSuccess(dest.groupId, dest.channelIndex, dest.configHash, now())
      deps.onOutcome(row, 'sent')
      if (outcome.channelUpdate) deps.onChannelUpdate(dest, outcome.channelUpdate)
    } catch (e) {
      if (halt.signal.aborted) {
        // Cut short by the shutdown: not the channel's failure, and not an attempt. The row stays
        // as it was, due at the next start; the provider may have it already (at-least-once).
        log.info({ destination: row.destination, key: row.idempotencyKey }, 'notification in flight at shutdown: left pending, sent again at the next start')
        return
      }
      const err = e instanceof NotifierError ? e : new NotifierError(`internal: ${(e as Error).message}`, { retryable: true, code: 'provider_error' })
      const attempts = row.attempts + 1
      if (err.retryAfterSeconds !== undefined) {
        budget.pausedUntil = now() + err.retryAfterSeconds * 1000
        budget.tokens = 0
      }
      const failure = { at: now(), error: err.message, action: err.action, code: err.code }
      if (err.disable) {
        channels.recordFailure(dest.groupId, dest.channelIndex, dest.configHash, { ...failure, nextRetryAt: null })
        channels.disable(dest.groupId, dest.channelIndex, dest.configHash, now(), err.message)
        dest.disabledReason = err.message
        log.error({ destination: row.destination, err: err.message }, 'alert channel disabled by its receiver: an admin must fix and re-enable it')
        markDead(row, attempts, err.message)
        return
      }
      if (!err.retryable || attempts >= config.maxAttempts) {
        channels.recordFailure(dest.groupId, dest.channelIndex, dest.configHash, { ...failure, nextRetryAt: null })
        markDead(row, attempts, err.message)
        log.warn({ destination: row.destination, err: err.message, action: err.action }, 'notification given up')
        return
      }
      const wait = Math.max(backoff(attempts), (err.retryAfterSeconds ?? 0) * 1000)
      channels.recordFailure(dest.groupId, dest.channelIndex, dest.configHash, { ...failure, nextRetryAt: now() + wait })
      repos.outbox.scheduleRetry(row.id, attempts, err.message, now() + wait)
      deps.onOutcome(row, 'retry', err.message)
    }
  }

  /** Pending messages older than `overdueSeconds`, each told to `onOverdue` once per process. */
  const surfaced = new Set<number>()
  function surfaceOverdue(): void {
    const limit = now() - config.overdueSeconds * 1000
    for (const row of repos.outbox.pendingCreatedBy(limit, ROUND_ROWS)) {
      if (surfaced.has(row.id)) continue
      surfaced.add(row.id)
      log.warn({ destination: row.destination, ageSeconds: Math.round((now() - row.createdAt) / 1000), err: row.lastError }, 'notification overdue: still not delivered')
      deps.onOverdue(row, (now() - row.createdAt) / 1000)
    }
  }

  /** Pending messages per destination (`group#index`): how many, and since when the oldest waits. */
  function pendingByDestination(): Map<string, { pending: number; oldestAt: number }> {
    return repos.outbox.pendingByDestination()
  }

  /**
   * Delivers what is due, at most `maxConcurrentSends` at once. A call while a round runs
   * joins that round instead of starting a second one.
   * @returns how many destinations were served
   */
  function deliverDue(): Promise<number> {
    if (stopping) return current ?? Promise.resolve(0)
    current ??= deliverRound().finally(() => {
      current = undefined
    })
    return current
  }

  async function deliverRound(): Promise<number> {
    surfaceOverdue()
    {
      const byDest = new Map<string, OutboxRow[]>()
      for (const row of repos.outbox.due(now(), ROUND_ROWS)) {
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
            markDead(r, r.attempts, 'destination no longer configured')
          }
          continue
        }
        if (dest.disabledReason !== null) {
          for (const r of rows) markDead(r, r.attempts, `channel disabled: ${dest.disabledReason}`)
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
            if (stopping || budget.pausedUntil > now()) break
            await attempt(row, dest, budget)
          }
        })
      }
      let attempts = 0
      const queue = [...work]
      const runners = Array.from({ length: Math.min(config.maxConcurrentSends, queue.length) }, async () => {
        for (let job = queue.shift(); job && !stopping; job = queue.shift()) {
          await job()
          attempts++
        }
      })
      await Promise.all(runners)
      return attempts
    }
  }

  /**
   * Stops delivering, for a shutdown: no attempt starts from now; attempts in flight may finish
   * (and are recorded) until `deadline` aborts, then are cut short and their rows left pending
   * as they were. Resolves when the round in progress has written its last row, so the
   * database can be closed after it. A second call only brings the deadline forward.
   */
  async function stop(deadline: AbortSignal): Promise<void> {
    stopping = true
    const cut = (): void => halt.abort()
    if (deadline.aborted) cut()
    else deadline.addEventListener('abort', cut, { once: true })
    try {
      // A failed round is logged by whoever started it; here it only has to be over.
      await current?.catch(() => undefined)
    } finally {
      deadline.removeEventListener('abort', cut)
    }
  }

  /** Counts by status (tests, metrics). */
  function counts(): Record<OutboxRow['status'], number> {
    return repos.outbox.counts()
  }

  return { enqueue, deliverDue, stop, counts, pendingByDestination }
}

export type Outbox = ReturnType<typeof createOutbox>
