/**
 * Rollups and retention in the small: the cursor over the batch log folds every result exactly
 * once (late replays into their old buckets), only the configured measurements are kept,
 * retention deletes whole expired chunks and never a log row the rollups have not folded, and
 * deletes run in small transactions that let other writes through.
 */
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { CheckResult } from '../../protocol'
import { loadServerConfig, type RetentionConfig } from '../../server/config'
import { openDatabase, type OpenedDb } from '../../server/store/db'
import { rollupFilter } from '../../server/store/rollups'
import { Store } from '../../server/store/store'

const T0 = Date.parse('2026-11-01T00:00:00Z')
let dir = ''
let opened: OpenedDb
let store: Store
let now = T0

function open(retention?: RetentionConfig): Store {
  store = new Store(opened.sqlite, opened.db, { ...(retention ? { retention } : {}), now: () => now })
  return store
}

beforeEach(() => {
  now = T0
  dir = mkdtempSync(join(tmpdir(), 'xanh-rollups-'))
  opened = openDatabase(join(dir, 'xanh.db'))
  open(loadServerConfig({}, 'retention: { rollupMetrics: ["*"] }').retention)
})
afterEach(() => {
  opened.sqlite.close()
  rmSync(dir, { recursive: true, force: true })
})

const r = (targetId: string, at: number, m: Record<string, number>): CheckResult => ({ id: randomUUID(), targetId, kind: 'udp_echo', observedAt: new Date(at).toISOString(), durationSeconds: 1, ok: true, measurements: m })

function rows(table: 'rollups_5m' | 'rollups_1h', metric: string, target = 't1'): Array<{ t: number; n: number; sum: number }> {
  return opened.sqlite
    .prepare(`SELECT r.t, r.n, r.sum FROM ${table} r JOIN rollup_series s ON s.id = r.series_id WHERE s.target_id = ? AND s.metric = ? ORDER BY r.t`)
    .all(target, metric) as Array<{ t: number; n: number; sum: number }>
}

describe('Rollups', () => {
  it('folds each result once, when it is sealed, into 5-minute and 1-hour buckets; open results count on read', () => {
    store.insertResults('p', [r('t1', T0 + 1000, { rtt_median_seconds: 0.01 }), r('t1', T0 + 20_000, { rtt_median_seconds: 0.03 })], T0)
    store.insertResults('p', [r('t1', T0 + 301_000, { rtt_median_seconds: 0.02 })], T0)
    // Open: in no bucket yet, but the series already shows them.
    expect(store.rollupBacklog()).toBe(3)
    expect(rows('rollups_5m', 'rtt_median_seconds')).toEqual([])
    expect(store.querySeries('t1', 'rtt_median_seconds', T0, T0 + 600_000, 300_000, '5m').map(([, v]) => v)).toEqual([0.02, 0.02])
    now = T0 + 3_600_000
    store.sealChunks()
    expect(store.rollupBacklog()).toBe(0)
    expect(rows('rollups_5m', 'rtt_median_seconds')).toEqual([
      { t: T0 / 1000, n: 2, sum: 0.04 },
      { t: T0 / 1000 + 300, n: 1, sum: 0.02 },
    ])
    const [hour] = rows('rollups_1h', 'rtt_median_seconds')
    expect(hour).toMatchObject({ t: T0 / 1000, n: 3 })
    expect(hour?.sum).toBeCloseTo(0.06, 15)
    // Sealed and folded: the same answer from the buckets alone, and nothing is counted twice.
    expect(store.querySeries('t1', 'rtt_median_seconds', T0, T0 + 600_000, 300_000, '5m').map(([, v]) => v)).toEqual([0.02, 0.02])
    // A replay is refused, and sealing again (another instance over the file) folds nothing more.
    expect(store.insertResults('p', [r('t1', T0 + 1000, { rtt_median_seconds: 0.01 })], T0).accepted).toBe(0)
    open().sealAll()
    expect(rows('rollups_1h', 'rtt_median_seconds')).toHaveLength(1)
    expect(rows('rollups_1h', 'rtt_median_seconds')[0]?.n).toBe(3)
  })

  it('puts a late replay into its own old buckets when its window is sealed again', () => {
    store.insertResults('p', [r('t1', T0 + 5 * 3_600_000, { loss_ratio: 0 })], T0)
    store.sealAll()
    store.insertResults('p', [r('t1', T0 + 60_000, { loss_ratio: 0.5 }), r('t1', T0 + 90_000, { loss_ratio: 0.1 })], T0)
    store.sealAll()
    expect(rows('rollups_5m', 'loss_ratio').map((x) => [x.t - T0 / 1000, x.n])).toEqual([
      [0, 2],
      [5 * 3600, 1],
    ])
    expect(rows('rollups_1h', 'loss_ratio').map((x) => [x.t - T0 / 1000, x.n, x.sum])).toEqual([
      [0, 2, 0.6],
      [5 * 3600, 1, 0],
    ])
  })

  it('keeps only the configured measurements, and skips buckets retention would delete at once', () => {
    now = T0 + 8 * 86_400_000 + 120_000
    open(loadServerConfig({}, 'retention: { rollupMetrics: [rtt_median_seconds], rollup5mDays: 8 }').retention)
    store.insertResults('p', [r('t1', T0 - 1_000, { rtt_median_seconds: 0.01, sent: 50 }), r('t1', T0 + 600_000, { rtt_median_seconds: 0.02, sent: 50 })], T0)
    store.sealAll()
    expect(rows('rollups_5m', 'rtt_median_seconds').map((x) => x.t)).toEqual([T0 / 1000 + 600])
    expect(rows('rollups_1h', 'rtt_median_seconds')).toHaveLength(2)
    expect(rows('rollups_5m', 'sent')).toEqual([])
    expect(rollupFilter(['*'])('in_bytes_total')).toBe(false)
    expect(rollupFilter(['*'])('cert_expiry_timestamp_seconds')).toBe(false)
    expect(rollupFilter(['*'])('sent')).toBe(true)
  })

  it('sums every metric of a window per bucket, a metric first seen mid-window included, and finds existing series after a restart', () => {
    // Window of 15 minutes from T0: buckets 0, 5 and 10 minutes, one hour.
    const results = [
      r('t1', T0 + 10_000, { rtt_median_seconds: 0.01, sent: 10 }),
      r('t1', T0 + 290_000, { rtt_median_seconds: 0.03, sent: 10, received: 9 }),
      r('t1', T0 + 310_000, { rtt_median_seconds: 0.05, received: 10, jitter_seconds: 0.002 }),
      r('t1', T0 + 899_000, { rtt_median_seconds: 0.07, sent: 10, jitter_seconds: 0.004 }),
      r('t2', T0 + 20_000, { rtt_median_seconds: 0.5 }),
    ]
    store.insertResults('p', results, T0)
    store.sealAll()
    const five = (metric: string, target = 't1'): Array<[number, number, number]> => rows('rollups_5m', metric, target).map((x) => [x.t - T0 / 1000, x.n, x.sum])
    expect(five('rtt_median_seconds')).toEqual([
      [0, 2, 0.01 + 0.03],
      [300, 1, 0.05],
      [600, 1, 0.07],
    ])
    expect(five('sent')).toEqual([
      [0, 2, 20],
      [600, 1, 10],
    ])
    expect(five('received')).toEqual([
      [0, 1, 9],
      [300, 1, 10],
    ])
    expect(five('jitter_seconds')).toEqual([
      [300, 1, 0.002],
      [600, 1, 0.004],
    ])
    expect(five('rtt_median_seconds', 't2')).toEqual([[0, 1, 0.5]])
    expect(rows('rollups_1h', 'sent').map((x) => [x.n, x.sum])).toEqual([[3, 30]])
    const series = (): number => opened.sqlite.prepare('SELECT count(*) FROM rollup_series').pluck().get() as number
    expect(series()).toBe(5)

    // A restart with rtt only: the series are read back (no new ones), and `sent`, no longer
    // rolled up, is not folded although its series exists.
    open(loadServerConfig({}, 'retention: { rollupMetrics: [rtt_median_seconds] }').retention)
    store.insertResults('p', [r('t1', T0 + 3_600_000, { rtt_median_seconds: 0.02, sent: 10 })], T0)
    store.sealAll()
    expect(series()).toBe(5)
    expect(rows('rollups_1h', 'rtt_median_seconds').map((x) => [x.t - T0 / 1000, x.n])).toEqual([
      [0, 4],
      [3600, 1],
    ])
    expect(rows('rollups_1h', 'sent').map((x) => x.n)).toEqual([3])
  })

  it('a failed seal moves nothing: the results stay open and are folded once when it succeeds', () => {
    store.insertResults('p', [r('t1', T0, { rtt_median_seconds: 0.01 }), r('t2', T0, { rtt_median_seconds: 0.02 })], T0)
    now = T0 + 3_600_000
    // A write that fails inside the sealing transaction (as a full disk would).
    opened.sqlite.exec("CREATE TEMP TRIGGER fail_seal BEFORE INSERT ON main.result_chunks WHEN NEW.tid > 0 BEGIN SELECT RAISE(ABORT, 'disk full (test)'); END")
    expect(() => store.sealChunks(true)).toThrow(/disk full/)
    expect(store.rollupBacklog()).toBe(2)
    expect(store.countResults()).toBe(2)
    expect(rows('rollups_1h', 'rtt_median_seconds')).toEqual([])
    opened.sqlite.exec('DROP TRIGGER fail_seal')
    store.sealAll()
    expect(store.rollupBacklog()).toBe(0)
    expect(store.countResults()).toBe(2)
    expect(rows('rollups_1h', 'rtt_median_seconds', 't1')).toEqual([{ t: T0 / 1000, n: 1, sum: 0.01 }])
    expect(rows('rollups_1h', 'rtt_median_seconds', 't2')).toEqual([{ t: T0 / 1000, n: 1, sum: 0.02 }])
  })
})

describe('Retention', () => {
  it('deletes whole expired chunks, never open results, and the rollups keep what they folded', async () => {
    open(loadServerConfig({}, 'retention: { rawDays: 1, rollupMetrics: ["*"] }').retention)
    store.insertResults('p', [r('t1', T0, { rtt_median_seconds: 0.01 })], T0)
    store.insertResults('p', [r('t1', T0 + 1000, { rtt_median_seconds: 0.01 })], T0)
    now = T0 + 3 * 86_400_000
    // Open results are never expired: only sealed (and so folded) chunks are.
    expect((await store.retention.run()).deleted.results).toBe(0)
    expect(store.countResults()).toBe(2)
    store.sealAll()
    expect(store.results.facts()).toMatchObject({ openResults: 0, logRows: 0 })
    const run = await store.retention.run()
    expect(run.deleted.results).toBe(1)
    expect(store.countResults()).toBe(0)
    expect(rows('rollups_1h', 'rtt_median_seconds')).toEqual([{ t: T0 / 1000, n: 2, sum: 0.02 }])
    expect(store.retention.facts().deletedRows.results).toBe(1)
  })

  it('deletes resolved incidents (with their timelines) and finished notifications past stateLogDays, never open or pending ones', async () => {
    open(loadServerConfig({}, 'retention: { stateLogDays: 1 }').retention)
    const DAY = 86_400_000
    const incident = (key: string, openedAt: number) =>
      store.incidents.open({ key, alertname: 'TargetDown', severity: 'critical', targetId: null, communeCode: null, labels: {}, annotations: {}, summary: key, affectedCommunes: 0, flapping: false, openedAt })
    const old = incident('old', T0)
    store.incidents.addEvent({ incidentId: old.id, at: T0, type: 'opened', actor: null, detail: '' })
    store.incidents.resolve(old.id, T0 + 1000)
    const stillOpen = incident('still-open', T0)
    const recent = incident('recent', T0 + 2 * DAY)
    store.incidents.resolve(recent.id, T0 + 2 * DAY + 1000)
    const message = (key: string, createdAt: number) =>
      store.outbox.enqueue({ idempotencyKey: key, destination: 'g#0', channelType: 'webhook', groupName: 'g', channelIndex: 0, message: '{}', incidentIds: [old.id], nextAttemptAt: createdAt, createdAt })
    message('sent-old', T0)
    message('pending-old', T0)
    message('sent-recent', T0 + 2 * DAY)
    const [sentOld, , sentRecent] = store.outbox.due(T0 + 3 * DAY, 10)
    store.outbox.markSent(sentOld?.id ?? -1, T0, 1)
    store.outbox.markSent(sentRecent?.id ?? -1, T0 + 2 * DAY, 1)
    now = T0 + 2 * DAY + 3600_000
    const run = await store.retention.run()
    expect(run.deleted).toMatchObject({ incidents: 1, outbox: 1 })
    expect(store.incidents.get(old.id)).toBeUndefined()
    expect(store.incidents.events(old.id)).toEqual([])
    expect([store.incidents.get(stillOpen.id)?.state, store.incidents.get(recent.id)?.state]).toEqual(['open', 'resolved'])
    expect(store.outbox.counts()).toMatchObject({ sent: 1, pending: 1 })
  })

  it('deletes in small transactions: other writes get through during a large sweep', async () => {
    open(loadServerConfig({}, 'retention: { rawDays: 1, rollup5mDays: 2, batchRows: 500, rollupMetrics: ["*"] }').retention)
    const old: CheckResult[] = Array.from({ length: 20_000 }, (_, i) => r(`t${i % 400}`, T0 + i * 1000, { rtt_median_seconds: 0.01 }))
    for (let i = 0; i < old.length; i += 1000) store.insertResults('p', old.slice(i, i + 1000), T0)
    store.sealAll()
    now = T0 + 5 * 86_400_000
    const chunks = opened.sqlite.prepare('SELECT count(*) FROM result_chunks').pluck().get() as number
    const fiveMinuteRows = opened.sqlite.prepare('SELECT count(*) FROM rollups_5m').pluck().get() as number
    let writes = 0
    let running = true
    const writer = (): void => {
      if (!running) return
      store.insertResults('p', [r('live', now + writes, { rtt_median_seconds: 0.01 })], now)
      writes++
      setImmediate(writer)
    }
    setImmediate(writer)
    const run = await store.retention.run()
    running = false
    expect(run.deleted.results).toBe(chunks)
    expect(chunks).toBeGreaterThanOrEqual(400 * 2)
    expect(fiveMinuteRows).toBeGreaterThan(16_000 / 5)
    expect(run.deleted.rollups_5m).toBe(fiveMinuteRows)
    // 400 targets' chunks in slices of 125 targets, then 5-minute rows in transactions of 500, each followed by a turn of the event loop.
    expect(writes).toBeGreaterThanOrEqual(10)
    expect(store.countResults()).toBe(writes)
  })

  it('keeps the last state-log row before the cutoff of every entity', async () => {
    now = T0 + 100 * 86_400_000
    open(loadServerConfig({}, 'retention: { stateLogDays: 10 }').retention)
    const ins = opened.sqlite.prepare('INSERT INTO state_log (entity, entity_id, at, state) VALUES (?, ?, ?, ?)')
    ins.run('commune', 'A', T0, 'ok')
    ins.run('commune', 'A', T0 + 86_400_000, 'down')
    ins.run('commune', 'A', now - 86_400_000, 'ok')
    ins.run('commune', 'B', T0, 'ok')
    expect((await store.retention.run()).deleted.state_log).toBe(1)
    expect(opened.sqlite.prepare('SELECT entity_id, state FROM state_log ORDER BY entity_id, at').all()).toEqual([
      { entity_id: 'A', state: 'down' },
      { entity_id: 'A', state: 'ok' },
      { entity_id: 'B', state: 'ok' },
    ])
  })
})
