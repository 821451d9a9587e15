import { randomUUID } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { CheckResult } from '../../../protocol'
import { createIngestClient } from '../../../probes/ship/client'
import { createMemorySpool } from '../../../probes/ship/memory-spool'
import { createShipper, type Shipper, type ShipperOptions } from '../../../probes/ship/shipper'
import { silentLog } from '../../helpers/probe-fixtures'
import { startFakeIngest, type FakeIngest } from '../../helpers/probe-ingest-server'

const result = (i: number): CheckResult => ({
  id: randomUUID(),
  targetId: `t-${i}`,
  kind: 'tcp',
  observedAt: new Date().toISOString(),
  durationSeconds: 0.01,
  ok: true,
  measurements: { connect_seconds: 0.001 },
})

describe('shipper against a local ingest server', () => {
  let ingest: FakeIngest
  let shipper: Shipper | undefined
  beforeEach(async () => {
    ingest = await startFakeIngest()
  })
  afterEach(async () => {
    await shipper?.stop()
    shipper = undefined
    await ingest.close()
  })

  const make = (extra: Partial<ShipperOptions> = {}) => {
    shipper = createShipper({
      client: createIngestClient({ serverUrl: ingest.url, token: 'probe-token', timeoutMs: 2000 }),
      spool: createMemorySpool({ maxBytes: 50e6, maxBatches: 1000 }),
      log: silentLog(),
      probeId: () => 'probe-1',
      agentStatus: () => ({ version: '0.1.0-test', overruns: 4, unavailable: ['sip checks are not supported by this agent version yet'] }),
      batchMaxResults: 1000,
      batchMaxWaitMs: 20,
      heartbeatSeconds: 0,
      backoffBaseMs: 10,
      backoffMaxMs: 50,
      maxRetryAfterMs: 5000,
      ...extra,
    })
    shipper.start()
    return shipper
  }

  it('cuts batches of at most 1000 results, each a valid ResultBatch with status', async () => {
    const s = make()
    const pushed = Array.from({ length: 2500 }, (_, i) => result(i))
    for (const r of pushed) s.push(r)
    await s.whenIdle()
    expect(ingest.received.map((r) => r.batch?.results.length)).toEqual([1000, 1000, 500])
    for (const r of ingest.received) {
      expect(r.invalid).toBeUndefined()
      expect(r.headers.authorization).toBe('Bearer probe-token')
      expect(r.batch?.probeId).toBe('probe-1')
      expect(r.batch?.status).toMatchObject({ version: '0.1.0-test', overruns: 4, droppedBatches: 0, unavailable: ['sip checks are not supported by this agent version yet'] })
    }
    expect(ingest.received.flatMap((r) => r.batch?.results.map((x) => x.id))).toEqual(pushed.map((r) => r.id))
    expect(s.stats()).toMatchObject({ deliveredBatches: 3, deliveredResults: 2500, retries: 0 })
  })

  it('honours a smaller configured batch size and the batch wait', async () => {
    const s = make({ batchMaxResults: 2, batchMaxWaitMs: 30 })
    for (let i = 0; i < 5; i++) s.push(result(i))
    await s.whenIdle()
    expect(ingest.received.map((r) => r.batch?.results.length)).toEqual([2, 2, 1])
  })

  it('retries a 503 and delivers the batch exactly once', async () => {
    ingest.script.push({ status: 503 }, { status: 503 })
    const s = make()
    const pushed = [result(1), result(2)]
    for (const r of pushed) s.push(r)
    await s.whenIdle()
    expect(ingest.received.map((r) => r.answeredWith)).toEqual([503, 503, 202])
    // The same batch (same result ids) was resent; only one send was acknowledged and nothing followed it.
    for (const r of ingest.received) expect(r.batch?.results.map((x) => x.id)).toEqual(pushed.map((x) => x.id))
    expect(s.stats()).toMatchObject({ deliveredBatches: 1, deliveredResults: 2, retries: 2, deadLetteredBatches: 0 })
    expect(s.status()).toMatchObject({ spoolBatches: 0, spoolBytes: 0 })
  })

  it('does not retry a 400: the batch is dead-lettered and counted, the next one still goes', async () => {
    ingest.script.push({ status: 400, body: { error: { code: 'E_VALIDATION', message: 'results.0.kind: invalid' } } })
    const s = make()
    s.push(result(1))
    await s.whenIdle()
    expect(ingest.received).toHaveLength(1)
    expect(s.stats()).toMatchObject({ deadLetteredBatches: 1, retries: 0 })
    s.push(result(2))
    await s.whenIdle()
    expect(ingest.received).toHaveLength(2)
    expect(ingest.received[1]?.batch?.status?.droppedBatches).toBe(1)
  })

  it('answers a 403 E_PROBE_SCOPE by sending the batch again without the targets it names (repeated while more are named)', async () => {
    const scope = (paths: string[]) => ({ status: 403, body: { error: { code: 'E_PROBE_SCOPE', message: 'not assigned', issues: paths.map((path) => ({ path, message: 'not assigned' })) } } })
    // Targets t-1 and t-3 moved to another probe; the server names at most one per answer here.
    ingest.script.push(scope(['results.1.targetId']), scope(['results.2.targetId']))
    const s = make({ batchMaxWaitMs: 60_000 })
    const pushed = [0, 1, 2, 3, 1].map((i) => result(i))
    for (const r of pushed) s.push(r)
    await s.flush()
    await s.whenIdle()
    expect(ingest.received.map((r) => [r.answeredWith, r.batch?.results.map((x) => x.targetId)])).toEqual([
      [403, ['t-0', 't-1', 't-2', 't-3', 't-1']],
      [403, ['t-0', 't-2', 't-3']],
      [202, ['t-0', 't-2']],
    ])
    // Delivered in part: the batch as spooled is kept in the dead letters for the record.
    expect(s.stats()).toMatchObject({ deliveredBatches: 1, deliveredResults: 2, deadLetteredBatches: 1, retries: 0 })
  })

  it('dead-letters a batch whose every target is out of scope, without sending it again', async () => {
    ingest.script.push({ status: 403, body: { error: { code: 'E_PROBE_SCOPE', message: 'not assigned', issues: [{ path: 'results.0.targetId', message: 'not assigned' }] } } })
    const s = make({ batchMaxWaitMs: 60_000 })
    s.push(result(7))
    s.push(result(7))
    await s.flush()
    await s.whenIdle()
    expect(ingest.received).toHaveLength(1)
    expect(s.stats()).toMatchObject({ deliveredBatches: 0, deadLetteredBatches: 1 })
  })

  it('waits at least Retry-After on 429', async () => {
    ingest.script.push({ status: 429, headers: { 'retry-after': '1' } })
    const s = make()
    const at: number[] = []
    s.push(result(1))
    await ingest.waitFor(1)
    at.push(performance.now())
    await ingest.waitFor(2)
    at.push(performance.now())
    expect((at[1] ?? 0) - (at[0] ?? 0)).toBeGreaterThanOrEqual(950) // backoff alone would be ≤ 50 ms
    await s.whenIdle()
    expect(ingest.received.map((r) => r.answeredWith)).toEqual([429, 202])
  })

  it('sends empty heartbeat batches while there is nothing to ship', async () => {
    make({ heartbeatSeconds: 0.05 })
    await ingest.waitFor(2)
    for (const r of ingest.received.slice(0, 2)) {
      expect(r.batch?.results).toEqual([])
      expect(r.batch?.status?.version).toBe('0.1.0-test')
    }
  })

  it('stop drains what is buffered before resolving', async () => {
    const s = make({ batchMaxWaitMs: 60_000 })
    s.push(result(1))
    await s.stop({ drainTimeoutMs: 2000 })
    expect(ingest.received.map((r) => r.batch?.results.length)).toEqual([1])
  })

  it('stop gives up at the drain deadline when the server keeps failing', async () => {
    for (let i = 0; i < 100; i++) ingest.script.push({ status: 503 })
    const s = make({ backoffBaseMs: 100, backoffMaxMs: 100 })
    s.push(result(1))
    await ingest.waitFor(1)
    const started = performance.now()
    await s.stop({ drainTimeoutMs: 300 })
    expect(performance.now() - started).toBeLessThan(1000)
    expect(s.status().spoolBatches).toBe(1)
  })

  it('counts batches the spool cap dropped in status.droppedBatches', async () => {
    for (let i = 0; i < 100; i++) ingest.script.push({ status: 503 })
    const s = make({ spool: createMemorySpool({ maxBytes: 50e6, maxBatches: 2 }), backoffBaseMs: 10_000, backoffMaxMs: 10_000 })
    for (let i = 0; i < 4; i++) {
      s.push(result(i))
      await s.flush()
    }
    expect(s.status()).toMatchObject({ spoolBatches: 2, droppedBatches: 2 })
  })
})
