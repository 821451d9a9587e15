/**
 * SPEC §3 store and forward, end to end: the server goes away while the agent keeps measuring
 * (≥ 2,000 results), comes back on the same port over the same SQLite file, and every result is
 * stored exactly once.
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { createAgent, type Agent } from '../../probes/agent'
import { openDiskSpool } from '../../probes/ship/disk-spool'
import { listenTcp, type Listening } from '../helpers/probe-listen'
import { commune } from '../helpers/server'
import { connectTargets, startServer, tempDir, type RunningServer } from './harness'

/** Enough targets for ≥ 2,000 results in a few seconds of outage. */
const TARGETS = 500
const OUTAGE_RESULTS = 2000

describe('server outage with a disk spool', () => {
  const data = tempDir('xanh-outage-')
  let server: RunningServer | undefined
  let agent: Agent | undefined
  let listener: Listening | undefined
  afterAll(async () => {
    await agent?.stop()
    await server?.stop()
    await listener?.close()
    data.cleanup()
  })

  it('stores every result exactly once after the server comes back on the same port', async () => {
    listener = await listenTcp()
    server = await startServer(data.dir)
    const port = server.port
    const { store } = server.runtime
    store.upsertCommune(commune('C1'))
    const { probe, token } = store.createProbe('outage-agent', 'test')
    for (const t of connectTargets(TARGETS, listener.port, probe.id)) store.upsertTarget(t)

    const spoolDir = join(data.dir, 'spool')
    const spool = await openDiskSpool({ dir: spoolDir, maxBytes: 256 * 1024 * 1024, maxBatches: 10_000, log: pino({ level: 'silent' }) })
    agent = createAgent({
      serverUrl: server.url,
      token,
      log: pino({ level: 'silent' }),
      version: '9.9.9-outage',
      tools: {},
      spool,
      timing: { batchMaxWaitMs: 250, heartbeatSeconds: 0, configPollSeconds: 3600, backoffBaseMs: 50, backoffMaxMs: 250 },
    })
    const a = agent
    await a.start()
    expect(a.stats().configTargets).toBe(TARGETS)
    const up = server
    await vi.waitFor(() => expect(up.counts().rows).toBeGreaterThan(0), { timeout: 5000, interval: 20 })

    // Outage: the process is gone (connections cut, port closed), the file stays.
    await server.stop()
    server = undefined
    const producedBefore = a.stats().scheduler.completed
    await vi.waitFor(() => expect(a.stats().scheduler.completed - producedBefore).toBeGreaterThanOrEqual(OUTAGE_RESULTS), { timeout: 15_000, interval: 50 })
    await vi.waitFor(async () => expect((await spool.size()).batches).toBeGreaterThan(3), { timeout: 5000, interval: 20 })
    expect(readdirSync(spoolDir).filter((n) => n.endsWith('.json')).length).toBeGreaterThan(3)
    expect(a.stats().shipper.retries).toBeGreaterThan(0)

    server = await startServer(data.dir, port)
    const back = server
    // The spool drains while the agent keeps measuring; then stop, flushing what is buffered.
    await vi.waitFor(async () => expect((await spool.size()).batches).toBe(0), { timeout: 15_000, interval: 50 })
    await a.stop({ drainTimeoutMs: 10_000 })

    const produced = a.stats().scheduler.completed
    expect(produced - producedBefore).toBeGreaterThanOrEqual(OUTAGE_RESULTS)
    const counts = back.counts()
    expect(counts.rows).toBe(produced)
    expect(counts.distinct).toBe(counts.rows)
    expect(a.stats().shipper).toMatchObject({ deliveredResults: produced, deadLetteredBatches: 0, bufferedResults: 0, spool: { batches: 0, bytes: 0, droppedBatches: 0 } })
    expect(readdirSync(spoolDir).filter((n) => n !== 'dead-letter')).toEqual([])
    expect(readdirSync(join(spoolDir, 'dead-letter'))).toEqual([])
    // The heartbeat fields arrived with the batches.
    expect(back.runtime.store.getProbe(probe.id)).toMatchObject({ version: '9.9.9-outage', spoolBatches: expect.any(Number) })
  }, 40_000)
})
