/**
 * An inventory edit reaches a running agent with its next batch, not at its next config poll
 * (issue 13, Done-when 3): every ingest answer carries the probe's config ETag
 * (`Xanh-Config-ETag`); an agent whose config has another tag refetches it at once. The agent
 * here polls its config only once an hour, so the new interval can only come that way.
 */
import type { AddressInfo } from 'node:net'
import { createServer, type Server as NetServer } from 'node:net'
import type { Server } from 'node:http'
import { serve } from '@hono/node-server'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CONFIG_ETAG_HEADER } from '../protocol'
import { createAgent, type Agent } from '../probes/agent'
import { commune, makeTestServer, type TestServer } from './helpers/server'

let s: TestServer
let http: Server
let agent: Agent
let listener: NetServer
let port = 0
const TOLERANCE_S = 0.3

const target = (intervalSeconds: number) => ({ id: 'c1-tcp', communeCode: 'C1', name: 'Cáp quang Xã Châu Khê', kind: 'tcp' as const, host: '127.0.0.1', port, role: 'line' as const, intervalSeconds, timeoutSeconds: 0.5, parents: [], options: {}, probeId: null, enabled: true })

const times = (sinceMs: number): number[] =>
  s.runtime.store.results.range('c1-tcp', sinceMs, Number.MAX_SAFE_INTEGER).map((r) => r.observedAt)
const gaps = (ts: number[]): number[] => ts.slice(1).map((t, i) => (t - (ts[i] as number)) / 1000)

async function waitFor<T>(what: string | (() => string), fn: () => T | undefined, ms: number): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const v = fn()
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

beforeAll(async () => {
  listener = createServer((sock) => sock.end()).listen(0, '127.0.0.1')
  await new Promise((r) => listener.once('listening', r))
  port = (listener.address() as AddressInfo).port
  s = makeTestServer({ communes: [commune('C1')], realTime: true })
  const embedded = s.runtime.store.createProbe('embedded', 'server (embedded)', true)
  s.runtime.store.upsertTarget(target(1))
  s.runtime.reloadInventory()
  http = await new Promise<Server>((resolve) => {
    const srv = serve({ fetch: s.runtime.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(srv as Server))
  })
  const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`
  agent = createAgent({ serverUrl: base, token: embedded.token, log: pino({ level: 'silent' }), version: 'test', tools: {}, timing: { batchMaxWaitMs: 100, configPollSeconds: 3600 } })
  await agent.start()
})

afterAll(async () => {
  await agent?.stop({ drainTimeoutMs: 1000 })
  await new Promise((r) => http?.close(r))
  listener?.close()
  s?.close()
})

describe('config changes reach the agent with the next ingest answer', () => {
  it('an interval changed from 1 s to 2 s: the agent (config poll: 1 h) runs the target every 2 s within a few seconds', async () => {
    const t0 = Date.now()
    await waitFor('three results a second apart', () => (times(t0).length >= 4 ? true : undefined), 10_000)
    const changedAt = Date.now()
    s.runtime.store.upsertTarget(target(2))
    s.runtime.reloadInventory()
    let seen: number[] = []
    const steadyAt = await waitFor(
      () => `two 2-second gaps (gaps: ${seen.join(', ')})`,
      () => {
        const ts = times(changedAt)
        seen = gaps(ts)
        for (let i = 0; i + 2 <= seen.length; i++) if (seen.slice(i, i + 2).every((g) => Math.abs(g - 2) <= TOLERANCE_S)) return ts[i] as number
        return undefined
      },
      12_000,
    )
    // One batch wait (0.1 s), the refetch, then the first run somewhere in the new interval.
    expect(steadyAt - changedAt).toBeLessThanOrEqual((1 + 0.1 + 2 + TOLERANCE_S + 0.5) * 1000)
  }, 30_000)

  it('the ingest answer’s tag is the config route’s ETag', async () => {
    const token = s.runtime.store.rotateProbeToken(s.probeId)
    const batch = { protocolVersion: 1, probeId: s.probeId, sentAt: new Date().toISOString(), results: [] }
    const res = await s.runtime.app.request('/api/v1/ingest', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(batch) })
    expect(res.status).toBe(202)
    const cfg = await s.runtime.app.request('/api/v1/probe/config', { headers: { authorization: `Bearer ${token}` } })
    expect(res.headers.get(CONFIG_ETAG_HEADER)).toBe(cfg.headers.get('etag'))
    expect(res.headers.get(CONFIG_ETAG_HEADER)).toMatch(/^"[\w-]{27}"$/)
  })
})

describe('the ingest tag follows the config', () => {
  it('equals the config route’s ETag, and changes when a deleted probe hands its targets to the embedded one', async () => {
    const embedded = s.runtime.store.getProbeByName('embedded')
    if (!embedded) throw new Error('no embedded probe')
    const token = s.runtime.store.rotateProbeToken(embedded.id)
    const tagOf = async (path: '/api/v1/ingest' | '/api/v1/probe/config'): Promise<string | null> => {
      const init: RequestInit =
        path === '/api/v1/ingest'
          ? { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ protocolVersion: 1, probeId: embedded.id, sentAt: new Date().toISOString(), results: [] }) }
          : { headers: { authorization: `Bearer ${token}` } }
      return (await s.runtime.app.request(path, init)).headers.get(path === '/api/v1/ingest' ? CONFIG_ETAG_HEADER : 'etag')
    }
    const first = await tagOf('/api/v1/ingest')
    expect(first).toBe(await tagOf('/api/v1/probe/config'))
    // A remote probe with a target of its own, then deleted: the target falls to the embedded probe.
    const remote = s.runtime.store.createProbe('tram-ky-son', 'UBND xã Kỳ Sơn')
    s.runtime.store.upsertTarget({ ...target(5), id: 'ky-son-tcp', probeId: remote.probe.id })
    const withRemote = await tagOf('/api/v1/ingest')
    expect(withRemote).toBe(first) // not the embedded probe's target (yet)
    s.runtime.store.deleteProbe(remote.probe.id)
    const after = await tagOf('/api/v1/ingest')
    expect(after).not.toBe(first)
    expect(after).toBe(await tagOf('/api/v1/probe/config'))
  })
})
