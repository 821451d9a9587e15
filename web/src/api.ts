/**
 * HTTP client for the dashboard (SPEC §5). Every response is parsed with a zod schema (the
 * protocol's, or `wire.ts` for server-built rows); a body that does not match is reported as
 * an `E_PARSE` error value, never thrown, so a server/client version skew shows as an error
 * panel instead of a blank page. Writes send the session cookie (same origin) and JSON.
 * @module
 */
import { z } from 'zod'
import {
  CommuneDetail,
  CommuneHistory,
  CommuneTimeline,
  ErrorBody,
  GroupTestAnswer,
  IncidentView,
  Overview,
  ProbeCreated,
  Series,
  TestRunView,
  ZaloBotChatsAnswer,
  AuditList,
  SessionAnswer,
  SessionList,
  UserList,
  UserView,
  type AuditEntry,
  type SessionView,
  type UserInput,
  type UserPatch,
  type CommuneInput,
  type CoverageGapInput,
  type ErrorCode,
  type ErrorIssue,
  type MaintenanceInput,
  type ProbeInput,
  type SupportGroupInput,
  type TargetInput,
} from '../../protocol'
import {
  Boundary,
  BoundaryAnswer,
  GapsView,
  GroupList,
  GroupView,
  ImportCheck,
  ImportReport,
  IncidentList,
  MaintenanceList,
  MaintenanceView,
  ProbeList,
  SilenceList,
  SilenceView,
  TargetList,
  type ProbeView,
  type TargetRowView,
} from './wire'

/** Error codes the client adds to the server's: transport failure, unexpected body, non-JSON HTTP error. */
export type ClientErrorCode = 'E_NETWORK' | 'E_PARSE' | 'E_HTTP' | 'E_ABORTED'

/** A failed API call, as state the views can render. */
export interface ApiError {
  code: ErrorCode | ClientErrorCode
  message: string
  /** HTTP status when the server answered. */
  status?: number
  /** First failing field for E_PARSE / E_VALIDATION. */
  path?: string
  /** Every problem the server listed (E_VALIDATION, E_IMPORT_INVALID with file lines). */
  issues?: ErrorIssue[]
}

/** Result of an API call: data or an error, never a rejection. */
export type ApiResult<T> = { ok: true; data: T } | { ok: false; error: ApiError }

/** The subset of the Fetch Response the client uses. */
export interface ResponseLike {
  ok: boolean
  status: number
  statusText?: string
  json(): Promise<unknown>
}

/** Request options the client passes to fetch. */
export interface RequestInitLike {
  method?: string
  body?: string
  signal?: AbortSignal
  headers: Record<string, string>
  credentials: 'same-origin'
}

/** The subset of `fetch` the client uses; inject a fake in tests. */
export type FetchLike = (url: string, init: RequestInitLike) => Promise<ResponseLike>

/** Query of `GET /api/v1/targets/:id/series`. Times are epoch milliseconds. */
export interface SeriesQuery {
  targetId: string
  metric: string
  fromMs: number
  toMs: number
  stepSeconds: number
}

/** Inventory kinds that can be imported from a file. */
export type ImportKind = 'communes' | 'targets' | 'gaps'
/** Import file formats. */
export type ImportFormat = 'csv' | 'yaml'

/** Everything the dashboard asks the server. */
export interface Api {
  /** `GET /api/v1/overview`. */
  overview(signal?: AbortSignal): Promise<ApiResult<Overview>>
  /** `GET /api/v1/communes/:code`; `E_NOT_FOUND` when the code is unknown. */
  commune(code: string, signal?: AbortSignal): Promise<ApiResult<CommuneDetail>>
  /** `GET /api/v1/communes/:code/history`: state spans, maintenance and the oldest measurement over a range. */
  communeHistory(code: string, fromMs: number, toMs: number, signal?: AbortSignal): Promise<ApiResult<CommuneTimeline>>
  /** `GET /api/v1/targets/:id/series`; null points are gaps. */
  series(query: SeriesQuery, signal?: AbortSignal): Promise<ApiResult<Series>>
  /** `GET /api/v1/overview/history`: every commune's last 24 h strip and availability, and the silent probes. */
  overviewHistory(signal?: AbortSignal): Promise<ApiResult<CommuneHistory>>
  /** `GET /api/v1/gaps`: silent targets now and the coverage-gap registry. */
  gaps(signal?: AbortSignal): Promise<ApiResult<GapsView>>
  /** `GET /api/v1/alerts?state=`: open incidents, or all (history) newest first. */
  incidents(state: 'open' | 'all', limit: number, signal?: AbortSignal): Promise<ApiResult<IncidentView[]>>
  /** `GET /api/v1/alerts/:id` with its timeline. */
  incident(id: number, signal?: AbortSignal): Promise<ApiResult<IncidentView>>
  /** `POST /api/v1/alerts/:id/ack` (operator); the comment is required. */
  ack(id: number, comment: string): Promise<ApiResult<IncidentView>>
  /** `POST /api/v1/communes/:code/test-runs` (operator): "Đo ngay", or the run already going. */
  startTestRun(code: string): Promise<ApiResult<TestRunView>>
  /** `GET /api/v1/test-runs/:id`. */
  testRun(id: string, signal?: AbortSignal): Promise<ApiResult<TestRunView>>

  /** `GET /api/v1/session`: who is signed in, or nobody (and whether anonymous reading is allowed). */
  session(signal?: AbortSignal): Promise<ApiResult<SessionAnswer>>
  /** `POST /api/v1/session`: sets the HttpOnly session cookie (a new session id). */
  signIn(username: string, password: string): Promise<ApiResult<SessionAnswer>>
  /** One's own live sessions, and ending one. */
  mySessions(signal?: AbortSignal): Promise<ApiResult<SessionView[]>>
  revokeMySession(id: string): Promise<ApiResult<null>>
  changePassword(current: string, password: string): Promise<ApiResult<{ endedSessions: number }>>

  /** Users (admin). */
  users(signal?: AbortSignal): Promise<ApiResult<UserView[]>>
  createUser(input: UserInput): Promise<ApiResult<UserView>>
  updateUser(username: string, patch: UserPatch): Promise<ApiResult<UserView>>
  resetPassword(username: string, password: string): Promise<ApiResult<{ endedSessions: number }>>
  revokeUserSessions(username: string): Promise<ApiResult<{ endedSessions: number }>>
  /** The audit log (admin), newest first; the query string of `GET /api/v1/audit` (without format). */
  audit(query: string, signal?: AbortSignal): Promise<ApiResult<AuditEntry[]>>
  /** `DELETE /api/v1/session`. */
  signOut(): Promise<ApiResult<null>>

  silences(signal?: AbortSignal): Promise<ApiResult<SilenceView[]>>
  createSilence(input: { matchers: { name: string; value: string; isRegex: boolean; isEqual: boolean }[]; startsAt: string; endsAt: string; comment: string }): Promise<ApiResult<SilenceView>>
  expireSilence(id: number): Promise<ApiResult<null>>
  maintenance(signal?: AbortSignal): Promise<ApiResult<MaintenanceView[]>>
  createMaintenance(input: Omit<MaintenanceInput, 'createdBy'>): Promise<ApiResult<MaintenanceView>>
  deleteMaintenance(id: number): Promise<ApiResult<null>>

  groups(signal?: AbortSignal): Promise<ApiResult<GroupView[]>>
  createGroup(input: SupportGroupInput): Promise<ApiResult<GroupView>>
  deleteGroup(id: number): Promise<ApiResult<null>>
  /** Sends a test message to every channel now; each service's real answer. */
  testGroup(id: number): Promise<ApiResult<GroupTestAnswer>>
  enableChannel(groupId: number, index: number): Promise<ApiResult<null>>
  /** The chats that recently wrote to a Zalo bot (to find a chat id). */
  zaloChats(token: string, baseUrl?: string): Promise<ApiResult<ZaloBotChatsAnswer>>

  targets(signal?: AbortSignal): Promise<ApiResult<TargetRowView[]>>
  createTarget(input: TargetInput): Promise<ApiResult<null>>
  /** Replaces a target (PUT: every field; thresholds left out stay as they are). */
  updateTarget(input: TargetInput): Promise<ApiResult<null>>
  deleteTarget(id: string): Promise<ApiResult<null>>
  probes(signal?: AbortSignal): Promise<ApiResult<ProbeView[]>>
  /** Creates a probe; the answer carries its token, shown only this once. */
  createProbe(input: ProbeInput): Promise<ApiResult<ProbeCreated>>
  rotateProbe(id: string): Promise<ApiResult<ProbeCreated>>
  deleteProbe(id: string): Promise<ApiResult<null>>
  createCommune(input: CommuneInput): Promise<ApiResult<null>>
  updateCommune(input: CommuneInput): Promise<ApiResult<null>>
  deleteCommune(code: string): Promise<ApiResult<null>>
  createGap(input: CoverageGapInput): Promise<ApiResult<null>>
  updateGap(id: number, input: CoverageGapInput): Promise<ApiResult<null>>
  deleteGap(id: number): Promise<ApiResult<null>>
  /**
   * `POST /api/v1/:kind/import?dryRun=1`: the server checks the whole file and counts what
   * would change, or lists every problem with its line; it writes nothing.
   */
  checkImport(kind: ImportKind, format: ImportFormat, text: string): Promise<ApiResult<ImportCheck>>
  /** `POST /api/v1/:kind/import`: all or nothing; a bad file is `E_IMPORT_INVALID` with every issue. */
  importFile(kind: ImportKind, format: ImportFormat, text: string): Promise<ApiResult<ImportReport>>

  /** `GET /api/v1/settings/boundary`: the province outline uploaded by an admin, or null. */
  boundary(signal?: AbortSignal): Promise<ApiResult<Boundary | null>>
  setBoundary(boundary: Boundary): Promise<ApiResult<null>>
  clearBoundary(): Promise<ApiResult<null>>
}

/**
 * Builds the series URL. `from`/`to` are sent as ISO-8601 UTC, the same form the
 * response's `from`/`to` use.
 */
export function seriesUrl(q: SeriesQuery): string {
  const params = new URLSearchParams({
    metric: q.metric,
    from: new Date(q.fromMs).toISOString(),
    to: new Date(q.toMs).toISOString(),
    step: String(q.stepSeconds),
  })
  return `/api/v1/targets/${encodeURIComponent(q.targetId)}/series?${params.toString()}`
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

interface RequestOptions {
  /** JSON body, serialised by the client. */
  json?: unknown
  /** Raw text body (imports) with its content type. */
  text?: { body: string; contentType: string }
  signal?: AbortSignal
}

/** Schema of answers whose body is ignored (201 with a row the caller reloads, 204). */
const Ignored = z.unknown().transform(() => null)
/** `{endedSessions}`: what a password change or a revocation ended. */
const Ended = z.object({ endedSessions: z.number() })

/** What the client tells its owner about every answer (the session model listens for a lost session). */
export interface ApiHooks {
  /** A request other than sign-in answered E_UNAUTHORIZED: nobody (or an ended session) is signed in. */
  onUnauthorized?: () => void
}

/**
 * Creates the API client.
 * @param fetchFn `fetch` (or a fake); it may reject, which becomes `E_NETWORK`.
 * @param baseUrl prefix for every path; '' for same origin.
 */
export function createApi(fetchFn: FetchLike, baseUrl = '', hooks: ApiHooks = {}): Api {
  async function request<S extends z.ZodType>(method: Method, path: string, schema: S, opts: RequestOptions = {}): Promise<ApiResult<z.infer<S>>> {
    const { signal } = opts
    const headers: Record<string, string> = { accept: 'application/json' }
    let body: string | undefined
    if (opts.json !== undefined) {
      headers['content-type'] = 'application/json'
      body = JSON.stringify(opts.json)
    } else if (opts.text) {
      headers['content-type'] = opts.text.contentType
      body = opts.text.body
    }
    let res: ResponseLike
    try {
      res = await fetchFn(baseUrl + path, {
        ...(method !== 'GET' ? { method } : {}),
        ...(body !== undefined ? { body } : {}),
        ...(signal ? { signal } : {}),
        headers,
        credentials: 'same-origin',
      })
    } catch (err) {
      if (signal?.aborted) return { ok: false, error: { code: 'E_ABORTED', message: 'aborted' } }
      return { ok: false, error: { code: 'E_NETWORK', message: errorMessage(err) } }
    }
    if (res.status === 204 && res.ok) return parseBody(schema, null, res.status)
    let json: unknown
    try {
      json = await res.json()
    } catch (err) {
      if (signal?.aborted) return { ok: false, error: { code: 'E_ABORTED', message: 'aborted' } }
      const code = res.ok ? 'E_PARSE' : 'E_HTTP'
      return { ok: false, error: { code, message: `HTTP ${res.status}: ${errorMessage(err)}`, status: res.status } }
    }
    if (!res.ok) {
      const parsed = ErrorBody.safeParse(json)
      if (parsed.success) {
        const e = parsed.data.error
        if (e.code === 'E_UNAUTHORIZED' && !path.startsWith('/api/v1/session')) hooks.onUnauthorized?.()
        return {
          ok: false,
          error: { code: e.code, message: e.message, status: res.status, ...(e.path ? { path: e.path } : {}), ...(e.issues ? { issues: e.issues } : {}) },
        }
      }
      return { ok: false, error: { code: 'E_HTTP', message: `HTTP ${res.status}`, status: res.status } }
    }
    return parseBody(schema, json, res.status)
  }

  const get = <S extends z.ZodType>(path: string, schema: S, signal?: AbortSignal) => request('GET', path, schema, signal ? { signal } : {})
  const send = <S extends z.ZodType>(method: Method, path: string, schema: S, json?: unknown) =>
    request(method, path, schema, json === undefined ? {} : { json })
  const pick = async <T, U>(p: Promise<ApiResult<T>>, f: (t: T) => U): Promise<ApiResult<U>> => {
    const r = await p
    return r.ok ? { ok: true, data: f(r.data) } : r
  }
  const enc = encodeURIComponent

  return {
    overview: (signal) => get('/api/v1/overview', Overview, signal),
    commune: (code, signal) => get(`/api/v1/communes/${enc(code)}`, CommuneDetail, signal),
    communeHistory: (code, fromMs, toMs, signal) =>
      get(`/api/v1/communes/${enc(code)}/history?from=${enc(new Date(fromMs).toISOString())}&to=${enc(new Date(toMs).toISOString())}`, CommuneTimeline, signal),
    series: (query, signal) => get(seriesUrl(query), Series, signal),
    overviewHistory: (signal) => get('/api/v1/overview/history', CommuneHistory, signal),
    gaps: (signal) => get('/api/v1/gaps', GapsView, signal),
    incidents: (state, limit, signal) => pick(get(`/api/v1/alerts?state=${state}&limit=${limit}`, IncidentList, signal), (d) => d.incidents),
    incident: (id, signal) => get(`/api/v1/alerts/${id}`, IncidentView, signal),
    ack: (id, comment) => send('POST', `/api/v1/alerts/${id}/ack`, IncidentView, { comment }),
    startTestRun: (code) => send('POST', `/api/v1/communes/${enc(code)}/test-runs`, TestRunView, {}),
    testRun: (id, signal) => get(`/api/v1/test-runs/${enc(id)}`, TestRunView, signal),

    session: (signal) => get('/api/v1/session', SessionAnswer, signal),
    signIn: (username, password) => send('POST', '/api/v1/session', SessionAnswer, { username, password }),
    mySessions: (signal) => pick(get('/api/v1/me/sessions', SessionList, signal), (d) => d.sessions),
    revokeMySession: (id) => send('DELETE', `/api/v1/me/sessions/${enc(id)}`, Ignored),
    changePassword: (current, password) => send('POST', '/api/v1/me/password', Ended, { current, password }),
    users: (signal) => pick(get('/api/v1/users', UserList, signal), (d) => d.users),
    createUser: (input) => send('POST', '/api/v1/users', UserView, input),
    updateUser: (username, patch) => send('PATCH', `/api/v1/users/${enc(username)}`, UserView, patch),
    resetPassword: (username, password) => send('POST', `/api/v1/users/${enc(username)}/password`, Ended, { password }),
    revokeUserSessions: (username) => send('DELETE', `/api/v1/users/${enc(username)}/sessions`, Ended),
    audit: (query, signal) => pick(get(`/api/v1/audit?${query}`, AuditList, signal), (d) => d.entries),
    signOut: () => send('DELETE', '/api/v1/session', Ignored),

    silences: (signal) => pick(get('/api/v1/silences', SilenceList, signal), (d) => d.silences),
    createSilence: (input) => send('POST', '/api/v1/silences', SilenceView, input),
    expireSilence: (id) => send('DELETE', `/api/v1/silences/${id}`, Ignored),
    maintenance: (signal) => pick(get('/api/v1/maintenance', MaintenanceList, signal), (d) => d.maintenance),
    createMaintenance: (input) => send('POST', '/api/v1/maintenance', MaintenanceView, input),
    deleteMaintenance: (id) => send('DELETE', `/api/v1/maintenance/${id}`, Ignored),

    groups: (signal) => pick(get('/api/v1/groups', GroupList, signal), (d) => d.groups),
    createGroup: (input) => send('POST', '/api/v1/groups', GroupView, input),
    deleteGroup: (id) => send('DELETE', `/api/v1/groups/${id}`, Ignored),
    testGroup: (id) => send('POST', `/api/v1/groups/${id}/test`, GroupTestAnswer),
    enableChannel: (groupId, index) => send('POST', `/api/v1/groups/${groupId}/channels/${index}/enable`, Ignored),
    zaloChats: (token, baseUrl) => send('POST', '/api/v1/channels/zalo/chats', ZaloBotChatsAnswer, { token, ...(baseUrl ? { baseUrl } : {}) }),

    targets: (signal) => pick(get('/api/v1/targets', TargetList, signal), (d) => d.targets),
    createTarget: (input) => send('POST', '/api/v1/targets', Ignored, input),
    updateTarget: (input) => send('PUT', `/api/v1/targets/${enc(input.id)}`, Ignored, input),
    deleteTarget: (id) => send('DELETE', `/api/v1/targets/${enc(id)}`, Ignored),
    probes: (signal) => pick(get('/api/v1/probes', ProbeList, signal), (d) => d.probes),
    createProbe: (input) => send('POST', '/api/v1/probes', ProbeCreated, input),
    rotateProbe: (id) => send('POST', `/api/v1/probes/${enc(id)}/rotate`, ProbeCreated),
    deleteProbe: (id) => send('DELETE', `/api/v1/probes/${enc(id)}`, Ignored),
    createCommune: (input) => send('POST', '/api/v1/communes', Ignored, input),
    updateCommune: (input) => send('PUT', `/api/v1/communes/${enc(input.code)}`, Ignored, input),
    deleteCommune: (code) => send('DELETE', `/api/v1/communes/${enc(code)}`, Ignored),
    createGap: (input) => send('POST', '/api/v1/gaps', Ignored, input),
    updateGap: (id, input) => send('PUT', `/api/v1/gaps/${id}`, Ignored, input),
    deleteGap: (id) => send('DELETE', `/api/v1/gaps/${id}`, Ignored),
    checkImport: (kind, format, text) =>
      request('POST', `/api/v1/${kind}/import?format=${format}&dryRun=1`, ImportCheck, { text: { body: text, contentType: contentTypeOf(format) } }),
    importFile: (kind, format, text) =>
      request('POST', `/api/v1/${kind}/import?format=${format}`, ImportReport, { text: { body: text, contentType: contentTypeOf(format) } }),

    boundary: (signal) => pick(get('/api/v1/settings/boundary', BoundaryAnswer, signal), (d) => d.boundary),
    setBoundary: (boundary) => send('PUT', '/api/v1/settings/boundary', Ignored, boundary),
    clearBoundary: () => send('DELETE', '/api/v1/settings/boundary', Ignored),
  }
}

function contentTypeOf(format: ImportFormat): string {
  return format === 'csv' ? 'text/csv; charset=utf-8' : 'application/yaml; charset=utf-8'
}

function parseBody<S extends z.ZodType>(schema: S, body: unknown, status: number): ApiResult<z.infer<S>> {
  const parsed = schema.safeParse(body)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const path = issue ? issue.path.map((p) => String(p)).join('.') : ''
    return { ok: false, error: { code: 'E_PARSE', message: issue?.message ?? 'invalid response', status, path: path || '(root)' } }
  }
  return { ok: true, data: parsed.data }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
