/**
 * Types shared by the app and its routes, in a file of their own so that routes, the access gate
 * and auth need not import `app.ts` (which imports them).
 * @module
 */
import type { Role } from './store/users'

/** Who is calling. `sessionIdHash` is set when the identity came from the session cookie. */
export interface Identity {
  username: string
  role: Role
  via: 'session' | 'basic'
  sessionIdHash?: string
}

/** The variables the access gate sets on every request's context. */
export type AppEnv = {
  Variables: {
    /** Who is acting, for the audit log: a username, a probe, `alertmanager-api`, or `anonymous`. */
    actor: string
    /** The signed-in user (session cookie or HTTP Basic), if any. */
    identity: Identity | undefined
    /** Set by the access gate: the request went through it (identity resolved, table enforced). */
    gated: boolean
  }
}
