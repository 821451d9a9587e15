/**
 * Rollups and retention in the small: the cursor folds every result exactly once (late
 * replays into their old buckets), hourly min/max merge across steps, only the configured
 * measurements are kept, retention never deletes a result before it is folded, and deletes
 * run in small transactions that let other writes through.
 */
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { CheckResult } from '../../protocol'
import { loadServerConfig } from '../../server/config'
import { openDatabase, type OpenedDb } from '../../server/store/db'
import { Retention } from '../../server/store/retention'
import { ROLLUP_CURSOR_KEY, Rollups, rollupFilter } from '../../server/store/rollups'
import { Store } from '../../server/store/store'

const T0 = Date.parse('2026-11-01T00:00:00Z')
let dir = ''
let opened: OpenedDb
let store: Store

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'xanh-rollups-'))
  opened = openDatabase(join(dir, 'xanh.db'))
  store = new Store(opened.sqlite, opened.db)
})
afterEach(() => {
  opened.sqlite.close()
  rmSync(dir, { recursive: true, force: true })
})

const r = (targetId: string, at: number, m: Record<string, number>): CheckResult => ({ id: randomUUID(), targetId, kind: 'udp_echo', observedAt: new Date(at).toISOString(), durationSeconds: 1, ok: true, measurements: m })

function rows(table: 'rollups_1m' | 'rollups_1h', metric: string, target = 't1'): Array<{ t: number; n: number; sum: number; min: number | null; max: number | null }> {
  return opened.sqlite
    .prepare(`SELECT r.t, r.n, r.sum, r.min, r.max FROM ${table} r JOIN rollup_series s ON s.id = r.series_id WHERE s.target_id = ? AND s.metric = ? ORDER BY r.t`)
    .all(target, metric) as Array<{ t: number; n: number; sum: number; min: number | null; max: number | null }>
}

describe('Rollups', () => {
  it('folds each result once, by cursor, into 1-minute and 1-hour buckets', () => {
    const rollups = new Rollups(opened.sqlite)
    store.insertResults('p', [r('t1', T0 + 1000, { rtt_median_seconds: 0.01 }), r('t1', T0 + 20_000, { rtt_median_seconds: 0.03 }), r('t1', T0 + 61_000, { rtt_median_seconds: 0.02 })], T0)
    expect(rollups.backlog()).toBe(3)
    expect(rollups.step(2)).toEqual({ results: 2, buckets1m: 1, buckets1h: 1 })
    expect(rollups.step(10)).toEqual({ results: 1, buckets1m: 1, buckets1h: 1 })
    expect(rollups.step(10)).toEqual({ results: 0, buckets1m: 0, buckets1h: 0 })
    expect(rollups.backlog()).toBe(0)
    // 1-minute rows: count and sum only.
    expect(rows('rollups_1m', 'rtt_median_seconds')).toEqual([
      { t: T0 / 1000, n: 2, sum: 0.04, min: null, max: null },
      { t: T0 / 1000 + 60, n: 1, sum: 0.02, min: null, max: null },
    ])
    // The hour merged across the two steps, min and max included.
    const [hour] = rows('rollups_1h', 'rtt_median_seconds')
    expect(hour).toMatchObject({ t: T0 / 1000, n: 3, min: 0.01, max: 0.03 })
    expect(hour?.sum).toBeCloseTo(0.06, 15)
    // A new instance continues from the stored cursor: nothing is folded twice.
    expect(store.getSetting(ROLLUP_CURSOR_KEY)).toBe('3')
    expect(new Rollups(opened.sqlite).step()).toEqual({ results: 0, buckets1m: 0, buckets1h: 0 })
  })

  it('puts a late replay into its own old buckets', () => {
    const rollups = new Rollups(opened.sqlite)
    store.insertResults('p', [r('t1', T0 + 5 * 3_600_000, { loss_ratio: 0 })], T0)
    rollups.step()
    store.insertResults('p', [r('t1', T0 + 60_000, { loss_ratio: 0.5 }), r('t1', T0 + 90_000, { loss_ratio: 0.1 })], T0)
    rollups.step()
    expect(rows('rollups_1m', 'loss_ratio').map((x) => [x.t - T0 / 1000, x.n])).toEqual([
      [60, 2],
      [5 * 3600, 1],
    ])
    expect(rows('rollups_1h', 'loss_ratio').map((x) => [x.t - T0 / 1000, x.n, x.min, x.max])).toEqual([
      [0, 2, 0.1, 0.5],
      [5 * 3600, 1, null, null],
    ])
  })

  it('keeps only the configured measurements, and skips buckets retention would delete at once', () => {
    const rollups = new Rollups(opened.sqlite, () => ({ '1m': T0, '1h': 0 }), rollupFilter(['rtt_median_seconds']))
    store.insertResults('p', [r('t1', T0 - 120_000, { rtt_median_seconds: 0.01, sent: 50 }), r('t1', T0 + 1000, { rtt_median_seconds: 0.02, sent: 50 })], T0)
    rollups.step()
    expect(rows('rollups_1m', 'rtt_median_seconds').map((x) => x.t)).toEqual([T0 / 1000])
    expect(rows('rollups_1h', 'rtt_median_seconds')).toHaveLength(2)
    expect(rows('rollups_1m', 'sent')).toEqual([])
    expect(rollupFilter(['*'])('in_bytes_total')).toBe(false)
    expect(rollupFilter(['*'])('cert_expiry_timestamp_seconds')).toBe(false)
    expect(rollupFilter(['*'])('sent')).toBe(true)
  })
})

describe('Retention', () => {
  it('never deletes a result the rollups have not folded', async () => {
    const config = loadServerConfig({}, 'retention: { rawDays: 1 }').retention
    const rollups = new Rollups(opened.sqlite)
    const now = T0 + 3 * 86_400_000
    store.insertResults('p', [r('t1', T0, { rtt_median_seconds: 0.01 }), r('t1', T0 + 1000, { rtt_median_seconds: 0.01 })], T0)
    rollups.step(1)
    const retention = new Retention(opened.sqlite, config, rollups, () => now)
    const run = await retention.run()
    expect(run.deleted.results).toBe(1)
    expect(store.countResults()).toBe(1)
    rollups.step()
    expect((await retention.run()).deleted.results).toBe(1)
    expect(store.countResults()).toBe(0)
    expect(retention.facts().deletedRows.results).toBe(2)
  })

  it('deletes in small transactions: other writes get through during a large sweep', async () => {
    const config = loadServerConfig({}, 'retention: { rawDays: 1, rollup1mDays: 2, batchRows: 500 }').retention
    const rollups = new Rollups(opened.sqlite)
    const old: CheckResult[] = Array.from({ length: 20_000 }, (_, i) => r(`t${i % 50}`, T0 + i * 1000, { rtt_median_seconds: 0.01 }))
    for (let i = 0; i < old.length; i += 1000) store.insertResults('p', old.slice(i, i + 1000), T0)
    await rollups.catchUp()
    const retention = new Retention(opened.sqlite, config, rollups, () => T0 + 5 * 86_400_000)
    const minuteRows = opened.sqlite.prepare('SELECT count(*) FROM rollups_1m').pluck().get() as number
    let writes = 0
    let running = true
    const writer = (): void => {
      if (!running) return
      store.insertResults('p', [r('live', T0 + 5 * 86_400_000, { rtt_median_seconds: 0.01 })], T0)
      writes++
      setImmediate(writer)
    }
    setImmediate(writer)
    const run = await retention.run()
    running = false
    expect(run.deleted.results).toBe(20_000)
    expect(minuteRows).toBeGreaterThan(16_000)
    expect(run.deleted.rollups_1m).toBe(minuteRows)
    // 40 delete transactions of 500 rows for the raw table alone, each followed by a turn of the event loop.
    expect(writes).toBeGreaterThanOrEqual(40)
    expect(store.countResults()).toBe(writes)
  })

  it('keeps the last state-log row before the cutoff of every entity', async () => {
    const config = loadServerConfig({}, 'retention: { stateLogDays: 10 }').retention
    const now = T0 + 100 * 86_400_000
    const ins = opened.sqlite.prepare('INSERT INTO state_log (entity, entity_id, at, state) VALUES (?, ?, ?, ?)')
    ins.run('commune', 'A', T0, 'ok')
    ins.run('commune', 'A', T0 + 86_400_000, 'down')
    ins.run('commune', 'A', now - 86_400_000, 'ok')
    ins.run('commune', 'B', T0, 'ok')
    const retention = new Retention(opened.sqlite, config, new Rollups(opened.sqlite), () => now)
    expect((await retention.run()).deleted.state_log).toBe(1)
    expect(opened.sqlite.prepare('SELECT entity_id, state FROM state_log ORDER BY entity_id, at').all()).toEqual([
      { entity_id: 'A', state: 'down' },
      { entity_id: 'A', state: 'ok' },
      { entity_id: 'B', state: 'ok' },
    ])
  })
})
