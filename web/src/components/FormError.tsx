import type { ErrorIssue } from '../../../protocol'
import type { ApiError } from '../api'
import { useI18n } from '../context'
import { importIssueText } from '../models/import'
import type { MessageKey, Translate } from '../i18n'

const KNOWN: Partial<Record<ApiError['code'], MessageKey>> = {
  E_NETWORK: 'error.E_NETWORK',
  E_PARSE: 'error.E_PARSE',
  E_NOT_FOUND: 'error.E_NOT_FOUND',
  E_UNAUTHORIZED: 'error.E_UNAUTHORIZED',
  E_FORBIDDEN: 'error.E_FORBIDDEN',
  E_CONFLICT: 'error.E_CONFLICT',
  E_VALIDATION: 'error.E_VALIDATION',
  E_RATE_LIMITED: 'error.E_RATE_LIMITED',
}

/** Words for an error code, followed by the server's message (which names the field). */
export function errorText(error: ApiError, t: Translate): string {
  const key = KNOWN[error.code] ?? 'error.other'
  const where = error.path && error.path !== '(root)' ? ` (${error.path})` : ''
  return `${t(key)} ${error.message}${where}`
}

/** A failed write, under the form that caused it; lists the server's issues when there are several. */
export function FormError({ error }: { error: ApiError | null }) {
  const { t, lang } = useI18n()
  if (!error) return null
  const issues: ErrorIssue[] = error.issues ?? []
  // Issues with a stable kind (inventory writes) are worded in the reader's language, each with its field.
  if (issues.length > 0 && issues.every((i) => i.code !== undefined)) {
    return (
      <div class="form-error" role="alert">
        <p>{t(KNOWN[error.code] ?? 'error.other')}</p>
        <ul>
          {issues.slice(0, 20).map((i, n) => (
            <li key={n}>
              <span class="mono">{i.path}</span>: {importIssueText(i, t, lang)}
            </li>
          ))}
        </ul>
      </div>
    )
  }
  return (
    <div class="form-error" role="alert">
      <p>{errorText(error, t)}</p>
      {issues.length > 1 && (
        <ul>
          {issues.slice(0, 20).map((i, n) => (
            <li key={n}>
              <span class="mono">{i.path}</span>: {i.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  )
}
