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

/** The result store's numeric keys, both ways (results/result-store.ts). */
export interface RollupKeys {
  nameOf(key: number): string
  targetKey(targetId: string): number | undefined
  metricKey(metric: string): number | undefined
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
   * at all: every existing series is read once at the first fold, later ones through the unique
   * index the first time a target's metric is folded.
   */
  private readonly seriesByKeys = new Map<number, number[]>()
  private preloaded = false
  private readonly scratch = new FlatSums()
  private readonly insertSeries: Database.Statement
  private readonly selectSeries: Database.Statement
  private readonly allSeries: Database.Statement
  private readonly upsert: Record<'5m' | '1h', Database.Statement>

  /**
   * @param oldestKept bucket starts (ms) below which nothing is written, per resolution:
   *   retention would delete those at once (a replay older than the rollup retention).
   * @param isRolledUp which measurements to keep (see {@link rollupFilter})
   */
  constructor(
    sqlite: Database.Database,
    private readonly names: RollupKeys,
    private readonly oldestKept: () => { '5m': number; '1h': number } = () => ({ '5m': 0, '1h': 0 }),
    private readonly isRolledUp: (metric: string) => boolean = rollupFilter(['*']),
  ) {
    this.insertSeries = sqlite.prepare('INSERT INTO rollup_series (target_id, metric) VALUES (?, ?) ON CONFLICT DO NOTHING RETURNING id').pluck()
    this.selectSeries = sqlite.prepare('SELECT id FROM rollup_series WHERE target_id = ? AND metric = ?').pluck()
    this.allSeries = sqlite.prepare('SELECT id, target_id, metric FROM rollup_series').raw()
    // Count and sum only: every chart reads averages (min and max columns of hourly rows
    // written before issue 14 stay until retention; new rows leave them null, no bytes).
    const upsertSql = (table: string): string =>
      `INSERT INTO ${table} (series_id, t, n, sum) VALUES (?, ?, ?, ?)
       ON CONFLICT (series_id, t) DO UPDATE SET n = n + excluded.n, sum = sum + excluded.sum`
    this.upsert = { '5m': sqlite.prepare(upsertSql(ROLLUP_TABLE['5m'])), '1h': sqlite.prepare(upsertSql(ROLLUP_TABLE['1h'])) }
  }

  /** The rollup series id of (target, metric), created when new (inside the caller's transaction). */
  seriesId(targetId: string, metric: string): number {
    // Inserted first: asked by the seal, a series is new (existing ones are read at its first
    // fold); an insert that conflicts returns no row, so the legacy migration's fold, which asks
    // for series that may exist, pays a second statement for those.
    const created = this.insertSeries.get(targetId, metric) as number | undefined
    return created ?? (this.selectSeries.get(targetId, metric) as number)
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
   * the sealing transaction, owns the transaction): one upsert per (series, bucket) of the
   * window however many results it holds.
   *
   * The records are one chunk window's (a few 5-minute buckets and one or two hours), so the
   * sums go into flat arrays indexed by (metric slot, bucket) rather than maps of bucket objects:
   * the seal of a national window folds 600,000 results, and building and walking the maps was
   * most of the fold's own time besides the upserts (issue 14's profile). The arrays span the
   * records' buckets: one window's are what the sealing passes (`retention.chunkMinutes`).
   */
  foldSealed(tid: number, records: readonly FoldRecord[]): void {
    if (records.length === 0) return
    const oldest = this.oldestKept()
    const ofTarget = this.seriesOfTarget(tid)
    let min = Infinity
    let max = -Infinity
    for (const rec of records) {
      if (rec.ts < min) min = rec.ts
      if (rec.ts > max) max = rec.ts
    }
    const base5 = min - (min % BUCKET_MS['5m'])
    const base1 = min - (min % BUCKET_MS['1h'])
    const n5 = (max - (max % BUCKET_MS['5m']) - base5) / BUCKET_MS['5m'] + 1
    const n1 = (max - (max % BUCKET_MS['1h']) - base1) / BUCKET_MS['1h'] + 1
    const per = n5 + n1
    let slots = ofTarget.length >> 1
    this.scratch.start(slots * per)
    for (const rec of records) {
      const values = rec.values
      const b5 = Math.floor((rec.ts - base5) / BUCKET_MS['5m'])
      const b1 = n5 + Math.floor((rec.ts - base1) / BUCKET_MS['1h'])
      for (let i = 0; i < values.length; i += 2) {
        const v = values[i + 1] as number
        if (!Number.isFinite(v)) continue
        const mkey = values[i] as number
        let slot = -1
        for (let j = 0; j < ofTarget.length; j += 2) {
          if (ofTarget[j] === mkey) {
            slot = j >> 1
            break
          }
        }
        if (slot < 0) {
          ofTarget.push(mkey, this.newSeries(tid, mkey))
          slot = slots++
          this.scratch.grow(slots * per)
        }
        if ((ofTarget[2 * slot + 1] as number) < 0) continue
        this.scratch.add(slot * per + b5, v)
        this.scratch.add(slot * per + b1, v)
      }
    }
    const { n, sum } = this.scratch
    for (let slot = 0; slot < slots; slot++) {
      const series = ofTarget[2 * slot + 1] as number
      if (series < 0) continue
      for (let b = 0; b < per; b++) {
        const at = slot * per + b
        const count = n[at] as number
        if (count === 0) continue
        const fiveMinutes = b < n5
        const t = fiveMinutes ? base5 + b * BUCKET_MS['5m'] : base1 + (b - n5) * BUCKET_MS['1h']
        if (t < oldest[fiveMinutes ? '5m' : '1h']) continue
        this.upsert[fiveMinutes ? '5m' : '1h'].run(series, t / 1000, count, sum[at])
      }
    }
  }

  /** The rollup series of a metric new to a target's list: -1 when it is not rolled up. */
  private newSeries(tid: number, mkey: number): number {
    const metric = this.names.nameOf(mkey)
    return this.isRolledUp(metric) ? this.seriesId(this.names.nameOf(tid), metric) : -1
  }

  /**
   * A target's (metric key, series id) list. The first call reads every rolled-up series in one
   * statement, instead of one indexed lookup per (target, metric) at the first seal after a start
   * (50,000 at national size).
   */
  private seriesOfTarget(tid: number): number[] {
    if (!this.preloaded) {
      this.preloaded = true
      for (const [id, targetId, metric] of this.allSeries.all() as Array<[number, string, string]>) {
        const t = this.names.targetKey(targetId)
        const m = this.names.metricKey(metric)
        // Series of metrics no longer rolled up (a narrower rollupMetrics) stay out: -1 when met.
        if (t === undefined || m === undefined || !this.isRolledUp(metric)) continue
        let list = this.seriesByKeys.get(t)
        if (list === undefined) this.seriesByKeys.set(t, (list = []))
        list.push(m, id)
      }
    }
    let list = this.seriesByKeys.get(tid)
    if (list === undefined) this.seriesByKeys.set(tid, (list = []))
    return list
  }
}

/** Count and sum arrays reused by every fold (one thread). */
class FlatSums {
  n = new Float64Array(64)
  sum = new Float64Array(64)
  private used = 0

  /** Starts a fold over `cells` cells, all zero. */
  start(cells: number): void {
    this.used = 0
    this.grow(cells)
  }

  /** Makes room for `cells` cells: those in use keep their sums, the new ones are zero. */
  grow(cells: number): void {
    if (cells > this.n.length) {
      const size = Math.max(cells, this.n.length * 2)
      const n = new Float64Array(size)
      const sum = new Float64Array(size)
      n.set(this.n.subarray(0, this.used))
      sum.set(this.sum.subarray(0, this.used))
      this.n = n
      this.sum = sum
    }
    if (cells > this.used) {
      this.n.fill(0, this.used, cells)
      this.sum.fill(0, this.used, cells)
      this.used = cells
    }
  }

  add(cell: number, v: number): void {
    ;(this.n[cell] as number)++
    ;(this.sum[cell] as number) += v
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
