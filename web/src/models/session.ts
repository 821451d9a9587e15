/**
 * Who is signed in. The session itself is an HttpOnly cookie the page cannot read; this model
 * asks the server (`GET /api/v1/session`) and mirrors the answer so views can show the user
 * menu and offer only the actions the role allows (the server enforces them anyway).
 * @module
 */
import { computed, createModel, signal, type ReadonlySignal } from '@preact/signals'
import type { Api, ApiError } from '../api'
import { ROLE_RANK, type Role, type SessionUser } from '../wire'
import type { StorageLike } from './prefs'

/**
 * localStorage key remembering that this browser signed in. The cookie itself is HttpOnly, so
 * without this hint every anonymous page load would ask the server and log a 401 in the console.
 */
export const SIGNED_IN_KEY = 'xanh.signedIn'

/** Session state plus actions. */
export interface SessionState {
  /** The signed-in user, or null (viewer access without a session). */
  user: ReadonlySignal<SessionUser | null>
  /** False until the first `check()` answered, so views do not flash "sign in". */
  checked: ReadonlySignal<boolean>
  /** A sign-in in flight. */
  busy: ReadonlySignal<boolean>
  /** Why the last sign-in failed (wrong password, rate limit). */
  error: ReadonlySignal<ApiError | null>
  /** Asks the server who the cookie belongs to (only when this browser signed in before). */
  check: () => Promise<void>
  /** Signs in; resolves true on success. */
  signIn: (username: string, password: string) => Promise<boolean>
  signOut: () => Promise<void>
  /** Called when a write answered E_UNAUTHORIZED: the session expired. */
  expired: () => void
}

/** True when `user` has at least `role`. */
export function hasRole(user: SessionUser | null, role: Role): boolean {
  return user !== null && ROLE_RANK[user.role] >= ROLE_RANK[role]
}

/** Session model. */
export const SessionModel = createModel((deps: { api: Api; storage: StorageLike | null }): SessionState => {
  const user = signal<SessionUser | null>(null, { name: 'session-user' })
  const checked = signal(false, { name: 'session-checked' })
  const busy = signal(false, { name: 'session-busy' })
  const error = signal<ApiError | null>(null, { name: 'session-error' })

  const remember = (on: boolean): void => {
    try {
      deps.storage?.setItem(SIGNED_IN_KEY, on ? '1' : '')
    } catch {
      // Without storage the session is simply not looked up on the next load.
    }
  }
  const remembered = (): boolean => {
    try {
      return deps.storage?.getItem(SIGNED_IN_KEY) === '1'
    } catch {
      return false
    }
  }

  async function check(): Promise<void> {
    if (!remembered()) {
      checked.value = true
      return
    }
    const r = await deps.api.session()
    if (!r.ok && r.error.code === 'E_UNAUTHORIZED') remember(false)
    // Only a definite "not signed in" clears the user; a network blip keeps what we had.
    if (r.ok) user.value = r.data
    else if (r.error.code === 'E_UNAUTHORIZED') user.value = null
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
    user.value = r.data
    checked.value = true
    remember(true)
    return true
  }

  async function signOut(): Promise<void> {
    await deps.api.signOut()
    remember(false)
    user.value = null
  }

  return {
    user: computed(() => user.value),
    checked,
    busy,
    error,
    check,
    signIn,
    signOut,
    expired: () => {
      remember(false)
      user.value = null
    },
  }
})

/** An instance of {@link SessionModel}. */
export type SessionModel = InstanceType<typeof SessionModel>
