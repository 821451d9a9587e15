/**
 * Ingest throughput: Xanh's full ingest path (HTTP handler via app.request, JSON parse, zod,
 * idempotent insert, state engine) against a raw better-sqlite3 prepared insert into the same
 * schema, measured in the same run on tables pre-filled to the same size.
 */
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { loadServerConfig } from '../server/config'
import { createServerRuntime } from '../server/runtime'
import { openDatabase } from '../server/store/db'
import type { CheckResult } from '../protocol'

const BATCH = 500

function makeResults(n: number, targets: string[], t0: number): CheckResult[] {
  return Array.from({ length: n }, (_, i) => ({
    id: randomUUID(),
    targetId: targets[i % targets.length] as string,
    kind: 'udp_echo' as const,
    observedAt: new Date(t0 + i).toISOString(),
    durationSeconds: 2.5,
    ok: true,
    measurements: { rtt_median_seconds: 0.012, rtt_min_seconds: 0.01, rtt_max_seconds: 0.02, sent: 50, received: 50, loss_ratio: 0, jitter_seconds: 0.001 },
  }))
}

function prefill(sqlite: ReturnType<typeof openDatabase>['sqlite'], rows: number): void {
  const stmt = sqlite.prepare(
    'INSERT INTO results (id, target_id, probe_id, observed_at, received_at, duration_ms, ok, error, measurements) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  )
  const m = JSON.stringify({ rtt_median_seconds: 0.012, sent: 50, received: 50 })
  const tx = sqlite.transaction((from: number, n: number) => {
    for (let i = from; i < from + n; i++) stmt.run(randomUUID(), `t${i % 1000}`, 'p', 1_700_000_000_000 + i, 1_700_000_000_000 + i, 2500, 1, null, m)
  })
  for (let done = 0; done < rows; done += 10_000) tx(done, Math.min(10_000, rows - done))
}

/** Runs the benchmark; returns a printable summary. */
export async function benchIngest(opts: { prefillRows: number; batches: number }): Promise<string[]> {
  const out: string[] = []
  // Reference: raw prepared insert, same schema, same pre-filled size.
  const dirA = mkdtempSync(join(tmpdir(), 'xanh-bench-'))
  const a = openDatabase(join(dirA, 'xanh.db'))
  prefill(a.sqlite, opts.prefillRows)
  const stmt = a.sqlite.prepare(
    'INSERT OR IGNORE INTO results (id, target_id, probe_id, observed_at, received_at, duration_ms, ok, error, measurements) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  )
  const targets = Array.from({ length: 1000 }, (_, i) => `bench-${i}`)
  const rawBatches = Array.from({ length: opts.batches }, (_, b) => makeResults(BATCH, targets, Date.now() + b * BATCH))
  const rawTx = a.sqlite.transaction((rs: CheckResult[]) => {
    for (const r of rs) stmt.run(r.id, r.targetId, 'p', Date.parse(r.observedAt), Date.now(), r.durationSeconds * 1000, 1, null, JSON.stringify(r.measurements))
  })
  let t = performance.now()
  for (const b of rawBatches) rawTx(b)
  const rawSeconds = (performance.now() - t) / 1000
  const rawRate = (opts.batches * BATCH) / rawSeconds
  a.sqlite.close()
  rmSync(dirA, { recursive: true, force: true })

  // Xanh: the ingest route end to end (no socket: app.request), same pre-filled size.
  const dirB = mkdtempSync(join(tmpdir(), 'xanh-bench-'))
  const b = openDatabase(join(dirB, 'xanh.db'))
  prefill(b.sqlite, opts.prefillRows)
  const runtime = createServerRuntime({ config: loadServerConfig({ XANH_DATA_DIR: dirB }), log: pino({ level: 'silent' }), opened: b })
  runtime.store.upsertCommune({ code: 'B', name: 'Bench', kind: 'xa', districtCluster: '', lat: 19, lon: 105, contractedMbps: 100, priority: 0, notes: '' })
  const { probe, token } = runtime.store.createProbe('bench', '')
  for (const id of targets)
    runtime.store.upsertTarget({ id, communeCode: 'B', kind: 'udp_echo', host: '127.0.0.1', role: 'line', parents: [], options: {}, probeId: probe.id, enabled: true })
  runtime.reloadInventory()
  // Observed in the past, oldest batch first: ingest refuses results dated ahead of its clock.
  const bodies = Array.from({ length: opts.batches }, (_, i) =>
    JSON.stringify({ protocolVersion: 1, probeId: probe.id, sentAt: new Date().toISOString(), results: makeResults(BATCH, targets, Date.now() - (opts.batches - i) * BATCH) }),
  )
  const latencies: number[] = []
  t = performance.now()
  for (const body of bodies) {
    const s = performance.now()
    const res = await runtime.app.request('/api/v1/ingest', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body,
    })
    if (res.status !== 202) throw new Error(`ingest answered ${res.status}: ${await res.text()}`)
    latencies.push(performance.now() - s)
  }
  const xanhSeconds = (performance.now() - t) / 1000
  const xanhRate = (opts.batches * BATCH) / xanhSeconds
  latencies.sort((x, y) => x - y)
  const p99 = latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))] ?? 0
  await runtime.hub.close()
  b.sqlite.close()
  rmSync(dirB, { recursive: true, force: true })

  out.push(`ingest @ ${opts.prefillRows.toLocaleString('en')} stored rows, ${opts.batches} batches × ${BATCH} results`)
  out.push(`  raw better-sqlite3 prepared insert : ${Math.round(rawRate).toLocaleString('en')} rows/s`)
  out.push(`  Xanh ingest route (end to end)     : ${Math.round(xanhRate).toLocaleString('en')} results/s, p99 batch ${p99.toFixed(1)} ms`)
  out.push(`  ratio Xanh / raw                   : ${(xanhRate / rawRate).toFixed(2)} (target ≥ 0.50; p99 target < 250 ms)`)
  return out
}
