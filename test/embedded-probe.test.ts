/**
 * Server and agent together over real HTTP on 127.0.0.1:0, as `npm start` wires them: the agent
 * pulls its targets, checks them, ships batches; the server stores and evaluates them.
 */
import type { AddressInfo } from 'node:net'
import { createServer, type Server as NetServer } from 'node:net'
import type { Server } from 'node:http'
import { serve } from '@hono/node-server'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAgent, type Agent } from '../probes/agent'
import { commune, makeTestServer, type TestServer } from './helpers/server'

let s: TestServer
let http: Server
let agent: Agent
let listener: NetServer

async function waitFor<T>(fn: () => T | undefined, ms: number): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const v = fn()
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 100))
  }
}

beforeAll(async () => {
  listener = createServer((sock) => sock.end()).listen(0, '127.0.0.1')
  await new Promise((r) => listener.once('listening', r))
  const port = (listener.address() as AddressInfo).port
  s = makeTestServer({
    communes: [commune('C1')],
    targets: [
      { id: 'c1-icmp', communeCode: 'C1', kind: 'icmp', host: '127.0.0.1', role: 'router', intervalSeconds: 1, timeoutSeconds: 0.9, parents: [], options: {}, probeId: null, enabled: true },
      { id: 'c1-h323', communeCode: 'C1', kind: 'h323', host: '127.0.0.1', port, role: 'mcu', intervalSeconds: 1, timeoutSeconds: 0.9, parents: [], options: {}, probeId: null, enabled: true },
    ],
  })
  // The engine here uses a manual clock; results carry real observed times, so follow real time.
  s.clock.now = Date.now()
  http = await new Promise<Server>((resolve) => {
    const srv = serve({ fetch: s.runtime.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(srv as Server))
  })
  const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`
  // No fping and no ping: the icmp target must fail as data while everything else runs.
  agent = createAgent({ serverUrl: base, token: s.token, log: pino({ level: 'silent' }), version: 'test', tools: {}, timing: { batchMaxWaitMs: 100 } })
  await agent.start()
})

afterAll(async () => {
  await agent?.stop({ drainTimeoutMs: 1000 })
  await new Promise((r) => http.close(r))
  listener.close()
  s.close()
})

describe('embedded probe ↔ server over HTTP', () => {
  it('without any ping binary, icmp results are stored as clear errors and other checks keep working', async () => {
    const icmp = await waitFor(
      () => s.runtime.store.results.range('c1-icmp', 0, Number.MAX_SAFE_INTEGER)[0],
      10_000,
    )
    expect(icmp.ok).toBe(false)
    expect(icmp.error).toMatch(/neither fping nor ping is installed/)
    const h323 = await waitFor(
      () => s.runtime.store.results.range('c1-h323', 0, Number.MAX_SAFE_INTEGER).find((r) => r.ok),
      10_000,
    )
    expect(h323.measurements).toHaveProperty('connect_seconds')
    s.clock.now = Date.now()
    expect(s.runtime.engine.targetStatus('c1-h323')?.state).toBe('ok')
    expect((await s.runtime.app.request('/healthz')).status).toBe(200)
    expect(agent.status().unavailable.join(' ')).toMatch(/icmp/)
  }, 20_000)
})
