/**
 * Who is signed in. The session itself is an HttpOnly cookie the page cannot read; this model
 * asks the server (`GET /api/v1/session`, which answers for nobody too) and mirrors the answer:
 * the user, and whether the server lets anonymous visitors read (a wallboard). Without either,
 * the app shows the sign-in form whatever the page; any request answered E_UNAUTHORIZED (the
 * session ended, was revoked, the user disabled) brings the form back.
 * @module
 */
import { computed, createModel, signal, type ReadonlySignal } from '@preact/signals'
import type { SessionAnswer } from '../../../protocol'
import type { Api, ApiError } from '../api'
import { ROLE_RANK, type Role, type SessionUser } from '../wire'

/** Session state plus actions. */
export interface SessionState {
  /** The signed-in user, or null. */
  user: ReadonlySignal<SessionUser | null>
  /** The server lets anonymous visitors read (a wallboard): no sign-in is needed to look. */
  publicRead: ReadonlySignal<boolean>
  /** Nobody is signed in and reading needs a user: the app shows the sign-in form. */
  needsSignIn: ReadonlySignal<boolean>
  /** False until the first `check()` answered, so views do not flash "sign in". */
  checked: ReadonlySignal<boolean>
  /** A sign-in in flight. */
  busy: ReadonlySignal<boolean>
  /** Why the last sign-in failed (wrong password, rate limit). */
  error: ReadonlySignal<ApiError | null>
  /** Asks the server who the cookie belongs to. */
  check: () => Promise<void>
  /** Signs in; resolves true on success. */
  signIn: (username: string, password: string) => Promise<boolean>
  signOut: () => Promise<void>
  /** A request answered E_UNAUTHORIZED: the session ended. */
  expired: () => void
}

/** True when `user` has at least `role`. */
export function hasRole(user: SessionUser | null, role: Role): boolean {
  return user !== null && ROLE_RANK[user.role] >= ROLE_RANK[role]
}

/** Session model. `onSignedIn` reloads what an anonymous visitor could not read. */
export const SessionModel = createModel((deps: { api: Api; onSignedIn?: () => void }): SessionState => {
  const user = signal<SessionUser | null>(null, { name: 'session-user' })
  const publicRead = signal(false, { name: 'session-public-read' })
  const checked = signal(false, { name: 'session-checked' })
  const busy = signal(false, { name: 'session-busy' })
  const error = signal<ApiError | null>(null, { name: 'session-error' })

  const apply = (a: SessionAnswer): void => {
    publicRead.value = a.publicRead
    user.value = a.signedIn ? { username: a.username, role: a.role, displayName: a.displayName } : null
  }

  async function check(): Promise<void> {
    const r = await deps.api.session()
    // Only a definite answer changes the user; a network blip keeps what we had.
    if (r.ok) apply(r.data)
    checked.value = true
  }

  async function signIn(username: string, password: string): Promise<boolean> {
    busy.value = true
    error.value = null
    const r = await deps.api.signIn(username, password)
    busy.value = false
    if (!r.ok) {
      error.value = r.error
      return false
    }
    apply(r.data)
    checked.value = true
    deps.onSignedIn?.()
    return true
  }

  async function signOut(): Promise<void> {
    await deps.api.signOut()
    user.value = null
  }

  return {
    user: computed(() => user.value),
    publicRead: computed(() => publicRead.value),
    needsSignIn: computed(() => checked.value && user.value === null && !publicRead.value),
    checked,
    busy,
    error,
    check,
    signIn,
    signOut,
    expired: () => {
      user.value = null
      checked.value = true
    },
  }
})

/** An instance of {@link SessionModel}. */
export type SessionModel = InstanceType<typeof SessionModel>
