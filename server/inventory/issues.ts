/**
 * Import problems with a stable kind (SPEC §2): every issue an import reports carries a code
 * from protocol's IMPORT_ISSUE_CODES and the values it names, so the dashboard words it in
 * Vietnamese; the English `message` stays for the CLI and the logs.
 * @module
 */
import type { z } from 'zod'
import { zodIssues } from '../../protocol'
import type { ErrorIssue, ImportIssueCode } from '../../protocol'

/** Params of an issue (see {@link ErrorIssue.params}). */
export type IssueParams = Record<string, string | number>

/** An issue of a given kind. */
export function issue(line: number | undefined, path: string, code: ImportIssueCode, message: string, params?: IssueParams): ErrorIssue {
  return { ...(line !== undefined && { line }), path, message, code, ...(params && { params }) }
}

/** Which rule a regular-expression check enforces, by the column (or API field) it checked. */
function patternHint(column: string): string {
  if (column === 'code' || column === 'commune_code' || column === 'communeCode') return 'commune_code'
  if (column === 'id' || column === 'parents') return 'target_id'
  if (column === 'host') return 'host'
  return 'other'
}

/**
 * The kind and values of one zod issue, as an import reports them.
 * @param column the column the issue is about (its first path segment), for regex hints
 */
export function zodIssueKind(i: z.core.$ZodIssue, column: string): { code: ImportIssueCode; params?: IssueParams } {
  switch (i.code) {
    case 'too_big': {
      const max = Number(i.maximum)
      if (i.origin === 'string') return { code: 'too_long', params: { max } }
      if (i.origin === 'array' || i.origin === 'set') return { code: 'too_many', params: { max } }
      return { code: 'too_big', params: { max, inclusive: i.inclusive === false ? 0 : 1 } }
    }
    case 'too_small': {
      const min = Number(i.minimum)
      if (i.origin === 'string') return { code: 'too_short', params: { min } }
      return { code: 'too_small', params: { min, inclusive: i.inclusive === false ? 0 : 1 } }
    }
    case 'invalid_type':
      return i.expected === 'int' ? { code: 'not_integer' } : { code: 'invalid_type', params: { expected: i.expected } }
    case 'invalid_value':
      return { code: 'invalid_option', params: { values: i.values.map(String).join(', ') } }
    case 'invalid_format':
      if (i.format === 'regex') return { code: 'invalid_pattern', params: { hint: patternHint(column) } }
      if (i.format === 'date') return { code: 'invalid_date' }
      return { code: 'invalid_format', params: { format: i.format } }
    default:
      // Custom refinements and unions: no wording of our own; the message is shown as written.
      return { code: 'invalid_format', params: { format: i.code } }
  }
}

/**
 * {@link zodIssues} of an inventory write (`POST /api/v1/targets`…), each with its kind and
 * values as an import reports them, so the Settings forms word them in Vietnamese too. Not for
 * ingest: agents read those issues with a strict schema that predates `code`.
 */
export function codedZodIssues(error: z.ZodError): ErrorIssue[] {
  const plain = zodIssues(error)
  return error.issues.map((zi, n) => {
    const k = zodIssueKind(zi, String(zi.path[0] ?? ''))
    const base = plain[n] ?? { path: '(root)', message: zi.message }
    return { ...base, code: k.code, ...(k.params && { params: k.params }) }
  })
}
