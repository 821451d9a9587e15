/**
 * A simulated commune line's far end for throughput checks: the `/api/v1/speedtest/*` protocol
 * (download of incompressible bytes, upload counted by the receiver, as the server's own
 * routes) with the line's rate capped in user space by one token bucket shared by every stream
 * of that line. The demo gives each commune one, so "below contract" is a real measurement of a
 * real socket; the e2e uses one to make a slow commune. Simulation only: no auth, loopback only.
 * @module
 */
import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import { SpeedtestDownloadQuery, SpeedtestUploadQuery, type SpeedtestUploadResult } from '../../protocol'

const CHUNK = 32 * 1024
/** The bucket holds at most this much time of the rate: bursts stay short. */
const BURST_SECONDS = 0.02
/** No single stream lasts longer than this, whatever was asked (a bounded simulation). */
const MAX_STREAM_MS = 30_000

/**
 * Tokens (bytes) refilled at `rate()` bytes per second, at most BURST_SECONDS of them. `take`
 * resolves when `n` bytes may pass; callers on one bucket share the rate.
 */
class TokenBucket {
  private tokens = 0
  private last = performance.now()

  constructor(private readonly rate: () => number) {}

  private refill(): void {
    const now = performance.now()
    const r = Math.max(1, this.rate())
    this.tokens = Math.min(Math.max(CHUNK, r * BURST_SECONDS), this.tokens + ((now - this.last) / 1000) * r)
    this.last = now
  }

  /** Milliseconds to wait before `n` bytes may pass (0: take them now). */
  delayFor(n: number): number {
    this.refill()
    if (this.tokens >= n) {
      this.tokens -= n
      return 0
    }
    return ((n - this.tokens) / Math.max(1, this.rate())) * 1000
  }

  /** Spends `n` bytes already received (may go negative: the reader then waits). */
  spend(n: number): number {
    this.refill()
    this.tokens -= n
    return this.tokens < 0 ? (-this.tokens / Math.max(1, this.rate())) * 1000 : 0
  }
}

export interface PacedSpeedtest {
  port: number
  /** Stops accepting and destroys open connections. */
  close(): Promise<void>
}

export interface PacedSpeedtestOptions {
  host: string
  /** 0: any free port. */
  port: number
  /** The line's rate now, bytes per second (read continuously: the script may change it). */
  rateBytesPerSecond: () => number
  /** While true, connections are cut at once (a line outage). */
  down?: () => boolean
}

/** Starts a paced speedtest responder. @throws the listen error (EADDRINUSE…) */
export async function startPacedSpeedtest(opts: PacedSpeedtestOptions): Promise<PacedSpeedtest> {
  const block = randomBytes(1024 * 1024)
  const bucket = new TokenBucket(opts.rateBytesPerSecond)
  const sockets = new Set<Socket>()
  const server: Server = createServer((req, res) => {
    if (opts.down?.()) {
      req.socket.destroy()
      return
    }
    const url = new URL(req.url ?? '/', 'http://x')
    if (req.method === 'GET' && url.pathname === '/api/v1/speedtest/download') return download(url, res)
    if (req.method === 'POST' && url.pathname === '/api/v1/speedtest/upload') return upload(url, req, res)
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":"E_NOT_FOUND","message":"no route"}}')
  })
  server.on('connection', (s) => {
    if (opts.down?.()) {
      s.destroy()
      return
    }
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
    s.on('error', () => undefined)
  })

  function download(url: URL, res: ServerResponse): void {
    const q = SpeedtestDownloadQuery.safeParse(Object.fromEntries(url.searchParams))
    if (!q.success) {
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":{"code":"E_VALIDATION","message":"bytes"}}')
      return
    }
    const total = q.data.bytes
    const started = performance.now()
    let sent = 0
    let offset = 0
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'cache-control': 'no-store' })
    const pump = (): void => {
      while (!res.destroyed) {
        if (sent >= total || performance.now() - started > MAX_STREAM_MS || opts.down?.()) {
          res.end()
          return
        }
        const n = Math.min(CHUNK, total - sent)
        const wait = bucket.delayFor(n)
        if (wait > 0) {
          setTimeout(pump, Math.max(1, wait))
          return
        }
        if (offset + n > block.length) offset = 0
        const ok = res.write(block.subarray(offset, offset + n))
        offset += n
        sent += n
        if (!ok) {
          res.once('drain', pump)
          return
        }
      }
    }
    pump()
  }

  function upload(url: URL, req: IncomingMessage, res: ServerResponse): void {
    const q = SpeedtestUploadQuery.safeParse(Object.fromEntries(url.searchParams))
    const skipMs = (q.success ? q.data.skipSeconds : 0) * 1000
    const started = performance.now()
    let bytes = 0
    let measuredBytes = 0
    let firstMeasured: number | null = null
    let lastAt = started
    req.on('data', (chunk: Buffer) => {
      const now = performance.now()
      bytes += chunk.length
      lastAt = now
      if (now - started >= skipMs) {
        firstMeasured ??= now
        measuredBytes += chunk.length
      }
      // Reading slower than the line's rate makes the sender's TCP window close: the cap.
      const wait = bucket.spend(chunk.length)
      if (wait > 0 && !req.isPaused()) {
        req.pause()
        setTimeout(() => req.resume(), Math.max(1, wait))
      }
      if (now - started > MAX_STREAM_MS || opts.down?.()) req.destroy()
    })
    req.on('end', () => {
      const result: SpeedtestUploadResult = {
        bytes,
        seconds: (lastAt - started) / 1000,
        measuredBytes,
        measuredSeconds: firstMeasured === null ? 0 : Math.max(0, (lastAt - (started + skipMs)) / 1000),
        truncated: false,
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result))
    })
    req.on('error', () => undefined)
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}
