/**
 * A real HTTP server on 127.0.0.1:0 that records JSON requests and answers with a scripted
 * status, standing in for a webhook receiver or a chat API.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Recorded {
  path: string
  headers: IncomingHttpHeaders
  body: unknown
}

export interface RecordServer {
  url: string
  requests: Recorded[]
  /** Status to answer with (default 200); a function can vary it per request. */
  status: number | ((r: Recorded) => number)
  close(): Promise<void>
}

/** Starts the recorder. */
export async function startRecordServer(): Promise<RecordServer> {
  const rec: RecordServer = { url: '', requests: [], status: 200, close: async () => undefined }
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      let body: unknown = text
      try {
        body = JSON.parse(text)
      } catch {
        // not JSON: keep the text
      }
      const r: Recorded = { path: req.url ?? '', headers: req.headers, body }
      const status = typeof rec.status === 'function' ? rec.status(r) : rec.status
      if (status < 300) rec.requests.push(r)
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ ok: status < 300 }))
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  rec.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  rec.close = () => new Promise((r) => server.close(() => r()))
  return rec
}
