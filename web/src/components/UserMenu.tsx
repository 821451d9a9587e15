import { useRef } from 'preact/hooks'
import { useModels, useI18n } from '../context'
import type { MessageKey } from '../i18n'

/**
 * Signed out: a "sign in" link. Signed in: the user's name and role, opening a small menu with
 * "sign out". A native <details> so it works with the keyboard and without script tricks;
 * Escape closes it and returns focus to the button.
 */
export function UserMenu() {
  const { session } = useModels()
  const { t } = useI18n()
  const user = session.user.value
  const ref = useRef<HTMLDetailsElement>(null)
  if (!session.checked.value) return null
  if (!user) {
    return (
      <a class="btn btn--ghost user-signin" href="#/signin">
        <UserIcon />
        <span>{t('session.signIn')}</span>
      </a>
    )
  }
  const close = (): void => {
    const d = ref.current
    if (d) {
      d.open = false
      d.querySelector('summary')?.focus()
    }
  }
  return (
    <details class="user-menu" ref={ref} onKeyDown={(e) => e.key === 'Escape' && close()}>
      <summary class="btn btn--ghost user-menu__button" aria-label={t('session.menu', { user: user.username })}>
        <UserIcon />
        <span class="user-menu__name">{user.username}</span>
      </summary>
      <div class="user-menu__panel">
        <p class="user-menu__who">
          <strong>{user.username}</strong>
          <span class="muted">{t(`role.user.${user.role}` as MessageKey)}</span>
        </p>
        <a class="btn user-menu__account" href="#/account" onClick={close}>
          {t('account.title')}
        </a>
        <button
          type="button"
          class="btn user-menu__signout"
          onClick={() => {
            close()
            void session.signOut()
          }}
        >
          {t('session.signOut')}
        </button>
      </div>
    </details>
  )
}

function UserIcon() {
  return (
    <svg width="16" height="16" viewBox="0 0 20 20" aria-hidden="true" focusable="false">
      <circle cx="10" cy="7" r="3.6" fill="none" stroke="currentColor" stroke-width="1.7" />
      <path d="M3.5 17.5c.9-3.3 3.4-5 6.5-5s5.6 1.7 6.5 5" fill="none" stroke="currentColor" stroke-width="1.7" stroke-linecap="round" />
    </svg>
  )
}
