/**
 * The `/api/v1/live` WebSocket: state deltas pushed to dashboards, no polling.
 * @module
 */
import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import type { Logger } from 'pino'
import { WebSocketServer, type WebSocket } from 'ws'
import type { LiveMessage, StateCounts } from '../protocol'
import type { EngineChanges } from './state/engine'

export interface LiveHubOptions {
  log: Logger
  isDemo: () => boolean
  now?: () => number
  /** A delta is sent at least this often even without changes, so clients can tell live from stale. */
  heartbeatMs: number
  /** Clients that fall this far behind (bytes queued) are dropped rather than buffered without bound. */
  maxBufferedBytes?: number
  /**
   * Whether an upgrade request may listen (a viewer's session, or a public wallboard); refused
   * upgrades get 401 (or 403 for another origin) before any data. Default: everyone.
   */
  authorize?: (req: IncomingMessage) => 'ok' | 'unauthorized' | 'forbidden'
}

/** Fan-out of engine changes to every connected dashboard. */
export interface LiveHub {
  /** Handles HTTP upgrades for `/api/v1/live` on the given server. */
  attach(server: Server): void
  /** Sends changes (or a heartbeat when due) to every client. */
  publish(changes: EngineChanges, counts: StateCounts): void
  /** Tells clients to reload the overview (inventory changed). */
  reload(): void
  clientCount(): number
  close(): Promise<void>
}

/** Creates the hub; it owns a `ws` server in noServer mode. */
export function createLiveHub(opts: LiveHubOptions): LiveHub {
  const now = opts.now ?? Date.now
  const maxBuffered = opts.maxBufferedBytes ?? 4 * 1024 * 1024
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096 })
  const alive = new WeakMap<WebSocket, boolean>()
  let lastSent = 0

  /** Sends an encoded message; a client that does not read (too much queued) is cut off instead. */
  const sendEncoded = (ws: WebSocket, data: Buffer): void => {
    if (ws.readyState !== ws.OPEN) return
    if (ws.bufferedAmount > maxBuffered) {
      opts.log.warn('live: dropping a client that cannot keep up')
      ws.terminate()
      return
    }
    ws.send(data, { binary: false })
  }
  const send = (ws: WebSocket, msg: LiveMessage): void => sendEncoded(ws, Buffer.from(JSON.stringify(msg)))
  /** Encodes a message once and shares the bytes with every client: 200 dashboards cost one encode. */
  const broadcast = (msg: LiveMessage): void => {
    if (wss.clients.size > 0) {
      const data = Buffer.from(JSON.stringify(msg))
      for (const ws of wss.clients) sendEncoded(ws, data)
    }
    lastSent = now()
  }

  wss.on('connection', (ws) => {
    alive.set(ws, true)
    ws.on('pong', () => alive.set(ws, true))
    ws.on('error', () => ws.terminate())
    send(ws, { type: 'hello', serverTime: new Date(now()).toISOString(), demo: opts.isDemo() })
  })
  // Dead TCP peers (a laptop lid closed) are found by ping/pong and cleaned up.
  const pinger = setInterval(() => {
    for (const ws of wss.clients) {
      if (alive.get(ws) === false) {
        ws.terminate()
        continue
      }
      alive.set(ws, false)
      ws.ping()
    }
  }, Math.max(opts.heartbeatMs * 2, 10_000))
  pinger.unref()

  return {
    attach(server) {
      server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        const path = (req.url ?? '').split('?')[0]
        if (path !== '/api/v1/live') {
          socket.destroy()
          return
        }
        const verdict = opts.authorize?.(req) ?? 'ok'
        if (verdict !== 'ok') {
          socket.end(verdict === 'forbidden' ? 'HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n' : 'HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
          return
        }
        wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req))
      })
    },
    publish(changes, counts) {
      if (wss.clients.size === 0) return
      const due = now() - lastSent >= opts.heartbeatMs
      if (changes.communes.length === 0 && changes.targets.length === 0 && !due) return
      broadcast({ type: 'delta', at: new Date(now()).toISOString(), counts, communes: changes.communes, targets: changes.targets })
    },
    reload() {
      broadcast({ type: 'reload', at: new Date(now()).toISOString() })
    },
    clientCount: () => wss.clients.size,
    close() {
      clearInterval(pinger)
      for (const ws of wss.clients) ws.close(1001, 'server shutting down')
      return new Promise((resolve) => wss.close(() => resolve()))
    },
  }
}
