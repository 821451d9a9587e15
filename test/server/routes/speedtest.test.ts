import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import pino from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { SpeedtestUploadResult } from '../../../protocol'
import { loadServerConfig } from '../../../server/config'
import { createServerRuntime, type ServerRuntime } from '../../../server/runtime'
import { openDatabase } from '../../../server/store/db'
import { giveThroughputTarget } from '../../helpers/probe-targets'

interface Rig {
  runtime: ServerRuntime
  token: string
  close(): void
}

/** A runtime whose speedtest limits are small enough to hit in a test. */
function rig(limits: { maxBytes: number; maxSeconds: number; maxConcurrent: number }): Rig {
  const dir = mkdtempSync(join(tmpdir(), 'xanh-speedtest-'))
  const opened = openDatabase(join(dir, 'xanh.db'))
  const yaml = `speedtest: { maxBytes: ${limits.maxBytes}, maxSeconds: ${limits.maxSeconds}, maxConcurrent: ${limits.maxConcurrent} }\n`
  const config = loadServerConfig({ XANH_DATA_DIR: dir }, yaml)
  const runtime = createServerRuntime({ config, log: pino({ level: 'silent' }), opened })
  const { probe, token } = runtime.store.createProbe('speed-probe', 'test')
  giveThroughputTarget(runtime.store, probe.id)
  return {
    runtime,
    token,
    close() {
      void runtime.close()
      opened.sqlite.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

let current: Rig | undefined
afterEach(() => {
  current?.close()
  current = undefined
})
const make = (limits = { maxBytes: 8 * 1024 * 1024, maxSeconds: 5, maxConcurrent: 2 }) => (current = rig(limits))
const auth = (r: Rig) => ({ authorization: `Bearer ${r.token}` })
const errorCode = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code

describe('GET /api/v1/speedtest/download', () => {
  it('needs a probe token', async () => {
    const r = make()
    const res = await r.runtime.app.request('/api/v1/speedtest/download?bytes=10')
    expect(res.status).toBe(401)
    expect(await errorCode(res)).toBe('E_UNAUTHORIZED')
    const bad = await r.runtime.app.request('/api/v1/speedtest/download?bytes=10', { headers: { authorization: 'Bearer nope' } })
    expect(bad.status).toBe(401)
  })

  it('streams exactly the bytes asked for: random, uncompressible, not cacheable', async () => {
    const r = make()
    const n = 3 * 1024 * 1024 + 17
    const res = await r.runtime.app.request(`/api/v1/speedtest/download?bytes=${n}`, { headers: auth(r) })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-encoding')).toBe('identity')
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(res.headers.get('content-type')).toBe('application/octet-stream')
    const body = Buffer.from(await res.arrayBuffer())
    expect(body.length).toBe(n)
    // gzip gains nothing on it (a repeated 1 MiB block is beyond gzip's 32 KiB window).
    expect(gzipSync(body).length).toBeGreaterThan(n * 0.99)
  })

  it('clamps to maxBytes', async () => {
    const r = make({ maxBytes: 100_000, maxSeconds: 5, maxConcurrent: 2 })
    const res = await r.runtime.app.request('/api/v1/speedtest/download?bytes=5000000', { headers: auth(r) })
    expect((await res.arrayBuffer()).byteLength).toBe(100_000)
  })

  it.each(['bytes=-1', 'bytes=abc', '', 'bytes=1&extra=2'])('rejects the query %j', async (q) => {
    const r = make()
    const res = await r.runtime.app.request(`/api/v1/speedtest/download?${q}`, { headers: auth(r) })
    expect(res.status).toBe(422)
    expect(await errorCode(res)).toBe('E_VALIDATION')
  })

  it('stops a stream at maxSeconds', async () => {
    const r = make({ maxBytes: 2 ** 40, maxSeconds: 0.3, maxConcurrent: 2 })
    const started = performance.now()
    const res = await r.runtime.app.request(`/api/v1/speedtest/download?bytes=${2 ** 40}`, { headers: auth(r) })
    const reader = res.body?.getReader()
    let total = 0
    for (;;) {
      const chunk = await reader?.read()
      if (!chunk || chunk.done) break
      total += chunk.value.byteLength
    }
    expect(total).toBeGreaterThan(0)
    expect(performance.now() - started).toBeLessThan(2000)
  })

  it('allows maxConcurrent streams; the next gets 503 E_UNAVAILABLE with Retry-After; a cancelled one frees its slot', async () => {
    const r = make({ maxBytes: 2 ** 30, maxSeconds: 7, maxConcurrent: 2 })
    const get = () => r.runtime.app.request(`/api/v1/speedtest/download?bytes=${2 ** 30}`, { headers: auth(r) })
    const a = await get()
    const b = await get()
    expect([a.status, b.status]).toEqual([200, 200])
    const c = await get()
    expect(c.status).toBe(503)
    expect(c.headers.get('retry-after')).toBe('7')
    expect(await errorCode(c)).toBe('E_UNAVAILABLE')
    await a.body?.cancel()
    const d = await get()
    expect(d.status).toBe(200)
    await b.body?.cancel()
    await d.body?.cancel()
    // Uploads share the same bound.
    const up = await r.runtime.app.request('/api/v1/speedtest/upload', { method: 'POST', headers: auth(r), body: 'x' })
    expect(up.status).toBe(200)
  })
})

describe('POST /api/v1/speedtest/upload', () => {
  const post = (r: Rig, body: BodyInit, query = '', headers: Record<string, string> = {}) =>
    r.runtime.app.request(`/api/v1/speedtest/upload${query}`, {
      method: 'POST',
      headers: { ...auth(r), 'content-type': 'application/octet-stream', ...headers },
      body,
      ...(body instanceof ReadableStream && { duplex: 'half' }),
    } as RequestInit)

  it('needs a probe token', async () => {
    const r = make()
    const res = await r.runtime.app.request('/api/v1/speedtest/upload', { method: 'POST', body: 'x' })
    expect(res.status).toBe(401)
  })

  it('reads and counts the body', async () => {
    const r = make()
    const res = await post(r, new Uint8Array(3_000_000))
    expect(res.status).toBe(200)
    const body = SpeedtestUploadResult.parse(await res.json())
    expect(body).toMatchObject({ bytes: 3_000_000, measuredBytes: 3_000_000, truncated: false })
    expect(body.seconds).toBeGreaterThanOrEqual(0)
  })

  it('stops reading past maxBytes and says so', async () => {
    const r = make({ maxBytes: 1_000_000, maxSeconds: 5, maxConcurrent: 2 })
    const body = SpeedtestUploadResult.parse(await (await post(r, new Uint8Array(3_000_000))).json())
    expect(body.truncated).toBe(true)
    // Counted up to the chunk that crossed the limit (one chunk here: app.request does not split it).
    expect(body.bytes).toBeGreaterThan(1_000_000)
    expect(body.bytes).toBeLessThanOrEqual(3_000_000)
  })

  it('leaves the warm-up (skipSeconds) out of the measured window', async () => {
    const r = make()
    const stream = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(new Uint8Array(1000))
        await new Promise((res) => setTimeout(res, 300))
        controller.enqueue(new Uint8Array(5000))
        controller.close()
      },
    })
    const body = SpeedtestUploadResult.parse(await (await post(r, stream, '?skipSeconds=0.15')).json())
    expect(body).toMatchObject({ bytes: 6000, measuredBytes: 5000, truncated: false })
    expect(body.measuredSeconds).toBeGreaterThan(0.1)
    expect(body.measuredSeconds).toBeLessThan(body.seconds)
  })

  it('stops a stalled upload at maxSeconds', async () => {
    const r = make({ maxBytes: 1_000_000, maxSeconds: 0.3, maxConcurrent: 2 })
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array(100))
        // Never closes: a client that stops sending.
      },
    })
    const started = performance.now()
    const body = SpeedtestUploadResult.parse(await (await post(r, stream)).json())
    expect(body).toMatchObject({ bytes: 100, truncated: true })
    expect(performance.now() - started).toBeLessThan(2000)
  })

  it('refuses encoded bodies', async () => {
    const r = make()
    const res = await post(r, gzipSync(Buffer.alloc(100)), '', { 'content-encoding': 'gzip' })
    expect(res.status).toBe(400)
    expect(await errorCode(res)).toBe('E_BAD_ENCODING')
  })
})
