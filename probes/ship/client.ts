/**
 * POSTs result batches to the server's ingest route and classifies the answer (SPEC §3, §5).
 * @module
 */
import { gzip } from 'node:zlib'
import { promisify } from 'node:util'
import { CONFIG_ETAG_HEADER, ErrorBody, type ErrorIssue, type ResultBatch } from '../../protocol'
import { oneLine } from '../checks/describe'
import { linkSignals } from '../abort'
import { parseRetryAfter } from './backoff'

const gzipAsync = promisify(gzip)

/** How one POST ended, from the shipper's point of view. */
export type PostOutcome =
  /** `configEtag`: the server's tag of this probe's current config (absent from older servers). */
  | { kind: 'delivered'; status: number; configEtag?: string }
  /** 5xx, 408, 429, network error or deadline: send the same batch again later. */
  | { kind: 'retry'; status?: number; retryAfterMs?: number; reason: string }
  /** Any other 4xx: the server will never accept this batch; dead-letter it. `issues` as the server listed them. */
  | { kind: 'rejected'; status: number; code?: string; reason: string; issues?: ErrorIssue[] }

export interface IngestClientOptions {
  serverUrl: string
  token: string
  /** Per-request deadline. */
  timeoutMs: number
  fetch?: typeof fetch
  now?: () => number
}

export interface IngestClient {
  /** Sends one batch. Never rejects: every failure is a {@link PostOutcome}. */
  post(batch: ResultBatch, signal?: AbortSignal): Promise<PostOutcome>
}

/**
 * Creates the ingest client: `POST ${serverUrl}/api/v1/ingest` with a gzip'd JSON body,
 * `Authorization: Bearer <token>`, `Content-Encoding: gzip`, and a deadline of `timeoutMs`.
 */
export function createIngestClient(opts: IngestClientOptions): IngestClient {
  const doFetch = opts.fetch ?? fetch
  const now = opts.now ?? Date.now
  const url = new URL('api/v1/ingest', ensureSlash(opts.serverUrl)).toString()

  return {
    async post(batch, signal) {
      const deadline = AbortSignal.timeout(Math.max(1, opts.timeoutMs))
      const linked = linkSignals(signal ? [deadline, signal] : [deadline])
      try {
        return await send(batch, deadline, linked.signal, signal)
      } finally {
        linked.dispose()
      }
    },
  }

  async function send(batch: ResultBatch, deadline: AbortSignal, combined: AbortSignal, signal: AbortSignal | undefined): Promise<PostOutcome> {
    let res: Response
    try {
      const body = await gzipAsync(Buffer.from(JSON.stringify(batch)))
      res = await doFetch(url, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${opts.token}`,
          'content-type': 'application/json',
          'content-encoding': 'gzip',
        },
        body,
        signal: combined,
      })
    } catch (err) {
      if (deadline.aborted) return { kind: 'retry', reason: `timeout after ${opts.timeoutMs / 1000}s posting to ${url}` }
      if (signal?.aborted) return { kind: 'retry', reason: 'shipping stopped' }
      return { kind: 'retry', reason: networkReason(err, url) }
    }
    const status = res.status
    if (status >= 200 && status < 300) {
      await res.body?.cancel().catch(() => {})
      const configEtag = res.headers.get(CONFIG_ETAG_HEADER) ?? undefined
      return { kind: 'delivered', status, ...(configEtag !== undefined && { configEtag }) }
    }
    const text = await res.text().catch(() => '')
    const parsed = safeErrorBody(text)
    const reason = oneLine(`http ${status} from ${url}${parsed ? `: ${parsed.code} ${parsed.message}` : text ? `: ${text.slice(0, 200)}` : ''}`)
    if (status === 408 || status === 429 || status >= 500) {
      const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), now())
      return { kind: 'retry', status, reason, ...(retryAfterMs !== undefined && { retryAfterMs }) }
    }
    return { kind: 'rejected', status, reason, ...(parsed && { code: parsed.code }), ...(parsed?.issues && { issues: parsed.issues }) }
  }
}

function ensureSlash(u: string): string {
  return u.endsWith('/') ? u : `${u}/`
}

function safeErrorBody(text: string): { code: string; message: string; issues?: ErrorIssue[] } | undefined {
  try {
    const r = ErrorBody.safeParse(JSON.parse(text))
    return r.success ? { code: r.data.error.code, message: r.data.error.message, ...(r.data.error.issues && { issues: r.data.error.issues }) } : undefined
  } catch {
    return undefined
  }
}

function networkReason(err: unknown, url: string): string {
  // undici hides the socket error in `cause` ("fetch failed" alone says nothing).
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : undefined
  const detail = cause ? (('code' in cause && typeof cause.code === 'string' && cause.code) || cause.message) : err instanceof Error ? err.message : String(err)
  return oneLine(`network error posting to ${url}: ${detail}`)
}
