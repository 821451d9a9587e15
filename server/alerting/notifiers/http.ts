/**
 * The HTTP plumbing every HTTP notifier shares: one POST over `ctx.fetch` bound to
 * `ctx.signal`, a capped body read, and the mapping of failures to {@link NotifierError}
 * with secret-free, one-line messages.
 * @module
 */
import type { ChannelErrorCode, FailureAction } from '../../../protocol'
import { NotifierError, type NotifierContext } from '../notifier'

/** Largest response body read from a provider; the rest is dropped (we only need error text). */
const MAX_RESPONSE_BYTES = 64 * 1024
/** Longest provider detail quoted in an error message. */
const MAX_DETAIL_CHARS = 300

/** What a provider answered. */
export interface HttpAnswer {
  status: number
  headers: Headers
  /** Body text, at most 64 KiB. */
  text: string
}

/** Who is being called, for error messages and redaction. */
export interface Target {
  /** Secret-free destination, the prefix of every error message. */
  destination: string
  /** Strings that must never appear in an error (tokens, secrets, secret URLs). */
  secrets: readonly string[]
}

/**
 * POSTs `body` to `url` and returns the answer whatever its status. Rejects only with a
 * retryable {@link NotifierError}: on network failure, on `ctx.signal` (deadline or shutdown),
 * or when the body cannot be read. Redirects are not followed (a POST turned into a GET
 * would lose the message silently); the caller sees the 3xx status.
 */
export async function postOnce(
  ctx: NotifierContext,
  target: Target,
  url: string,
  body: string,
  headers: Record<string, string>,
): Promise<HttpAnswer> {
  if (ctx.signal.aborted) throw abortError(ctx, target)
  // A request that cannot be built (a header value outside Latin-1, a malformed URL) would fail
  // the same way on every retry: a permanent failure of this message, never a network error.
  const problem = requestProblem(url, headers)
  if (problem !== undefined) {
    ctx.log.error({ destination: target.destination, err: redact(problem, target.secrets) }, 'notification request cannot be built: given up (a bug or a bad channel setting)')
    throw failure(target, `request cannot be built: ${problem}`, { retryable: false, action: 'admin', code: 'request_invalid' })
  }
  let res: Response
  try {
    res = await ctx.fetch(url, { method: 'POST', headers, body, signal: ctx.signal, redirect: 'manual' })
  } catch (err) {
    throw ctx.signal.aborted ? abortError(ctx, target, err) : networkError(target, err)
  }
  try {
    return { status: res.status, headers: res.headers, text: await readCapped(res) }
  } catch (err) {
    throw ctx.signal.aborted ? abortError(ctx, target, err) : networkError(target, err, 'reading the answer')
  }
}

/**
 * Why fetch would refuse this request before sending it, or undefined: the Fetch standard's own
 * checks, run by constructing the Request (a header value that is not a ByteString — undici's
 * "Cannot convert argument to a ByteString" —, a bad header name, a URL that does not parse or
 * carries credentials).
 */
export function requestProblem(url: string, headers: Readonly<Record<string, string>>): string | undefined {
  try {
    new Request(url, { method: 'POST', headers })
    return undefined
  } catch (err) {
    return err instanceof Error ? err.message : String(err)
  }
}

async function readCapped(res: Response): Promise<string> {
  if (!res.body) return ''
  const reader = res.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    chunks.push(value)
    size += value.byteLength
    if (size >= MAX_RESPONSE_BYTES) {
      await reader.cancel().catch(() => {})
      break
    }
  }
  return new TextDecoder().decode(Buffer.concat(chunks).subarray(0, MAX_RESPONSE_BYTES))
}

/** The error for an attempt cut short by `ctx.signal`: retryable, the outbox tries again. */
export function abortError(ctx: NotifierContext, target: Target, cause?: unknown): NotifierError {
  const reason: unknown = ctx.signal.reason
  const timedOut = reason instanceof Error && reason.name === 'TimeoutError'
  return failure(target, timedOut ? 'deadline exceeded' : 'aborted', { retryable: true, cause, code: 'timeout' })
}

/** The error for a connection that failed (refused, reset, DNS, TLS): retryable. */
export function networkError(target: Target, err: unknown, during = 'connecting'): NotifierError {
  const code = errorCode(err)
  const text = code ?? (err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err))
  return failure(target, `network error while ${during}: ${describeCode(code) ?? text}`, { retryable: true, cause: err, code: 'network' })
}

const CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  UND_ERR_SOCKET: 'connection closed by the server',
}

function describeCode(code: string | undefined): string | undefined {
  if (code === undefined) return undefined
  const known = CODES[code]
  return known ? `${known} (${code})` : code
}

/** The errno-style code of an error or of its cause (undici wraps them in "fetch failed"). */
export function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string') return code
  }
  return undefined
}

/**
 * Whether a failed HTTP status is worth retrying: 408, 425, 429 and 5xx are; other 4xx and
 * unfollowed 3xx are a refusal that the same request would get again.
 */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500
}

/**
 * The cause and what it needs for a refused or failed HTTP status: 429 and 5xx pass by
 * themselves, 401/403 need a new token, 410 means the endpoint is gone (Standard Webhooks:
 * disable it), the rest is a refusal of this message.
 */
export function statusCause(status: number): { code: ChannelErrorCode; action: FailureAction } {
  if (status === 429) return { code: 'rate_limited', action: 'retry' }
  if (isRetryableStatus(status)) return { code: status >= 500 ? 'server_error' : 'timeout', action: 'retry' }
  if (status === 401 || status === 403) return { code: 'unauthorized', action: 'admin' }
  if (status === 410) return { code: 'gone', action: 'admin' }
  return { code: 'refused', action: 'permanent' }
}

/**
 * Seconds to wait from an HTTP `Retry-After` header (delta-seconds or HTTP-date, RFC 9110
 * §10.2.3), or undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined
  const v = value.trim()
  if (/^\d+$/.test(v)) return Number(v)
  const at = Date.parse(v)
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - nowMs) / 1000))
}

/** Builds a NotifierError whose message is `destination: reason` on one line, secrets removed. */
export function failure(
  target: Target,
  reason: string,
  opts: { retryable: boolean; retryAfterSeconds?: number; status?: number; cause?: unknown; action?: FailureAction; code?: ChannelErrorCode; disable?: boolean },
): NotifierError {
  const message = redact(oneLine(`${target.destination}: ${reason}`), target.secrets)
  return new NotifierError(message, { ...opts, cause: safeCause(opts.cause, target.secrets) })
}

/** A provider's own words, shortened to one line, for quoting in an error. */
export function detail(text: string): string {
  const line = oneLine(text)
  return line.length > MAX_DETAIL_CHARS ? `${line.slice(0, MAX_DETAIL_CHARS)}…` : line
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim()
}

/**
 * Replaces every occurrence of each secret (and its URL-encoded form) with `[redacted]`.
 * Secrets shorter than 4 characters are left alone: they give nothing away and would shred
 * every message ("p" in "temporarily").
 */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text
  for (const s of secrets) {
    if (s.length < 4) continue
    for (const form of new Set([s, encodeURIComponent(s)])) out = out.split(form).join('[redacted]')
  }
  return out
}

/**
 * The cause to attach: the original error unless its text (or its causes') contains a
 * secret — undici, for one, quotes the URL when it cannot parse it — then a redacted copy.
 */
function safeCause(cause: unknown, secrets: readonly string[]): unknown {
  if (cause === undefined) return undefined
  const texts: string[] = []
  for (let e: unknown = cause, depth = 0; e !== undefined && depth < 4; e = e instanceof Error ? e.cause : undefined, depth++) {
    texts.push(e instanceof Error ? `${e.message} ${e.stack ?? ''}` : String(e))
  }
  const all = texts.join('\n')
  if (redact(all, secrets) === all) return cause
  const copy = new Error(redact(cause instanceof Error ? cause.message : String(cause), secrets))
  copy.name = cause instanceof Error ? cause.name : 'Error'
  const code = errorCode(cause)
  if (code !== undefined) Object.assign(copy, { code })
  return copy
}

/** Parses a JSON body, or undefined when it is not JSON (a proxy's HTML error page, say). */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

/** A plain object, for reading provider answers without casts. */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}
