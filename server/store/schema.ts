/**
 * SQLite schema (drizzle). Tables only; row types come from `$inferSelect`.
 * Times are integer milliseconds since the Unix epoch unless the column says `_date`.
 * @module
 */
import { sql } from 'drizzle-orm'
import { blob, index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'

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
  /** The token before the last rotation, accepted until `previousTokenValidUntil` (grace for the agent to switch). */
  previousTokenHash: text('previous_token_hash'),
  previousTokenValidUntil: integer('previous_token_valid_until'),
  /** The agent's clock minus the server's, from the last batch's `sentAt` (ms), and when it was measured. */
  clockOffsetMs: integer('clock_offset_ms'),
  clockOffsetAt: integer('clock_offset_at'),
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
 * Dictionary of the result store: target ids, metric names and probe ids as small integers
 * (`kind` 't', 'm', 'p'), so chunks and the batch log carry a varint instead of a string.
 * Rows are never deleted (a few per target).
 */
export const resultKeys = sqliteTable(
  'result_keys',
  {
    id: integer('id').primaryKey(),
    kind: text('kind', { enum: ['t', 'm', 'p'] }).notNull(),
    name: text('name').notNull(),
  },
  (t) => [uniqueIndex('result_keys_uq').on(t.kind, t.name)],
)

/**
 * The batch log: one row per accepted batch, its new results encoded (results/codec.ts),
 * written before ingest answers. A row goes once its results are sealed into chunks and
 * folded into the rollups (results/result-store.ts).
 */
export const resultLog = sqliteTable('result_log', {
  seq: integer('seq').primaryKey(),
  receivedAt: integer('received_at').notNull(),
  /** The newest observedAt in the batch (ms): the row can go when its window is sealed. */
  maxTs: integer('max_ts').notNull(),
  n: integer('n').notNull(),
  data: blob('data', { mode: 'buffer' }).notNull(),
})

/**
 * Open results moved out of memory: a target's unsealed records, written in runs as they pile
 * up (results/result-store.ts), so ~10,000 targets do not each hold up to 17 minutes of results
 * in memory until their window is sealed. A run is records in the codec's format, its first
 * delta from zero. The rows of a target go when its window is sealed. Not a second copy to
 * keep: the batch log still holds every one of them until then.
 */
export const resultSpill = sqliteTable(
  'result_spill',
  {
    id: integer('id').primaryKey(),
    tid: integer('tid').notNull(),
    n: integer('n').notNull(),
    tMin: integer('t_min').notNull(),
    tMax: integer('t_max').notNull(),
    data: blob('data', { mode: 'buffer' }).notNull(),
  },
  (t) => [index('result_spill_tid').on(t.tid)],
)

/**
 * Sealed results: one row per target (key) and time window `w` (start, ms), records sorted by
 * time and deflated. Retention deletes whole rows.
 */
export const resultChunks = sqliteTable(
  'result_chunks',
  {
    id: integer('id').primaryKey(),
    tid: integer('tid').notNull(),
    w: integer('w').notNull(),
    n: integer('n').notNull(),
    tFirst: integer('t_first').notNull(),
    tLast: integer('t_last').notNull(),
    data: blob('data', { mode: 'buffer' }).notNull(),
  },
  (t) => [uniqueIndex('result_chunks_tw').on(t.tid, t.w)],
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
  /** ChannelConfig[] (protocol/alerting.ts); holds secrets: never returned unredacted. */
  channels: text('channels', { mode: 'json' }).$type<unknown[]>().notNull(),
  communes: text('communes', { mode: 'json' }).$type<string[]>().notNull(),
  clusters: text('clusters', { mode: 'json' }).$type<string[]>().notNull(),
  roles: text('roles', { mode: 'json' }).$type<string[]>().notNull().default(sql`'[]'`),
  minSeverity: text('min_severity').notNull().default('warning'),
  language: text('language').notNull().default('vi'),
  sendResolved: integer('send_resolved', { mode: 'boolean' }).notNull().default(true),
  escalation: text('escalation', { mode: 'json' }).$type<unknown[]>().notNull(),
})

/**
 * What Xanh knows about each channel of each support group beyond its config: delivery health
 * (last success, last error and what it needs, consecutive failures, next retry), whether it was
 * disabled by the receiver (410 Gone), and credentials the provider rotates (a Zalo OA token
 * pair: the refresh token is single-use, so the new pair must outlive a crash). `configHash`
 * ties the row to the channel config it was written for: a changed channel starts afresh.
 */
export const channelState = sqliteTable(
  'channel_state',
  {
    groupId: integer('group_id')
      .notNull()
      .references(() => supportGroups.id, { onDelete: 'cascade' }),
    channelIndex: integer('channel_index').notNull(),
    configHash: text('config_hash').notNull(),
    lastAttemptAt: integer('last_attempt_at'),
    lastSuccessAt: integer('last_success_at'),
    lastErrorAt: integer('last_error_at'),
    lastError: text('last_error'),
    /** What the last error needs: `retry` (it will pass), `admin` (a person must act), `permanent`. */
    lastErrorAction: text('last_error_action', { enum: ['retry', 'admin', 'permanent'] }),
    /** A stable code of the cause (`zalo_token_expired`, `http_410`…), explained in the UI's language. */
    lastErrorCode: text('last_error_code'),
    consecutiveFailures: integer('consecutive_failures').notNull().default(0),
    nextRetryAt: integer('next_retry_at'),
    disabledAt: integer('disabled_at'),
    disabledReason: text('disabled_reason'),
    credentials: text('credentials', { mode: 'json' }).$type<Record<string, unknown>>(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.groupId, t.channelIndex] })],
)

export const users = sqliteTable('users', {
  username: text('username').primaryKey(),
  passwordHash: text('password_hash').notNull(),
  role: text('role', { enum: ['viewer', 'operator', 'admin'] }).notNull(),
  createdAt: integer('created_at').notNull().default(sql`(unixepoch('subsec') * 1000)`),
  /** A person's name as colleagues know it (Vietnamese with diacritics). */
  displayName: text('display_name').notNull().default(''),
  /** Disabled users cannot sign in; their sessions end at once. */
  disabledAt: integer('disabled_at'),
  passwordChangedAt: integer('password_changed_at'),
})

/**
 * Dashboard sessions: the cookie holds a random id, the table its SHA-256, so a session can be
 * listed and revoked, and a stolen database does not hand out live cookies.
 */
export const sessions = sqliteTable(
  'sessions',
  {
    idHash: text('id_hash').primaryKey(),
    username: text('username')
      .notNull()
      .references(() => users.username, { onDelete: 'cascade' }),
    createdAt: integer('created_at').notNull(),
    lastSeenAt: integer('last_seen_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    address: text('address').notNull().default(''),
    userAgent: text('user_agent').notNull().default(''),
    revokedAt: integer('revoked_at'),
  },
  (t) => [index('sessions_user_idx').on(t.username)],
)

/** Every inventory change: who, what, when. */
export const auditLog = sqliteTable('audit_log', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  at: integer('at').notNull(),
  actor: text('actor').notNull(),
  action: text('action').notNull(),
  entity: text('entity').notNull(),
  entityId: text('entity_id'),
  detail: text('detail'),
  /** The actor's role at the time, where the request came from, and the entity before → after (JSON). */
  role: text('role'),
  address: text('address'),
  before: text('before'),
  after: text('after'),
})

/** Scheduled maintenance (one-off or weekly recurring in Asia/Ho_Chi_Minh), inherited by children. */
export const maintenance = sqliteTable('maintenance', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  /** { communes: string[], clusters: string[], targets: string[] } */
  scope: text('scope', { mode: 'json' }).$type<{ communes: string[]; clusters: string[]; targets: string[] }>().notNull(),
  startsAt: integer('starts_at').notNull(),
  endsAt: integer('ends_at').notNull(),
  /** null: one-off; else { weekdays: number[], start: 'HH:MM', end: 'HH:MM' } */
  recurrence: text('recurrence', { mode: 'json' }).$type<{ weekdays: number[]; start: string; end: string } | null>(),
  reason: text('reason').notNull().default(''),
  createdBy: text('created_by').notNull().default(''),
  createdAt: integer('created_at').notNull().default(sql`(unixepoch('subsec') * 1000)`),
})

/** Ad-hoc silences by label matchers (Alertmanager semantics). */
export const silences = sqliteTable('silences', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  matchers: text('matchers', { mode: 'json' }).$type<Array<{ name: string; value: string; isRegex: boolean; isEqual: boolean }>>().notNull(),
  startsAt: integer('starts_at').notNull(),
  endsAt: integer('ends_at').notNull(),
  createdBy: text('created_by').notNull(),
  comment: text('comment').notNull(),
  createdAt: integer('created_at').notNull().default(sql`(unixepoch('subsec') * 1000)`),
})

/** Incidents: open → acknowledged → resolved, one per alert episode (key = alert fingerprint). */
export const incidents = sqliteTable(
  'incidents',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    key: text('key').notNull(),
    alertname: text('alertname').notNull(),
    state: text('state', { enum: ['open', 'acknowledged', 'resolved'] }).notNull(),
    severity: text('severity', { enum: ['critical', 'warning', 'info'] }).notNull(),
    targetId: text('target_id'),
    communeCode: text('commune_code'),
    labels: text('labels', { mode: 'json' }).$type<Record<string, string>>().notNull(),
    annotations: text('annotations', { mode: 'json' }).$type<Record<string, string>>().notNull(),
    summary: text('summary').notNull(),
    affectedCommunes: integer('affected_communes').notNull().default(0),
    flapping: integer('flapping', { mode: 'boolean' }).notNull().default(false),
    openedAt: integer('opened_at').notNull(),
    ackedAt: integer('acked_at'),
    ackedBy: text('acked_by'),
    ackComment: text('ack_comment'),
    resolvedAt: integer('resolved_at'),
  },
  (t) => [index('incidents_key_idx').on(t.key, t.state), index('incidents_state_idx').on(t.state, t.openedAt)],
)

/** Timeline of an incident. */
export const incidentEvents = sqliteTable(
  'incident_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    incidentId: integer('incident_id')
      .notNull()
      .references(() => incidents.id, { onDelete: 'cascade' }),
    at: integer('at').notNull(),
    type: text('type').notNull(),
    actor: text('actor'),
    detail: text('detail').notNull().default(''),
  },
  (t) => [index('incident_events_incident_idx').on(t.incidentId)],
)

/**
 * Persistent outbox: every notification is a row before any delivery attempt, so nothing is
 * lost across restarts; `idempotency_key` makes enqueueing the same notification twice a no-op.
 */
export const outbox = sqliteTable(
  'outbox',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    idempotencyKey: text('idempotency_key').notNull().unique(),
    /** Support group name and channel index: the destination the rate limit applies to. */
    destination: text('destination').notNull(),
    channelType: text('channel_type').notNull(),
    groupName: text('group_name').notNull(),
    channelIndex: integer('channel_index').notNull(),
    /** The rendered OutgoingMessage (JSON). */
    message: text('message').notNull(),
    incidentIds: text('incident_ids', { mode: 'json' }).$type<number[]>().notNull(),
    status: text('status', { enum: ['pending', 'sent', 'dead', 'collapsed'] }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at').notNull(),
    lastError: text('last_error'),
    createdAt: integer('created_at').notNull(),
    sentAt: integer('sent_at'),
    collapsedInto: integer('collapsed_into'),
  },
  (t) => [index('outbox_due_idx').on(t.status, t.nextAttemptAt)],
)

/** What each (receiver, group) was last told, so restarts do not repeat first notifications. */
export const notificationLog = sqliteTable(
  'notification_log',
  {
    receiver: text('receiver').notNull(),
    groupKey: text('group_key').notNull(),
    firing: text('firing', { mode: 'json' }).$type<string[]>().notNull(),
    sentAt: integer('sent_at').notNull(),
  },
  (t) => [uniqueIndex('notification_log_pk').on(t.receiver, t.groupKey)],
)

/**
 * Dictionary of rolled-up series: one row per (target, measurement name), so rollup rows carry
 * a small integer instead of two strings. Rows are never deleted (a few per target).
 */
export const rollupSeries = sqliteTable(
  'rollup_series',
  {
    id: integer('id').primaryKey(),
    targetId: text('target_id').notNull(),
    metric: text('metric').notNull(),
  },
  (t) => [uniqueIndex('rollup_series_uq').on(t.targetId, t.metric)],
)

/**
 * Rollup columns: `t` is the bucket start in unix **seconds** (4-byte integers until 2038,
 * where milliseconds would take 6), `n` the samples in the bucket, `sum` their sum. Hourly
 * rows written before issue 14 also carry `min`/`max` (nothing reads them; new rows leave them
 * null, which costs no bytes). Both tables are WITHOUT ROWID (in the migrations; drizzle
 * cannot say so): the primary key is the table, no second b-tree.
 */
const rollupColumns = {
  seriesId: integer('series_id').notNull(),
  t: integer('t').notNull(),
  n: integer('n').notNull(),
  sum: real('sum').notNull(),
}

/** 5-minute rollups (count, sum) of the measurements in `retention.rollupMetrics`, kept `rollup5mDays` (default 8). */
export const rollups5m = sqliteTable('rollups_5m', rollupColumns, (t) => [primaryKey({ columns: [t.seriesId, t.t] })])

/** 1-hour rollups (count, sum) of the same measurements, kept `rollup1hDays` (default 730). */
export const rollups1h = sqliteTable(
  'rollups_1h',
  { ...rollupColumns, min: real('min'), max: real('max') },
  (t) => [primaryKey({ columns: [t.seriesId, t.t] })],
)

/**
 * Every state change of a target or a commune, as the state engine decided it (`at` = when it
 * changed, ms). SLA reports integrate these intervals; `unknown` rows are also written for the
 * time the server itself was not running.
 */
export const stateLog = sqliteTable(
  'state_log',
  {
    id: integer('id').primaryKey(),
    entity: text('entity', { enum: ['target', 'commune'] }).notNull(),
    entityId: text('entity_id').notNull(),
    at: integer('at').notNull(),
    state: text('state', { enum: ['ok', 'warning', 'critical', 'down', 'unknown'] }).notNull(),
  },
  (t) => [index('state_log_entity_idx').on(t.entity, t.entityId, t.at)],
)

export type CommuneRow = typeof communes.$inferSelect
export type TargetRow = typeof targets.$inferSelect
export type ProbeRow = typeof probes.$inferSelect
export type CoverageGapRow = typeof coverageGaps.$inferSelect
export type UserRow = typeof users.$inferSelect
export type SessionRow = typeof sessions.$inferSelect
export type AuditRow = typeof auditLog.$inferSelect
export type SupportGroupRow = typeof supportGroups.$inferSelect
export type MaintenanceRow = typeof maintenance.$inferSelect
export type SilenceRow = typeof silences.$inferSelect
export type IncidentRow = typeof incidents.$inferSelect
export type OutboxRow = typeof outbox.$inferSelect
export type IncidentEventRow = typeof incidentEvents.$inferSelect
export type NotificationLogRow = typeof notificationLog.$inferSelect
export type ChannelStateRow = typeof channelState.$inferSelect
export type StateLogRow = typeof stateLog.$inferSelect

