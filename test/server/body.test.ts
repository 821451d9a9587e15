import { request as httpRequest, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { PassThrough, Readable } from 'node:stream'
import { gzipSync } from 'node:zlib'
import { serve } from '@hono/node-server'
import fc from 'fast-check'
import type { Context } from 'hono'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { jsonText, MAX_ESCAPED_RUNS, readLimitedBody } from '../../server/body'
import { AppError } from '../../server/errors'
import { batch, commune, makeTestServer, result, udpTarget, type TestServer } from '../helpers/server'

/** What JSON.parse makes of a text: its value, or that it refused it. */
function parsed(text: string): { value: unknown } | { refused: true } {
  try {
    return { value: JSON.parse(text) as unknown }
  } catch {
    return { refused: true }
  }
}

describe('jsonText', () => {
  it('gives the very string toString gives on ASCII input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ max: 0x7f, maxLength: 300 }), (bytes) => {
        const buf = Buffer.from(bytes)
        expect(jsonText(buf)).toBe(buf.toString('utf8'))
      }),
    )
  })

  it('escaped for JSON: a JSON text with Vietnamese, emoji and invalid bytes parses to the same value', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'ệ', 'Đ', 'ữ', '😀', '\\', '"', ' ', '\u2028', 'ư̛'), maxLength: 40 })
    const value = fc.oneof(
      text,
      fc.dictionary(text, fc.oneof(text, fc.integer(), fc.array(text, { maxLength: 3 })), { maxKeys: 4 }),
      fc.array(text, { maxLength: 5 }),
    )
    fc.assert(
      fc.property(value, fc.array(fc.tuple(fc.nat(), fc.constantFrom([0xff], [0xc3], [0xe1, 0xbb], [0x80, 0x80])), { maxLength: 3 }), (v, junk) => {
        // A well-formed JSON text, then the same with invalid UTF-8 bytes spliced in anywhere:
        // both decodings must agree on the value, or both be refused.
        let bytes = Buffer.from(JSON.stringify(v))
        for (const [at, b] of junk) {
          const i = at % (bytes.length + 1)
          bytes = Buffer.concat([bytes.subarray(0, i), Buffer.from(b), bytes.subarray(i)])
        }
        expect(parsed(jsonText(bytes))).toEqual(parsed(bytes.toString('utf8')))
      }),
      { numRuns: 2000 },
    )
  })

  it('escaped for JSON: non-ASCII outside strings and after a lone backslash is refused as before', () => {
    for (const text of ['{"a":1}ệ', '{ệ:1}', '[1ệ]', '"\\ệ"', '"\\\\\\ệ"', '\uFEFF{"a":1}']) {
      const buf = Buffer.from(text)
      expect(parsed(jsonText(buf)), text).toEqual({ refused: true })
      expect(parsed(buf.toString('utf8')), text).toEqual({ refused: true })
    }
    // An escaped backslash before the text is a backslash in the value.
    expect(JSON.parse(jsonText(Buffer.from('"\\\\Trạm Mường Tè"')))).toBe('\\Trạm Mường Tè')
  })

  it('decodes plainly a body with more runs than MAX_ESCAPED_RUNS (nothing to gain, memory per run)', () => {
    const names = Array.from({ length: MAX_ESCAPED_RUNS + 1 }, (_, i) => `Xã số ${i}`)
    const buf = Buffer.from(JSON.stringify(names))
    // The escaped path would return `\u` escapes instead of the very characters.
    expect(jsonText(buf)).toBe(buf.toString('utf8'))
    const fewer = Buffer.from(JSON.stringify(names.slice(0, 10)))
    expect(jsonText(fewer)).not.toBe(fewer.toString('utf8'))
    expect(JSON.parse(jsonText(fewer))).toEqual(names.slice(0, 10))
  })

  it('keeps a long body with runs far apart as it was', () => {
    const names = ['Xã Mường Tè', 'Hòa Bình', 'Đắk Lắk', 'Phường Bến Nghé 😀']
    const v = Array.from({ length: 2000 }, (_, i) => ({ i, name: i % 97 === 0 ? names[i % names.length] : `ascii-${i}` }))
    const buf = Buffer.from(JSON.stringify(v))
    expect(JSON.parse(jsonText(buf))).toEqual(v)
  })

  it('gives each body its own text: a shorter body after a longer one, and a body larger than the kept buffer', () => {
    // The escapes are written into a buffer kept between calls (up to 1 MiB): nothing of an
    // earlier body may show through a later, shorter one, and a larger body takes a buffer of its own.
    const long = { xã: 'Mường Tè', pad: 'x'.repeat(50_000) }
    const short = ['Hòa Bình']
    const huge = Array.from({ length: 100_000 }, (_, i) => (i % 10_000 === 0 ? 'Đắk Lắk' : `ascii-${i}`))
    expect(JSON.parse(jsonText(Buffer.from(JSON.stringify(long))))).toEqual(long)
    expect(JSON.parse(jsonText(Buffer.from(JSON.stringify(short))))).toEqual(short)
    const hugeBuf = Buffer.from(JSON.stringify(huge))
    expect(hugeBuf.length).toBeGreaterThan(2 ** 20)
    expect(JSON.parse(jsonText(hugeBuf))).toEqual(huge)
    expect(JSON.parse(jsonText(Buffer.from(JSON.stringify(short))))).toEqual(short)
  })
})

/** A Context as node-server gives one: headers, the web request, and `env.incoming`; response headers set land in `answer`. */
function nodeContext(incoming: Readable, headers: Record<string, string> = {}, answer: Record<string, string> = {}): Context {
  return {
    env: { incoming },
    header: (name: string, value: string) => {
      answer[name] = value
    },
    req: {
      header: (name: string) => headers[name.toLowerCase()],
      raw: {
        get body(): never {
          throw new Error('read through the web stream')
        },
      },
    },
  } as unknown as Context
}

describe('readLimitedBody from node-server’s request', () => {
  it('reads the node request itself, not the web stream', async () => {
    const body = await readLimitedBody(nodeContext(Readable.from([Buffer.from('{"tên":'), Buffer.from('"Đồng Văn"}')])), 1000)
    expect(JSON.parse(body.toString('utf8'))).toEqual({ tên: 'Đồng Văn' })
  })

  it('refuses a body past the limit while reading (no Content-Length) with E_BODY_TOO_LARGE', async () => {
    const answer: Record<string, string> = {}
    const err = await readLimitedBody(nodeContext(Readable.from([Buffer.alloc(600), Buffer.alloc(600)]), {}, answer), 1000).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(AppError)
    expect((err as AppError).code).toBe('E_BODY_TOO_LARGE')
    expect(answer).toEqual({ Connection: 'close' })
  })

  it('fails, rather than waits forever, when the client goes away before the end', async () => {
    const incoming = new PassThrough()
    const reading = readLimitedBody(nodeContext(incoming), 1000)
    incoming.write(Buffer.from('{"results":['))
    incoming.destroy()
    await expect(reading).rejects.toThrow(/closed the connection/)
  })

  it('takes the web stream when the client went away before the route ran', async () => {
    const incoming = new PassThrough()
    incoming.destroy()
    await new Promise((r) => setImmediate(r))
    await expect(readLimitedBody(nodeContext(incoming), 1000)).rejects.toThrow(/web stream/)
  })

  it('takes the web stream when the node request was read already', async () => {
    const incoming = Readable.from([Buffer.from('x')])
    incoming.read()
    await new Promise((r) => setImmediate(r))
    await expect(readLimitedBody(nodeContext(incoming), 1000)).rejects.toThrow(/web stream/)
  })
})

describe('POST /api/v1/ingest over a socket (node-server’s request)', () => {
  let s: TestServer
  let server: Server
  let port: number
  beforeEach(async () => {
    s = makeTestServer({ communes: [commune('MUONG-TE', { name: 'Xã Mường Tè' })], targets: [udpTarget('muong-te-line', 'MUONG-TE')] })
    server = await new Promise<Server>((resolve) => {
      const srv = serve({ fetch: s.runtime.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(srv as Server))
    })
    port = (server.address() as AddressInfo).port
  })
  afterEach(async () => {
    await new Promise((r) => server.close(r))
    s.close()
  })

  /** Posts `chunks` as a chunked body (no Content-Length); `abort` destroys the request after them. */
  function post(chunks: Buffer[], headers: Record<string, string>, abort = false, end = true): Promise<{ status: number; body: string; connection?: string } | 'aborted'> {
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/api/v1/ingest', method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${s.token}`, ...headers } }, (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (d: string) => (body += d))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, ...(res.headers.connection !== undefined ? { connection: res.headers.connection } : {}) }))
      })
      req.on('error', (e) => (abort ? resolve('aborted') : reject(e)))
      for (const c of chunks) req.write(c)
      if (abort) setImmediate(() => req.destroy())
      else if (end) req.end()
    })
  }

  it('stores a gzip’d batch with a Vietnamese error text exactly as sent', async () => {
    const error = 'Mất kết nối tới Trung tâm Xã Mường Tè: không phản hồi 😀'
    const b = batch(s.probeId, [result('muong-te-line', s.clock.now - 1000), result('muong-te-line', s.clock.now, { ok: false, error })])
    const gz = gzipSync(JSON.stringify(b))
    const res = await post([gz.subarray(0, 10), gz.subarray(10)], { 'content-encoding': 'gzip' })
    expect(res).toMatchObject({ status: 202, body: JSON.stringify({ accepted: 2, duplicates: 0 }) })
    const stored = s.runtime.store.results.range('muong-te-line', 0, Number.MAX_SAFE_INTEGER)
    expect(stored.map((r) => r.error)).toEqual([null, error])
  })

  it('a malformed body quotes the body as sent in E_BAD_JSON, nothing stored', async () => {
    const res = await post([Buffer.from('{"probeId": Đồng}')], {})
    expect(res).not.toBe('aborted')
    const { status, body } = res as { status: number; body: string }
    expect(status).toBe(400)
    const err = (JSON.parse(body) as { error: { code: string; message: string } }).error
    expect(err.code).toBe('E_BAD_JSON')
    expect(err.message).toContain('Đ')
    expect(s.runtime.store.countResults()).toBe(0)
  })

  it('a chunked body past maxBodyBytes → 413 E_BODY_TOO_LARGE and the connection closed, nothing stored', async () => {
    const half = Buffer.alloc(Math.ceil(s.config.ingest.maxBodyBytes / 2) + 1, 0x20)
    // The client never ends its body: the refusal must come anyway, and close the connection.
    const res = await post([half, half], {}, false, false)
    expect(res).not.toBe('aborted')
    const { status, body, connection } = res as { status: number; body: string; connection?: string }
    expect(status).toBe(413)
    expect(connection).toBe('close')
    expect(JSON.parse(body).error.code).toBe('E_BODY_TOO_LARGE')
    expect(s.runtime.store.countResults()).toBe(0)
  })

  it('a client gone mid-body stores nothing, and the next batch is taken', async () => {
    const json = Buffer.from(JSON.stringify(batch(s.probeId, [result('muong-te-line', s.clock.now)])))
    expect(await post([json.subarray(0, json.length >> 1)], {}, true)).toBe('aborted')
    // The abandoned request released its place: with maxInFlight batches stuck, this would be 429.
    for (let i = 0; i < s.config.ingest.maxInFlight + 1; i++) {
      const res = await post([json], {})
      expect((res as { status: number }).status).toBe(202)
    }
    expect(s.runtime.store.countResults()).toBe(1)
  })
})
