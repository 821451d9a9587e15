/**
 * The standalone agent as the README starts it (`npm run probe -- --server URL --token T`), against
 * the real server on another port: inventory edited on the server reaches the agent within one
 * config poll, and the agent's heartbeat fields show up in the probe list and /metrics.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { ensureFirstAdmin } from '../../server/auth'
import { listenTcp, type Listening } from '../helpers/probe-listen'
import { commune } from '../helpers/server'
import { connectTargets, ROOT, spawnAgent, startServer, tempDir, type AgentProcess, type RunningServer } from './harness'

const POLL_SECONDS = 1
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version
const PASSWORD = 'a-long-admin-password'
const admin = { authorization: `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}`, 'content-type': 'application/json' }

describe('standalone agent against the real server', () => {
  const data = tempDir('xanh-standalone-')
  let server: RunningServer | undefined
  let agent: AgentProcess | undefined
  let tcp: Listening | undefined
  afterAll(async () => {
    agent?.child.kill('SIGKILL')
    await server?.stop()
    await tcp?.close()
    data.cleanup()
  })

  it('picks up a target added through the admin API within one config poll, and reports its status', async () => {
    tcp = await listenTcp()
    server = await startServer(data.dir)
    const s = server
    const { store } = s.runtime
    ensureFirstAdmin(store, PASSWORD)
    store.upsertCommune(commune('C1'))
    const { probe, token } = store.createProbe('commune-agent', 'Kỳ Sơn')

    const cli = spawnAgent([
      '--server', s.url,
      '--token', token,
      '--spool-dir', join(data.dir, 'spool'),
      '--config-poll-seconds', String(POLL_SECONDS),
      '--batch-max-wait-seconds', '0.1',
    ]) // prettier-ignore
    agent = cli
    await cli.waitForLine((l) => l.msg === 'config: new target list' && l.targets === 0, 15_000)

    const [target] = connectTargets(1, tcp.port, probe.id)
    const added = performance.now()
    const res = await fetch(`${s.url}/api/v1/targets`, { method: 'POST', headers: admin, body: JSON.stringify(target) })
    expect(res.status).toBe(201)
    await cli.waitForLine((l) => l.msg === 'config: new target list' && l.targets === 1, 3 * POLL_SECONDS * 1000)
    // One poll interval, plus the request itself.
    expect(performance.now() - added).toBeLessThan(POLL_SECONDS * 1000 + 500)

    const stored = (): boolean | undefined => s.runtime.store.results.range(target?.id ?? '', 0, Number.MAX_SAFE_INTEGER)[0]?.ok
    await vi.waitFor(() => expect(stored()).toBe(true), { timeout: 5000, interval: 50 })

    // Heartbeat fields of the batches, as the operator sees them.
    const list = (await (await fetch(`${s.url}/api/v1/probes`, { headers: admin })).json()) as {
      probes: { name: string; version: string | null; lastSeenAt: string | null; spoolBatches: number | null }[]
    }
    const row = list.probes.find((p) => p.name === 'commune-agent')
    expect(row?.version).toBe(VERSION)
    expect(Date.parse(row?.lastSeenAt ?? '')).toBeGreaterThan(Date.now() - 10_000)
    expect(row?.spoolBatches).toEqual(expect.any(Number))
    s.runtime.tick() // main.ts ticks every second; the tick refreshes the probe gauges
    const metrics = await (await fetch(`${s.url}/metrics`)).text()
    expect(metrics).toMatch(/^xanh_probe_last_seen_timestamp_seconds\{probe="commune-agent"\} \d+(\.\d+)?$/m)
    expect(metrics).toMatch(/^xanh_probe_spool_batches\{probe="commune-agent"\} \d+$/m)

    cli.child.kill('SIGTERM')
    expect(await cli.exited).toBe(0)
  }, 30_000)
})
