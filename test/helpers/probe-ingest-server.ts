/**
 * A fake Xanh ingest endpoint on 127.0.0.1:0 for shipper/client tests: decodes gzip, validates
 * ResultBatch, records every request and answers from a script.
 * @module
 */
import { createHash } from 'node:crypto'
import { gunzipSync } from 'node:zlib'
import type { IncomingHttpHeaders } from 'node:http'
import { ResultBatch } from '../../protocol'
import { listenHttp } from './probe-listen'

export interface Scripted {
  status: number
  headers?: Record<string, string>
  body?: unknown
  /** Never answer this request (to exercise client deadlines). */
  hang?: boolean
}

export interface Received {
  method: string
  url: string
  headers: IncomingHttpHeaders
  /** The decoded body parsed with protocol's ResultBatch; `invalid` holds the zod message otherwise. */
  batch?: ResultBatch
  invalid?: string
  answeredWith: number
}

/** One GET of the probe config, as the fake server saw it. */
export interface ConfigRequest {
  headers: IncomingHttpHeaders
  status: number
}

export interface FakeIngest {
  url: string
  /**
   * Body served on `GET /api/v1/probe/config` (any JSON, so tests can serve invalid ones), with
   * an ETag derived from its content; `undefined` answers 503.
   */
  config: unknown
  configRequests: ConfigRequest[]
  received: Received[]
  /** Answers for the next requests, in order; when empty the server answers 202. */
  script: Scripted[]
  /** Resolves when `n` requests have been answered. */
  waitFor(n: number): Promise<void>
  close(): Promise<void>
}

/** Starts the fake ingest server. */
export async function startFakeIngest(): Promise<FakeIngest> {
  const received: Received[] = []
  const script: Scripted[] = []
  const waiters: { n: number; resolve: () => void }[] = []
  const configRequests: ConfigRequest[] = []
  const state: { config: unknown } = { config: undefined }
  const server = await listenHttp((req, res) => {
    if (req.method === 'GET' && req.url?.endsWith('/api/v1/probe/config')) {
      if (state.config === undefined) {
        configRequests.push({ headers: req.headers, status: 503 })
        return res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":{"code":"E_UNAVAILABLE","message":"starting"}}')
      }
      const body = JSON.stringify(state.config)
      const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`
      const status = req.headers['if-none-match'] === etag ? 304 : 200
      configRequests.push({ headers: req.headers, status })
      res.writeHead(status, { 'content-type': 'application/json', etag })
      return res.end(status === 200 ? body : undefined)
    }
    if (req.method === 'GET' && req.url?.includes('/api/v1/probe/run-now')) {
      // This fake plays a server without on-demand tests (the real one is tested in run-now tests).
      return res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":"E_NOT_FOUND","message":"no route"}}')
    }
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const next = script.shift() ?? { status: 202, body: { accepted: 0, duplicates: 0 } }
      if (next.hang) return
      let raw = Buffer.concat(chunks)
      if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw)
      const entry: Received = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, answeredWith: next.status }
      try {
        const parsed = ResultBatch.safeParse(JSON.parse(raw.toString('utf8')))
        if (parsed.success) entry.batch = parsed.data
        else entry.invalid = parsed.error.message
      } catch (err) {
        entry.invalid = String(err)
      }
      received.push(entry)
      res.writeHead(next.status, { 'content-type': 'application/json', ...next.headers })
      res.end(next.body === undefined ? '' : JSON.stringify(next.body))
      for (const w of waiters.filter((x) => received.length >= x.n)) {
        waiters.splice(waiters.indexOf(w), 1)
        w.resolve()
      }
    })
  })
  return {
    url: server.url,
    get config() {
      return state.config
    },
    set config(v: unknown) {
      state.config = v
    },
    configRequests,
    received,
    script,
    waitFor: (n) => (received.length >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve }))),
    close: () => server.close(),
  }
}
