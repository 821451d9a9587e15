/**
 * Rollups: every numeric measurement folded into 1-minute and 1-hour buckets (count, sum, min,
 * max), so the series API answers a 30-day question from ~720 rows instead of 100,000 raw ones,
 * and history outlives the raw results (SPEC §10, issue 7).
 *
 * Written incrementally by a cursor over `results.seq` (the append order of ingest): each step
 * reads the next results after the cursor, aggregates them in memory and upserts the buckets,
 * and moves the cursor, all in one transaction. Nothing is ever re-scanned, a crash between
 * steps folds nothing twice, and late replays (old `observed_at`, new `seq`) land in their own
 * old buckets. Ingest never waits on it: it runs between requests, in bounded steps.
 * @module
 */
import type Database from 'better-sqlite3'

/** Resolutions the series API can read. */
export type SeriesResolution = 'raw' | '1m' | '1h'

/** Bucket length of each rollup table, ms. */
export const BUCKET_MS = { '1m': 60_000, '1h': 3_600_000 } as const

/** Table of each rollup resolution. */
export const ROLLUP_TABLE = { '1m': 'rollups_1m', '1h': 'rollups_1h' } as const

/** Settings key of the cursor: the last `results.seq` folded. */
export const ROLLUP_CURSOR_KEY = 'rollup.cursor'

/**
 * Which measurements the rollups keep: the configured names (`retention.rollupMetrics`), or
 * with `'*'` every one except cumulative counters and timestamps, whose averages mean nothing.
 */
export function rollupFilter(names: readonly string[]): (metric: string) => boolean {
  if (names.includes('*')) return (m) => !m.endsWith('_total') && !m.endsWith('_timestamp_seconds')
  const keep = new Set(names)
  return (m) => keep.has(m)
}

interface Bucket {
  series: number
  t: number
  n: number
  sum: number
  min: number
  max: number
}

/** What one step did. */
export interface RollupStep {
  results: number
  buckets1m: number
  buckets1h: number
}

/** The incremental roll-up over one database. Synchronous steps; {@link Rollups.catchUp} yields between them. */
export class Rollups {
  private cursor: number
  private readonly seriesIds = new Map<string, number>()
  private readonly readResults: Database.Statement
  private readonly insertSeries: Database.Statement
  private readonly selectSeries: Database.Statement
  private readonly upsert: Record<'1m' | '1h', Database.Statement>
  private readonly saveCursor: Database.Statement
  private readonly maxSeq: Database.Statement

  /**
   * @param oldestKept bucket starts (ms) below which nothing is written, per resolution:
   *   retention would delete those at once (a replay older than the rollup retention).
   * @param isRolledUp which measurements to keep (see {@link rollupFilter})
   */
  constructor(
    private readonly sqlite: Database.Database,
    private readonly oldestKept: () => { '1m': number; '1h': number } = () => ({ '1m': 0, '1h': 0 }),
    private readonly isRolledUp: (metric: string) => boolean = rollupFilter(['*']),
  ) {
    const row = sqlite.prepare('SELECT value FROM settings WHERE key = ?').get(ROLLUP_CURSOR_KEY) as { value: string } | undefined
    this.cursor = row ? Number(row.value) : 0
    for (const s of sqlite.prepare('SELECT id, target_id, metric FROM rollup_series').all() as Array<{ id: number; target_id: string; metric: string }>) {
      this.seriesIds.set(`${s.target_id}\u0000${s.metric}`, s.id)
    }
    this.readResults = sqlite.prepare('SELECT seq, target_id, observed_at, measurements FROM results WHERE seq > ? ORDER BY seq LIMIT ?').raw()
    this.insertSeries = sqlite.prepare('INSERT INTO rollup_series (target_id, metric) VALUES (?, ?) ON CONFLICT DO NOTHING')
    this.selectSeries = sqlite.prepare('SELECT id FROM rollup_series WHERE target_id = ? AND metric = ?').pluck()
    // 1-minute rows keep count and sum only (min/max stay null: 16 bytes a row saved on the
    // biggest table, and every chart reads averages); hourly rows also keep min and max.
    this.upsert = {
      '1m': sqlite.prepare(
        `INSERT INTO ${ROLLUP_TABLE['1m']} (series_id, t, n, sum, min, max) VALUES (?, ?, ?, ?, NULL, NULL)
         ON CONFLICT (series_id, t) DO UPDATE SET n = n + excluded.n, sum = sum + excluded.sum`,
      ),
      '1h': sqlite.prepare(
        `INSERT INTO ${ROLLUP_TABLE['1h']} (series_id, t, n, sum, min, max) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (series_id, t) DO UPDATE SET
           min = min(coalesce(min, sum), coalesce(excluded.min, excluded.sum)),
           max = max(coalesce(max, sum), coalesce(excluded.max, excluded.sum)),
           n = n + excluded.n,
           sum = sum + excluded.sum`,
      ),
    }
    this.saveCursor = sqlite.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value')
    this.maxSeq = sqlite.prepare('SELECT max(seq) FROM results').pluck()
  }

  /** The last `results.seq` folded; retention deletes no result after it. */
  get position(): number {
    return this.cursor
  }

  /** Results stored but not folded yet (0 when caught up). */
  backlog(): number {
    const max = (this.maxSeq.get() as number | null) ?? 0
    return Math.max(0, max - this.cursor)
  }

  private seriesId(targetId: string, metric: string): number {
    const key = `${targetId}\u0000${metric}`
    let id = this.seriesIds.get(key)
    if (id === undefined) {
      this.insertSeries.run(targetId, metric)
      id = this.selectSeries.get(targetId, metric) as number
      this.seriesIds.set(key, id)
    }
    return id
  }

  /**
   * Folds up to `limit` results after the cursor, in one transaction.
   * @returns how many results and buckets it wrote (results 0 = caught up)
   */
  step(limit = 5000): RollupStep {
    return this.sqlite.transaction((): RollupStep => {
      const rows = this.readResults.all(this.cursor, limit) as Array<[number, string, number, string]>
      if (rows.length === 0) return { results: 0, buckets1m: 0, buckets1h: 0 }
      const oldest = this.oldestKept()
      const m1 = new Map<string, Bucket>()
      const h1 = new Map<string, Bucket>()
      const add = (map: Map<string, Bucket>, series: number, t: number, v: number): void => {
        const key = `${series}:${t}`
        const b = map.get(key)
        if (b === undefined) map.set(key, { series, t, n: 1, sum: v, min: v, max: v })
        else {
          b.n++
          b.sum += v
          if (v < b.min) b.min = v
          if (v > b.max) b.max = v
        }
      }
      for (const [, targetId, observedAt, json] of rows) {
        const m = JSON.parse(json) as Record<string, unknown>
        const t1m = observedAt - (observedAt % BUCKET_MS['1m'])
        const t1h = observedAt - (observedAt % BUCKET_MS['1h'])
        const keep1m = t1m >= oldest['1m']
        const keep1h = t1h >= oldest['1h']
        if (!keep1m && !keep1h) continue
        for (const metric in m) {
          const v = m[metric]
          if (typeof v !== 'number' || !Number.isFinite(v) || !this.isRolledUp(metric)) continue
          const series = this.seriesId(targetId, metric)
          if (keep1m) add(m1, series, t1m / 1000, v)
          if (keep1h) add(h1, series, t1h / 1000, v)
        }
      }
      for (const b of m1.values()) this.upsert['1m'].run(b.series, b.t, b.n, b.sum)
      // n = 1: min and max equal the sum and are stored as null (no bytes on disk).
      for (const b of h1.values()) this.upsert['1h'].run(b.series, b.t, b.n, b.sum, b.n === 1 ? null : b.min, b.n === 1 ? null : b.max)
      const last = rows[rows.length - 1]?.[0] ?? this.cursor
      this.saveCursor.run(ROLLUP_CURSOR_KEY, String(last))
      this.cursor = last
      return { results: rows.length, buckets1m: m1.size, buckets1h: h1.size }
    })()
  }

  /**
   * Steps until no result is left after the cursor, yielding to the event loop between steps.
   * @returns results folded
   */
  async catchUp(stepRows = 5000): Promise<number> {
    let total = 0
    for (;;) {
      const s = this.step(stepRows)
      total += s.results
      if (s.results < stepRows) return total
      await new Promise<void>((r) => setImmediate(r))
    }
  }
}
