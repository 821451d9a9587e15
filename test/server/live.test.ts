/**
 * The live hub (issue 15): every dashboard gets the same delta bytes, and a dashboard that stops
 * reading is cut off once its queue passes the bound instead of holding server memory, while the
 * others keep receiving.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import pino from 'pino'
import { afterEach, expect, it, vi } from 'vitest'
import { WebSocket } from 'ws'
import type { CommuneSummary, StateCounts } from '../../protocol'
import { createLiveHub, type LiveHub } from '../../server/live'

const counts: StateCounts = { ok: 1, warning: 0, critical: 0, down: 0, unknown: 0 }
let server: Server
let hub: LiveHub
const clients: WebSocket[] = []
afterEach(async () => {
  for (const c of clients.splice(0)) c.terminate()
  await hub.close()
  await new Promise<void>((r) => server.close(() => r()))
})

async function start(maxBufferedBytes: number): Promise<string> {
  server = createServer()
  hub = createLiveHub({ log: pino({ level: 'silent' }), isDemo: () => false, heartbeatMs: 60_000, maxBufferedBytes })
  hub.attach(server)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return `ws://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/live`
}

/** A client collecting every message (as text); resolves once its hello arrived. */
async function connect(url: string): Promise<{ ws: WebSocket; messages: string[] }> {
  const ws = new WebSocket(url)
  clients.push(ws)
  const messages: string[] = []
  ws.on('message', (d) => messages.push(d.toString('utf8')))
  await vi.waitFor(() => expect(messages.length).toBeGreaterThan(0), { timeout: 5000, interval: 10 })
  return { ws, messages }
}

/** A commune change with a long Vietnamese name, so a delta weighs something. */
function change(i: number): CommuneSummary {
  return { code: `X${i}`, name: `Xã Mường Lống ${'và các bản vùng cao '.repeat(400)}${i}` } as unknown as CommuneSummary
}

it('sends every dashboard the same delta', async () => {
  const url = await start(4 * 1024 * 1024)
  const a = await connect(url)
  const b = await connect(url)
  const c = await connect(url)
  hub.publish({ communes: [change(1)], targets: [] }, counts)
  await vi.waitFor(() => expect([a, b, c].every((x) => x.messages.length === 2)).toBe(true), { timeout: 5000, interval: 10 })
  const deltas = [a, b, c].map((x) => x.messages[1])
  expect(new Set(deltas).size).toBe(1)
  expect(JSON.parse(deltas[0] as string)).toMatchObject({ type: 'delta', counts, communes: [{ code: 'X1' }] })
})

it('cuts off a dashboard that does not read, at the bound, and keeps serving the others', async () => {
  const bound = 256 * 1024
  const url = await start(bound)
  const reader = await connect(url)
  const stuck = await connect(url)
  // The stuck dashboard stops reading: its socket's buffers fill, then the server's queue grows.
  const socket = (stuck.ws as unknown as { _socket: { pause(): void } })._socket
  socket.pause()
  let closed = false
  stuck.ws.on('close', () => (closed = true))
  // Each delta ~10 KB; bounded loop: at most 4,000 deltas (40 MB) to push past kernel buffers and the bound.
  for (let i = 0; i < 4000 && !closed; i++) {
    hub.publish({ communes: [change(i)], targets: [] }, counts)
    if (i % 50 === 49) await new Promise<void>((r) => setImmediate(r))
    if (hub.clientCount() === 1) break
  }
  await vi.waitFor(() => expect(hub.clientCount()).toBe(1), { timeout: 10_000, interval: 20 })
  // The reader is still served: a delta published now reaches it, after every earlier one (those
  // may still be on their way when the stuck one is cut off, so its arrival is what is awaited,
  // not a count taken before it).
  hub.publish({ communes: [change(99_999)], targets: [] }, counts)
  await vi.waitFor(() => expect(reader.messages.at(-1)).toContain('"X99999"'), { timeout: 5000, interval: 10 })
  expect(reader.messages.filter((m) => m.includes('"X99999"'))).toHaveLength(1)
})
