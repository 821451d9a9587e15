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
  /**
   * Stable kind of the problem (`too_big`, `required`, `unknown_column`… see IMPORT_ISSUE_CODES),
   * so a client can word it in its own language; `message` stays the English text. Imports only.
   */
  code: z.string().max(40).optional(),
  /** Values the problem names (a limit, a column, a value; `header`: the file's own header when it differs from the column), for that wording. */
  params: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
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

/**
 * Kinds of problem an inventory import reports in {@link ErrorIssue.code}. Each names its
 * `params`; a client without words for a kind shows the English `message`.
 */
export const IMPORT_ISSUE_CODES = [
  /** Number above its limit: `max`, `inclusive` (1 or 0). */
  'too_big',
  /** Number below its limit: `min`, `inclusive` (1 or 0). */
  'too_small',
  /** Text longer than `max` characters. */
  'too_long',
  /** Empty text where some is needed (`min` characters). */
  'too_short',
  /** List longer than `max` items. */
  'too_many',
  /** Whole number expected. */
  'not_integer',
  /** Wrong type: `expected` (number, string, boolean, object, array). */
  'invalid_type',
  /** Not one of `values` (joined with ", "). */
  'invalid_option',
  /** Not in the form required: `hint` names which (commune_code, target_id, host, other). */
  'invalid_pattern',
  /** Not a date written YYYY-MM-DD. */
  'invalid_date',
  /** Any other format (`format`). */
  'invalid_format',
  /** A required column is missing or empty. */
  'required',
  /** A cell that should be a number: `value`. */
  'not_a_number',
  /** A cell that should be true or false: `value`. */
  'not_a_boolean',
  /** A cell that should be JSON: `detail` (the parser's own words). */
  'bad_json',
  /** A JSON cell that is not an object. */
  'not_an_object',
  /** The file cannot be read as CSV or YAML: `detail` (the parser's own words). */
  'file_syntax',
  /** No rows at all. */
  'empty_file',
  /** YAML nested deeper than `max`. */
  'too_deep',
  /** YAML whose top level is not a list (or a map with a `kind` key): `kind`. */
  'not_a_list',
  /** YAML list item that is not a mapping. */
  'not_a_mapping',
  /** A header or key this kind does not have: `column`, `kind`, `expected`. */
  'unknown_column',
  /** Two headers name the same column: `column`, `first`, `second`. */
  'duplicate_column',
  /** Cells under no header: `column` (its 1-based position). */
  'unnamed_column',
  /** More cells than headers: `cells`, `columns`. */
  'extra_cells',
  /** A YAML field given twice in one item. */
  'field_twice',
  /** A key repeated in the file: `key`, `first` (its first line). */
  'duplicate',
  /** Reference to a commune that does not exist: `code`. */
  'unknown_commune',
  /** Reference to a probe that does not exist: `probe`. */
  'unknown_probe',
  /** Reference to a parent target that exists nowhere: `parent`. */
  'unknown_parent',
  /** A target listed as its own parent. */
  'own_parent',
] as const
export type ImportIssueCode = (typeof IMPORT_ISSUE_CODES)[number]
