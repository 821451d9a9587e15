/**
 * Settings → users (admin): who may see and act. Create an operator or viewer, change a role or
 * name, disable someone (their sessions end at once), reset a password. The server refuses to
 * leave the province without an active admin and says so.
 * @module
 */
import { useSignal } from '@preact/signals'
import { useEffect } from 'preact/hooks'
import type { UserRole, UserView } from '../../../../protocol'
import type { ApiError } from '../../api'
import { FormError } from '../../components/FormError'
import { LoadError } from '../../components/LoadError'
import { useModels, useI18n } from '../../context'
import { formatShortDateTime, toMs } from '../../format'
import type { MessageKey } from '../../i18n'

const ROLES: readonly UserRole[] = ['viewer', 'operator', 'admin']

/** The users tab. */
export function UsersTab() {
  const { users } = useModels()
  const { t } = useI18n()
  const list = users.users.value
  const error = useSignal<ApiError | null>(null)
  useEffect(() => {
    void users.loadUsers()
  }, [])
  return (
    <div class="two-col two-col--wide-left">
      <section class="card" aria-labelledby="users-title">
        <div class="card__head">
          <h2 id="users-title" class="card__title">
            {t('settings.tab.users')}
            <span class="count-pill">{list.data?.length ?? 0}</span>
          </h2>
        </div>
        <FormError error={error.value} />
        {list.error && !list.data ? (
          <LoadError error={list.error} onRetry={() => void users.loadUsers()} />
        ) : (
          <div class="hscroll" tabIndex={0} role="region" aria-labelledby="users-title">
            <table class="simple users">
              <thead>
                <tr>
                  <th scope="col">{t('users.username')}</th>
                  <th scope="col">{t('users.displayName')}</th>
                  <th scope="col">{t('users.role')}</th>
                  <th scope="col">{t('users.lastSeen')}</th>
                  <th scope="col">{t('users.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {(list.data ?? []).map((u) => (
                  <UserRow key={u.username} user={u} onError={(e) => (error.value = e)} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <NewUserForm />
    </div>
  )
}

function UserRow({ user: u, onError }: { user: UserView; onError: (e: ApiError | null) => void }) {
  const { users } = useModels()
  const { t } = useI18n()
  const resetting = useSignal(false)
  const password = useSignal('')
  const seen = toMs(u.lastSeenAt)
  const done = (r: { ok: true } | { ok: false; error: ApiError }) => onError(r.ok ? null : r.error)
  return (
    <tr data-user={u.username} class={u.disabled ? 'row--disabled' : undefined}>
      <td class="mono">{u.username}</td>
      <td>{u.displayName || <span class="muted">—</span>}</td>
      <td>
        <select aria-label={t('users.roleOf', { user: u.username })} value={u.role} onChange={async (e) => done(await users.updateUser(u.username, { role: e.currentTarget.value as UserRole }))}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {t(`role.user.${r}` as MessageKey)}
            </option>
          ))}
        </select>
      </td>
      <td>
        {u.disabled ? <span class="pill pill--muted">{t('users.disabled')}</span> : seen !== null ? formatShortDateTime(seen, Date.now()) : <span class="muted">{t('health.never')}</span>}
        {u.sessions > 0 && <span class="muted small"> · {t('users.sessions', { n: u.sessions })}</span>}
      </td>
      <td class="actions">
        <button type="button" class="btn btn--small" onClick={async () => done(await users.updateUser(u.username, { disabled: !u.disabled }))}>
          {u.disabled ? t('users.enable') : t('users.disable')}
        </button>
        {resetting.value ? (
          <form
            class="inline-form"
            onSubmit={async (e) => {
              e.preventDefault()
              const r = await users.resetPassword(u.username, password.value)
              done(r)
              if (r.ok) {
                resetting.value = false
                password.value = ''
              }
            }}
          >
            <input type="password" autocomplete="new-password" minLength={12} required aria-label={t('users.newPasswordFor', { user: u.username })} value={password.value} onInput={(e) => (password.value = e.currentTarget.value)} />
            <button type="submit" class="btn btn--small btn--primary">
              {t('form.save')}
            </button>
          </form>
        ) : (
          <button type="button" class="btn btn--small" onClick={() => (resetting.value = true)}>
            {t('users.resetPassword')}
          </button>
        )}
      </td>
    </tr>
  )
}

function NewUserForm() {
  const { users } = useModels()
  const { t } = useI18n()
  const username = useSignal('')
  const displayName = useSignal('')
  const role = useSignal<UserRole>('operator')
  const password = useSignal('')
  const error = useSignal<ApiError | null>(null)
  const created = useSignal<string | null>(null)
  return (
    <form
      class="card form-card"
      aria-labelledby="user-new-title"
      onSubmit={async (e) => {
        e.preventDefault()
        const r = await users.createUser({ username: username.value.trim(), displayName: displayName.value.trim(), role: role.value, password: password.value })
        if (r.ok) {
          created.value = username.value.trim()
          username.value = ''
          displayName.value = ''
          password.value = ''
          error.value = null
        } else error.value = r.error
      }}
    >
      <div class="card__head">
        <h2 id="user-new-title" class="card__title">
          {t('users.new')}
        </h2>
      </div>
      <div class="form-body">
        {created.value && (
          <p class="import-done" role="status">
            {t('users.created', { user: created.value })}
          </p>
        )}
        <label class="form-field">
          <span>{t('users.username')}</span>
          <input name="new-username" required autocomplete="off" pattern="[A-Za-z0-9._\-]{2,64}" value={username.value} onInput={(e) => (username.value = e.currentTarget.value)} />
        </label>
        <p class="muted small">{t('users.usernameHelp')}</p>
        <label class="form-field">
          <span>{t('users.displayName')}</span>
          <input name="new-display-name" value={displayName.value} placeholder="Nguyễn Thị Hương" onInput={(e) => (displayName.value = e.currentTarget.value)} />
        </label>
        <label class="form-field">
          <span>{t('users.role')}</span>
          <select name="new-role" value={role.value} onChange={(e) => (role.value = e.currentTarget.value as UserRole)}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {t(`role.user.${r}` as MessageKey)}
              </option>
            ))}
          </select>
        </label>
        <p class="muted small">{t(`users.roleHelp.${role.value}` as MessageKey)}</p>
        <label class="form-field">
          <span>{t('users.password')}</span>
          <input name="new-password" type="password" required minLength={12} autocomplete="new-password" value={password.value} onInput={(e) => (password.value = e.currentTarget.value)} />
        </label>
        <FormError error={error.value} />
        <div class="form-actions">
          <button type="submit" class="btn btn--primary">
            {t('users.create')}
          </button>
        </div>
      </div>
    </form>
  )
}
