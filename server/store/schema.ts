/**
 * SQLite schema (drizzle). Tables only; row types come from `$inferSelect`.
 * Times are integer milliseconds since the Unix epoch unless the column says `_date`.
 * @module
 */
import { sql } from 'drizzle-orm'
import { index, integer, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'

/** Key/value settings the server owns (province identity, demo flag, schema facts). */
export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
})

export const provinces = sqliteTable('provinces', {
  code: text('code').primaryKey(),
  name: text('name').notNull(),
})

export const communes = sqliteTable(
  'communes',
  {
    code: text('code').primaryKey(),
    name: text('name').notNull(),
    kind: text('kind', { enum: ['xa', 'phuong', 'dac_khu'] }).notNull().default('xa'),
    districtCluster: text('district_cluster').notNull().default(''),
    lat: real('lat').notNull(),
    lon: real('lon').notNull(),
    contractedMbps: real('contracted_mbps').notNull().default(100),
    priority: integer('priority').notNull().default(0),
    notes: text('notes').notNull().default(''),
    /** Per-commune threshold overrides (JSON object), applied over the defaults. */
    thresholds: text('thresholds', { mode: 'json' }).$type<Record<string, number>>(),
    demo: integer('demo', { mode: 'boolean' }).notNull().default(false),
    createdAt: integer('created_at').notNull().default(sql`(unixepoch('subsec') * 1000)`),
    updatedAt: integer('updated_at').notNull().default(sql`(unixepoch('subsec') * 1000)`),
  },
  (t) => [index('communes_cluster_idx').on(t.districtCluster)],
)

export const sites = sqliteTable('sites', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  communeCode: text('commune_code')
    .notNull()
    .references(() => communes.code, { onDelete: 'cascade' }),
  name: text('name').notNull(),
  kind: text('kind').notNull().default('office'),
  lat: real('lat'),
  lon: real('lon'),
})

export const probes = sqliteTable('probes', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  /** sha256 of the token; the token itself is shown once and never stored. */
  tokenHash: text('token_hash').notNull(),
  location: text('location').notNull().default(''),
  builtin: integer('builtin', { mode: 'boolean' }).notNull().default(false),
  version: text('version'),
  lastSeenAt: integer('last_seen_at'),
  spoolBatches: integer('spool_batches'),
  revokedAt: integer('revoked_at'),
  createdAt: integer('created_at').notNull().default(sql`(unixepoch('subsec') * 1000)`),
})

export const targets = sqliteTable(
  'targets',
  {
    id: text('id').primaryKey(),
    communeCode: text('commune_code')
      .notNull()
      .references(() => communes.code, { onDelete: 'cascade' }),
    siteId: integer('site_id').references(() => sites.id, { onDelete: 'set null' }),
    name: text('name'),
    kind: text('kind').notNull(),
    host: text('host').notNull(),
    port: integer('port'),
    role: text('role').notNull(),
    intervalS: real('interval_s').notNull(),
    timeoutS: real('timeout_s').notNull(),
    options: text('options', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    parents: text('parents', { mode: 'json' }).$type<string[]>().notNull(),
    /** Null: run by the server's embedded probe. */
    probeId: text('probe_id').references(() => probes.id, { onDelete: 'set null' }),
    enabled: integer('enabled', { mode: 'boolean' }).notNull().default(true),
    thresholds: text('thresholds', { mode: 'json' }).$type<Record<string, number>>(),
    createdAt: integer('created_at').notNull().default(sql`(unixepoch('subsec') * 1000)`),
    updatedAt: integer('updated_at').notNull().default(sql`(unixepoch('subsec') * 1000)`),
  },
  (t) => [index('targets_commune_idx').on(t.communeCode), index('targets_probe_idx').on(t.probeId)],
)

/**
 * Raw check results. `seq` keeps inserts append-only on the rowid b-tree; `id` (the probe's
 * UUID) is unique so replays insert nothing twice.
 */
export const results = sqliteTable(
  'results',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull(),
    targetId: text('target_id').notNull(),
    probeId: text('probe_id').notNull(),
    observedAt: integer('observed_at').notNull(),
    receivedAt: integer('received_at').notNull(),
    durationMs: real('duration_ms').notNull(),
    ok: integer('ok', { mode: 'boolean' }).notNull(),
    error: text('error'),
    measurements: text('measurements').notNull(),
  },
  (t) => [uniqueIndex('results_id_uq').on(t.id), index('results_target_time_idx').on(t.targetId, t.observedAt)],
)

export const coverageGaps = sqliteTable(
  'coverage_gaps',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    communeCode: text('commune_code')
      .notNull()
      .references(() => communes.code, { onDelete: 'cascade' }),
    hamlet: text('hamlet').notNull(),
    kind: text('kind', { enum: ['no_mobile', 'no_power', 'no_internet', 'weak_mobile'] }).notNull(),
    population: integer('population'),
    households: integer('households'),
    sinceDate: text('since_date'),
    plannedFix: text('planned_fix'),
    fixedAtDate: text('fixed_at_date'),
    source: text('source').notNull().default(''),
  },
  (t) => [index('coverage_gaps_commune_idx').on(t.communeCode)],
)

export const supportGroups = sqliteTable('support_groups', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull().unique(),
  channels: text('channels', { mode: 'json' }).$type<unknown[]>().notNull(),
  communes: text('communes', { mode: 'json' }).$type<string[]>().notNull(),
  clusters: text('clusters', { mode: 'json' }).$type<string[]>().notNull(),
  escalation: text('escalation', { mode: 'json' }).$type<unknown[]>().notNull(),
})

export const users = sqliteTable('users', {
  username: text('username').primaryKey(),
  passwordHash: text('password_hash').notNull(),
  role: text('role', { enum: ['viewer', 'operator', 'admin'] }).notNull(),
  createdAt: integer('created_at').notNull().default(sql`(unixepoch('subsec') * 1000)`),
})

/** Every inventory change: who, what, when. */
export const auditLog = sqliteTable('audit_log', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  at: integer('at').notNull(),
  actor: text('actor').notNull(),
  action: text('action').notNull(),
  entity: text('entity').notNull(),
  entityId: text('entity_id'),
  detail: text('detail'),
})

/** Maintenance windows and silences are stored now so inventory exports are complete; the engine uses them later. */
export const maintenance = sqliteTable('maintenance', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  scope: text('scope').notNull(),
  startsAt: integer('starts_at').notNull(),
  endsAt: integer('ends_at').notNull(),
  recurrence: text('recurrence'),
  reason: text('reason').notNull().default(''),
})

export type CommuneRow = typeof communes.$inferSelect
export type TargetRow = typeof targets.$inferSelect
export type ProbeRow = typeof probes.$inferSelect
export type CoverageGapRow = typeof coverageGaps.$inferSelect
export type ResultRow = typeof results.$inferSelect
export type UserRow = typeof users.$inferSelect

