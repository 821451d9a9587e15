/**
 * The base of the fake providers used by notifier tests: a real node:http server on
 * 127.0.0.1 port 0 that records every request and answers through a handler, or not at all
 * (`hang`) when a test needs a deadline to fire.
 * @module
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

/** One request as the fake received it. */
export interface FakeRequest {
  method: string
  path: string
  headers: IncomingHttpHeaders
  body: string
}

/** What a fake does with the next request instead of its normal behaviour. */
export type FakeOverride = { kind: 'hang' } | { kind: 'answer'; status: number; body: string; headers?: Record<string, string> }

export interface FakeHttp {
  /** `http://127.0.0.1:<port>` */
  url: string
  port: number
  requests: FakeRequest[]
  /** Overrides consumed one per request, before the normal handler. */
  next: FakeOverride[]
  close(): Promise<void>
}

/** A JSON answer. */
export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers })
  res.end(JSON.stringify(body))
}

/** Starts a fake on 127.0.0.1:0; `handle` answers requests that no override took. */
export async function listenFake(handle: (req: FakeRequest, res: ServerResponse) => void): Promise<FakeHttp> {
  const sockets = new Set<Socket>()
  const requests: FakeRequest[] = []
  const next: FakeOverride[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const r: FakeRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') }
      requests.push(r)
      const o = next.shift()
      if (o?.kind === 'hang') return
      if (o?.kind === 'answer') {
        res.writeHead(o.status, { 'content-type': 'application/json', ...(o.headers ?? {}) })
        res.end(o.body)
        return
      }
      handle(r, res)
    })
  })
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    next,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy()
        server.close(() => r())
      }),
  }
}

/** A port on 127.0.0.1 that was free a moment ago and now refuses connections. */
export async function refusedPort(): Promise<number> {
  const f = await listenFake(() => {})
  await f.close()
  return f.port
}
