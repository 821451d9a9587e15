import type { ApiError } from '../api'
import { useI18n } from '../context'
import type { MessageKey } from '../i18n'

const KNOWN: Partial<Record<ApiError['code'], MessageKey>> = {
  E_NETWORK: 'error.E_NETWORK',
  E_PARSE: 'error.E_PARSE',
  E_NOT_FOUND: 'error.E_NOT_FOUND',
  E_UNAUTHORIZED: 'error.E_UNAUTHORIZED',
  E_FORBIDDEN: 'error.E_FORBIDDEN',
}

/** Error state of a failed load: what happened in words, the code for support, and a retry. */
export function LoadError({ error, onRetry }: { error: ApiError; onRetry?: () => void }) {
  const { t } = useI18n()
  const key = KNOWN[error.code] ?? 'error.other'
  return (
    <div class="panel panel--error" role="alert">
      <h2 class="panel__title">{t('load.error')}</h2>
      <p>{t(key)}</p>
      <p class="muted mono">
        {error.code}
        {error.status ? ` · HTTP ${error.status}` : ''}
        {error.path ? ` · ${error.path}` : ''} · {error.message}
      </p>
      {onRetry && (
        <button type="button" class="btn" onClick={onRetry}>
          {t('load.retry')}
        </button>
      )}
    </div>
  )
}
