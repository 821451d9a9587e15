/**
 * A database written by the layout before issue 14 (migrations 0000–0003: one `results` row per
 * result with a UUID key and JSON measurements, 1-minute rollups) is opened by today's code and
 * migrated online: every result comes back with the same time, outcome, duration, error text
 * (Vietnamese) and exact measurement values; results the old roll-up cursor had not folded are
 * folded; a replay of an old result during the migration is refused as a duplicate; a crash
 * between steps (a second Store on the same file) resumes without losing or doubling anything.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { randomUUID } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadServerConfig } from '../../../server/config'
import { MIGRATIONS_DIR, openDatabase, type OpenedDb } from '../../../server/store/db'
import { Store } from '../../../server/store/store'

const T0 = Date.parse('2026-11-20T00:00:00Z')
const NOW = T0 + 2 * 86_400_000
const TARGETS = ['xa-ky-son-line', 'xa-muong-xen-mcu', 'phuong-vinh-tan-line']
const ROWS = 6_000
/** The old roll-up cursor had folded the first 4,000 rows. */
const OLD_CURSOR = 4_000

interface OldRow {
  id: string
  targetId: string
  observedAt: number
  durationMs: number
  ok: boolean
  error: string | null
  measurements: Record<string, number>
}

let dir = ''
const rows: OldRow[] = []

/** Writes the database exactly as the code before issue 14 did. */
function writeOldDatabase(file: string): void {
  const oldMigrations = join(dir, 'old-migrations')
  cpSync(MIGRATIONS_DIR, oldMigrations, { recursive: true })
  const journalFile = join(oldMigrations, 'meta', '_journal.json')
  const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: Array<{ tag: string }> }
  journal.entries = journal.entries.filter((e) => e.tag < '0004')
  writeFileSync(journalFile, JSON.stringify(journal))
  const sqlite = new Database(file)
  sqlite.pragma('journal_mode = WAL')
  migrate(drizzle(sqlite), { migrationsFolder: oldMigrations })
  const insert = sqlite.prepare(
    `INSERT OR IGNORE INTO results (id, target_id, probe_id, observed_at, received_at, duration_ms, ok, error, measurements)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  )
  sqlite.transaction(() => {
    for (let i = 0; i < ROWS; i++) {
      const failed = i % 97 === 0
      const row: OldRow = {
        id: randomUUID(),
        targetId: TARGETS[i % TARGETS.length] as string,
        observedAt: T0 + Math.floor(i / TARGETS.length) * 15_000 + (i % TARGETS.length) * 7,
        durationMs: 2500 + (i % 13) / 3,
        ok: !failed,
        error: failed ? 'Xã Kỳ Sơn: 10.0.0.1 không trả lời sau 2 s' : null,
        // Values as probes report them, including ones no short decimal holds (1/15, a division).
        measurements: { rtt_median_seconds: 0.012 + (i % 50) * 1e-6, loss_ratio: (i % 15) / 15, jitter_seconds: 0.0004 * ((i % 7) + 1) / 3, sent: 50 },
      }
      rows.push(row)
      insert.run(row.id, row.targetId, 'p-xa', row.observedAt, row.observedAt + 5000, row.durationMs, row.ok ? 1 : 0, row.error, JSON.stringify(row.measurements))
    }
    sqlite.prepare("INSERT INTO settings (key, value) VALUES ('rollup.cursor', ?)").run(String(OLD_CURSOR))
    sqlite.prepare("INSERT INTO rollup_series (id, target_id, metric) VALUES (1, 'xa-ky-son-line', 'rtt_median_seconds')").run()
    // Two 1-minute rows of the same 5-minute bucket (recent: kept), one far too old for the 5-minute retention.
    const m1 = sqlite.prepare('INSERT INTO rollups_1m (series_id, t, n, sum) VALUES (1, ?, ?, ?)')
    m1.run((NOW - 3_600_000) / 1000, 4, 0.048)
    m1.run((NOW - 3_600_000) / 1000 + 60, 2, 0.024)
    m1.run((T0 - 30 * 86_400_000) / 1000, 4, 0.048)
  })()
  sqlite.close()
}

let opened: OpenedDb
let store: Store

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'xanh-legacy-'))
  writeOldDatabase(join(dir, 'xanh.db'))
  opened = openDatabase(join(dir, 'xanh.db'))
  store = new Store(opened.sqlite, opened.db, { retention: loadServerConfig({}, '').retention, now: () => NOW })
})
afterAll(() => {
  opened?.sqlite.close()
  rmSync(dir, { recursive: true, force: true })
})

const tables = (): string[] => (opened.sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[])

describe('online migration of a database written before issue 14', () => {
  it('refuses a replayed old result while the old table still holds it', () => {
    expect(store.legacy.pending).toBe(true)
    const old = rows[10] as OldRow
    const replay = { id: old.id, targetId: old.targetId, kind: 'udp_echo' as const, observedAt: new Date(old.observedAt).toISOString(), durationSeconds: old.durationMs / 1000, ok: old.ok, measurements: old.measurements }
    expect(store.insertResults('p-xa', [replay], NOW)).toMatchObject({ accepted: 0, duplicates: 1 })
  })

  it('moves every result in resumable steps, then drops the old tables', async () => {
    // A few steps, then a "crash": a new Store over the same file picks up where the steps stopped.
    for (let i = 0; i < 3; i++) expect(store.legacy.step(1_000).results).toBe(1_000)
    expect(store.legacy.remaining()).toBe(ROWS - 3_000)
    store = new Store(opened.sqlite, opened.db, { retention: loadServerConfig({}, '').retention, now: () => NOW })
    const moved = await store.legacy.run(undefined, 1_000)
    expect(moved).toBe(ROWS - 3_000)
    expect(store.legacy.pending).toBe(false)
    expect(tables()).not.toContain('results')
    expect(tables()).not.toContain('rollups_1m')
    expect(store.countResults()).toBe(ROWS)
  })

  it('keeps every result exactly: time, outcome, duration, error text and measurement values', () => {
    for (const target of TARGETS) {
      const want = rows.filter((r) => r.targetId === target).sort((a, b) => a.observedAt - b.observedAt)
      const got = store.results.range(target, T0 - 1, NOW)
      expect(got.map((r) => ({ targetId: r.targetId, observedAt: r.observedAt, durationMs: r.durationMs, ok: r.ok, error: r.error, measurements: r.measurements }))).toEqual(
        want.map((r) => ({ targetId: r.targetId, observedAt: r.observedAt, durationMs: r.durationMs, ok: r.ok, error: r.error, measurements: r.measurements })),
      )
      expect(got.every((r) => r.probeId === 'p-xa')).toBe(true)
    }
  })

  it('folds the results the old cursor had not reached, and carries recent 1-minute rows into 5-minute ones', () => {
    const hourly = opened.sqlite
      .prepare("SELECT sum(r.n) FROM rollups_1h r JOIN rollup_series s ON s.id = r.series_id WHERE s.metric = 'loss_ratio'")
      .pluck()
      .get() as number
    // (The folded results of xa-ky-son-line are older than the carried 1-minute rows: no overlap.)
    // Only rows after the old cursor (seq 4,001–6,000) were folded now; the old ones were already
    // in the old hourly table, which this database did not have (so they are absent here).
    expect(hourly).toBe(ROWS - OLD_CURSOR)
    const fiveMinute = opened.sqlite.prepare('SELECT t, n, sum FROM rollups_5m WHERE series_id = 1 AND t >= ? ORDER BY t').all((NOW - 2 * 3_600_000) / 1000) as Array<{ t: number; n: number; sum: number }>
    expect(fiveMinute.map((r) => [r.t, r.n])).toEqual([[(NOW - 3_600_000) / 1000, 6]])
    expect(fiveMinute[0]?.sum).toBeCloseTo(0.072, 12)
  })

  it('stores new results after the migration and still refuses replays of migrated ones', () => {
    const old = rows[4_500] as OldRow
    const replay = { id: randomUUID(), targetId: old.targetId, kind: 'udp_echo' as const, observedAt: new Date(old.observedAt).toISOString(), durationSeconds: 1, ok: true, measurements: {} }
    const fresh = { ...replay, id: randomUUID(), observedAt: new Date(NOW - 1000).toISOString() }
    expect(store.insertResults('p-xa', [replay, fresh], NOW)).toMatchObject({ accepted: 1, duplicates: 1 })
    expect(store.countResults()).toBe(ROWS + 1)
  })
})
