/**
 * The persistence boundary. Synchronous (better-sqlite3 is), returns protocol types where the
 * callers are routes, rows where the callers are the state engine. Hot paths (ingest, series)
 * use prepared raw statements; inventory uses drizzle.
 * @module
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { and, asc, eq, gt, or, sql } from 'drizzle-orm'
import type Database from 'better-sqlite3'
import {
  KIND_DEFAULTS,
  TargetSpec,
  type CheckResult,
  type CommuneInput,
  type CoverageGapInput,
  type CoverageGapView,
  type TargetInput,
} from '../../protocol'
import { AppError } from '../errors'
import type { Db, OpenedDb } from './db'
import { createChannelStateRepo, type ChannelStateRepo } from './channel-state'
import { auditJson, createAuditRepo, type AuditContext, type AuditRepo } from './audit'
import { createUserRepo, type UserRepo } from './users'
import { BUCKET_MS, ROLLUP_TABLE, Rollups, rollupFilter, type SeriesResolution } from './rollups'
import { Retention, retentionCutoffs } from './retention'
import { RetentionConfig } from '../config'
import { SqliteResultStore, flushCursor, type FlushCursor, type InsertOutcome, type StoredResult } from './results/result-store'
import { LegacyMigration } from './results/legacy-migration'
import { createSettingsRepo, type SettingsRepo } from './settings'
import { createStateLogRepo, type StateLogRepo } from './state-log'
import { createDatabaseAdmin, type DatabaseAdmin } from './stats'
import type { AlertingRepos } from './alerting-repos'
import { createIncidentRepo, type IncidentRepo } from './incidents-repo'
import { createMaintenanceRepo, type MaintenanceRepo } from './maintenance-repo'
import { createNotificationLogRepo, type NotificationLogRepo } from './notification-log-repo'
import { createOutboxRepo, type OutboxRepo } from './outbox-repo'
import { createSilenceRepo, type SilenceRepo } from './silences-repo'
import { createSupportGroupRepo, type SupportGroupRepo } from './support-groups-repo'
import { interner } from '../intern'
import {
  communes,
  coverageGaps,
  probes,
  targets,
  type CommuneRow,
  type CoverageGapRow,
  type ProbeRow,
  type TargetRow,
} from './schema'

/**
 * Whether a probe runs a target assigned to `targetProbeId`: its own, and for the builtin
 * (embedded) probe also those assigned to no probe. The one rule behind a probe's config and
 * what it may ingest.
 */
export function probeOwnsTarget(probe: Pick<ProbeRow, 'id' | 'builtin'>, targetProbeId: string | null): boolean {
  return targetProbeId === probe.id || (probe.builtin && targetProbeId === null)
}

/** sha256 hex of a probe token; tokens are 256-bit random, so a fast hash is enough. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

/** A new random probe token (256 bits), shown once. */
export function newProbeToken(): string {
  return `xanh_p_${randomBytes(32).toString('base64url')}`
}

/**
 * Validates a target input against its kind's schema and fills per-kind defaults.
 * @throws AppError E_VALIDATION with paths relative to the target
 */
export function targetSpecFromInput(input: TargetInput, pathPrefix = ''): TargetSpec {
  const parsed = TargetSpec.safeParse(targetSpecCandidate(input))
  if (!parsed.success) throw AppError.fromZod(parsed.error, pathPrefix)
  return parsed.data
}

/** The spec an input asks for (per-kind defaults filled in), before its kind's schema judges it. */
export function targetSpecCandidate(input: TargetInput): Record<string, unknown> {
  const defaults = KIND_DEFAULTS[input.kind]
  return {
    id: input.id,
    communeCode: input.communeCode,
    ...(input.name !== undefined ? { name: input.name } : {}),
    kind: input.kind,
    host: input.host,
    ...(input.port !== undefined ? { port: input.port } : defaults.port !== undefined ? { port: defaults.port } : {}),
    role: input.role,
    intervalSeconds: input.intervalSeconds ?? defaults.intervalSeconds,
    timeoutSeconds: input.timeoutSeconds ?? Math.min(defaults.timeoutSeconds, input.intervalSeconds ?? defaults.intervalSeconds),
    parents: input.parents,
    options: input.options,
  }
}

/** Rebuilds the probe-facing spec from a stored row (validated when it was written). */
export function targetSpecFromRow(row: TargetRow): TargetSpec {
  return TargetSpec.parse({
    id: row.id,
    communeCode: row.communeCode,
    ...(row.name ? { name: row.name } : {}),
    kind: row.kind,
    host: row.host,
    ...(row.port !== null ? { port: row.port } : {}),
    role: row.role,
    intervalSeconds: row.intervalS,
    timeoutSeconds: row.timeoutS,
    parents: row.parents,
    options: row.options,
  })
}

const HOUR_MS = 3_600_000

function gapColumns(input: CoverageGapInput): Omit<typeof coverageGaps.$inferInsert, 'id'> {
  return {
    communeCode: input.communeCode,
    hamlet: input.hamlet,
    kind: input.kind,
    population: input.population,
    households: input.households,
    sinceDate: input.since,
    plannedFix: input.plannedFix,
    fixedAtDate: input.fixedAt,
    source: input.source,
  }
}

function gapView(row: CoverageGapRow): CoverageGapView {
  return {
    id: row.id,
    communeCode: row.communeCode,
    hamlet: row.hamlet,
    kind: row.kind,
    population: row.population,
    households: row.households,
    since: row.sinceDate,
    plannedFix: row.plannedFix,
    fixedAt: row.fixedAtDate,
    source: row.source,
  }
}

export type { InsertOutcome, StoredResult } from './results/result-store'

/** Options of a {@link Store}: retention and roll-up settings, and the clock. */
export interface StoreOptions {
  retention?: RetentionConfig
  now?: () => number
}

/** Per connection: how many rows of `targets` were written through it (counted by temp triggers). */
const targetWrites = new WeakMap<Database.Database, { n: number }>()

/**
 * Counts every write to `targets` made through this connection, cascades and foreign-key
 * `SET NULL` included: TEMP triggers (this connection only, never stored in the file) call back
 * into JS. One counter per connection, however many Stores wrap it.
 */
function watchTargetWrites(sqlite: Database.Database): { n: number } {
  const known = targetWrites.get(sqlite)
  if (known) return known
  const writes = { n: 0 }
  sqlite.function('xanh_targets_written', () => {
    writes.n++
    return null
  })
  for (const op of ['INSERT', 'UPDATE', 'DELETE']) {
    sqlite.exec(`CREATE TEMP TRIGGER IF NOT EXISTS xanh_targets_${op.toLowerCase()} AFTER ${op} ON main.targets BEGIN SELECT xanh_targets_written(); END`)
  }
  targetWrites.set(sqlite, writes)
  return writes
}

/** Everything the server persists, over one open database. */
export class Store implements AlertingRepos {
  private readonly seriesIdStmt: Database.Statement
  private readonly oldestHourStmt: Database.Statement
  private readonly rollupStmt: Record<'5m' | '1h', Database.Statement>
  private readonly rollupGroupedStmt: Record<'5m' | '1h', Database.Statement>
  private readonly probeKindStmt: Database.Statement
  /** Small values kept across restarts (read through {@link Store.getSetting} and friends too). */
  readonly settings: SettingsRepo
  /** Every state change of every target and commune (SLA reports, histories). */
  readonly stateLog: StateLogRepo
  /** The database as a file: stats, online backup, writes by other processes, migrations. */
  readonly database: DatabaseAdmin
  private readonly targetWrites: { n: number }
  private readonly dataVersionStmt: Database.Statement
  private readonly targetsShapeStmt: Database.Statement
  private seenDataVersion: number | null = null
  private seenTargetsShape = ''
  private foreignTargetWrites = 0
  /** Every target's probe, as of {@link Store.targetsVersion} `version`. */
  private owners: { version: number; byId: Map<string, string | null> } | null = null
  /**
   * One copy of each inventory key the store hands out (target ids, commune codes, kinds, roles,
   * clusters, probe ids). Each module that reads the inventory (state engine, alerting,
   * maintenance, ingest's owners map, reports) keeps its own rows; read through this pool they
   * share the strings. A heap snapshot at national load counted 65,943 strings for 9,963 target
   * ids before (issue 14). Bounded: a pool this size starts over (a province has ~1,000 keys).
   */
  private readonly keys = interner(1 << 18)
  private readonly allOwnersStmt: Database.Statement
  private readonly probeByHashQuery
  private readonly touchStmt: Database.Statement
  private readonly touchWithClockStmt: Database.Statement
  /** Delivery health and rotated credentials of alert channels. */
  readonly channels: ChannelStateRepo
  /** Users and their dashboard sessions. */
  readonly users: UserRepo
  /** The audit log (written by {@link Store.audit}). */
  readonly auditLog: AuditRepo
  // ---- alerting state (see ./alerting-repos.ts) ----
  /** Incidents and their timelines. */
  readonly incidents: IncidentRepo
  /** Notifications waiting for, or done with, delivery. */
  readonly outbox: OutboxRepo
  /** What each receiver and group was last told. */
  readonly notificationLog: NotificationLogRepo
  /** Ad-hoc silences. */
  readonly silences: SilenceRepo
  /** Scheduled maintenance windows. */
  readonly maintenance: MaintenanceRepo
  /** Support groups and their channel configs. */
  readonly supportGroups: SupportGroupRepo
  /**
   * The role and address of whoever causes the current write (the HTTP layer sets this to read
   * its per-request context); null outside a request (CLI, demo, the server's own actions).
   */
  auditContext: () => AuditContext | undefined = () => undefined

  /** Raw results: batch log, open and sealed chunks (results/result-store.ts). */
  readonly results: SqliteResultStore
  /** 5-minute and hourly rollups, folded from the batch log. */
  readonly rollups: Rollups
  /** Deletes what is older than the retention settings. */
  readonly retention: Retention
  /** Moves a database written before issue 14 into the current layout (online, resumable). */
  readonly legacy: LegacyMigration
  private readonly flushState: FlushCursor = flushCursor(100)
  private readonly now: () => number

  /** A store over a database opened by `openDatabase` (./db.ts); the caller keeps `opened` to close it. */
  static fromOpened(opened: OpenedDb, opts: StoreOptions = {}): Store {
    return new Store(opened.sqlite, opened.db, opts)
  }

  /**
   * @param sqlite the connection. Public only while the alerting module still queries through
   *   it; code outside server/store/ must not use it or `db` (test/architecture.test.ts).
   * @param db drizzle over the same connection (same rule)
   */
  constructor(
    readonly sqlite: Database.Database,
    readonly db: Db,
    opts: StoreOptions = {},
  ) {
    const retention = opts.retention ?? RetentionConfig.parse({})
    const now = opts.now ?? Date.now
    this.now = now
    this.settings = createSettingsRepo(db)
    this.stateLog = createStateLogRepo(sqlite)
    this.database = createDatabaseAdmin(sqlite)
    this.channels = createChannelStateRepo(db)
    this.users = createUserRepo(db)
    this.auditLog = createAuditRepo(db)
    this.incidents = createIncidentRepo(db)
    this.outbox = createOutboxRepo(db)
    this.notificationLog = createNotificationLogRepo(db)
    this.silences = createSilenceRepo(db)
    this.maintenance = createMaintenanceRepo(db)
    this.supportGroups = createSupportGroupRepo(db)
    let rollups: Rollups | undefined
    // Results are folded into the rollups as they are sealed, in the sealing transaction.
    this.results = new SqliteResultStore(sqlite, { windowMs: retention.chunkMinutes * 60_000, onSeal: (tid, records) => rollups?.foldSealed(tid, records) })
    rollups = new Rollups(
      sqlite,
      this.results,
      () => {
        const c = retentionCutoffs(retention, now())
        return { '5m': c.rollups_5m, '1h': c.rollups_1h }
      },
      rollupFilter(retention.rollupMetrics),
    )
    this.rollups = rollups
    this.retention = new Retention(sqlite, retention, this.results, now)
    this.legacy = new LegacyMigration(sqlite, this.results, rollups, () => retentionCutoffs(retention, now()).rollups_5m / 1000)
    this.legacy.dropIfEmpty()
    this.oldestHourStmt = sqlite.prepare('SELECT min(r.t) FROM rollups_1h r JOIN rollup_series s ON s.id = r.series_id WHERE s.target_id = ?').pluck()
    this.seriesIdStmt = sqlite.prepare('SELECT id FROM rollup_series WHERE target_id = ? AND metric = ?').pluck()
    const rollupSql = (table: string): string => `SELECT t, n, sum FROM ${table} WHERE series_id = ? AND t >= ? AND t < ? ORDER BY t`
    this.rollupStmt = { '5m': sqlite.prepare(rollupSql(ROLLUP_TABLE['5m'])).raw(), '1h': sqlite.prepare(rollupSql(ROLLUP_TABLE['1h'])).raw() }
    // Bucket starts are ≥ the range start, so the cast floors: the step index of each row.
    const groupedSql = (table: string): string =>
      `SELECT CAST((t - ?) / ? AS INTEGER) AS s, sum(n), sum(sum) FROM ${table} WHERE series_id = ? AND t >= ? AND t < ? GROUP BY s ORDER BY s`
    this.rollupGroupedStmt = { '5m': sqlite.prepare(groupedSql(ROLLUP_TABLE['5m'])).raw(), '1h': sqlite.prepare(groupedSql(ROLLUP_TABLE['1h'])).raw() }
    this.probeKindStmt = sqlite.prepare('SELECT 1 FROM targets WHERE kind = ? AND enabled = 1 AND (probe_id = ? OR (? = 1 AND probe_id IS NULL)) LIMIT 1')
    this.targetWrites = watchTargetWrites(sqlite)
    this.dataVersionStmt = sqlite.prepare('PRAGMA data_version').pluck()
    this.targetsShapeStmt = sqlite.prepare('SELECT count(*), coalesce(max(updated_at), 0), count(*) - count(probe_id) FROM targets').raw()
    this.allOwnersStmt = sqlite.prepare('SELECT id, probe_id FROM targets').raw()
    // Ingest reads the probe and records its heartbeat per batch: built once, not per request.
    const hash = sql.placeholder('hash')
    this.probeByHashQuery = db
      .select()
      .from(probes)
      .where(or(eq(probes.tokenHash, hash), and(eq(probes.previousTokenHash, hash), gt(probes.previousTokenValidUntil, sql.placeholder('now')))))
      .prepare()
    this.touchStmt = sqlite.prepare('UPDATE probes SET last_seen_at = ?, version = ?, spool_batches = ? WHERE id = ?')
    this.touchWithClockStmt = sqlite.prepare('UPDATE probes SET last_seen_at = ?, version = ?, spool_batches = ?, clock_offset_ms = ?, clock_offset_at = ? WHERE id = ?')
  }

  // ---- settings ----

  getSetting(key: string): string | undefined {
    return this.settings.get(key)
  }

  setSetting(key: string, value: string): void {
    this.settings.set(key, value)
  }

  /** Forgets a setting (reads as never set again, unlike an empty value). */
  deleteSetting(key: string): void {
    this.settings.delete(key)
  }

  // ---- results ----

  /**
   * Stores a batch: one log row in one statement, idempotent on (target, observedAt). The
   * results wait in open chunks until {@link Store.sealChunks} (the storage timer) seals them;
   * past their memory budget it seals everything open at its next run.
   * @returns counts, and the results that were new
   */
  insertResults(probeId: string, batch: readonly CheckResult[], receivedAt: number): InsertOutcome {
    return this.results.insertBatch(probeId, batch, receivedAt)
  }

  /** Total stored results (tests and `db stats`). */
  countResults(): number {
    return this.results.count()
  }

  /**
   * Seals finished chunk windows (all open results with `all`), a few hundred targets per call,
   * each call one transaction. @returns whether more remains for this pass
   */
  sealChunks(all = false): boolean {
    return this.results.flushStep(this.now(), all || this.results.overBudget, this.flushState).more
  }

  /** Seals every open result now (shutdown, tests, benchmarks). */
  sealAll(): void {
    // Its own pass: one the timer left half-way seals only up to its own horizon.
    const cursor = flushCursor(this.flushState.maxTargets)
    while (this.results.flushStep(this.now(), true, cursor).more);
  }

  /**
   * Time series of one measurement, averaged per step; steps without any sample are null
   * (a data gap, never interpolated). Failed rounds contribute their measurements too
   * (a 100 %-loss round has loss_ratio 1). `resolution` says where to read: raw results, or a
   * rollup table, whose buckets count in the step their start falls in (pick it with
   * `planSeries`, which also aligns the range).
   */
  querySeries(targetId: string, metric: string, fromMs: number, toMs: number, stepMs: number, resolution: SeriesResolution = 'raw'): Array<[number, number | null]> {
    const buckets = Math.max(1, Math.ceil((toMs - fromMs) / stepMs))
    const sum = new Float64Array(buckets)
    const count = new Float64Array(buckets)
    if (resolution === 'raw') {
      const key = this.results.metricKey(metric)
      if (key !== undefined) {
        for (const r of this.results.records(targetId, fromMs, toMs)) {
          for (let i = 0; i < r.values.length; i += 2) {
            if (r.values[i] !== key) continue
            const b = Math.min(buckets - 1, Math.floor((r.ts - fromMs) / stepMs))
            sum[b] = (sum[b] ?? 0) + (r.values[i + 1] as number)
            count[b] = (count[b] ?? 0) + 1
            break
          }
        }
      }
    } else {
      const series = this.seriesIdStmt.get(targetId, metric) as number | undefined
      if (series !== undefined) {
        // Steps wider than the bucket are summed by SQLite (one row per step, not per bucket).
        const grouped = stepMs > BUCKET_MS[resolution]
        const rows = (grouped ? this.rollupGroupedStmt[resolution].all(fromMs / 1000, stepMs / 1000, series, Math.floor(fromMs / 1000), Math.ceil(toMs / 1000)) : this.rollupStmt[resolution].all(series, Math.floor(fromMs / 1000), Math.ceil(toMs / 1000))) as Array<[number, number, number]>
        for (const [t, n, s] of rows) {
          const b = grouped ? Math.min(buckets - 1, t) : Math.min(buckets - 1, Math.floor((t * 1000 - fromMs) / stepMs))
          if (b < 0) continue
          sum[b] = (sum[b] ?? 0) + s
          count[b] = (count[b] ?? 0) + n
        }
      }
      // Results not sealed yet are in no bucket: they count from the open chunk, so a chart
      // is current to the last result (a result is in exactly one of the two).
      const key = this.results.metricKey(metric)
      if (key !== undefined) {
        for (const r of this.results.openRecordsOf(targetId, fromMs, toMs)) {
          for (let i = 0; i < r.values.length; i += 2) {
            if (r.values[i] !== key) continue
            // A rollup bucket counts in the step its start falls in: so does an open result.
            const bucketStart = r.ts - (r.ts % BUCKET_MS[resolution])
            const b = Math.min(buckets - 1, Math.floor((bucketStart - fromMs) / stepMs))
            if (b >= 0) {
              sum[b] = (sum[b] ?? 0) + (r.values[i + 1] as number)
              count[b] = (count[b] ?? 0) + 1
            }
            break
          }
        }
      }
    }
    const points: Array<[number, number | null]> = []
    for (let i = 0; i < buckets; i++) {
      const n = count[i] ?? 0
      points.push([Math.round((fromMs + i * stepMs) / 1000), n > 0 ? (sum[i] ?? 0) / n : null])
    }
    return points
  }

  /** Results of every target since a time, oldest first (warms the state engine at start). */
  recentResults(sinceMs: number): StoredResult[] {
    return this.results.since(sinceMs)
  }

  /**
   * The latest `n` successful results of each target observed before `beforeMs`, oldest first
   * (warms the throughput median, whose tests are hours apart).
   */
  latestOkResults(targetIds: readonly string[], n: number, beforeMs: number): StoredResult[] {
    return this.results.latestOk(targetIds, n, beforeMs)
  }

  /**
   * When the oldest stored measurement of a target was observed (ms), raw results or hourly
   * rollups that outlive them; null when there is none. A rollup says only which hour held data,
   * so its hour start counts only when it is older than the hour of the oldest raw result (the raw
   * rows of that time expired): the hour of the same data would make a 5½-hour history look older
   * than 6 hours, and the commune page open on 24 hours.
   */
  oldestHistoryAt(targetId: string): number | null {
    const raw = this.results.oldestAt(targetId)
    const hour = this.oldestHourStmt.get(targetId) as number | null
    const hourStart = hour === null ? null : hour * 1000
    if (hourStart !== null && (raw === null || hourStart < Math.floor(raw / HOUR_MS) * HOUR_MS)) return hourStart
    return raw
  }

  /** Results stored but not yet folded into the rollups: the open ones (`db stats`, `/metrics`). */
  rollupBacklog(): number {
    return this.results.openCount
  }

  // ---- communes ----

  listCommunes(): CommuneRow[] {
    const rows = this.db.select().from(communes).orderBy(asc(communes.code)).all()
    for (const r of rows) {
      r.code = this.keys(r.code)
      r.kind = this.keys(r.kind) as CommuneRow['kind']
      r.districtCluster = this.keys(r.districtCluster)
    }
    return rows
  }

  getCommune(code: string): CommuneRow | undefined {
    return this.db.select().from(communes).where(eq(communes.code, code)).get()
  }

  countCommunes(): number {
    return (this.sqlite.prepare('SELECT count(*) AS n FROM communes').get() as { n: number }).n
  }

  /** Inserts or updates a commune (by code). */
  upsertCommune(input: CommuneInput, demo = false): void {
    const values = { ...input, demo, updatedAt: Date.now() }
    this.db
      .insert(communes)
      .values(values)
      .onConflictDoUpdate({ target: communes.code, set: { ...values } })
      .run()
  }

  /** Deletes a commune and (cascade) its targets and gaps. @returns false if it did not exist */
  deleteCommune(code: string): boolean {
    return this.db.delete(communes).where(eq(communes.code, code)).run().changes > 0
  }

  /** Deletes every demo commune (cascade: their targets and gaps). @returns communes deleted */
  deleteDemoCommunes(): number {
    return this.db.delete(communes).where(eq(communes.demo, true)).run().changes
  }

  // ---- targets ----

  listTargets(): TargetRow[] {
    const rows = this.db.select().from(targets).orderBy(asc(targets.id)).all()
    for (const r of rows) {
      r.id = this.keys(r.id)
      r.communeCode = this.keys(r.communeCode)
      r.kind = this.keys(r.kind) as TargetRow['kind']
      r.role = this.keys(r.role) as TargetRow['role']
      if (r.probeId !== null) r.probeId = this.keys(r.probeId)
    }
    return rows
  }

  getTarget(id: string): TargetRow | undefined {
    return this.db.select().from(targets).where(eq(targets.id, id)).get()
  }

  /**
   * Inserts or updates a target after validating it against its kind.
   * @throws AppError E_VALIDATION (bad options), E_NOT_FOUND (unknown commune or probe)
   */
  upsertTarget(input: TargetInput, pathPrefix = ''): TargetSpec {
    const spec = targetSpecFromInput(input, pathPrefix)
    if (!this.getCommune(input.communeCode)) {
      throw new AppError('E_VALIDATION', `${pathPrefix ? pathPrefix + '.' : ''}communeCode: unknown commune ${input.communeCode}`, [
        { path: `${pathPrefix ? pathPrefix + '.' : ''}communeCode`, message: `unknown commune ${input.communeCode}`, code: 'unknown_commune', params: { code: input.communeCode } },
      ])
    }
    if (input.probeId !== null && !this.getProbe(input.probeId)) {
      throw new AppError('E_VALIDATION', `probeId: unknown probe ${input.probeId}`, [
        { path: `${pathPrefix ? pathPrefix + '.' : ''}probeId`, message: `unknown probe ${input.probeId}`, code: 'unknown_probe', params: { probe: input.probeId } },
      ])
    }
    const values = {
      id: spec.id,
      communeCode: spec.communeCode,
      name: spec.name ?? null,
      kind: spec.kind,
      host: spec.host,
      port: spec.port ?? null,
      role: spec.role,
      intervalS: spec.intervalSeconds,
      timeoutS: spec.timeoutSeconds,
      options: spec.options as Record<string, unknown>,
      parents: spec.parents,
      probeId: input.probeId,
      enabled: input.enabled,
      ...(input.thresholds !== undefined ? { thresholds: input.thresholds } : {}),
      updatedAt: Date.now(),
    }
    this.db.insert(targets).values(values).onConflictDoUpdate({ target: targets.id, set: values }).run()
    return spec
  }

  deleteTarget(id: string): boolean {
    return this.db.delete(targets).where(eq(targets.id, id)).run().changes > 0
  }

  /**
   * Enabled targets a probe runs: its own, and for the builtin (embedded) probe also those
   * assigned to no probe.
   */
  targetsForProbe(probe: ProbeRow): TargetSpec[] {
    return this.listTargets()
      .filter((t) => t.enabled && probeOwnsTarget(probe, t.probeId))
      .map(targetSpecFromRow)
  }

  /**
   * A number that changes whenever the targets table may have changed, for caches of what is
   * derived from it (a probe's config ETag, target owners): on every write through this
   * connection, and on a commit by another one (a CLI in another process) that changed the
   * table's row count, latest `updated_at` or count of unassigned targets. While nothing
   * changed it reads no table (`PRAGMA data_version` only), so ingest can ask per batch.
   */
  targetsVersion(): number {
    const dataVersion = this.dataVersionStmt.get() as number
    if (dataVersion !== this.seenDataVersion) {
      this.seenDataVersion = dataVersion
      const shape = JSON.stringify(this.targetsShapeStmt.get())
      if (shape !== this.seenTargetsShape) {
        this.seenTargetsShape = shape
        this.foreignTargetWrites++
      }
    }
    // Both only grow, so the sum changes whenever either does.
    return this.targetWrites.n + this.foreignTargetWrites
  }

  /**
   * The probe every target is assigned to (null: the embedded probe), enabled or not, by target
   * id. Read again only after the targets changed ({@link Store.targetsVersion}): ingest asks
   * once per batch and looks its results' targets up in it (no map built per batch).
   */
  targetOwners(): ReadonlyMap<string, string | null> {
    const version = this.targetsVersion()
    if (this.owners?.version !== version) {
      const rows = this.allOwnersStmt.all() as Array<[string, string | null]>
      // A few probes own thousands of targets: one copy of each probe id, not one per row.
      this.owners = { version, byId: new Map(rows.map(([id, probe]) => [this.keys(id), probe === null ? null : this.keys(probe)])) }
    }
    return this.owners.byId
  }

  /** True when the probe runs at least one enabled target of this kind (see {@link Store.targetsForProbe}). */
  probeRunsKind(probe: ProbeRow, kind: string): boolean {
    return this.probeKindStmt.get(kind, probe.id, probe.builtin ? 1 : 0) !== undefined
  }

  // ---- probes ----

  listProbes(): ProbeRow[] {
    return this.db.select().from(probes).orderBy(asc(probes.name)).all()
  }

  getProbe(id: string): ProbeRow | undefined {
    return this.db.select().from(probes).where(eq(probes.id, id)).get()
  }

  getProbeByName(name: string): ProbeRow | undefined {
    return this.db.select().from(probes).where(eq(probes.name, name)).get()
  }

  /**
   * Finds a non-revoked probe by its bearer token: the current one, or the one before the last
   * rotation while its grace lasts (`previousTokenValidUntil` > `now`). Read from the database
   * on every call, never cached, so a revocation or the end of a grace applies to the next request.
   */
  probeByToken(token: string, now: number = Date.now()): ProbeRow | undefined {
    const row = this.probeByHashQuery.get({ hash: hashToken(token), now })
    return row && row.revokedAt === null ? row : undefined
  }

  /**
   * Creates a probe and returns its token (the only time it exists in clear).
   * @throws AppError E_CONFLICT when the name is taken
   */
  createProbe(name: string, location: string, builtin = false): { probe: ProbeRow; token: string } {
    if (this.getProbeByName(name)) throw new AppError('E_CONFLICT', `a probe named ${name} already exists`, [{ path: 'name', message: 'already exists' }])
    const token = newProbeToken()
    const id = `p-${randomUUID().slice(0, 8)}`
    this.db.insert(probes).values({ id, name, location, builtin, tokenHash: hashToken(token) }).run()
    const probe = this.getProbe(id)
    if (!probe) throw new AppError('E_INTERNAL', 'probe vanished after insert')
    return { probe, token }
  }

  /**
   * Replaces a probe's token and returns the new one. The old token keeps working for `graceMs`
   * (0, the default: it stops at once), so an agent can be switched without losing results; the
   * token before it stops now (one grace at a time). A revoked probe gets a new token and is
   * active again, but its old token stays dead: a revoked token never comes back.
   * @throws AppError E_NOT_FOUND when there is no such probe
   */
  rotateProbeToken(id: string, graceMs = 0, now: number = Date.now()): string {
    const probe = this.getProbe(id)
    if (!probe) throw new AppError('E_NOT_FOUND', `no probe ${id}`)
    const token = newProbeToken()
    const keepOld = graceMs > 0 && probe.revokedAt === null
    this.db
      .update(probes)
      .set({
        tokenHash: hashToken(token),
        revokedAt: null,
        previousTokenHash: keepOld ? probe.tokenHash : null,
        previousTokenValidUntil: keepOld ? now + graceMs : null,
      })
      .where(eq(probes.id, id))
      .run()
    return token
  }

  /** Revokes a probe: its token, and a previous one still in its rotation grace, stop working at once. */
  revokeProbe(id: string, now: number = Date.now()): boolean {
    return this.db.update(probes).set({ revokedAt: now, previousTokenHash: null, previousTokenValidUntil: null }).where(eq(probes.id, id)).run().changes > 0
  }

  /** Stores the probe's clock offset (its clock minus the server's, ms) measured at `at`. */
  recordClockOffset(id: string, offsetMs: number, at: number): void {
    this.db.update(probes).set({ clockOffsetMs: Math.round(offsetMs), clockOffsetAt: at }).where(eq(probes.id, id)).run()
  }

  deleteProbe(id: string): boolean {
    return this.db.delete(probes).where(eq(probes.id, id)).run().changes > 0
  }

  /** Records a heartbeat, and the probe's clock offset (ms) when the caller measured one (a batch's sentAt). */
  touchProbe(id: string, at: number, version: string | null, spoolBatches: number | null, clockOffsetMs?: number): void {
    if (clockOffsetMs === undefined) this.touchStmt.run(at, version, spoolBatches, id)
    else this.touchWithClockStmt.run(at, version, spoolBatches, Math.round(clockOffsetMs), at, id)
  }

  // ---- coverage gaps ----

  listGaps(communeCode?: string): CoverageGapView[] {
    const q = this.db.select().from(coverageGaps)
    const rows = communeCode ? q.where(eq(coverageGaps.communeCode, communeCode)).all() : q.all()
    return rows.map(gapView)
  }

  addGap(input: CoverageGapInput): CoverageGapView {
    const row = this.db
      .insert(coverageGaps)
      .values(gapColumns(input))
      .returning()
      .get()
    return gapView(row)
  }

  deleteGap(id: number): boolean {
    return this.db.delete(coverageGaps).where(eq(coverageGaps.id, id)).run().changes > 0
  }

  // ---- audit ----

  /**
   * Records a write: who, what, which entity, optional detail and the entity before → after.
   * The actor's role and address come from {@link Store.auditContext}.
   */
  audit(actor: string, action: string, entity: string, entityId: string | null, detail?: unknown, change?: { before?: unknown; after?: unknown }): void {
    const ctx = this.auditContext()
    this.auditLog.write({
      at: Date.now(),
      actor,
      action,
      entity,
      entityId,
      detail: auditJson(detail),
      role: ctx?.role ?? null,
      address: ctx?.address ?? null,
      before: auditJson(change?.before),
      after: auditJson(change?.after),
    })
  }

  /** Runs `fn` in one transaction: all of it is written or none. */
  transaction<T>(fn: () => T): T {
    return this.sqlite.transaction(fn)()
  }

  // ---- appended for inventory import ----

  /**
   * Replaces every field of a coverage gap (imports match gaps by commune + hamlet + kind).
   * @throws AppError E_NOT_FOUND when no gap has this id
   */
  updateGap(id: number, input: CoverageGapInput): CoverageGapView {
    const row = this.db
      .update(coverageGaps)
      .set(gapColumns(input))
      .where(eq(coverageGaps.id, id))
      .returning()
      .get()
    if (!row) throw new AppError('E_NOT_FOUND', `no coverage gap ${id}`)
    return gapView(row)
  }
}
