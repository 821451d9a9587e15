import { useEffect, useRef } from 'preact/hooks'
import { useSignal } from '@preact/signals'
import { useModels, useI18n } from '../context'
import { errorText } from '../components/FormError'

/** Sign-in form (POST /api/v1/session); returns to the page the user came from. */
export function SignInPage() {
  const { session, router } = useModels()
  const { t } = useI18n()
  const username = useSignal('')
  const password = useSignal('')
  const first = useRef<HTMLInputElement>(null)
  const user = session.user.value
  const error = session.error.value

  useEffect(() => first.current?.focus(), [])

  const back = (): void => {
    const prev = router.previousHash.peek()
    window.location.hash = prev && !prev.startsWith('#/signin') ? prev : '#/'
  }

  if (user) {
    return (
      <div class="panel signin">
        <h1 class="page-title">{t('session.signedInAs', { user: user.username })}</h1>
        <p>
          <a href="#/">{t('notFound.back')}</a>
        </p>
      </div>
    )
  }

  return (
    <form
      class="panel signin"
      onSubmit={async (e) => {
        e.preventDefault()
        if (await session.signIn(username.value.trim(), password.value)) {
          password.value = ''
          // Shown in place of the page asked for: it appears by itself; from #/signin, go back.
          if (router.route.peek().name === 'signin') back()
        }
      }}
    >
      <h1 class="page-title">{t('session.signIn')}</h1>
      <p class="muted">{t('session.why')}</p>
      <label class="form-field">
        <span>{t('session.username')}</span>
        <input ref={first} name="username" autocomplete="username" required value={username.value} onInput={(e) => (username.value = e.currentTarget.value)} />
      </label>
      <label class="form-field">
        <span>{t('session.password')}</span>
        <input
          name="password"
          type="password"
          autocomplete="current-password"
          required
          value={password.value}
          onInput={(e) => (password.value = e.currentTarget.value)}
        />
      </label>
      {error && (
        <p class="form-error" role="alert">
          {error.code === 'E_UNAUTHORIZED' ? t('session.wrong') : errorText(error, t)}
        </p>
      )}
      <div class="form-actions">
        <button type="submit" class="btn btn--primary" disabled={session.busy.value}>
          {session.busy.value ? t('session.signingIn') : t('session.signIn')}
        </button>
      </div>
    </form>
  )
}
