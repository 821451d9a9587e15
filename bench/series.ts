/**
 * The 30-day (1 h steps) and 365-day (1-day steps) series queries of one target (SPEC §10,
 * issue 14): Xanh's path (plan the resolution, look up the series, read the 1-hour rollups,
 * bucket into steps with gaps as nulls) against a hand-written SQL query on the rollup table
 * giving the same per-step averages, in the same run, on a table holding `days` of many
 * targets. The HTTP route end to end (signed in as a viewer) is reported beside it.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { hashPassword } from '../server/auth'
import { loadServerConfig } from '../server/config'
import { createServerRuntime } from '../server/runtime'
import { openDatabase } from '../server/store/db'
import { planSeries } from '../server/store/retention'

const HOUR = 3_600_000
const DAY = 24 * HOUR
const METRICS = ['rtt_median_seconds', 'rtt_min_seconds', 'rtt_max_seconds', 'loss_ratio', 'jitter_seconds', 'sent', 'received'] as const

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? NaN

/** Runs the benchmark; returns printable lines. */
export async function benchSeries(opts: { targets: number; days: number; runs: number }): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'xanh-bench-series-'))
  const opened = openDatabase(join(dir, 'xanh.db'))
  const { sqlite } = opened
  const now = Date.parse('2026-11-24T00:00:00Z')
  const start = now - opts.days * DAY

  // Fill the dictionary and 1-hour rollups directly (as the rollup job would have written them).
  const insertSeries = sqlite.prepare('INSERT INTO rollup_series (id, target_id, metric) VALUES (?, ?, ?)')
  const insertRow = sqlite.prepare('INSERT INTO rollups_1h (series_id, t, n, sum, min, max) VALUES (?, ?, ?, ?, ?, ?)')
  let rows = 0
  sqlite.transaction(() => {
    let id = 0
    for (let i = 0; i < opts.targets; i++) for (const m of METRICS) insertSeries.run(++id, `t${i}`, m)
  })()
  // Hour by hour across all series, like the rollup job writes them (interleaved b-tree pages).
  for (let h = 0; h < opts.days * 24; h++) {
    // Target 0 was silent for 6 hours ten days ago: nulls in the answer.
    sqlite.transaction(() => {
      const t = (start + h * HOUR) / 1000
      for (let id = 1; id <= opts.targets * METRICS.length; id++) {
        if (id <= METRICS.length && h >= (opts.days - 10) * 24 && h < (opts.days - 10) * 24 + 6) continue
        const v = 0.01 + (id % 97) * 1e-4 + (h % 24) * 1e-5
        insertRow.run(id, t, 240, v * 240, null, null)
        rows++
      }
    })()
  }
  sqlite.pragma('optimize')

  const config = loadServerConfig({ XANH_DATA_DIR: dir })
  const runtime = createServerRuntime({ config, log: pino({ level: 'silent' }), opened, now: () => now })
  runtime.store.upsertCommune({ code: 'B', name: 'Bench', kind: 'xa', districtCluster: '', lat: 19, lon: 105, contractedMbps: 100, priority: 0, notes: '' })
  runtime.store.upsertTarget({ id: 't0', communeCode: 'B', kind: 'udp_echo', host: '127.0.0.1', role: 'line', parents: [], options: {}, probeId: null, enabled: true })
  runtime.reloadInventory()
  // Reads need a signed-in user: a viewer over HTTP Basic (the server caches the check).
  runtime.store.users.create({ username: 'xem', displayName: 'Người xem', role: 'viewer', passwordHash: hashPassword('mat-khau-bench') }, Date.now())
  const viewer = { authorization: `Basic ${Buffer.from('xem:mat-khau-bench').toString('base64')}` }

  const time = (fn: () => unknown, n: number): number => {
    const t = performance.now()
    for (let i = 0; i < n; i++) fn()
    return (performance.now() - t) / n
  }
  const timeAsync = async (fn: () => Promise<unknown>, n: number): Promise<number> => {
    const t = performance.now()
    for (let i = 0; i < n; i++) await fn()
    return (performance.now() - t) / n
  }

  /** One range: Xanh's path and the route against the hand-written SQL for the same answer. */
  const measure = async (spanDays: number, stepMs: number): Promise<string[]> => {
    const from = now - spanDays * DAY
    const plan = planSeries(from, now, stepMs, now, config.retention)
    if (plan.resolution !== '1h') throw new Error(`${spanDays}-day plan chose ${plan.resolution}`)
    // Reference: the hand-written query a person would type for the same answer (per-step
    // averages of the hourly rows, steps without rows absent).
    const handWritten =
      stepMs === HOUR
        ? sqlite.prepare(
            `SELECT r.t AS step, r.sum / r.n AS v FROM rollups_1h r
             WHERE r.series_id = (SELECT id FROM rollup_series WHERE target_id = ? AND metric = ?) AND r.t >= ? AND r.t < ? ORDER BY r.t`,
          )
        : sqlite.prepare(
            `SELECT CAST((r.t - @from) / @step AS INTEGER) AS step, sum(r.sum) / sum(r.n) AS v FROM rollups_1h r
             WHERE r.series_id = (SELECT id FROM rollup_series WHERE target_id = ? AND metric = ?) AND r.t >= ? AND r.t < ?
             GROUP BY step ORDER BY step`,
          )
    // Rows as arrays, as Xanh reads them: the cheapest form better-sqlite3 returns.
    handWritten.raw()
    const params = stepMs === HOUR ? {} : { from: from / 1000, step: stepMs / 1000 }
    const reference = (): unknown[] => (stepMs === HOUR ? handWritten.all('t0', 'rtt_median_seconds', from / 1000, now / 1000) : handWritten.all(params, 't0', 'rtt_median_seconds', from / 1000, now / 1000))
    const xanh = (): Array<[number, number | null]> => {
      const p = planSeries(from, now, stepMs, now, config.retention)
      return runtime.store.querySeries('t0', 'rtt_median_seconds', p.fromMs, now, p.stepMs, p.resolution)
    }
    const url = `/api/v1/targets/t0/series?metric=rtt_median_seconds&from=${new Date(from).toISOString()}&to=${new Date(now).toISOString()}&step=${stepMs / 1000}`
    const route = async (): Promise<void> => {
      const res = await runtime.app.request(url, { headers: viewer })
      if (res.status !== 200) throw new Error(`series route answered ${res.status}`)
      await res.json()
    }
    const points = xanh()
    const nulls = points.filter(([, v]) => v === null).length
    const want = (spanDays * DAY) / stepMs
    const referenceRows = reference().length
    if (points.length !== want || referenceRows !== want - nulls) throw new Error(`answers differ: ${points.length} points, ${nulls} nulls, reference ${referenceRows} rows`)
    const n = Math.max(5, Math.round(36_000 / want))
    const refMs: number[] = []
    const xanhMs: number[] = []
    const routeMs: number[] = []
    for (let r = 0; r < opts.runs + 2; r++) {
      const a = time(reference, n)
      const b = time(xanh, n)
      const c = await timeAsync(route, n)
      if (r < 2) continue
      refMs.push(a)
      xanhMs.push(b)
      routeMs.push(c)
    }
    const ratio = median(xanhMs) / median(refMs)
    return [
      `series query, ${spanDays} days of one target, step ${stepMs / HOUR} h (${want} points, ${nulls} null), rollups_1h holding ${rows.toLocaleString('en')} rows (${opts.targets} targets × ${METRICS.length} measurements × ${opts.days} days)`,
      `  hand-written SQL on rollups_1h          : ${median(refMs).toFixed(3)} ms`,
      `  Xanh querySeries (plan, lookup, bucket) : ${median(xanhMs).toFixed(3)} ms`,
      `  ratio Xanh / hand-written SQL           : ${ratio.toFixed(2)} (target ≤ 2.00)`,
      `  GET …/series end to end (app.request)   : ${median(routeMs).toFixed(3)} ms (${(median(routeMs) / median(refMs)).toFixed(2)} × the SQL)`,
    ]
  }
  const out = [...(await measure(30, HOUR)), ...(await measure(365, DAY))]
  await runtime.close()
  sqlite.close()
  rmSync(dir, { recursive: true, force: true })

  return out
}
