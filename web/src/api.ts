/**
 * HTTP client for the dashboard's read API (SPEC §5). Every response is parsed with the
 * protocol's zod schemas; a body that does not match is reported as an `E_PARSE` error
 * value, never thrown, so a server/client version skew shows as an error panel instead
 * of a blank page.
 * @module
 */
import type { z } from 'zod'
import { CommuneDetail, ErrorBody, Overview, Series, type ErrorCode } from '../../protocol'

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

/** The subset of `fetch` the client uses; inject a fake in tests. */
export type FetchLike = (
  url: string,
  init: { signal?: AbortSignal; headers: Record<string, string>; credentials: 'same-origin' },
) => Promise<ResponseLike>

/** Query of `GET /api/v1/targets/:id/series`. Times are epoch milliseconds. */
export interface SeriesQuery {
  targetId: string
  metric: string
  fromMs: number
  toMs: number
  stepSeconds: number
}

/** Read API used by the models. */
export interface Api {
  /** `GET /api/v1/overview`. */
  overview(signal?: AbortSignal): Promise<ApiResult<Overview>>
  /** `GET /api/v1/communes/:code`; `E_NOT_FOUND` when the code is unknown. */
  commune(code: string, signal?: AbortSignal): Promise<ApiResult<CommuneDetail>>
  /** `GET /api/v1/targets/:id/series`; null points are gaps. */
  series(query: SeriesQuery, signal?: AbortSignal): Promise<ApiResult<Series>>
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

/**
 * Creates the API client.
 * @param fetchFn `fetch` (or a fake); it may reject, which becomes `E_NETWORK`.
 * @param baseUrl prefix for every path; '' for same origin.
 */
export function createApi(fetchFn: FetchLike, baseUrl = ''): Api {
  async function get<S extends z.ZodType>(path: string, schema: S, signal?: AbortSignal): Promise<ApiResult<z.infer<S>>> {
    let res: ResponseLike
    try {
      res = await fetchFn(baseUrl + path, {
        ...(signal ? { signal } : {}),
        headers: { accept: 'application/json' },
        credentials: 'same-origin',
      })
    } catch (err) {
      if (signal?.aborted) return { ok: false, error: { code: 'E_ABORTED', message: 'aborted' } }
      return { ok: false, error: { code: 'E_NETWORK', message: errorMessage(err) } }
    }
    let body: unknown
    try {
      body = await res.json()
    } catch (err) {
      if (signal?.aborted) return { ok: false, error: { code: 'E_ABORTED', message: 'aborted' } }
      const code = res.ok ? 'E_PARSE' : 'E_HTTP'
      return { ok: false, error: { code, message: `HTTP ${res.status}: ${errorMessage(err)}`, status: res.status } }
    }
    if (!res.ok) {
      const parsed = ErrorBody.safeParse(body)
      if (parsed.success) {
        const e = parsed.data.error
        return { ok: false, error: { code: e.code, message: e.message, status: res.status, ...(e.path ? { path: e.path } : {}) } }
      }
      return { ok: false, error: { code: 'E_HTTP', message: `HTTP ${res.status}`, status: res.status } }
    }
    const parsed = schema.safeParse(body)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      const path = issue ? issue.path.map((p) => String(p)).join('.') : ''
      return {
        ok: false,
        error: { code: 'E_PARSE', message: issue?.message ?? 'invalid response', status: res.status, path: path || '(root)' },
      }
    }
    return { ok: true, data: parsed.data }
  }

  return {
    overview: (signal) => get('/api/v1/overview', Overview, signal),
    commune: (code, signal) => get(`/api/v1/communes/${encodeURIComponent(code)}`, CommuneDetail, signal),
    series: (query, signal) => get(seriesUrl(query), Series, signal),
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
