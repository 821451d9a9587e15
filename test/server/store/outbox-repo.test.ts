/** Contract of OutboxRepo, run against every implementation. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { NewOutboxMessage, OutboxRepo } from '../../../server/store/types'
import { ALERTING_IMPLS } from './alerting-impls'

const T0 = Date.parse('2026-11-24T03:00:00Z')

const message = (key: string, over: Partial<NewOutboxMessage> = {}): NewOutboxMessage => ({
  idempotencyKey: key,
  destination: 'NOC#0',
  channelType: 'webhook',
  groupName: 'NOC',
  channelIndex: 0,
  message: JSON.stringify({ text: key }),
  incidentIds: [1],
  nextAttemptAt: T0,
  createdAt: T0,
  ...over,
})

describe.each(ALERTING_IMPLS)('OutboxRepo ($name)', (impl) => {
  let repo: OutboxRepo
  let close: () => void
  beforeEach(() => {
    const made = impl.make()
    repo = made.repos.outbox
    close = made.close
  })
  afterEach(() => close())

  const keys = (rows: Array<{ idempotencyKey: string }>): string[] => rows.map((r) => r.idempotencyKey)

  it('enqueues a pending row with no attempt', () => {
    expect(repo.enqueue(message('a', { incidentIds: [3, 4] }))).toBe(true)
    const [row] = repo.due(T0, 10)
    expect(row).toEqual({ ...message('a', { incidentIds: [3, 4] }), id: row?.id, status: 'pending', attempts: 0, lastError: null, sentAt: null, collapsedInto: null })
    expect(repo.get(row?.id ?? -1)).toEqual(row)
    expect(repo.get((row?.id ?? 0) + 100)).toBeUndefined()
  })

  it('is idempotent by key, whatever the first row became', () => {
    expect(repo.enqueue(message('a'))).toBe(true)
    expect(repo.enqueue(message('a', { message: '{"text":"other"}' }))).toBe(false)
    const [row] = repo.due(T0, 10)
    expect(row?.message).toBe(JSON.stringify({ text: 'a' }))
    repo.markSent(row?.id ?? -1, T0 + 1, 1)
    expect(repo.enqueue(message('a'))).toBe(false)
    expect(repo.enqueue(message('b'))).toBe(true)
    repo.markDead(repo.due(T0, 10)[0]?.id ?? -1, 3, 'gone')
    expect(repo.enqueue(message('b'))).toBe(false)
    expect(repo.counts()).toEqual({ pending: 0, sent: 1, dead: 1, collapsed: 0 })
  })

  it('gives the due pending rows in enqueue order, up to the limit', () => {
    repo.enqueue(message('late', { nextAttemptAt: T0 + 60_000 }))
    repo.enqueue(message('b', { nextAttemptAt: T0 }))
    repo.enqueue(message('a', { nextAttemptAt: T0 - 60_000 }))
    repo.enqueue(message('c', { nextAttemptAt: T0 - 1 }))
    expect(keys(repo.due(T0, 10))).toEqual(['b', 'a', 'c'])
    expect(keys(repo.due(T0, 2))).toEqual(['b', 'a'])
    expect(keys(repo.due(T0 + 60_000, 10))).toEqual(['late', 'b', 'a', 'c'])
  })

  it('a retry keeps the row pending, counts the attempt and makes it due again only at its time', () => {
    repo.enqueue(message('a'))
    const id = repo.due(T0, 10)[0]?.id ?? -1
    repo.scheduleRetry(id, 1, 'HTTP 503', T0 + 30_000)
    expect(repo.due(T0 + 29_999, 10)).toEqual([])
    expect(repo.due(T0 + 30_000, 10)[0]).toMatchObject({ id, status: 'pending', attempts: 1, lastError: 'HTTP 503', nextAttemptAt: T0 + 30_000 })
  })

  it('a sent row records when and after how many attempts, clears its error and is never due again', () => {
    repo.enqueue(message('a'))
    const id = repo.due(T0, 10)[0]?.id ?? -1
    repo.scheduleRetry(id, 1, 'timeout', T0)
    repo.markSent(id, T0 + 5, 2)
    expect(repo.get(id)).toMatchObject({ status: 'sent', sentAt: T0 + 5, attempts: 2, lastError: null })
    expect(repo.due(T0 + 3_600_000, 10)).toEqual([])
  })

  it('a dead row keeps its error and is never due again', () => {
    repo.enqueue(message('a'))
    const id = repo.due(T0, 10)[0]?.id ?? -1
    repo.markDead(id, 5, 'HTTP 404')
    expect(repo.get(id)).toMatchObject({ status: 'dead', attempts: 5, lastError: 'HTTP 404', sentAt: null })
    expect(repo.due(T0 + 3_600_000, 10)).toEqual([])
  })

  it('collapses rows into one new pending digest row', () => {
    for (const k of ['a', 'b', 'c']) repo.enqueue(message(k))
    const rows = repo.due(T0, 10)
    const ids = rows.slice(0, 2).map((r) => r.id)
    const digest = repo.collapse(ids, message('digest:a,b', { incidentIds: [1, 2], nextAttemptAt: T0 + 1, createdAt: T0 + 1 }))
    expect(digest).toMatchObject({ idempotencyKey: 'digest:a,b', status: 'pending', attempts: 0, incidentIds: [1, 2] })
    expect(digest.id).toBeGreaterThan(Math.max(...rows.map((r) => r.id)))
    for (const id of ids) expect(repo.get(id)).toMatchObject({ status: 'collapsed', collapsedInto: digest.id })
    expect(keys(repo.due(T0 + 1, 10))).toEqual(['c', 'digest:a,b'])
    expect(repo.counts()).toEqual({ pending: 2, sent: 0, dead: 0, collapsed: 2 })
  })

  it('a collapse whose digest key is taken changes nothing', () => {
    repo.enqueue(message('a'))
    repo.enqueue(message('b'))
    const ids = repo.due(T0, 10).map((r) => r.id)
    expect(() => repo.collapse(ids, message('a'))).toThrow()
    expect(keys(repo.due(T0, 10))).toEqual(['a', 'b'])
    expect(repo.counts()).toEqual({ pending: 2, sent: 0, dead: 0, collapsed: 0 })
  })

  it('gives pending rows created by a time (overdue ones), in enqueue order', () => {
    repo.enqueue(message('new', { createdAt: T0 }))
    repo.enqueue(message('old', { createdAt: T0 - 600_000 }))
    repo.enqueue(message('older', { createdAt: T0 - 900_000 }))
    repo.markSent(repo.due(T0, 10).find((r) => r.idempotencyKey === 'older')?.id ?? -1, T0, 1)
    expect(keys(repo.pendingCreatedBy(T0 - 600_000, 10))).toEqual(['old'])
    expect(keys(repo.pendingCreatedBy(T0, 1))).toEqual(['new'])
  })

  it('summarises pending rows per destination: how many and the oldest', () => {
    repo.enqueue(message('a', { destination: 'NOC#0', createdAt: T0 + 10 }))
    repo.enqueue(message('b', { destination: 'NOC#0', createdAt: T0 + 5 }))
    repo.enqueue(message('c', { destination: 'NOC#1', channelIndex: 1, createdAt: T0 }))
    repo.enqueue(message('d', { destination: 'NOC#1', channelIndex: 1, createdAt: T0 - 100 }))
    repo.markSent(repo.due(T0 + 10, 10).find((r) => r.idempotencyKey === 'd')?.id ?? -1, T0, 1)
    expect(Object.fromEntries(repo.pendingByDestination())).toEqual({ 'NOC#0': { pending: 2, oldestAt: T0 + 5 }, 'NOC#1': { pending: 1, oldestAt: T0 } })
  })

  it('counts every status, zero when none', () => {
    expect(repo.counts()).toEqual({ pending: 0, sent: 0, dead: 0, collapsed: 0 })
  })
})
