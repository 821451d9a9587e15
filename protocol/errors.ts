/**
 * Stable error codes and the error body every API route answers with (SPEC §5).
 * Clients branch on `code`, never on message text.
 * @module
 */
import { z } from 'zod'

export const ErrorCode = z.enum([
  'E_UNAUTHORIZED',
  'E_FORBIDDEN',
  'E_NOT_FOUND',
  'E_BAD_JSON',
  'E_VALIDATION',
  'E_BODY_TOO_LARGE',
  'E_BAD_ENCODING',
  'E_UNSUPPORTED_MEDIA_TYPE',
  'E_PROBE_MISMATCH',
  /** A probe token used for a target that is not assigned to that probe, or for a resource it has no use for. */
  'E_PROBE_SCOPE',
  /** A result dated later than the server's clock allows (`ingest.maxClockSkewSeconds`): the probe's clock is wrong. */
  'E_CLOCK_SKEW',
  'E_CONFLICT',
  'E_IMPORT_INVALID',
  'E_RATE_LIMITED',
  'E_UNAVAILABLE',
  /** A third-party service (Zalo, Telegram…) refused or failed what Xanh asked of it. */
  'E_UPSTREAM',
  'E_INTERNAL',
])
export type ErrorCode = z.infer<typeof ErrorCode>

/** One problem: where (a dotted path such as `results.3.observedAt`, and for files a 1-based line) and what. */
export const ErrorIssue = z.strictObject({
  path: z.string(),
  message: z.string(),
  line: z.number().int().positive().optional(),
})
export type ErrorIssue = z.infer<typeof ErrorIssue>

export const ErrorBody = z.strictObject({
  error: z.strictObject({
    code: ErrorCode,
    message: z.string(),
    /** Path of the first failing field, when there is one. */
    path: z.string().optional(),
    issues: z.array(ErrorIssue).optional(),
  }),
})
export type ErrorBody = z.infer<typeof ErrorBody>

/**
 * Converts zod issues to {@link ErrorIssue}s with dotted paths.
 * @param prefix prepended to each path, e.g. `"results"`.
 */
export function zodIssues(error: z.ZodError, prefix = ''): ErrorIssue[] {
  return error.issues.map((i) => {
    const parts = [...(prefix ? [prefix] : []), ...i.path.map((p) => String(p))]
    return { path: parts.join('.') || '(root)', message: i.message }
  })
}
