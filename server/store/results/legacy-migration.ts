/**
 * Online migration of a database written before issue 14: the `results` table (one row per
 * result, UUID key, JSON measurements) moves into chunks, and the 1-minute rollups into 5-minute
 * ones; then both old tables are dropped.
 *
 * Resumable and lossless by construction: each step moves a slice of the oldest rows in ONE
 * transaction — chunks written, results the old roll-up cursor had not folded folded now, the
 * slice deleted from the old table. A crash leaves either the whole step or none of it. Ingest
 * runs meanwhile: the result store checks the old table too before calling a result new.
 * @module
 */
import type Database from 'better-sqlite3'
import type { Rollups } from '../rollups'
import type { SqliteResultStore } from './result-store'

/** Settings key of the pre-issue-14 roll-up cursor (a `results.seq`). */
const OLD_CURSOR_KEY = 'rollup.cursor'

/** What one step did. */
export interface MigrationStep {
  results: number
  rollupSeries: number
  done: boolean
}

type LegacyRow = [number, string, string, number, number, number, string | null, string]

/** The migration over one database; `pending` is false once both old tables are gone. */
export class LegacyMigration {
  constructor(
    private readonly sqlite: Database.Database,
    private readonly results: SqliteResultStore,
    private readonly rollups: Rollups,
    /** Bucket start (s) below which 1-minute rows are not carried into 5-minute ones (retention would drop them). */
    private readonly oldest5mSeconds: () => number,
  ) {}

  private has(table: string): boolean {
    return this.sqlite.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) !== undefined
  }

  /** Whether old tables remain. */
  get pending(): boolean {
    return this.has('results') || this.has('rollups_1m')
  }

  /**
   * Drops the old tables when they hold nothing (a database created by migrations 0000–0003
   * and never written, e.g. every new one): nothing to move, and the result store stops
   * consulting them at once.
   */
  dropIfEmpty(): void {
    const empty = (table: string): boolean => !this.has(table) || this.sqlite.prepare(`SELECT 1 FROM ${table} LIMIT 1`).get() === undefined
    if (!empty('results') || !empty('rollups_1m')) return
    this.sqlite.transaction(() => {
      if (this.has('results')) this.dropResults()
      if (this.has('rollups_1m')) this.sqlite.exec('DROP TABLE rollups_1m')
    })()
  }

  /** Drops the (emptied) old results table and its roll-up cursor; the result store stops consulting it first. */
  private dropResults(): void {
    this.results.forgetLegacy()
    this.sqlite.exec('DROP TABLE results')
    this.sqlite.prepare('DELETE FROM settings WHERE key = ?').run(OLD_CURSOR_KEY)
  }

  /** Rows left in the old results table (progress output). */
  remaining(): number {
    return this.has('results') ? (this.sqlite.prepare('SELECT count(*) FROM results').pluck().get() as number) : 0
  }

  /** Moves up to `limit` old results (or, once they are done, up to `limit` / 100 rollup series). */
  step(limit = 20_000): MigrationStep {
    if (this.has('results')) return this.stepResults(limit)
    if (this.has('rollups_1m')) return this.stepRollups(Math.max(1, Math.floor(limit / 100)))
    return { results: 0, rollupSeries: 0, done: true }
  }

  private stepResults(limit: number): MigrationStep {
    return this.sqlite.transaction((): MigrationStep => {
      const rows = this.sqlite
        .prepare('SELECT seq, target_id, probe_id, observed_at, duration_ms, ok, error, measurements FROM results ORDER BY seq LIMIT ?')
        .raw()
        .all(limit) as LegacyRow[]
      if (rows.length === 0) {
        this.dropResults()
        return { results: 0, rollupSeries: 0, done: !this.has('rollups_1m') }
      }
      const cursorRow = this.sqlite.prepare('SELECT value FROM settings WHERE key = ?').pluck().get(OLD_CURSOR_KEY) as string | undefined
      const oldCursor = cursorRow === undefined ? 0 : Number(cursorRow)
      const items = rows.map(([, targetId, probeId, ts, durationMs, ok, error, json]) => ({
        targetId,
        probeId,
        record: { ts, ok: ok === 1, durationMs, error, measurements: JSON.parse(json) as Record<string, number> },
      }))
      this.results.writeSealed(items)
      // Results the old cursor had not reached were in no rollup yet.
      const unfolded = items.filter((_, i) => (rows[i] as LegacyRow)[0] > oldCursor)
      if (unfolded.length > 0) {
        this.rollups.fold(unfolded.map((it) => ({ targetId: it.targetId, ts: it.record.ts, measurements: Object.entries(it.record.measurements) })))
      }
      const last = (rows[rows.length - 1] as LegacyRow)[0]
      this.sqlite.prepare('DELETE FROM results WHERE seq <= ?').run(last)
      return { results: rows.length, rollupSeries: 0, done: false }
    })()
  }

  private stepRollups(seriesPerStep: number): MigrationStep {
    return this.sqlite.transaction((): MigrationStep => {
      const series = this.sqlite.prepare('SELECT DISTINCT series_id FROM rollups_1m ORDER BY series_id LIMIT ?').pluck().all(seriesPerStep) as number[]
      if (series.length === 0) {
        this.sqlite.exec('DROP TABLE rollups_1m')
        return { results: 0, rollupSeries: 0, done: true }
      }
      const fold = this.sqlite.prepare(
        `INSERT INTO rollups_5m (series_id, t, n, sum)
           SELECT series_id, t - t % 300, sum(n), sum(sum) FROM rollups_1m WHERE series_id = ? AND t >= ? GROUP BY series_id, t - t % 300
         ON CONFLICT (series_id, t) DO UPDATE SET n = n + excluded.n, sum = sum + excluded.sum`,
      )
      const drop = this.sqlite.prepare('DELETE FROM rollups_1m WHERE series_id = ?')
      const from = this.oldest5mSeconds()
      for (const id of series) {
        fold.run(id, from)
        drop.run(id)
      }
      return { results: 0, rollupSeries: series.length, done: false }
    })()
  }

  /**
   * Steps until done, yielding to the event loop between steps (the server keeps answering).
   * @returns results moved
   */
  async run(onStep?: (s: MigrationStep) => void, limit = 20_000): Promise<number> {
    let moved = 0
    for (;;) {
      const s = this.step(limit)
      moved += s.results
      onStep?.(s)
      if (s.done) return moved
      await new Promise<void>((r) => setImmediate(r))
    }
  }
}
