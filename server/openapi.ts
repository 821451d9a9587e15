/**
 * The OpenAPI 3.1 document of `GET /api/openapi.json`, built from the same zod schemas the
 * routes validate with (`protocol/`), so the document cannot describe a body the server would
 * refuse. One entry per route of {@link ROUTE_ACCESS} ({@link ROUTE_DOCS}); a route added to
 * the table without an entry here does not compile.
 *
 * Only schemas exported by `protocol/` (or composed from them here, where a route wraps one in
 * a list) are given. A route whose answer or query is shaped in the route file itself has a
 * description instead of a schema: a hand-written copy would drift from the route.
 * @module
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import * as protocol from '../protocol'
import {
  AckInput,
  AuditList,
  AuditQuery,
  BoundaryAnswer,
  CommuneDetail,
  CommuneHistory,
  CommuneTimeline,
  CommuneTimelineQuery,
  CommuneInput,
  CommunePatch,
  CommuneSummary,
  CoverageGapInput,
  CoverageGapView,
  ErrorBody,
  EXTERNAL_ALERT_LIMITS,
  ExternalAlert,
  GroupTestAnswer,
  IncidentView,
  IngestResponse,
  MaintenanceInput,
  Overview,
  PasswordChange,
  PasswordReset,
  ProbeConfig,
  ProbeCreated,
  ProbeInput,
  ProvinceBoundary,
  ResultBatch,
  RunNowAnswer,
  Series,
  SessionAnswer,
  SessionList,
  SilenceInput,
  SlaReport,
  SpeedtestDownloadQuery,
  SpeedtestUploadQuery,
  SpeedtestUploadResult,
  SupportGroupInput,
  TargetInput,
  TargetSpec,
  TargetStatus,
  TestRunInput,
  TestRunView,
  UserInput,
  UserList,
  UserPatch,
  UserView,
  ZaloBotChatsAnswer,
  ZaloBotChatsInput,
} from '../protocol'
import { ROUTE_ACCESS, type Access, type RouteKey } from './access'
import { APP_ROOT } from './app-root'
import { SESSION_COOKIE } from './auth'

/** Groups of operations, in the order the document lists them. */
export const TAGS = {
  Dashboard: 'The dashboard shell and this document.',
  Health: 'Liveness and readiness for load balancers and process supervisors.',
  Metrics: 'Prometheus exposition.',
  Session: "Signing in and out, and one's own sessions and password.",
  Probes: 'What probe agents call with their token: configuration, results, run-now requests, speedtest.',
  Views: 'What the dashboard reads: overview, communes, targets, series, gaps.',
  TestRuns: '"Đo ngay": on-demand line tests of a commune.',
  Reports: 'Monthly SLA reports.',
  Alerts: 'Incidents, silences, maintenance windows, support groups and the Alertmanager-compatible input.',
  Inventory: 'Communes, targets, probes and coverage gaps: CRUD, imports and exports.',
  Settings: 'Dashboard settings kept by the server (the province outline).',
  Users: 'User accounts and the audit log.',
} as const satisfies Record<string, string>

/** A tag of {@link TAGS}. */
export type Tag = keyof typeof TAGS

/** Success statuses the routes answer with. */
export type SuccessStatus = 200 | 201 | 202 | 204

/** How one route is documented. Schemas are the zod schemas the route parses or builds its answer from. */
export interface RouteDoc {
  /** One line, English. */
  summary: string
  tag: Tag
  /** More words: conditions, refusals, what the answer holds when it has no schema. */
  description?: string
  /** JSON request body, converted with `io: 'input'` (defaults make fields optional). */
  body?: z.ZodType
  /** Describes the request body; alone (no `body`), the body has no schema (raw bytes, CSV/YAML text). */
  bodyNote?: string
  /** Content types of the request body; default `application/json`. */
  bodyTypes?: readonly string[]
  /** An empty request is accepted too. */
  bodyOptional?: boolean
  /** Query string as one zod object: each property becomes a query parameter. */
  query?: z.ZodType
  /** The query in words, for routes that parse it with a schema of their own file. */
  queryNote?: string
  status: SuccessStatus
  /** JSON answer on success, converted with `io: 'output'`. */
  response?: z.ZodType
  /** Content types answered without a schema (CSV, text, a byte stream, or JSON shaped in the route). */
  responseTypes?: readonly string[]
  /** What the success answer is (required: OpenAPI wants a description on every response). */
  responseNote: string
  /** Other statuses worth knowing, beyond the error responses every route may give. */
  otherResponses?: Readonly<Record<number, { description: string; body: 'success' | 'error' | 'none' }>>
}

/** Routes' list answers that wrap a protocol schema; named so they appear in `components.schemas`. */
const CommuneList = z.strictObject({ communes: z.array(CommuneSummary) })
const IncidentList = z.strictObject({ incidents: z.array(IncidentView) })
/** `POST /api/v2/alerts`: each element is checked on its own (ExternalAlertBatch); this is what a valid one looks like. */
const ExternalAlertList = z.array(ExternalAlert).max(EXTERNAL_ALERT_LIMITS.alerts)
/** The silences route fills `createdBy` with the caller when it is left out. */
const SilenceRequest = SilenceInput.partial({ createdBy: true })
const DOC_SCHEMAS = { CommuneList, IncidentList, ExternalAlertList, SilenceRequest }

const JSON_TYPE = 'application/json'
const CSV = 'text/csv'

/** Every route of {@link ROUTE_ACCESS}, documented. */
export const ROUTE_DOCS = {
  'GET /': {
    summary: 'The dashboard (HTML)',
    tag: 'Dashboard',
    status: 200,
    responseTypes: ['text/html'],
    responseNote: 'The dashboard page.',
    otherResponses: { 503: { description: 'The dashboard is not built (`npm run build`): a page saying so.', body: 'none' } },
  },
  'GET /api/openapi.json': {
    summary: 'This OpenAPI 3.1 document',
    tag: 'Dashboard',
    status: 200,
    responseTypes: [JSON_TYPE],
    responseNote: 'The OpenAPI 3.1 document, generated from the zod schemas that validate requests.',
  },
  'GET /healthz': {
    summary: 'Liveness: the process answers',
    tag: 'Health',
    status: 200,
    responseTypes: [JSON_TYPE],
    responseNote: '`{"status": "ok"}`.',
  },
  'GET /readyz': {
    summary: 'Readiness: the database answers and migrations are applied',
    tag: 'Health',
    status: 200,
    responseTypes: [JSON_TYPE],
    responseNote: '`{"status": "ready", "migrations": n}`.',
    otherResponses: { 503: { description: '`{"status": "not-ready", "error": "…"}`: the database does not answer.', body: 'none' } },
  },
  'GET /metrics': {
    summary: 'Prometheus metrics',
    tag: 'Metrics',
    description: 'OpenMetrics when `Accept` lists `application/openmetrics-text`, the Prometheus text format otherwise; cached per scrape interval (`metrics.cacheSeconds`).',
    status: 200,
    responseTypes: ['text/plain', 'application/openmetrics-text'],
    responseNote: 'The exposition.',
  },

  'POST /api/v1/session': {
    summary: 'Sign in (starts a session cookie)',
    tag: 'Session',
    description:
      'Sets a new session id in an HttpOnly, SameSite=Strict cookie. Throttled: 5 failed sign-ins per username or per address in 15 minutes lock both out for 15 minutes (429 E_RATE_LIMITED with Retry-After).',
    bodyNote: '`{"username": "…", "password": "…"}` (both 1–100 and 1–500 characters).',
    status: 200,
    response: SessionAnswer,
    responseNote: 'Who is now signed in.',
  },
  'GET /api/v1/session': {
    summary: 'Who is signed in',
    tag: 'Session',
    status: 200,
    response: SessionAnswer,
    responseNote: 'The signed-in user, or `signedIn: false`; and whether anonymous reading is allowed.',
  },
  'DELETE /api/v1/session': {
    summary: 'Sign out (ends this session)',
    tag: 'Session',
    status: 204,
    responseNote: 'Signed out; the cookie is cleared.',
  },
  'GET /api/v1/me/sessions': {
    summary: "List one's own live sessions",
    tag: 'Session',
    status: 200,
    response: SessionList,
    responseNote: "One's sessions: where, when, and which one is this one.",
  },
  'DELETE /api/v1/me/sessions/:id': {
    summary: "End one of one's own sessions",
    tag: 'Session',
    status: 204,
    responseNote: 'The session ended.',
  },
  'POST /api/v1/me/password': {
    summary: "Change one's own password (ends one's other sessions)",
    tag: 'Session',
    description: 'A wrong current password is 403 E_FORBIDDEN.',
    body: PasswordChange,
    status: 200,
    responseTypes: [JSON_TYPE],
    responseNote: '`{"endedSessions": n}`: the other sessions that were ended.',
  },

  'POST /api/v1/ingest': {
    summary: 'Ship a batch of check results',
    tag: 'Probes',
    description:
      'Gzip allowed (`Content-Encoding: gzip`). Idempotent on (target, observedAt): a replayed result is counted as a duplicate. Judged as a whole: a refused batch stores nothing. 403 E_PROBE_MISMATCH (the batch names another probe than the token’s), 403 E_PROBE_SCOPE (a result for a target not assigned to the token’s probe), 422 E_CLOCK_SKEW (a result observed later than the server’s clock allows).',
    body: ResultBatch,
    status: 202,
    otherResponses: {
      429: { description: 'Ingest is busy (`ingest.maxInFlight` batches in progress): E_RATE_LIMITED with Retry-After; keep the batch and retry.', body: 'error' },
      503: { description: 'The server’s disk is full: E_UNAVAILABLE with Retry-After; nothing of the batch was stored.', body: 'error' },
    },
    response: IngestResponse,
    responseNote: 'Results stored, and results already stored before (duplicates). Header `Xanh-Config-ETag`: the ETag of the probe’s current config; an agent whose config has another tag fetches it now (an inventory edit reaches it with its next batch or heartbeat).',
  },
  'GET /api/v1/probe/config': {
    summary: "The calling probe's targets",
    tag: 'Probes',
    description: 'The probe is the token’s, never the request’s. Served with an ETag: send it back in `If-None-Match`.',
    status: 200,
    response: ProbeConfig,
    responseNote: 'The targets this probe runs.',
    otherResponses: { 304: { description: 'Not modified (the `If-None-Match` ETag is current).', body: 'none' } },
  },
  'GET /api/v1/probe/run-now': {
    summary: 'Long poll for run-now requests of the calling probe',
    tag: 'Probes',
    queryNote: '`waitSeconds` (0–3600, default 0; held at most `testRuns.maxWaitSeconds`).',
    status: 200,
    response: RunNowAnswer,
    responseNote: 'The requests to run now (empty when the wait ended quietly).',
  },
  'GET /api/v1/speedtest/download': {
    summary: 'Download random bytes (throughput test)',
    tag: 'Probes',
    description: 'Only for a probe that runs a `throughput` target (else 403 E_PROBE_SCOPE). Bounded by `speedtest.maxBytes` and `speedtest.maxSeconds`.',
    query: SpeedtestDownloadQuery,
    status: 200,
    responseTypes: ['application/octet-stream'],
    responseNote: 'Incompressible bytes.',
    otherResponses: { 503: { description: 'Too many streams at once (E_UNAVAILABLE, with Retry-After).', body: 'error' } },
  },
  'POST /api/v1/speedtest/upload': {
    summary: 'Upload bytes to be counted (throughput test)',
    tag: 'Probes',
    description: 'Only for a probe that runs a `throughput` target (else 403 E_PROBE_SCOPE). The body is read and dropped; not encoded.',
    query: SpeedtestUploadQuery,
    bodyNote: 'Any bytes.',
    bodyTypes: ['application/octet-stream'],
    status: 200,
    response: SpeedtestUploadResult,
    responseNote: 'What the server received, counted by the receiver.',
    otherResponses: { 503: { description: 'Too many streams at once (E_UNAVAILABLE, with Retry-After).', body: 'error' } },
  },

  'GET /api/v1/overview': {
    summary: 'Province overview: counts by state and every commune',
    tag: 'Views',
    status: 200,
    response: Overview,
    responseNote: 'The province, the counts by state and every commune’s summary.',
  },
  'GET /api/v1/overview/history': {
    summary: 'Every commune’s last 24 hours (state strip) and 24-hour / 30-day availability',
    tag: 'Views',
    status: 200,
    response: CommuneHistory,
    responseNote: 'Built from the state log like the SLA report, at most once a minute.',
  },
  'GET /api/v1/communes': {
    summary: 'Every commune’s summary',
    tag: 'Views',
    status: 200,
    response: CommuneList,
    responseNote: 'The communes.',
  },
  'GET /api/v1/communes/:code{[A-Za-z0-9_-]+}': {
    summary: 'One commune with its targets and coverage gaps',
    tag: 'Views',
    status: 200,
    response: CommuneDetail,
    responseNote: 'The commune.',
  },
  'GET /api/v1/communes/:code/history': {
    summary: 'A commune’s states, its targets’ states and its maintenance over a range',
    tag: 'Views',
    query: CommuneTimelineQuery,
    status: 200,
    response: CommuneTimeline,
    responseNote: 'State spans from the state log, maintenance occurrences clipped to the range, and the oldest stored measurement.',
  },
  'GET /api/v1/targets/:id/status': {
    summary: 'Current state of one target',
    tag: 'Views',
    status: 200,
    response: TargetStatus,
    responseNote: 'The target’s state and the figures it was judged on.',
  },
  'GET /api/v1/targets/:id/series': {
    summary: 'Time series of one measurement of a target',
    tag: 'Views',
    queryNote: '`metric` (snake_case measurement name, required), `from` and `to` (ISO date-times; default the last 6 hours), `step` (seconds, 1–86400).',
    status: 200,
    response: Series,
    responseNote: 'One value per step, `null` where there was no data.',
  },
  'GET /api/v1/gaps': {
    summary: 'Silent targets and coverage gaps',
    tag: 'Views',
    status: 200,
    responseTypes: [JSON_TYPE],
    responseNote: '`{"dataGaps": [{targetId, communeCode, since, lastResultAt, reason}], "silentProbes": [SilentProbe], "coverageGaps": [CoverageGapView]}`.',
  },
  'GET /api/v1/reports/sla': {
    summary: 'Monthly SLA per commune, cluster and province',
    tag: 'Reports',
    queryNote: '`month` (YYYY-MM, default the current month in Asia/Ho_Chi_Minh), `format` (`json` or `csv`), `lang` (`vi` or `en`: CSV headings and dialect; default from Accept-Language, else `vi`).',
    status: 200,
    response: SlaReport,
    responseTypes: [CSV],
    responseNote: 'The report; with `format=csv`, UTF-8 CSV with a BOM (for Excel) as a download: `vi` is `;`-separated with a decimal comma, `en` `,`-separated with a decimal point.',
  },
  'GET /api/v1/alerts': {
    summary: 'Incidents',
    tag: 'Alerts',
    queryNote: '`state` (`open` or `all`, default `open`), `limit` (1–1000, default 200).',
    status: 200,
    response: IncidentList,
    responseNote: 'The incidents, newest first.',
  },
  'GET /api/v1/alerts/:id{[0-9]+}': {
    summary: 'One incident with its timeline',
    tag: 'Alerts',
    status: 200,
    response: IncidentView,
    responseNote: 'The incident.',
  },
  'GET /api/v1/settings/boundary': {
    summary: 'The province outline drawn under the map',
    tag: 'Settings',
    status: 200,
    response: BoundaryAnswer,
    responseNote: 'The outline (GeoJSON), or `null`.',
  },
  'GET /api/v1/test-runs/:id': {
    summary: 'A test run’s progress and fresh results',
    tag: 'TestRuns',
    status: 200,
    response: TestRunView,
    responseNote: 'The run (runs are kept in memory for a while).',
  },
  'GET /api/v1/communes/:code/test-runs/latest': {
    summary: 'The latest test run of a commune',
    tag: 'TestRuns',
    status: 200,
    response: TestRunView,
    responseNote: 'The run.',
  },
  'GET /api/v1/silences': {
    summary: 'Silences with their state',
    tag: 'Alerts',
    status: 200,
    responseTypes: [JSON_TYPE],
    responseNote: '`{"silences": [...]}`: each silence with ISO times and its state now.',
  },
  'GET /api/v1/maintenance': {
    summary: 'Maintenance windows',
    tag: 'Alerts',
    status: 200,
    responseTypes: [JSON_TYPE],
    responseNote: '`{"maintenance": [...]}`: each window with ISO times and `activeNow`.',
  },

  'POST /api/v1/alerts/:id{[0-9]+}/ack': {
    summary: 'Acknowledge an incident with a comment',
    tag: 'Alerts',
    description: 'Stops reminders and escalation. Audited.',
    body: AckInput,
    status: 200,
    response: IncidentView,
    responseNote: 'The acknowledged incident.',
  },
  'POST /api/v1/communes/:code/test-runs': {
    summary: 'Run a commune’s line tests now ("Đo ngay")',
    tag: 'TestRuns',
    description: 'On the probes that own the commune’s enabled line targets; one run at a time per commune. 409 E_CONFLICT when no such target exists. Audited.',
    body: TestRunInput,
    bodyOptional: true,
    status: 201,
    response: TestRunView,
    responseNote: 'The run started.',
    otherResponses: { 200: { description: 'A run of this commune is already going: that run.', body: 'success' } },
  },
  'POST /api/v1/silences': {
    summary: 'Create a silence',
    tag: 'Alerts',
    description: '`createdBy`, when left out, is the signed-in user. Audited.',
    body: SilenceRequest,
    status: 201,
    responseTypes: [JSON_TYPE],
    responseNote: 'The silence, with ISO times and its state.',
  },
  'DELETE /api/v1/silences/:id{[0-9]+}': {
    summary: 'Expire a silence',
    tag: 'Alerts',
    status: 204,
    responseNote: 'Expired.',
  },
  'POST /api/v1/maintenance': {
    summary: 'Create a maintenance window',
    tag: 'Alerts',
    description: '`createdBy`, when left out, is the signed-in user (not the schema default). Audited.',
    body: MaintenanceInput,
    status: 201,
    responseTypes: [JSON_TYPE],
    responseNote: 'The window, with ISO times and `activeNow`.',
  },
  'DELETE /api/v1/maintenance/:id{[0-9]+}': {
    summary: 'Delete a maintenance window',
    tag: 'Alerts',
    status: 204,
    responseNote: 'Deleted.',
  },

  'POST /api/v1/:kind{communes|targets|gaps}/import': {
    summary: 'Import communes, targets or coverage gaps from CSV or YAML',
    tag: 'Inventory',
    description:
      'The whole file is checked first; any bad row refuses the file (422 E_IMPORT_INVALID, every issue with its line). With `dryRun=1` nothing is written and a bad file is a 200 with `valid: false` and the issues.',
    queryNote: '`format` (`csv` or `yaml`; default from Content-Type, else CSV), `dryRun` (`1` or `true`).',
    bodyNote: 'The file, UTF-8 (gzip allowed).',
    bodyTypes: [CSV, 'application/yaml'],
    status: 200,
    responseTypes: [JSON_TYPE],
    responseNote: 'What was (or, with `dryRun`, would be) created, updated and left unchanged.',
  },
  'GET /api/v1/:kind{communes|targets|gaps}/export': {
    summary: 'Export communes, targets or coverage gaps as CSV or YAML',
    tag: 'Inventory',
    queryNote: '`format` (`csv` or `yaml`, default CSV).',
    status: 200,
    responseTypes: [CSV, 'application/yaml'],
    responseNote: 'The file, as a download; it imports back unchanged.',
  },
  'POST /api/v1/communes': {
    summary: 'Create a commune',
    tag: 'Inventory',
    description: '409 E_CONFLICT when the code exists. Audited.',
    body: CommuneInput,
    status: 201,
    responseTypes: [JSON_TYPE],
    responseNote: 'The stored commune.',
  },
  'PUT /api/v1/communes/:code': {
    summary: 'Create or replace a commune',
    tag: 'Inventory',
    description: 'The code in the body must be the URL’s. Audited.',
    body: CommuneInput,
    status: 200,
    responseTypes: [JSON_TYPE],
    responseNote: 'The stored commune.',
  },
  'PATCH /api/v1/communes/:code': {
    summary: 'Change some fields of a commune',
    tag: 'Inventory',
    description: 'Audited.',
    body: CommunePatch,
    status: 200,
    responseTypes: [JSON_TYPE],
    responseNote: 'The stored commune.',
  },
  'DELETE /api/v1/communes/:code': {
    summary: 'Delete a commune',
    tag: 'Inventory',
    status: 204,
    responseNote: 'Deleted.',
  },
  'GET /api/v1/targets': {
    summary: 'Every target as stored',
    tag: 'Inventory',
    status: 200,
    responseTypes: [JSON_TYPE],
    responseNote: '`{"targets": [...]}`: the stored rows.',
  },
  'POST /api/v1/targets': {
    summary: 'Create a target',
    tag: 'Inventory',
    description: 'Kind-specific `options` are checked against the kind’s schema; 409 E_CONFLICT when the id exists. Audited.',
    body: TargetInput,
    status: 201,
    response: TargetSpec,
    responseNote: 'The target as probes will see it, defaults filled in.',
  },
  'PUT /api/v1/targets/:id': {
    summary: 'Create or replace a target',
    tag: 'Inventory',
    description: 'The id in the body must be the URL’s. Audited.',
    body: TargetInput,
    status: 200,
    response: TargetSpec,
    responseNote: 'The target as probes will see it, defaults filled in.',
  },
  'DELETE /api/v1/targets/:id': {
    summary: 'Delete a target',
    tag: 'Inventory',
    status: 204,
    responseNote: 'Deleted.',
  },
  'GET /api/v1/probes': {
    summary: 'Probes with their last contact and clock offset',
    tag: 'Inventory',
    status: 200,
    responseTypes: [JSON_TYPE],
    responseNote: '`{"probes": [{id, name, location, builtin, version, lastSeenAt, contact, silentAfterSeconds, spoolBatches, revoked, clockOffsetSeconds, clockOffsetAt, previousTokenValidUntil}]}`. `contact` is `online`, `silent` (no batch, heartbeat or config poll for `silentAfterSeconds`: as long as its targets take to go silent, `state.unknownAfterIntervals` × its shortest interval, at least 60 s — the rule of `silentProbes` in `GET /api/v1/gaps`) or `never`; `spoolBatches` is null when the agent did not report it.',
  },
  'POST /api/v1/probes': {
    summary: 'Create a probe (its token is shown once)',
    tag: 'Inventory',
    description: 'Audited.',
    body: ProbeInput,
    status: 201,
    response: ProbeCreated,
    responseNote: 'The probe and its token.',
  },
  'POST /api/v1/probes/:id/revoke': {
    summary: 'Revoke a probe',
    tag: 'Inventory',
    description: 'Both of its tokens (the current one, and an old one still in its rotation grace) stop working at once; a rotation gives it a new one. The embedded probe cannot be revoked (409). Audited.',
    status: 204,
    responseNote: 'No content: the probe is revoked.',
  },
  'POST /api/v1/probes/:id/rotate': {
    summary: 'Give a probe a new token',
    tag: 'Inventory',
    description: 'The old token keeps working until `previousTokenValidUntil`. The embedded probe’s token cannot be rotated (409). Audited.',
    queryNote: '`graceSeconds` (0–2592000; default `probes.rotationGraceSeconds`).',
    status: 200,
    response: ProbeCreated,
    responseNote: 'The new token (shown once) and until when the old one works.',
  },
  'DELETE /api/v1/probes/:id': {
    summary: 'Delete a probe (its token stops working)',
    tag: 'Inventory',
    description: 'The embedded probe cannot be deleted (409).',
    status: 204,
    responseNote: 'Deleted.',
  },
  'POST /api/v1/gaps': {
    summary: 'Record a coverage gap',
    tag: 'Inventory',
    description: 'Audited.',
    body: CoverageGapInput,
    status: 201,
    response: CoverageGapView,
    responseNote: 'The stored gap.',
  },
  'PUT /api/v1/gaps/:id{[0-9]+}': {
    summary: 'Replace a coverage gap',
    tag: 'Inventory',
    description: 'Audited.',
    body: CoverageGapInput,
    status: 200,
    response: CoverageGapView,
    responseNote: 'The stored gap.',
  },
  'DELETE /api/v1/gaps/:id{[0-9]+}': {
    summary: 'Delete a coverage gap',
    tag: 'Inventory',
    status: 204,
    responseNote: 'Deleted.',
  },
  'PUT /api/v1/settings/boundary': {
    summary: 'Upload the province outline (GeoJSON)',
    tag: 'Settings',
    description: 'A geometry, a feature or a feature collection of polygons or lines, in lon/lat. Audited.',
    body: ProvinceBoundary,
    status: 204,
    responseNote: 'Stored.',
  },
  'DELETE /api/v1/settings/boundary': {
    summary: 'Remove the province outline',
    tag: 'Settings',
    status: 204,
    responseNote: 'Removed.',
  },
  'GET /api/v1/groups': {
    summary: 'Support groups with each channel’s delivery health',
    tag: 'Alerts',
    status: 200,
    responseTypes: [JSON_TYPE],
    responseNote: '`{"groups": [...]}`: each group with its channels (secrets shown as `***`) and their health.',
  },
  'POST /api/v1/groups': {
    summary: 'Create a support group',
    tag: 'Alerts',
    description: '409 E_CONFLICT when the name exists. Audited.',
    body: SupportGroupInput,
    status: 201,
    responseTypes: [JSON_TYPE],
    responseNote: 'The group, secrets shown as `***`, with its channels’ health.',
  },
  'PUT /api/v1/groups/:id{[0-9]+}': {
    summary: 'Replace a support group',
    tag: 'Alerts',
    description: 'Audited.',
    body: SupportGroupInput,
    status: 200,
    responseTypes: [JSON_TYPE],
    responseNote: 'The group, secrets shown as `***`, with its channels’ health.',
  },
  'DELETE /api/v1/groups/:id{[0-9]+}': {
    summary: 'Delete a support group',
    tag: 'Alerts',
    status: 204,
    responseNote: 'Deleted.',
  },
  'POST /api/v1/groups/:id{[0-9]+}/test': {
    summary: 'Send a test message to every channel of a group now',
    tag: 'Alerts',
    description: 'Audited.',
    status: 200,
    response: GroupTestAnswer,
    responseNote: 'What each service answered.',
  },
  'POST /api/v1/groups/:id{[0-9]+}/channels/:index{[0-9]+}/enable': {
    summary: 'Re-enable a channel its receiver disabled',
    tag: 'Alerts',
    description: 'Audited.',
    status: 200,
    responseTypes: [JSON_TYPE],
    responseNote: '`{"health": ChannelHealth}`: the channel’s health now.',
  },
  'POST /api/v1/channels/zalo/chats': {
    summary: 'List the chats that recently wrote to a Zalo bot',
    tag: 'Alerts',
    description: 'For finding the `chatId` of a bot channel. 502 E_UPSTREAM when Zalo refuses.',
    body: ZaloBotChatsInput,
    status: 200,
    response: ZaloBotChatsAnswer,
    responseNote: 'The bot and its recent chats.',
  },
  'GET /api/v1/users': {
    summary: 'Users',
    tag: 'Users',
    status: 200,
    response: UserList,
    responseNote: 'Every user (never a password hash).',
  },
  'POST /api/v1/users': {
    summary: 'Create a user',
    tag: 'Users',
    description: '409 E_CONFLICT when the username exists. Audited.',
    body: UserInput,
    status: 201,
    response: UserView,
    responseNote: 'The user.',
  },
  'PATCH /api/v1/users/:username': {
    summary: 'Change a user’s name or role, or disable them',
    tag: 'Users',
    description: '`disabled: true` ends their sessions at once. The last active admin cannot be demoted or disabled (409). Audited.',
    body: UserPatch,
    status: 200,
    response: UserView,
    responseNote: 'The user.',
  },
  'DELETE /api/v1/users/:username': {
    summary: 'Delete a user',
    tag: 'Users',
    description: 'Neither the last active admin nor oneself (409). Audited.',
    status: 204,
    responseNote: 'Deleted.',
  },
  'POST /api/v1/users/:username/password': {
    summary: 'Reset a user’s password (ends their sessions)',
    tag: 'Users',
    description: 'Audited.',
    body: PasswordReset,
    status: 200,
    responseTypes: [JSON_TYPE],
    responseNote: '`{"endedSessions": n}`.',
  },
  'GET /api/v1/users/:username/sessions': {
    summary: 'A user’s live sessions',
    tag: 'Users',
    status: 200,
    response: SessionList,
    responseNote: 'The sessions.',
  },
  'DELETE /api/v1/users/:username/sessions': {
    summary: 'End every session of a user',
    tag: 'Users',
    description: 'Audited.',
    status: 200,
    responseTypes: [JSON_TYPE],
    responseNote: '`{"endedSessions": n}`.',
  },
  'GET /api/v1/audit': {
    summary: 'The audit log',
    tag: 'Users',
    description: 'Every write: who, role, when, from where, what, before and after. Newest first.',
    query: AuditQuery,
    status: 200,
    response: AuditList,
    responseTypes: [CSV],
    responseNote: 'The entries; with `format=csv`, UTF-8 CSV with a BOM (for Excel) as a download (`lang=vi`, the default: `;`-separated; `en`: `,`).',
  },

  'POST /api/v2/alerts': {
    summary: 'Alertmanager-compatible alert input',
    tag: 'Alerts',
    description:
      'A JSON array of alerts, as Prometheus posts to Alertmanager. Each alert is checked on its own: the valid ones are stored even when others are not (then 400). Unknown fields are ignored.',
    body: ExternalAlertList,
    status: 200,
    responseTypes: [JSON_TYPE],
    responseNote: '`{"accepted": n}`: every alert was stored.',
    otherResponses: { 400: { description: 'Some alerts are invalid (E_VALIDATION, listed by index); the valid ones were stored.', body: 'error' } },
  },
} satisfies Record<RouteKey, RouteDoc>

/** A JSON Schema (2020-12) as zod writes it. */
export type JsonSchema = Record<string, unknown>

/** The parts of an OpenAPI 3.1 document this module writes. */
export interface OpenApiDocument {
  openapi: '3.1.1'
  info: { title: string; version: string; description: string }
  tags: Array<{ name: Tag; description: string }>
  paths: Record<string, Record<string, OpenApiOperation>>
  components: {
    schemas: Record<string, JsonSchema>
    responses: Record<string, unknown>
    securitySchemes: Record<string, unknown>
  }
}

/** One operation of {@link OpenApiDocument.paths}. */
export interface OpenApiOperation {
  summary: string
  description: string
  tags: Tag[]
  'x-xanh-access': Access
  parameters?: OpenApiParameter[]
  requestBody?: { required: boolean; description?: string; content: Record<string, { schema?: JsonSchema }> }
  responses: Record<string, unknown>
  security?: Array<Record<string, string[]>>
}

/** A path or query parameter. */
export interface OpenApiParameter {
  name: string
  in: 'path' | 'query'
  required: boolean
  schema: JsonSchema
}

/** What a caller of each access kind presents, as OpenAPI security requirements (alternatives). */
const SECURITY: Readonly<Record<Access, Array<Record<string, string[]>> | undefined>> = {
  public: undefined,
  viewer: [{ sessionCookie: [] }, { basicAuth: [] }],
  operator: [{ sessionCookie: [] }, { basicAuth: [] }],
  admin: [{ sessionCookie: [] }, { basicAuth: [] }],
  user: [{ sessionCookie: [] }, { basicAuth: [] }],
  probe: [{ probeToken: [] }],
  alerts: [{ alertsToken: [] }, { sessionCookie: [] }, { basicAuth: [] }],
  // `{}`: without XANH_METRICS_TOKEN the scrape needs nothing.
  metrics: [{ metricsToken: [] }, { basicAuth: [] }, {}],
}

/** The access in words, first line of every operation's description. */
const ACCESS_TEXT: Readonly<Record<Access, string>> = {
  public: 'Access: public.',
  viewer: 'Access: viewer role or higher (anonymous reads too when the server runs with XANH_PUBLIC_READ=1).',
  operator: 'Access: operator role or higher.',
  admin: 'Access: admin role.',
  user: 'Access: any signed-in user, acting on their own account.',
  probe: 'Access: a probe token (the probe is the token’s).',
  alerts: 'Access: the alerts token (XANH_ALERTS_TOKEN) or an admin.',
  metrics: 'Access: the metrics token (Bearer, or as the HTTP Basic password) when XANH_METRICS_TOKEN is set; anyone otherwise.',
}

const SECURITY_SCHEMES = {
  sessionCookie: {
    type: 'apiKey',
    in: 'cookie',
    name: SESSION_COOKIE,
    description: 'The dashboard’s session (POST /api/v1/session). Writes with it must come from the same origin (Origin or Sec-Fetch-Site).',
  },
  basicAuth: { type: 'http', scheme: 'basic', description: 'A user’s name and password (scripts). For /metrics: any name and the metrics token as the password.' },
  probeToken: { type: 'http', scheme: 'bearer', description: 'A probe’s token (POST /api/v1/probes, or the CLI).' },
  alertsToken: { type: 'http', scheme: 'bearer', description: 'XANH_ALERTS_TOKEN, for Prometheus or Alertmanager.' },
  metricsToken: { type: 'http', scheme: 'bearer', description: 'XANH_METRICS_TOKEN, when set.' },
} as const

const ERROR_REF = { $ref: '#/components/schemas/ErrorBody' }
const errorResponse = (description: string) => ({ description, content: { [JSON_TYPE]: { schema: ERROR_REF } } })
const RESPONSES = {
  Error: errorResponse('An error: `{ "error": { "code": "E_…", "message": "…", "path"?, "issues"? } }`; the status follows from the code.'),
  Unauthorized: errorResponse('E_UNAUTHORIZED: no credentials, or wrong ones.'),
  Forbidden: errorResponse('E_FORBIDDEN (role too low, or a cross-origin write with a session cookie), E_PROBE_SCOPE or E_PROBE_MISMATCH.'),
  Invalid: errorResponse('E_VALIDATION: the body or query does not match its schema; `issues` says where.'),
}
const responseRef = (name: keyof typeof RESPONSES) => ({ $ref: `#/components/responses/${name}` })

/**
 * A Hono route path as an OpenAPI path, with its path parameters: `:name` and `:name{regex}`
 * become `{name}`; the regex becomes the parameter's pattern, anchored, since Hono matches it
 * against the whole segment while a JSON Schema pattern matches anywhere.
 * @throws Error for parameter syntax the document cannot express (optional parameters)
 * @example openApiPath('/api/v1/alerts/:id{[0-9]+}') // { path: '/api/v1/alerts/{id}', params: [{ name: 'id', pattern: '^(?:[0-9]+)$' }] }
 */
export function openApiPath(honoPath: string): { path: string; params: Array<{ name: string; pattern?: string }> } {
  const params: Array<{ name: string; pattern?: string }> = []
  const segments = honoPath.split('/').map((segment) => {
    const m = /^:([A-Za-z_][A-Za-z0-9_]*)(?:\{(.+)\})?$/.exec(segment)
    if (!m) {
      if (segment.startsWith(':')) throw new Error(`unsupported path parameter ${segment} in ${honoPath}`)
      return segment
    }
    const name = m[1] as string
    params.push(m[2] === undefined ? { name } : { name, pattern: `^(?:${m[2]})$` })
    return `{${name}}`
  })
  return { path: segments.join('/'), params }
}

/** Protocol (and this module's) schemas by identity → their export name, for `components.schemas`. */
const SCHEMA_NAMES: ReadonlyMap<unknown, string> = (() => {
  const names = new Map<unknown, string>()
  for (const [name, value] of Object.entries({ ...protocol, ...DOC_SCHEMAS })) {
    if (value instanceof z.ZodType && !names.has(value)) names.set(value, name)
  }
  return names
})()

/**
 * zod's own JSON Schema for a schema. Requests are described as accepted (`io: 'input'`: a field
 * with a default is optional), answers as sent (`output`). A transform's output has no JSON
 * Schema: it becomes `{}` rather than failing the whole document.
 */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const out: JsonSchema = { ...z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any', cycles: 'throw' }) }
  delete out.$schema
  // `#/$defs/…` would resolve against the OpenAPI document's root, not this schema: refuse it.
  if ('$defs' in out) throw new Error(`schema ${SCHEMA_NAMES.get(schema) ?? '(unnamed)'} needs $defs; inline it or give it a component`)
  return out
}

/** The version in package.json (`unknown` when it cannot be read). */
function packageVersion(): string {
  // Read, not imported: server/ may import only protocol/ (test/architecture.test.ts).
  try {
    const pkg: unknown = JSON.parse(readFileSync(join(APP_ROOT, 'package.json'), 'utf8'))
    const parsed = z.object({ version: z.string() }).safeParse(pkg)
    return parsed.success ? parsed.data.version : 'unknown'
  } catch {
    return 'unknown'
  }
}

let cached: OpenApiDocument | undefined

/**
 * The OpenAPI 3.1 document of every route of {@link ROUTE_ACCESS}. Built on first use and
 * cached: the routes and schemas do not change while the process runs.
 * @example app.get('/api/openapi.json', (c) => c.json(buildOpenApi()))
 */
export function buildOpenApi(): OpenApiDocument {
  cached ??= deepFreeze(build(packageVersion()))
  return cached
}

function build(version: string): OpenApiDocument {
  const schemas: Record<string, JsonSchema> = { ErrorBody: jsonSchema(ErrorBody, 'output') }
  const used = new Map<string, string>() // `${io}:${name}` → component name

  /** A `$ref` to the schema's component when it has a name, else the schema inline. */
  const schemaRef = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
    const name = SCHEMA_NAMES.get(schema)
    if (name === undefined) return jsonSchema(schema, io)
    let component = used.get(`${io}:${name}`)
    if (component === undefined) {
      const json = jsonSchema(schema, io)
      // The same schema as request and as answer can differ (defaults); keep both, apart.
      component = name in schemas && JSON.stringify(schemas[name]) !== JSON.stringify(json) ? `${name}.${io}` : name
      schemas[component] = json
      used.set(`${io}:${name}`, component)
    }
    return { $ref: `#/components/schemas/${component}` }
  }

  const paths: OpenApiDocument['paths'] = {}
  const docs: Readonly<Record<RouteKey, RouteDoc>> = ROUTE_DOCS
  for (const key of Object.keys(ROUTE_ACCESS) as RouteKey[]) {
    const doc = docs[key]
    const access: Access = ROUTE_ACCESS[key]
    const [method, honoPath] = key.split(' ') as [string, string]
    const { path, params } = openApiPath(honoPath)

    const parameters: OpenApiParameter[] = params.map((p) => ({ name: p.name, in: 'path', required: true, schema: { type: 'string', ...(p.pattern ? { pattern: p.pattern } : {}) } }))
    if (doc.query) {
      const q = jsonSchema(doc.query, 'input')
      const required = new Set(Array.isArray(q.required) ? (q.required as string[]) : [])
      for (const [name, schema] of Object.entries((q.properties ?? {}) as Record<string, JsonSchema>)) {
        parameters.push({ name, in: 'query', required: required.has(name), schema })
      }
    }

    let requestBody: OpenApiOperation['requestBody']
    if (doc.body || doc.bodyNote) {
      const types = doc.bodyTypes ?? [JSON_TYPE]
      const schema = doc.body ? schemaRef(doc.body, 'input') : undefined
      requestBody = {
        required: !doc.bodyOptional,
        ...(doc.bodyNote ? { description: doc.bodyNote } : {}),
        content: Object.fromEntries(types.map((t) => [t, schema && t === JSON_TYPE ? { schema } : {}])),
      }
    }

    const successContent: Record<string, { schema?: JsonSchema }> = {}
    if (doc.response) successContent[JSON_TYPE] = { schema: schemaRef(doc.response, 'output') }
    for (const t of doc.responseTypes ?? []) successContent[t] ??= {}
    const success = { description: doc.responseNote, ...(Object.keys(successContent).length > 0 ? { content: successContent } : {}) }
    const responses: Record<string, unknown> = { [String(doc.status)]: success }
    for (const [status, other] of Object.entries(doc.otherResponses ?? {})) {
      responses[status] =
        other.body === 'success' ? { ...success, description: other.description } : other.body === 'error' ? errorResponse(other.description) : { description: other.description }
    }
    if (access !== 'public') responses['401'] ??= responseRef('Unauthorized')
    if (access !== 'public' && access !== 'metrics') responses['403'] ??= responseRef('Forbidden')
    if (doc.body || doc.query || doc.queryNote) responses['422'] ??= responseRef('Invalid')
    responses.default = responseRef('Error')

    const operation: OpenApiOperation = {
      summary: doc.summary,
      description: [ACCESS_TEXT[access], doc.description, doc.queryNote ? `Query: ${doc.queryNote}` : undefined].filter(Boolean).join('\n\n'),
      tags: [doc.tag],
      'x-xanh-access': access,
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(requestBody ? { requestBody } : {}),
      responses,
      ...(SECURITY[access] ? { security: SECURITY[access] } : {}),
    }
    const item = (paths[path] ??= {})
    const verb = method.toLowerCase()
    if (item[verb]) throw new Error(`${key}: ${method} ${path} is documented twice`)
    item[verb] = operation
  }

  return {
    openapi: '3.1.1',
    info: { title: 'Xanh', version, description: 'Monitor for the network Vietnam’s communes run on: probes, state, alerts, reports.' },
    tags: (Object.keys(TAGS) as Tag[]).map((name) => ({ name, description: TAGS[name] })),
    paths,
    components: { schemas, responses: RESPONSES, securitySchemes: SECURITY_SCHEMES },
  }
}

/** Freezes the cached document: every request shares it, none may change it. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const v of Object.values(value)) deepFreeze(v)
  }
  return value
}
