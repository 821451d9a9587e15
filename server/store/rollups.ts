/**
 * Rollups: the measurements the charts read folded into 5-minute and 1-hour buckets (count and
 * sum), so a 24-hour chart reads 288 rows and a 90-day one 2,160, and history outlives the
 * raw results (SPEC §10, issue 7; sizes in docs/storage.md).
 *
 * Folded when results are SEALED into chunks (results/result-store.ts), in the same
 * transaction: a result leaves the open buffers and enters its chunk and its buckets at once,
 * so it is folded exactly once, and a bucket is written once per sealed window rather than
 * once per result (a 15-minute window of a target at 15 s is 60 results → 4 upserts per
 * series). Results still open are added on read (`Store.querySeries`), so charts are current
 * to the last result. Late replays land in their own old buckets when their window is sealed.
 * @module
 */
import type Database from 'better-sqlite3'

/** Resolutions the series API can read. */
export type SeriesResolution = 'raw' | '5m' | '1h'

/** Bucket length of each rollup table, ms. */
export const BUCKET_MS = { '5m': 300_000, '1h': 3_600_000 } as const

/** Table of each rollup resolution. */
export const ROLLUP_TABLE = { '5m': 'rollups_5m', '1h': 'rollups_1h' } as const


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
}

/** A sealed result as the fold reads it: its time and its (metric key, value) pairs. */
export interface FoldRecord {
  ts: number
  /** Alternating metric key, value (the result store's numeric keys). */
  values: readonly number[]
}

/**
 * The incremental roll-up over one database. `names` turns the result store's numeric keys
 * into target ids and metric names (rollup series are keyed by name, so they outlive the keys).
 */
export class Rollups {
  /**
   * Per target key of the result store: metric key, series id (-1: not rolled up), alternating.
   * A short array scanned in order rather than a Map per target: a target has a handful of
   * metrics, and 10,000 Maps held ~3 MB (issue 14). Series ids by name are not kept in memory
   * at all: they are read through the unique index the first time a target's metric is folded.
   */
  private readonly seriesByKeys = new Map<number, number[]>()
  private readonly insertSeries: Database.Statement
  private readonly selectSeries: Database.Statement
  private readonly upsert: Record<'5m' | '1h', Database.Statement>

  /**
   * @param oldestKept bucket starts (ms) below which nothing is written, per resolution:
   *   retention would delete those at once (a replay older than the rollup retention).
   * @param isRolledUp which measurements to keep (see {@link rollupFilter})
   */
  constructor(
    sqlite: Database.Database,
    private readonly names: { nameOf(key: number): string },
    private readonly oldestKept: () => { '5m': number; '1h': number } = () => ({ '5m': 0, '1h': 0 }),
    private readonly isRolledUp: (metric: string) => boolean = rollupFilter(['*']),
  ) {
    this.insertSeries = sqlite.prepare('INSERT INTO rollup_series (target_id, metric) VALUES (?, ?) ON CONFLICT DO NOTHING')
    this.selectSeries = sqlite.prepare('SELECT id FROM rollup_series WHERE target_id = ? AND metric = ?').pluck()
    // Count and sum only: every chart reads averages (min and max columns of hourly rows
    // written before issue 14 stay until retention; new rows leave them null, no bytes).
    const upsertSql = (table: string): string =>
      `INSERT INTO ${table} (series_id, t, n, sum) VALUES (?, ?, ?, ?)
       ON CONFLICT (series_id, t) DO UPDATE SET n = n + excluded.n, sum = sum + excluded.sum`
    this.upsert = { '5m': sqlite.prepare(upsertSql(ROLLUP_TABLE['5m'])), '1h': sqlite.prepare(upsertSql(ROLLUP_TABLE['1h'])) }
  }

  /** The rollup series id of (target, metric), created when new (inside the caller's transaction). */
  seriesId(targetId: string, metric: string): number {
    const id = this.selectSeries.get(targetId, metric) as number | undefined
    if (id !== undefined) return id
    this.insertSeries.run(targetId, metric)
    return this.selectSeries.get(targetId, metric) as number
  }

  /**
   * Folds results given by name (the caller owns the transaction): the migration of results
   * stored before issue 14 that the old cursor had not folded.
   */
  fold(results: Iterable<{ targetId: string; ts: number; measurements: Iterable<[string, number]> }>): { results: number; buckets5m: number; buckets1h: number } {
    const acc = new BucketSums()
    const oldest = this.oldestKept()
    // Ids looked up during this call only (a migration step folds many results of few targets).
    const ids = new Map<string, number>()
    let n = 0
    for (const r of results) {
      n++
      for (const [metric, v] of r.measurements) {
        if (!Number.isFinite(v) || !this.isRolledUp(metric)) continue
        const key = `${r.targetId}\u0000${metric}`
        let id = ids.get(key)
        if (id === undefined) ids.set(key, (id = this.seriesId(r.targetId, metric)))
        acc.add(id, r.ts, v, oldest)
      }
    }
    return { results: n, ...acc.write(this.upsert) }
  }

  /**
   * Folds one target's newly sealed results, on the result store's numeric keys (the caller,
   * the sealing transaction, owns the transaction): series looked up by number, one upsert per
   * (series, bucket) of the window however many results it holds.
   */
  foldSealed(tid: number, records: readonly FoldRecord[]): void {
    const acc = new BucketSums()
    const oldest = this.oldestKept()
    let ofTarget = this.seriesByKeys.get(tid)
    if (ofTarget === undefined) this.seriesByKeys.set(tid, (ofTarget = []))
    for (const rec of records) {
      const values = rec.values
      for (let i = 0; i < values.length; i += 2) {
        const v = values[i + 1] as number
        if (!Number.isFinite(v)) continue
        const mkey = values[i] as number
        let series = -2
        for (let j = 0; j < ofTarget.length; j += 2) {
          if (ofTarget[j] === mkey) {
            series = ofTarget[j + 1] as number
            break
          }
        }
        if (series === -2) {
          const metric = this.names.nameOf(mkey)
          series = this.isRolledUp(metric) ? this.seriesId(this.names.nameOf(tid), metric) : -1
          ofTarget.push(mkey, series)
        }
        if (series >= 0) acc.add(series, rec.ts, v, oldest)
      }
    }
    acc.write(this.upsert)
  }
}

/** Count and sum per (series, bucket) of both resolutions, before they are written. */
class BucketSums {
  private readonly m5 = new Map<number, Map<number, Bucket>>()
  private readonly h1 = new Map<number, Map<number, Bucket>>()

  add(series: number, ts: number, v: number, oldest: { '5m': number; '1h': number }): void {
    const t5 = ts - (ts % BUCKET_MS['5m'])
    const t1h = ts - (ts % BUCKET_MS['1h'])
    if (t5 >= oldest['5m']) BucketSums.put(this.m5, series, t5 / 1000, v)
    if (t1h >= oldest['1h']) BucketSums.put(this.h1, series, t1h / 1000, v)
  }

  /** Buckets by series, then bucket start (s): small integers all the way, no key to build. */
  private static put(map: Map<number, Map<number, Bucket>>, series: number, t: number, v: number): void {
    let ofSeries = map.get(series)
    if (ofSeries === undefined) map.set(series, (ofSeries = new Map()))
    const b = ofSeries.get(t)
    if (b === undefined) ofSeries.set(t, { series, t, n: 1, sum: v })
    else {
      b.n++
      b.sum += v
    }
  }

  write(upsert: Record<'5m' | '1h', Database.Statement>): { buckets5m: number; buckets1h: number } {
    let buckets5m = 0
    let buckets1h = 0
    for (const ofSeries of this.m5.values()) for (const b of ofSeries.values()) (upsert['5m'].run(b.series, b.t, b.n, b.sum), buckets5m++)
    for (const ofSeries of this.h1.values()) for (const b of ofSeries.values()) (upsert['1h'].run(b.series, b.t, b.n, b.sum), buckets1h++)
    return { buckets5m, buckets1h }
  }
}
