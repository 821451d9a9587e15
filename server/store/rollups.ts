/**
 * Rollups: the measurements the charts read folded into 5-minute and 1-hour buckets (count and
 * sum), so a 24-hour chart reads 288 rows and a 90-day one 2,160, and history outlives the
 * raw results (SPEC §10, issue 7; sizes in docs/storage.md).
 *
 * Written incrementally by a cursor over the batch log (`result_log.seq`, the append order of
 * ingest; results/result-store.ts): each step decodes the next log rows after the cursor,
 * aggregates them in memory, upserts the buckets and moves the cursor, all in one transaction.
 * Nothing is re-scanned, a crash between steps folds nothing twice (the log only holds results
 * ingest found new), and late replays land in their own old buckets. The result store keeps a
 * log row until the cursor has passed it. Ingest never waits on this: it runs between requests.
 * @module
 */
import type Database from 'better-sqlite3'
import { decodeLogRow } from './results/result-store'

/** Resolutions the series API can read. */
export type SeriesResolution = 'raw' | '5m' | '1h'

/** Bucket length of each rollup table, ms. */
export const BUCKET_MS = { '5m': 300_000, '1h': 3_600_000 } as const

/** Table of each rollup resolution. */
export const ROLLUP_TABLE = { '5m': 'rollups_5m', '1h': 'rollups_1h' } as const

/** Settings key of the cursor: the last `result_log.seq` folded. */
export const ROLLUP_CURSOR_KEY = 'rollup.log_cursor'

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

/** What one step did. */
export interface RollupStep {
  /** Log rows (batches) folded. */
  batches: number
  results: number
  buckets5m: number
  buckets1h: number
}

/**
 * The incremental roll-up over one database. Synchronous steps; {@link Rollups.catchUp} yields
 * between them. `names` turns the result store's numeric keys into target ids and metric names.
 */
export class Rollups {
  private cursor: number
  private readonly seriesIds = new Map<string, number>()
  private readonly readLog: Database.Statement
  private readonly insertSeries: Database.Statement
  private readonly selectSeries: Database.Statement
  private readonly upsert: Record<'5m' | '1h', Database.Statement>
  private readonly saveCursor: Database.Statement
  private readonly backlogStmt: Database.Statement

  /**
   * @param oldestKept bucket starts (ms) below which nothing is written, per resolution:
   *   retention would delete those at once (a replay older than the rollup retention).
   * @param isRolledUp which measurements to keep (see {@link rollupFilter})
   */
  constructor(
    private readonly sqlite: Database.Database,
    private readonly names: { nameOf(key: number): string },
    private readonly oldestKept: () => { '5m': number; '1h': number } = () => ({ '5m': 0, '1h': 0 }),
    private readonly isRolledUp: (metric: string) => boolean = rollupFilter(['*']),
  ) {
    const row = sqlite.prepare('SELECT value FROM settings WHERE key = ?').get(ROLLUP_CURSOR_KEY) as { value: string } | undefined
    this.cursor = row ? Number(row.value) : 0
    for (const s of sqlite.prepare('SELECT id, target_id, metric FROM rollup_series').all() as Array<{ id: number; target_id: string; metric: string }>) {
      this.seriesIds.set(`${s.target_id}\u0000${s.metric}`, s.id)
    }
    this.readLog = sqlite.prepare('SELECT seq, n, data FROM result_log WHERE seq > ? ORDER BY seq LIMIT ?').raw()
    this.insertSeries = sqlite.prepare('INSERT INTO rollup_series (target_id, metric) VALUES (?, ?) ON CONFLICT DO NOTHING')
    this.selectSeries = sqlite.prepare('SELECT id FROM rollup_series WHERE target_id = ? AND metric = ?').pluck()
    // Count and sum only: every chart reads averages (min and max columns of hourly rows
    // written before issue 14 stay until retention; new rows leave them null, no bytes).
    const upsertSql = (table: string): string =>
      `INSERT INTO ${table} (series_id, t, n, sum) VALUES (?, ?, ?, ?)
       ON CONFLICT (series_id, t) DO UPDATE SET n = n + excluded.n, sum = sum + excluded.sum`
    this.upsert = { '5m': sqlite.prepare(upsertSql(ROLLUP_TABLE['5m'])), '1h': sqlite.prepare(upsertSql(ROLLUP_TABLE['1h'])) }
    this.saveCursor = sqlite.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value')
    this.backlogStmt = sqlite.prepare('SELECT coalesce(sum(n), 0) FROM result_log WHERE seq > ?').pluck()
  }

  /** The last `result_log.seq` folded; the result store deletes no log row after it. */
  get position(): number {
    return this.cursor
  }

  /** Results stored but not folded yet (0 when caught up). */
  backlog(): number {
    return this.backlogStmt.get(this.cursor) as number
  }

  /** The rollup series id of (target, metric), created when new (inside the caller's transaction). */
  seriesId(targetId: string, metric: string): number {
    const key = `${targetId}\u0000${metric}`
    let id = this.seriesIds.get(key)
    if (id === undefined) {
      this.insertSeries.run(targetId, metric)
      id = this.selectSeries.get(targetId, metric) as number
      this.seriesIds.set(key, id)
    }
    return id
  }

  /** Whether a measurement is kept in the rollups. */
  keeps(metric: string): boolean {
    return this.isRolledUp(metric)
  }

  /**
   * Folds results into buckets (the caller owns the transaction): the log step, and the
   * migration of results stored before issue 14 that the old cursor had not folded.
   */
  fold(results: Iterable<{ targetId: string; ts: number; measurements: Iterable<[string, number]> }>): { results: number; buckets5m: number; buckets1h: number } {
    const oldest = this.oldestKept()
    const m5 = new Map<string, Bucket>()
    const h1 = new Map<string, Bucket>()
    const add = (map: Map<string, Bucket>, series: number, t: number, v: number): void => {
      const key = `${series}:${t}`
      const b = map.get(key)
      if (b === undefined) map.set(key, { series, t, n: 1, sum: v })
      else {
        b.n++
        b.sum += v
      }
    }
    let n = 0
    for (const r of results) {
      n++
      const t5 = r.ts - (r.ts % BUCKET_MS['5m'])
      const t1h = r.ts - (r.ts % BUCKET_MS['1h'])
      const keep5 = t5 >= oldest['5m']
      const keep1h = t1h >= oldest['1h']
      if (!keep5 && !keep1h) continue
      for (const [metric, v] of r.measurements) {
        if (!Number.isFinite(v) || !this.isRolledUp(metric)) continue
        const series = this.seriesId(r.targetId, metric)
        if (keep5) add(m5, series, t5 / 1000, v)
        if (keep1h) add(h1, series, t1h / 1000, v)
      }
    }
    for (const b of m5.values()) this.upsert['5m'].run(b.series, b.t, b.n, b.sum)
    for (const b of h1.values()) this.upsert['1h'].run(b.series, b.t, b.n, b.sum)
    return { results: n, buckets5m: m5.size, buckets1h: h1.size }
  }

  /**
   * Folds up to `limit` log rows (batches) after the cursor, in one transaction.
   * @returns what it folded (batches 0 = caught up)
   */
  step(limit = 50): RollupStep {
    return this.sqlite.transaction((): RollupStep => {
      const rows = this.readLog.all(this.cursor, limit) as Array<[number, number, Buffer]>
      if (rows.length === 0) return { batches: 0, results: 0, buckets5m: 0, buckets1h: 0 }
      const names = this.names
      function* results(): Generator<{ targetId: string; ts: number; measurements: Iterable<[string, number]> }> {
        for (const [, , data] of rows) {
          for (const [tid, rec] of decodeLogRow(data)) {
            const pairs: Array<[string, number]> = []
            for (let i = 0; i < rec.values.length; i += 2) pairs.push([names.nameOf(rec.values[i] as number), rec.values[i + 1] as number])
            yield { targetId: names.nameOf(tid), ts: rec.ts, measurements: pairs }
          }
        }
      }
      const folded = this.fold(results())
      const last = rows[rows.length - 1]?.[0] ?? this.cursor
      this.saveCursor.run(ROLLUP_CURSOR_KEY, String(last))
      this.cursor = last
      return { batches: rows.length, ...folded }
    })()
  }

  /**
   * Steps until no log row is left after the cursor, yielding to the event loop between steps.
   * @returns results folded
   */
  async catchUp(stepBatches = 50): Promise<number> {
    let total = 0
    for (;;) {
      const s = this.step(stepBatches)
      total += s.results
      if (s.batches < stepBatches) return total
      await new Promise<void>((r) => setImmediate(r))
    }
  }
}
