/**
 * Retention: raw results for `retention.rawDays` (whole chunks: a window goes when all of it
 * is older), 5-minute rollups for `rollup5mDays`, 1-hour rollups for `rollup1hDays`, state
 * changes for `stateLogDays` (SPEC §10, issue 7), and for as long resolved incidents (the SLA report
 * counts them beside the state changes; their timelines go with them) and finished notifications
 * (sent, given up or folded into a digest; pending ones always stay). Deletes run in transactions of at most
 * `batchRows` rows (chunks: a few hundred targets) with a turn of the event loop between them,
 * so an ingest request waits for one small transaction at most, never for a whole sweep.
 *
 * Freed pages go to SQLite's free list and are reused by new rows, so the file stops growing
 * once every table has reached its retention (no VACUUM needed; `db stats` shows the free list).
 * @module
 */
import type Database from 'better-sqlite3'
import type { RetentionConfig } from '../config'
import type { StorageFacts } from '../metrics'
import { BUCKET_MS, type SeriesResolution } from './rollups'
import type { SqliteResultStore } from './results/result-store'

const DAY_MS = 86_400_000

/** Tables retention deletes from (`xanh_retention_deleted_rows_total{table}`). */
export const RETENTION_TABLES = ['results', 'rollups_5m', 'rollups_1h', 'state_log', 'incidents', 'outbox'] as const
export type RetentionTable = (typeof RETENTION_TABLES)[number]

/** What one sweep deleted, and the file size after it. */
export interface RetentionRun {
  deleted: Record<RetentionTable, number>
  sizeBytes: number
  ms: number
}

/** Cutoffs (ms) of each table for the clock value `now`: rows older than these go. */
export function retentionCutoffs(config: RetentionConfig, now: number): Record<RetentionTable, number> {
  const floor = (ms: number, bucket: number): number => ms - (ms % bucket)
  return {
    results: now - config.rawDays * DAY_MS,
    rollups_5m: floor(now - config.rollup5mDays * DAY_MS, BUCKET_MS['5m']),
    rollups_1h: floor(now - config.rollup1hDays * DAY_MS, BUCKET_MS['1h']),
    state_log: now - (config.stateLogDays ?? config.rollup1hDays) * DAY_MS,
    incidents: now - (config.stateLogDays ?? config.rollup1hDays) * DAY_MS,
    outbox: now - (config.stateLogDays ?? config.rollup1hDays) * DAY_MS,
  }
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r))

/** Size of the database file from the page counts (includes free pages). */
export function databaseSizeBytes(sqlite: Database.Database): number {
  const pages = sqlite.pragma('page_count', { simple: true }) as number
  const size = sqlite.pragma('page_size', { simple: true }) as number
  return pages * size
}

/** The periodic sweep over one database; keeps its totals in memory for `/metrics`. */
export class Retention {
  private readonly deletedTotal: Record<RetentionTable, number> = { results: 0, rollups_5m: 0, rollups_1h: 0, state_log: 0, incidents: 0, outbox: 0 }
  private sizeBytes: number | null = null
  private lastStateLogSweep = -Infinity
  private running: Promise<RetentionRun> | undefined
  private readonly deleteRollup: Record<'rollups_5m' | 'rollups_1h', Database.Statement>
  private readonly deleteStateLog: Database.Statement
  private readonly deleteIncidents: Database.Statement
  private readonly deleteOutbox: Database.Statement
  private readonly listSeries: Database.Statement

  constructor(
    private readonly sqlite: Database.Database,
    private readonly config: RetentionConfig,
    private readonly results: SqliteResultStore,
    private readonly now: () => number,
  ) {
    const rollupSql = (table: string): string =>
      `DELETE FROM ${table} WHERE series_id = ? AND t IN (SELECT t FROM ${table} WHERE series_id = ? AND t < ? ORDER BY t LIMIT ?)`
    this.deleteRollup = { rollups_5m: sqlite.prepare(rollupSql('rollups_5m')), rollups_1h: sqlite.prepare(rollupSql('rollups_1h')) }
    // Keep each entity's newest row before the cutoff: it says what state the cutoff began in.
    this.deleteStateLog = sqlite.prepare(
      `DELETE FROM state_log WHERE id IN (
         SELECT s.id FROM state_log s WHERE s.at < @cut AND EXISTS (
           SELECT 1 FROM state_log n WHERE n.entity = s.entity AND n.entity_id = s.entity_id AND n.at > s.at AND n.at <= @cut)
         LIMIT @limit)`,
    )
    // Incident events go with their incident (ON DELETE CASCADE). Open ones stay, however old.
    this.deleteIncidents = sqlite.prepare(
      `DELETE FROM incidents WHERE id IN (SELECT id FROM incidents WHERE state = 'resolved' AND resolved_at < @cut ORDER BY id LIMIT @limit)`,
    )
    this.deleteOutbox = sqlite.prepare(`DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE status <> 'pending' AND created_at < @cut ORDER BY id LIMIT @limit)`)
    this.listSeries = sqlite.prepare('SELECT id FROM rollup_series ORDER BY id').pluck()
  }

  /** Totals for the exposition (no query). */
  facts(): StorageFacts {
    return { sizeBytes: this.sizeBytes, deletedRows: { ...this.deletedTotal }, rollupBacklog: this.results.openCount }
  }

  /** One sweep over every table (concurrent calls share the running sweep). */
  run(): Promise<RetentionRun> {
    this.running ??= this.sweep().finally(() => {
      this.running = undefined
    })
    return this.running
  }

  private async sweep(): Promise<RetentionRun> {
    const started = performance.now()
    const now = this.now()
    const cut = retentionCutoffs(this.config, now)
    const batch = this.config.batchRows
    const deleted: Record<RetentionTable, number> = { results: 0, rollups_5m: 0, rollups_1h: 0, state_log: 0, incidents: 0, outbox: 0 }

    // Whole chunks. A result is folded into the rollups when it is sealed into its chunk, so a
    // chunk on disk is always already folded: deleting it never loses a fold.
    const chunkCursor = { next: 0 }
    for (;;) {
      const r = this.results.deleteExpired(cut.results, chunkCursor, Math.max(50, Math.floor(batch / 4)))
      deleted.results += r.deleted
      if (r.done) break
      await tick()
    }

    const series = this.listSeries.all() as number[]
    for (const table of ['rollups_5m', 'rollups_1h'] as const) {
      const stmt = this.deleteRollup[table]
      const cutoffSeconds = cut[table] / 1000
      let i = 0
      while (i < series.length) {
        // Several series per transaction, up to `batch` rows; one series may need several.
        const n = this.sqlite.transaction((): number => {
          let rows = 0
          while (i < series.length && rows < batch) {
            const id = series[i] as number
            const want = batch - rows
            const c = stmt.run(id, id, cutoffSeconds, want).changes
            rows += c
            if (c < want) i++
          }
          return rows
        })()
        deleted[table] += n
        await tick()
      }
    }

    // State changes, incidents and notifications are few; an hourly sweep is plenty.
    if (now - this.lastStateLogSweep >= 3_600_000) {
      this.lastStateLogSweep = now
      const sweeps = [
        ['state_log', this.deleteStateLog],
        ['incidents', this.deleteIncidents],
        ['outbox', this.deleteOutbox],
      ] as const
      for (const [table, stmt] of sweeps) {
        for (;;) {
          const n = stmt.run({ cut: cut[table], limit: batch }).changes
          deleted[table] += n
          if (n === 0) break
          await tick()
        }
      }
    }

    for (const t of RETENTION_TABLES) this.deletedTotal[t] += deleted[t]
    this.sizeBytes = databaseSizeBytes(this.sqlite)
    return { deleted, sizeBytes: this.sizeBytes, ms: performance.now() - started }
  }
}

/** A series question, aligned to the resolution that answers it. */
export interface SeriesPlan {
  resolution: SeriesResolution
  fromMs: number
  stepMs: number
}

/** Ranges up to this long read raw results while raw retention still holds them. */
export const RAW_SPAN_MAX_MS = 6 * 3_600_000

/**
 * Picks where a series query reads from. Short ranges (≤ 6 h) read raw results, exact and
 * fresh to the last result; longer ones read the coarsest rollup whose bucket still fits in
 * the step (fewest rows). A range reaching back past a table's retention moves on to the next
 * coarser table. A measurement the rollups do not keep always reads raw results. Rollup plans
 * align `from` down to the bucket and round the step up to a whole number of buckets, so no
 * bucket straddles two points.
 */
export function planSeries(fromMs: number, toMs: number, stepMs: number, nowMs: number, config: RetentionConfig, rolledUp = true): SeriesPlan {
  const cut = retentionCutoffs(config, nowMs)
  let resolution: SeriesResolution
  if (!rolledUp || (toMs - fromMs <= RAW_SPAN_MAX_MS && fromMs >= cut.results)) resolution = 'raw'
  else if (stepMs >= BUCKET_MS['1h'] || fromMs < cut.rollups_5m) resolution = '1h'
  else resolution = '5m'
  if (resolution === 'raw') return { resolution, fromMs, stepMs }
  const bucket = BUCKET_MS[resolution]
  return { resolution, fromMs: fromMs - (((fromMs % bucket) + bucket) % bucket), stepMs: Math.ceil(stepMs / bucket) * bucket }
}
