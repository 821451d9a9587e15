import { createHash, timingSafeEqual } from 'node:crypto'
import { Hono } from 'hono'
import type { AppDeps, AppEnv } from '../app'
import { AppError } from '../errors'
import { EXPOSITION_CONTENT_TYPE, type ExpositionFormat } from '../metrics'

/**
 * OpenMetrics when the scraper lists `application/openmetrics-text` with a non-zero quality
 * (Prometheus does, first); the Prometheus text format otherwise.
 */
export function negotiateExposition(accept: string | undefined): ExpositionFormat {
  for (const part of (accept ?? '').split(',')) {
    const [type, ...params] = part.split(';').map((p) => p.trim().toLowerCase())
    if (type !== 'application/openmetrics-text') continue
    const q = params.find((p) => p.startsWith('q='))
    if (q === undefined || Number(q.slice(2)) > 0) return 'openmetrics'
  }
  return 'prometheus'
}

/** Whether `Accept-Encoding` allows gzip (listed without `q=0`). Prometheus sends `gzip`. */
export function acceptsGzip(header: string | undefined): boolean {
  for (const part of (header ?? '').split(',')) {
    const [coding, ...params] = part.split(';').map((p) => p.trim().toLowerCase())
    if (coding !== 'gzip' && coding !== 'x-gzip') continue
    const q = params.find((p) => p.startsWith('q='))
    return q === undefined || Number(q.slice(2)) > 0
  }
  return false
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest()

/** Constant-time: Bearer <token>, or Basic with <token> as the password (any user name). */
function authorized(header: string | undefined, token: string): boolean {
  if (!header) return false
  const expected = digest(token)
  let given: string | undefined
  if (header.startsWith('Bearer ')) given = header.slice(7).trim()
  else if (header.startsWith('Basic ')) {
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8')
    const sep = decoded.indexOf(':')
    given = sep >= 0 ? decoded.slice(sep + 1) : undefined
  }
  return given !== undefined && timingSafeEqual(digest(given), expected)
}

/**
 * `GET /metrics`: the exposition rendered from memory and cached per scrape interval
 * (`metrics.cacheSeconds`). With `metrics.token` (XANH_METRICS_TOKEN) set, a scrape without it
 * gets 401 and a `WWW-Authenticate` challenge.
 */
export function metricsRoutes(deps: AppDeps): Hono<AppEnv> {
  const token = deps.config.metrics.token
  return new Hono<AppEnv>().get('/metrics', async (c) => {
    if (token !== undefined && !authorized(c.req.header('authorization'), token)) {
      c.header('WWW-Authenticate', 'Basic realm="xanh metrics", charset="UTF-8"')
      throw new AppError('E_UNAUTHORIZED', '/metrics needs the metrics token (Bearer, or HTTP Basic password)')
    }
    const format = negotiateExposition(c.req.header('accept'))
    const gzip = acceptsGzip(c.req.header('accept-encoding'))
    const body = gzip ? await deps.metrics.scrapeGzip(format) : await deps.metrics.scrape(format)
    // The writer's buffers are plain (non-shared) ArrayBuffers, which is what Hono's type wants.
    const bytes = new Uint8Array(body.buffer as ArrayBuffer, body.byteOffset, body.byteLength)
    const headers: Record<string, string> = { 'Content-Type': EXPOSITION_CONTENT_TYPE[format], 'Cache-Control': 'no-store', Vary: 'Accept-Encoding' }
    if (gzip) headers['Content-Encoding'] = 'gzip'
    return c.body(bytes, 200, headers)
  })
}
