/**
 * The one error class of the server. Routes throw it; `app.onError` turns it into the
 * `{ error: { code, message, path?, issues? } }` body of SPEC §5.
 * @module
 */
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { z } from 'zod'
import { zodIssues, type ErrorBody, type ErrorCode, type ErrorIssue } from '../protocol'

const STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  E_UNAUTHORIZED: 401,
  E_FORBIDDEN: 403,
  E_NOT_FOUND: 404,
  E_BAD_JSON: 400,
  E_VALIDATION: 422,
  E_BODY_TOO_LARGE: 413,
  E_BAD_ENCODING: 400,
  E_UNSUPPORTED_MEDIA_TYPE: 415,
  E_PROBE_MISMATCH: 403,
  // Authenticated, but not allowed for this target: the same answer as a batch naming another probe.
  E_PROBE_SCOPE: 403,
  // The batch is well-formed but a time in it cannot be true; like E_VALIDATION, never retried.
  E_CLOCK_SKEW: 422,
  E_CONFLICT: 409,
  E_IMPORT_INVALID: 422,
  E_RATE_LIMITED: 429,
  E_UNAVAILABLE: 503,
  E_UPSTREAM: 502,
  E_INTERNAL: 500,
}

/** An error with a stable code; its HTTP status follows from the code. */
export class AppError extends Error {
  readonly code: ErrorCode
  readonly status: ContentfulStatusCode
  readonly issues: ErrorIssue[] | undefined

  constructor(code: ErrorCode, message: string, issues?: ErrorIssue[]) {
    super(message)
    this.name = 'AppError'
    this.code = code
    this.status = STATUS[code]
    this.issues = issues
  }

  /** Builds an E_VALIDATION (or the given code) error from zod issues. */
  static fromZod(error: z.ZodError, prefix = '', code: ErrorCode = 'E_VALIDATION'): AppError {
    const issues = zodIssues(error, prefix)
    const first = issues[0]
    return new AppError(code, first ? `${first.path}: ${first.message}` : 'invalid input', issues)
  }

  /** The JSON body sent to clients. */
  toBody(): ErrorBody {
    const path = this.issues?.[0]?.path
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(path !== undefined ? { path } : {}),
        ...(this.issues ? { issues: this.issues.slice(0, 100) } : {}),
      },
    }
  }
}
