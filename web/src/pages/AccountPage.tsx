/**
 * One's own account: change one's password (other browsers signed in as oneself must sign in
 * again) and see one's sessions — where and when — ending any of them.
 * @module
 */
import { useSignal } from '@preact/signals'
import { useEffect } from 'preact/hooks'
import type { ApiError } from '../api'
import { FormError } from '../components/FormError'
import { LoadError } from '../components/LoadError'
import { useModels, useI18n } from '../context'
import { formatShortDateTime, toMs } from '../format'
import type { MessageKey } from '../i18n'

/** `#/account`. */
export function AccountPage() {
  const { session, users } = useModels()
  const { t } = useI18n()
  const user = session.user.value
  const current = useSignal('')
  const next = useSignal('')
  const error = useSignal<ApiError | null>(null)
  const done = useSignal<string | null>(null)
  const sessions = users.mySessions.value
  useEffect(() => {
    if (user) void users.loadMySessions()
  }, [user?.username])
  if (!user) return null
  return (
    <>
      <div class="page-head">
        <h1 class="page-title">
          {t('account.title')}
          <span class="page-title__sub">
            {user.displayName ? `${user.displayName} · ` : ''}
            {user.username} · {t(`role.user.${user.role}` as MessageKey)}
          </span>
        </h1>
      </div>
      <div class="two-col">
        <form
          class="card form-card"
          aria-labelledby="password-title"
          onSubmit={async (e) => {
            e.preventDefault()
            const r = await users.changePassword(current.value, next.value)
            if (r.ok) {
              current.value = ''
              next.value = ''
              error.value = null
              done.value = t('account.passwordChanged', { n: r.data.endedSessions })
            } else error.value = r.error
          }}
        >
          <div class="card__head">
            <h2 id="password-title" class="card__title">
              {t('account.password')}
            </h2>
          </div>
          <div class="form-body">
            {done.value && (
              <p class="import-done" role="status">
                {done.value}
              </p>
            )}
            <label class="form-field">
              <span>{t('account.current')}</span>
              <input name="current-password" type="password" autocomplete="current-password" required value={current.value} onInput={(e) => (current.value = e.currentTarget.value)} />
            </label>
            <label class="form-field">
              <span>{t('account.new')}</span>
              <input name="new-password" type="password" autocomplete="new-password" minLength={12} required value={next.value} onInput={(e) => (next.value = e.currentTarget.value)} />
            </label>
            <FormError error={error.value} />
            <div class="form-actions">
              <button type="submit" class="btn btn--primary">
                {t('account.change')}
              </button>
            </div>
          </div>
        </form>
        <section class="card" aria-labelledby="sessions-title">
          <div class="card__head">
            <h2 id="sessions-title" class="card__title">
              {t('account.sessions')}
            </h2>
          </div>
          {sessions.error && !sessions.data ? (
            <LoadError error={sessions.error} onRetry={() => void users.loadMySessions()} />
          ) : (
            <ul class="schedule-list">
              {(sessions.data ?? []).map((s) => (
                <li key={s.id} class="schedule" data-current={String(s.current)}>
                  <div class="schedule__main">
                    <strong>{s.current ? t('account.thisSession') : s.userAgent || t('account.unknownBrowser')}</strong>
                    <span class="muted small">
                      {t('account.sessionFacts', { since: formatShortDateTime(toMs(s.createdAt) ?? 0, Date.now()), seen: formatShortDateTime(toMs(s.lastSeenAt) ?? 0, Date.now()), address: s.address })}
                    </span>
                  </div>
                  {!s.current && (
                    <button type="button" class="btn btn--small btn--danger-ghost" onClick={() => void users.revokeMySession(s.id)}>
                      {t('account.revoke')}
                    </button>
                  )}
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
    </>
  )
}
