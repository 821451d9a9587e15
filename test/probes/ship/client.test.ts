import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { backoffDelay, parseRetryAfter } from '../../../probes/ship/backoff'
import { createIngestClient } from '../../../probes/ship/client'
import { closedTcpPort } from '../../helpers/probe-listen'
import { startFakeIngest, type FakeIngest } from '../../helpers/probe-ingest-server'
import { batchOf } from './spool.contract'

describe('ingest client', () => {
  let ingest: FakeIngest
  beforeAll(async () => {
    ingest = await startFakeIngest()
  })
  afterAll(() => ingest.close())
  afterEach(() => {
    ingest.received.length = 0
    ingest.script.length = 0
  })

  const client = () => createIngestClient({ serverUrl: ingest.url, token: 'tok-123', timeoutMs: 2000 })

  it('POSTs a gzip JSON ResultBatch with the bearer token', async () => {
    const batch = batchOf(3)
    expect(await client().post(batch)).toEqual({ kind: 'delivered', status: 202 })
    const r = ingest.received[0]
    expect(r).toMatchObject({ method: 'POST', url: '/api/v1/ingest' })
    expect(r?.headers.authorization).toBe('Bearer tok-123')
    expect(r?.headers['content-encoding']).toBe('gzip')
    expect(r?.headers['content-type']).toBe('application/json')
    expect(r?.invalid).toBeUndefined()
    expect(r?.batch).toEqual(batch)
  })

  it.each([
    [503, 'retry'],
    [500, 'retry'],
    [408, 'retry'],
    [429, 'retry'],
    [400, 'rejected'],
    [401, 'rejected'],
    [413, 'rejected'],
  ])('maps HTTP %i to %s', async (status, kind) => {
    ingest.script.push({ status, body: { error: { code: 'E_VALIDATION', message: 'bad' } } })
    const out = await client().post(batchOf(1))
    expect(out.kind).toBe(kind)
    if (out.kind === 'rejected') expect(out.code).toBe('E_VALIDATION')
    if (out.kind !== 'delivered') expect(out.reason).toContain(`http ${status}`)
  })

  it('reads Retry-After on 429', async () => {
    ingest.script.push({ status: 429, headers: { 'retry-after': '7' } })
    expect(await client().post(batchOf(1))).toMatchObject({ kind: 'retry', status: 429, retryAfterMs: 7000 })
  })

  it('a network error is retryable and names the server', async () => {
    const port = await closedTcpPort()
    const out = await createIngestClient({ serverUrl: `http://127.0.0.1:${port}`, token: 't', timeoutMs: 2000 }).post(batchOf(1))
    expect(out).toMatchObject({ kind: 'retry' })
    if (out.kind === 'retry') expect(out.reason).toBe(`network error posting to http://127.0.0.1:${port}/api/v1/ingest: ECONNREFUSED`)
  })

  it('a server that never answers hits the deadline and is retryable', async () => {
    ingest.script.push({ status: 0, hang: true })
    const started = performance.now()
    const out = await createIngestClient({ serverUrl: ingest.url, token: 't', timeoutMs: 200 }).post(batchOf(1))
    expect(performance.now() - started).toBeLessThan(1000)
    expect(out).toMatchObject({ kind: 'retry', reason: `timeout after 0.2s posting to ${ingest.url}/api/v1/ingest` })
  })

  it('keeps a path prefix of the server URL', async () => {
    await createIngestClient({ serverUrl: `${ingest.url}/xanh`, token: 't', timeoutMs: 2000 }).post(batchOf(1))
    expect(ingest.received[0]?.url).toBe('/xanh/api/v1/ingest')
  })
})

describe('backoff', () => {
  it('grows exponentially up to the cap, with jitter in [cap/2, cap]', () => {
    const p = { baseMs: 100, maxMs: 1000 }
    expect(backoffDelay(0, p, () => 0)).toBe(50)
    expect(backoffDelay(0, p, () => 1)).toBe(100)
    expect(backoffDelay(3, p, () => 1)).toBe(800)
    expect(backoffDelay(10, p, () => 1)).toBe(1000)
    expect(backoffDelay(10, p, () => 0)).toBe(500)
  })
  it('parses Retry-After seconds and dates', () => {
    const now = Date.parse('2026-01-01T00:00:00Z')
    expect(parseRetryAfter('3', now)).toBe(3000)
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', now)).toBe(10_000)
    expect(parseRetryAfter(null, now)).toBeUndefined()
    expect(parseRetryAfter('soon', now)).toBeUndefined()
  })
})
