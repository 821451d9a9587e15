/**
 * "Đo ngay" end to end (issue 10): a real server on 127.0.0.1:0 and a real agent (the embedded
 * probe's code) with a commune whose line has a throughput target (against the server's own
 * speedtest endpoint) and a udp_echo target (against a real reflector). Neither would run for
 * hours on its own; an operator's request makes both run at once, and the fresh results arrive
 * through the normal ingest within the test's duration plus a few seconds.
 */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TestRunView } from '../protocol'
import { createAgent, type Agent } from '../probes/agent'
import { startUdpEchoReflector, type UdpEchoReflector } from '../probes/reflector'
import { hashPassword } from '../server/auth'
import { users } from '../server/store/schema'
import { commune, makeTestServer, udpTarget, type TestServer } from './helpers/server'

let s: TestServer
let http: Server
let agent: Agent
let reflector: UdpEchoReflector
let base = ''
const operator = { authorization: `Basic ${Buffer.from('vanhanh:mat-khau-van-hanh').toString('base64')}` }
const viewer = { authorization: `Basic ${Buffer.from('xem:mat-khau-xem-thoi').toString('base64')}` }

beforeAll(async () => {
  reflector = await startUdpEchoReflector({ host: '127.0.0.1', port: 0, log: pino({ level: 'silent' }) })
  s = makeTestServer({ communes: [commune('KS-ML', { name: 'Xã Mường Lống', districtCluster: 'Cụm Kỳ Sơn' })], realTime: true })
  http = await new Promise<Server>((resolve) => {
    const srv = serve({ fetch: s.runtime.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(srv as Server))
  })
  const port = (http.address() as AddressInfo).port
  base = `http://127.0.0.1:${port}`
  const day = 86_400
  s.runtime.store.upsertTarget({ ...udpTarget('ml-line', 'KS-ML', 'line', { name: 'Đường truyền Mường Lống', port: reflector.port, intervalSeconds: day, options: { packets: 100, ratePps: 100 } }), probeId: s.probeId })
  s.runtime.store.upsertTarget({
    ...udpTarget('ml-speed', 'KS-ML', 'line', { kind: 'throughput', name: 'Đo tốc độ Mường Lống', port, intervalSeconds: day, timeoutSeconds: 20, options: { streams: 2, warmupSeconds: 0.3, durationSeconds: 1 } }),
    probeId: s.probeId,
  })
  s.opened.db
    .insert(users)
    .values([
      { username: 'vanhanh', passwordHash: hashPassword('mat-khau-van-hanh'), role: 'operator' },
      { username: 'xem', passwordHash: hashPassword('mat-khau-xem-thoi'), role: 'viewer' },
    ])
    .run()
  s.runtime.reloadInventory()
  agent = createAgent({ serverUrl: base, token: s.token, log: pino({ level: 'silent' }), version: 'test', tools: {}, timing: { batchMaxWaitMs: 100, runNowWaitSeconds: 20 } })
  await agent.start()
})

afterAll(async () => {
  await agent?.stop({ drainTimeoutMs: 1000 })
  await new Promise((r) => http?.close(r))
  await reflector?.close()
  s?.close()
})

async function post(path: string, headers: Record<string, string>, body?: unknown): Promise<Response> {
  return fetch(`${base}${path}`, { method: 'POST', headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) })
}

describe('"Đo ngay": an operator tests a commune line now', () => {
  it('a viewer may not; an operator starts a run that both targets complete with fresh results', async () => {
    expect((await post('/api/v1/communes/KS-ML/test-runs', viewer)).status).toBe(403)
    expect(s.runtime.engine.targetStatus('ml-speed')?.lastResultAt).toBeNull()
    const started = Date.now()
    const res = await post('/api/v1/communes/KS-ML/test-runs', operator)
    expect(res.status).toBe(201)
    const run = TestRunView.parse(await res.json())
    expect(run.targets.map((t) => t.targetId).sort()).toEqual(['ml-line', 'ml-speed'])
    // Asking again while it runs gives the same run (two tests on one line would measure each other).
    const again = await post('/api/v1/communes/KS-ML/test-runs', operator)
    expect(again.status).toBe(200)
    expect(((await again.json()) as TestRunView).id).toBe(run.id)

    let view = run
    while (view.state === 'running' && Date.now() - started < 15_000) {
      await new Promise((r) => setTimeout(r, 200))
      view = TestRunView.parse(await (await fetch(`${base}/api/v1/test-runs/${run.id}`, { headers: viewer })).json())
    }
    const seconds = (Date.now() - started) / 1000
    expect(view.state).toBe('done')
    // Throughput: 0.3 s warm-up + 1 s per direction; a few seconds on top at most.
    expect(seconds).toBeLessThan(10)
    const speed = view.targets.find((t) => t.targetId === 'ml-speed')
    expect(speed).toMatchObject({ state: 'done', ok: true })
    expect(speed?.measurements?.download_bytes_per_second).toBeGreaterThan(0)
    expect(Date.parse(speed?.resultAt as string)).toBeGreaterThanOrEqual(Date.parse(run.requestedAt))
    const line = view.targets.find((t) => t.targetId === 'ml-line')
    expect(line).toMatchObject({ state: 'done', ok: true })
    expect(line?.measurements?.received).toBe(100)
    // The fresh figures are the target's state now (what the commune page shows).
    const detail = (await (await fetch(`${base}/api/v1/communes/KS-ML`, { headers: viewer })).json()) as { targets: Array<{ id: string; lastResultAt: string | null; verdicts: unknown[] }> }
    const t = detail.targets.find((x) => x.id === 'ml-speed')
    expect(t?.lastResultAt).toBe(speed?.resultAt)
    expect(t?.verdicts.length).toBe(2)
    // And the request is in the audit log.
    const audit = s.opened.sqlite.prepare("SELECT actor, action, entity_id FROM audit_log WHERE action = 'test-run'").all()
    expect(audit).toEqual([{ actor: 'vanhanh', action: 'test-run', entity_id: 'KS-ML' }])
  }, 30_000)

  it('a commune without line test targets is refused with a clear code', async () => {
    s.runtime.store.upsertCommune(commune('TRONG', { name: 'Xã Trống' }))
    const res = await post('/api/v1/communes/TRONG/test-runs', operator, { kinds: ['throughput'] })
    expect(res.status).toBe(409)
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('E_CONFLICT')
    expect((await post('/api/v1/communes/KHONG-CO/test-runs', operator)).status).toBe(404)
    const bad = await post('/api/v1/communes/KS-ML/test-runs', operator, { kinds: ['dns'] })
    expect(bad.status).toBe(422)
  })
})
