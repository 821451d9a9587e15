/**
 * Storage that lasts (issue 7, done-when 3; layout of issue 14): a clock-injected run of 30 days of results for
 * 100 targets through the real store, rollups and retention. The database holds exactly the
 * rows the retention settings predict, its file stays within the stated byte bound, the
 * 30-day series query reads the 1-hour rollups, and a data gap comes back as nulls.
 */
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Series, type CheckResult } from '../../protocol'
import { hashPassword } from '../../server/auth'
import { loadServerConfig } from '../../server/config'
import { createServerRuntime, type ServerRuntime } from '../../server/runtime'
import { openDatabase, type OpenedDb } from '../../server/store/db'
import { databaseSizeBytes, planSeries, retentionCutoffs } from '../../server/store/retention'
import { databaseStats } from '../../server/store/stats'
import { commune, udpTarget } from '../helpers/server'

const DAY = 86_400_000
const HOUR = 3_600_000
const TARGETS = 100
const INTERVAL_MS = 15 * 60_000
const DAYS = 30
const PER_DAY = DAY / INTERVAL_MS
/** Measurements per result (each one a rolled-up series). */
const METRICS = ['rtt_median_seconds', 'rtt_max_seconds', 'loss_ratio', 'jitter_seconds'] as const
const START = Date.parse('2026-10-01T00:00:00Z')
/** Target t0 reports nothing on day 20 from 06:00 to 12:00 UTC. */
const GAP_FROM = START + 20 * DAY + 6 * HOUR
const GAP_TO = START + 20 * DAY + 12 * HOUR
const GAP_RESULTS = (GAP_TO - GAP_FROM) / INTERVAL_MS

/** Retention under test: raw 14 days (default), 5-minute rollups 20 days (so they expire too), 1-hour 730 days (default). */
const RETENTION_YAML = 'retention: { rawDays: 14, rollup5mDays: 20, rollup1hDays: 730 }'

/**
 * Byte budgets the bound is made of (table + its indexes). Results here come one per target
 * every 15 minutes, i.e. ONE result per chunk: the worst case of the chunked layout, where a
 * result carries its chunk's whole row overhead (measured ~75 B); at probe intervals of 15–60 s
 * a chunk holds 15–60 results (bench/storage.ts measures that case).
 */
const BYTES_PER_ROW = { results: 100, rollups_5m: 32, rollups_1h: 32 } as const
const FIXED_BYTES = 2 * 1024 * 1024

const rttOf = (target: number, at: number): number => 0.01 + 0.001 * (target % 10) + (Math.floor(at / HOUR) % 2 === 0 ? 0 : 0.004)

let dir = ''
let opened: OpenedDb
let runtime: ServerRuntime
const clock = { now: START }
let runSeconds = 0

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'xanh-retention-'))
  opened = openDatabase(join(dir, 'xanh.db'))
  const config = loadServerConfig({ XANH_DATA_DIR: dir }, RETENTION_YAML)
  runtime = createServerRuntime({ config, log: pino({ level: 'silent' }), opened, now: () => clock.now })
  runtime.store.users.create({ username: 'xem', displayName: 'Người xem', role: 'viewer', passwordHash: hashPassword(VIEWER_PASSWORD) }, Date.now())
  runtime.store.upsertCommune(commune('C1'))
  for (let i = 0; i < TARGETS; i++) runtime.store.upsertTarget(udpTarget(`t${i}`, 'C1', 'line', { intervalSeconds: INTERVAL_MS / 1000 }))
  runtime.reloadInventory()

  const started = performance.now()
  for (let day = 0; day < DAYS; day++) {
    const results: CheckResult[] = []
    for (let k = 0; k < PER_DAY; k++) {
      const at = START + day * DAY + k * INTERVAL_MS
      for (let i = 0; i < TARGETS; i++) {
        if (i === 0 && at >= GAP_FROM && at < GAP_TO) continue
        results.push({
          id: randomUUID(),
          targetId: `t${i}`,
          kind: 'udp_echo',
          observedAt: new Date(at + i * 1000).toISOString(),
          durationSeconds: 2.5,
          ok: true,
          // sent/received are not rolled up by default (retention.rollupMetrics): raw only.
          measurements: { rtt_median_seconds: rttOf(i, at), rtt_max_seconds: 0.03, loss_ratio: 0, jitter_seconds: 0.001, sent: 50, received: 50 },
        })
      }
    }
    for (let b = 0; b < results.length; b += 1000) runtime.store.insertResults('p', results.slice(b, b + 1000), clock.now)
    clock.now = START + (day + 1) * DAY
    await runtime.storage.fold()
    await runtime.storage.retention.run()
  }
  runSeconds = (performance.now() - started) / 1000
}, 180_000)

afterAll(() => {
  void runtime?.close()
  opened?.sqlite.close()
  rmSync(dir, { recursive: true, force: true })
})

const VIEWER_PASSWORD = 'mat-khau-nguoi-xem'
const viewer = { authorization: `Basic ${Buffer.from(`xem:${VIEWER_PASSWORD}`).toString('base64')}` }
const count = (table: string): number => (opened.sqlite.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n

async function series(target: string, from: number, to: number, step?: number): Promise<Series> {
  const q = new URLSearchParams({ metric: 'rtt_median_seconds', from: new Date(from).toISOString(), to: new Date(to).toISOString(), ...(step ? { step: String(step) } : {}) })
  const res = await runtime.app.request(`/api/v1/targets/${target}/series?${q}`, { headers: viewer })
  expect(res.status).toBe(200)
  return Series.parse(await res.json())
}

describe(`30 days × ${TARGETS} targets, one result per ${INTERVAL_MS / 60_000} min`, () => {
  it('keeps exactly the rows the retention settings predict', () => {
    // Raw: the last 14 days (days 16–29), minus the gap (day 20 is inside).
    const raw = 14 * PER_DAY * TARGETS - GAP_RESULTS
    // 5-minute rollups: each result its own bucket; the last 20 days (days 10–29), per measurement,
    // less the last window's (still open, not yet folded).
    const perFive = METRICS.length * (20 * PER_DAY * TARGETS - GAP_RESULTS - TARGETS)
    // 1-hour rollups: all 30 days, per measurement; the 6 silent hours of t0 have no row.
    const perHour = METRICS.length * (DAYS * 24 * TARGETS - (GAP_TO - GAP_FROM) / HOUR)
    expect({ results: runtime.store.countResults(), rollups_5m: count('rollups_5m'), rollups_1h: count('rollups_1h') }).toEqual({ results: raw, rollups_5m: perFive, rollups_1h: perHour })
    // Sealed: one chunk per target and 15-minute window, except the last window (23:45), still
    // within its seal grace at midnight: open in memory, its batch still in the log.
    expect(count('result_chunks')).toBe(raw - TARGETS)
    expect(runtime.store.results.facts()).toMatchObject({ openResults: TARGETS, logRows: 1 })
    expect(count('rollup_series')).toBe(METRICS.length * TARGETS)
    // The last window's results are open: folded when sealed, counted on read meanwhile.
    expect(runtime.store.rollupBacklog()).toBe(TARGETS)
  })

  it('stays within the size bound: Σ rows × per-row budget + 2 MiB', () => {
    const bound =
      runtime.store.countResults() * BYTES_PER_ROW.results + count('rollups_5m') * BYTES_PER_ROW.rollups_5m + count('rollups_1h') * BYTES_PER_ROW.rollups_1h + FIXED_BYTES
    const size = databaseSizeBytes(opened.sqlite)
    const perRow = databaseStats(opened.sqlite)
      .tables.filter((t) => t.table in BYTES_PER_ROW || t.table === 'result_chunks')
      .map((t) => `${t.table} ${((t.dataBytes + t.indexBytes) / t.rows).toFixed(0)} B/row`)
    console.log(`30-day run: ${runSeconds.toFixed(1)} s; database ${(size / 1e6).toFixed(1)} MB, bound ${(bound / 1e6).toFixed(1)} MB; ${perRow.join(', ')}`)
    expect(size).toBeLessThanOrEqual(bound)
  })

  it('answers the 30-day query from the 1-hour rollups, with the gap as nulls', async () => {
    const body = await series('t0', START, START + DAYS * DAY, 3600)
    expect(body.resolution).toBe('1h')
    expect(body.points).toHaveLength(DAYS * 24)
    const nulls = body.points.flatMap(([t, v]) => (v === null ? [t * 1000] : []))
    expect(nulls).toEqual(Array.from({ length: 6 }, (_, h) => GAP_FROM + h * HOUR))
    // Each hour's value is the mean of its four results (all equal within the hour).
    const [t, v] = body.points[100] as [number, number]
    expect(v).toBeCloseTo(rttOf(0, t * 1000), 12)
  })

  it('the default 30-day step (2 h) also reads rollups and keeps gaps', async () => {
    const body = await series('t0', START, START + DAYS * DAY)
    expect(body.resolution).toBe('1h')
    expect(body.stepSeconds).toBe(7200)
    expect(body.points.filter(([, v]) => v === null).map(([t]) => t * 1000)).toEqual([GAP_FROM, GAP_FROM + 2 * HOUR, GAP_FROM + 4 * HOUR])
  })

  it('reads raw results for a short recent range, 5-minute rollups past the raw retention, 1-hour past theirs', async () => {
    const recent = await series('t3', START + 29 * DAY, START + 29 * DAY + 2 * HOUR)
    expect(recent.resolution).toBe('raw')
    expect(recent.points.filter(([, v]) => v !== null)).toHaveLength(8)
    const older = await series('t3', START + 15 * DAY, START + 15 * DAY + 2 * HOUR)
    expect(older.resolution).toBe('5m')
    expect(older.points.filter(([, v]) => v !== null).length).toBe(8)
    const oldest = await series('t3', START + 5 * DAY, START + 5 * DAY + 2 * HOUR)
    expect(oldest.resolution).toBe('1h')
    expect(oldest.points.map(([, v]) => v)).toEqual([rttOf(3, START + 5 * DAY), rttOf(3, START + 5 * DAY + HOUR)])
  })

  it('reads a measurement the rollups do not keep from raw results, whatever the range', async () => {
    const q = new URLSearchParams({ metric: 'sent', from: new Date(START).toISOString(), to: new Date(START + DAYS * DAY).toISOString(), step: '86400' })
    const body = Series.parse(await (await runtime.app.request(`/api/v1/targets/t5/series?${q}`, { headers: viewer })).json())
    expect(body.resolution).toBe('raw')
    // Raw results are kept 14 days: the first 16 days are gaps.
    expect(body.points.map(([, v]) => v)).toEqual([...Array<null>(16).fill(null), ...Array<number>(14).fill(50)])
  })

  it('plans by span, step and retention', () => {
    const config = loadServerConfig({}, RETENTION_YAML).retention
    const now = START + DAYS * DAY
    const cut = retentionCutoffs(config, now)
    expect(cut.results).toBe(START + 16 * DAY)
    expect(planSeries(now - 6 * HOUR, now, 60_000, now, config).resolution).toBe('raw')
    expect(planSeries(now - 7 * HOUR, now, 60_000, now, config)).toEqual({ resolution: '5m', fromMs: now - 7 * HOUR, stepMs: 300_000 })
    expect(planSeries(now - 7 * DAY, now, 1_800_000, now, config)).toEqual({ resolution: '5m', fromMs: now - 7 * DAY, stepMs: 1_800_000 })
    expect(planSeries(now - 30 * DAY + 1234, now, 7_200_000, now, config)).toEqual({ resolution: '1h', fromMs: now - 30 * DAY, stepMs: 7_200_000 })
    expect(planSeries(now - 25 * DAY, now - 25 * DAY + HOUR, 15_000, now, config).resolution).toBe('1h')
    expect(planSeries(now - 30 * DAY, now, 7_200_000, now, config, false).resolution).toBe('raw')
  })
})
