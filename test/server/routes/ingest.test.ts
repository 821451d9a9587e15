import { gzipSync } from 'node:zlib'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { batch, commune, makeTestServer, result, udpTarget, type TestServer } from '../../helpers/server'

let s: TestServer
beforeEach(() => {
  s = makeTestServer({ communes: [commune('C1')], targets: [udpTarget('c1-line', 'C1')] })
})
afterEach(() => s.close())

const post = async (body: string | Uint8Array, headers: Record<string, string> = {}): Promise<Response> =>
  s.runtime.app.request('/api/v1/ingest', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${s.token}`, ...headers },
    body: typeof body === 'string' ? body : new Blob([new Uint8Array(body)]),
  })

async function errorOf(res: Response): Promise<{ code: string; path?: string }> {
  return ((await res.json()) as { error: { code: string; path?: string } }).error
}

describe('POST /api/v1/ingest', () => {
  it('stores a batch and answers 202 with counts; the same batch again is all duplicates', async () => {
    const b = batch(s.probeId, [result('c1-line', s.clock.now - 1000), result('c1-line', s.clock.now)])
    const first = await post(JSON.stringify(b))
    expect(first.status).toBe(202)
    expect(await first.json()).toEqual({ accepted: 2, duplicates: 0 })
    const rows = s.runtime.store.countResults()
    const second = await post(JSON.stringify(b))
    expect(second.status).toBe(202)
    expect(await second.json()).toEqual({ accepted: 0, duplicates: 2 })
    expect(s.runtime.store.countResults()).toBe(rows)
  })

  it('accepts gzip and keeps the observed time', async () => {
    const observed = s.clock.now - 3_600_000
    const b = batch(s.probeId, [result('c1-line', observed)])
    const res = await post(gzipSync(JSON.stringify(b)), { 'content-encoding': 'gzip' })
    expect(res.status).toBe(202)
    const [stored] = s.runtime.store.results.range('c1-line', 0, Number.MAX_SAFE_INTEGER)
    expect(stored?.observedAt).toBe(observed)
    // The arrival time is the batch's (the log row's), not a column per result.
    expect(s.opened.sqlite.prepare('SELECT received_at FROM result_log').pluck().get()).toBe(s.clock.now)
  })

  it.each([
    ['no token', {}, 401, 'E_UNAUTHORIZED'],
    ['wrong token', { authorization: 'Bearer xanh_p_wrong' }, 401, 'E_UNAUTHORIZED'],
    ['not a bearer', { authorization: 'Basic abc' }, 401, 'E_UNAUTHORIZED'],
  ])('%s → %i %s, nothing stored', async (_name, headers, status, code) => {
    const b = JSON.stringify(batch(s.probeId, [result('c1-line', s.clock.now)]))
    const res = await s.runtime.app.request('/api/v1/ingest', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: b,
    })
    expect(res.status).toBe(status)
    expect((await errorOf(res)).code).toBe(code)
    expect(s.runtime.store.countResults()).toBe(0)
  })

  it('malformed JSON → 400 E_BAD_JSON, nothing stored', async () => {
    const res = await post('{"protocolVersion":1,')
    expect(res.status).toBe(400)
    expect((await errorOf(res)).code).toBe('E_BAD_JSON')
    expect(s.runtime.store.countResults()).toBe(0)
  })

  it('a schema violation in one result rejects the whole batch with the failing path', async () => {
    const good = result('c1-line', s.clock.now)
    const bad = { ...result('c1-line', s.clock.now), observedAt: 'yesterday' }
    const res = await post(JSON.stringify(batch(s.probeId, [good, bad as never])))
    expect(res.status).toBe(422)
    const err = await errorOf(res)
    expect(err.code).toBe('E_VALIDATION')
    expect(err.path).toBe('results.1.observedAt')
    expect(s.runtime.store.countResults()).toBe(0)
  })

  it('oversized body → 413 E_BODY_TOO_LARGE, nothing stored', async () => {
    const many = Array.from({ length: 1000 }, (_, i) => result('c1-line', s.clock.now - i, { m: { padding_bytes: i } }))
    const body = JSON.stringify({ ...batch(s.probeId, many), pad: 'x'.repeat(s.config.ingest.maxBodyBytes) })
    const res = await post(body)
    expect(res.status).toBe(413)
    expect((await errorOf(res)).code).toBe('E_BODY_TOO_LARGE')
    expect(s.runtime.store.countResults()).toBe(0)
  })

  it('a gzip bomb is refused by the decompressed-size limit', async () => {
    const bomb = gzipSync(Buffer.alloc(s.config.ingest.maxDecompressedBytes + 1024, 0x20))
    expect(bomb.length).toBeLessThan(s.config.ingest.maxBodyBytes)
    const res = await post(bomb, { 'content-encoding': 'gzip' })
    expect(res.status).toBe(413)
    expect((await errorOf(res)).code).toBe('E_BODY_TOO_LARGE')
  })

  it('corrupt gzip → 400 E_BAD_ENCODING', async () => {
    const res = await post(new Uint8Array([0x1f, 0x8b, 1, 2, 3]), { 'content-encoding': 'gzip' })
    expect(res.status).toBe(400)
    expect((await errorOf(res)).code).toBe('E_BAD_ENCODING')
  })

  it('a batch claiming another probe id → 403 E_PROBE_MISMATCH, nothing stored', async () => {
    const res = await post(JSON.stringify(batch('p-someone-else', [result('c1-line', s.clock.now)])))
    expect(res.status).toBe(403)
    const err = await errorOf(res)
    expect(err.code).toBe('E_PROBE_MISMATCH')
    expect(err.path).toBe('probeId')
    expect(s.runtime.store.countResults()).toBe(0)
  })

  it('wrong content type → 415', async () => {
    const res = await post('x', { 'content-type': 'text/plain' })
    expect(res.status).toBe(415)
    expect((await errorOf(res)).code).toBe('E_UNSUPPORTED_MEDIA_TYPE')
  })

  it('feeds the state engine: the commune leaves unknown', async () => {
    expect(s.runtime.engine.communeSummary('C1')?.state).toBe('unknown')
    await post(JSON.stringify(batch(s.probeId, [result('c1-line', s.clock.now)])))
    expect(s.runtime.engine.communeSummary('C1')?.state).toBe('ok')
  })
})
