/**
 * The seal pass (`runtime.storage.fold`) paces itself (issue 14, stop 25): at national load
 * (under V8's `--optimize-for-size`, tried) a pass run back to back held the event loop for
 * seconds, and the load shedder answered agents' batches 429. With `retention.sealLoopShare`
 * 0.5 the pass leaves the loop idle about half the time; with 1 it does not (so the measure can
 * tell them apart). Both seal every result. Since stop 28 the load shedder leaves the seal's time
 * out of the loop's load, so a pass back to back is not taken for an overload.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import pino from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import type { CheckResult } from '../../protocol'
import { loadServerConfig } from '../../server/config'
import { loopUtilization, type LoopUtilization } from '../../server/loop-pressure'
import { createServerRuntime, type ServerRuntime } from '../../server/runtime'
import { openDatabase, type OpenedDb } from '../../server/store/db'
import { batch, commune, result, udpTarget } from '../helpers/server'

const TARGETS = 1500
const PER_TARGET = 15
const START = Date.parse('2026-12-07T03:00:00Z')
/** Results per batch posted during a pass: a few milliseconds of work, as an agent's batch is. */
const PER_POST = 100

const cleanups: Array<() => void> = []
afterEach(() => {
  for (const c of cleanups.splice(0)) c()
})

/**
 * A runtime whose store holds PER_TARGET results of each target in the 02:00–02:15 window, sealable at START.
 * @param yaml more of the config file
 * @param sampler the load shedder's sampler (default: the runtime's own)
 */
function prepared(share: number, yaml = '', sampler?: LoopUtilization): ServerRuntime {
  const dir = mkdtempSync(join(tmpdir(), 'xanh-fold-'))
  const opened: OpenedDb = openDatabase(join(dir, 'xanh.db'))
  const config = loadServerConfig({ XANH_DATA_DIR: dir, XANH_LOG_LEVEL: 'silent' }, `retention:\n  sealLoopShare: ${share}\n${yaml}`)
  const runtime = createServerRuntime({ config, log: pino({ level: 'silent' }), opened, now: () => START, ...(sampler ? { loopUtilization: sampler } : {}) })
  cleanups.push(() => {
    void runtime.close()
    opened.sqlite.close()
    rmSync(dir, { recursive: true, force: true })
  })
  runtime.store.upsertCommune(commune('X-DONG-VAN', { name: 'Xã Đồng Văn' }))
  for (let i = 0; i < TARGETS; i++) runtime.store.upsertTarget(udpTarget(`duong-truyen-${i}`, 'X-DONG-VAN'))
  const results: CheckResult[] = []
  for (let k = 0; k < PER_TARGET; k++) {
    for (let i = 0; i < TARGETS; i++) results.push(result(`duong-truyen-${i}`, START - 3_600_000 + k * 60_000 + i, { m: { rtt_median_seconds: 0.01 + i / 1e6, loss_ratio: 0, jitter_seconds: 0.001 } }))
  }
  for (let b = 0; b < results.length; b += 1000) runtime.store.insertResults('p', results.slice(b, b + 1000), START)
  return runtime
}

/**
 * Runs one seal pass; with `posting`, a batch of PER_POST results is posted every 10 ms while it runs
 * (through the app, as an agent would). Returns the event loop's utilisation over the pass, the
 * answers' statuses and the results still open after it (the posted ones).
 */
async function pass(runtime: ServerRuntime, posting = false): Promise<{ utilization: number; steps: number; open: number; statuses: number[] }> {
  let post = async (): Promise<number> => 0
  if (posting) {
    const { probe, token } = runtime.store.createProbe('Trạm đo Kỳ Sơn', 'Vinh')
    runtime.store.upsertTarget({ ...udpTarget('duong-truyen-ky-son', 'X-DONG-VAN'), probeId: probe.id })
    runtime.reloadInventory()
    let k = 0
    post = async () => {
      const res = await runtime.app.request('/api/v1/ingest', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(batch(probe.id, Array.from({ length: PER_POST }, () => result('duong-truyen-ky-son', START - 60_000 + k++, { m: { rtt_median_seconds: 0.012, loss_ratio: 0 } })))),
      })
      return res.status
    }
  }
  const statuses: number[] = []
  let done = false
  const before = performance.eventLoopUtilization()
  const folding = runtime.storage.fold().finally(() => (done = true))
  while (posting && !done) {
    await new Promise((r) => setTimeout(r, 10))
    statuses.push(await post())
  }
  const steps = await folding
  const { utilization } = performance.eventLoopUtilization(before)
  return { utilization, steps, open: runtime.store.results.facts().openResults, statuses }
}

describe('storage.fold', () => {
  it('leaves the loop idle between steps at sealLoopShare 0.5, and not at 1; both seal everything', async () => {
    const paced = await pass(prepared(0.5))
    const backToBack = await pass(prepared(1))
    expect(paced.steps).toBeGreaterThan(10)
    expect(paced.open).toBe(0)
    expect(backToBack.open).toBe(0)
    expect(paced.utilization).toBeLessThan(0.75)
    expect(backToBack.utilization).toBeGreaterThan(0.9)
  }, 60_000)
})

describe('the load shedder during a seal pass', () => {
  /** Posts a batch every 10 ms while a back-to-back pass runs; returns the answers' statuses. */
  async function postDuringPass(sampler?: LoopUtilization): Promise<number[]> {
    // 50-ms windows, so the pass spans many; the shedder refuses from the second hot one in a row.
    return (await pass(prepared(1, 'ingest:\n  loadSampleSeconds: 0.05\n', sampler), true)).statuses
  }

  it('does not take the pass for an overload; a sampler that counts the seal refuses batches during it', async () => {
    const seal = await postDuringPass()
    expect(seal.length).toBeGreaterThan(4)
    expect(seal.filter((s) => s !== 202)).toEqual([])
    const counted = await postDuringPass(loopUtilization(50))
    expect(counted.filter((s) => s === 429).length).toBeGreaterThan(0)
  }, 60_000)
})
