/**
 * Who is calling: users (scrypt passwords), dashboard sessions (a random id in an HttpOnly,
 * SameSite=Strict cookie; only its SHA-256 is stored, so sessions can be listed and revoked)
 * and HTTP Basic for scripts. The route table in `access.ts` decides what each identity may do.
 * @module
 */
import { createHash, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto'
import type { Context, MiddlewareHandler } from 'hono'
import { AppError } from './errors'
import type { Store } from './store/store'
import type { Role } from './store/users'
import type { AppEnv, Identity } from './app-env'

export type { Identity, Role }

const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32 } as const

/** Shortest password accepted for a user (the first admin's rule, for everyone). */
export const MIN_PASSWORD_LENGTH = 12

/** Hashes a password as `scrypt$N$r$p$salt$hash` (base64url parts). */
export function hashPassword(password: string): string {
  const salt = randomBytes(16)
  const hash = scryptSync(password, salt, SCRYPT.keylen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p })
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), hash.toString('base64url')].join('$')
}

/** Constant-time check of a password against {@link hashPassword} output. */
export function verifyPassword(password: string, stored: string): boolean {
  const [alg, n, r, p, salt, hash] = stored.split('$')
  if (alg !== 'scrypt' || !n || !r || !p || !salt || !hash) return false
  const expected = Buffer.from(hash, 'base64url')
  const actual = scryptSync(password, Buffer.from(salt, 'base64url'), expected.length, { N: Number(n), r: Number(r), p: Number(p) })
  return timingSafeEqual(actual, expected)
}

/** A hash that makes a wrong username cost as much as a wrong password (no user enumeration by timing). */
const DUMMY_HASH = hashPassword(randomBytes(16).toString('base64url'))

/**
 * Creates the first admin when there is no user yet.
 * @returns the generated password (to print once) or undefined when nothing was created
 *   or the password came from configuration
 */
export function ensureFirstAdmin(store: Store, configured?: string, now: number = Date.now()): { username: string; password: string; generated: boolean } | undefined {
  if (store.users.count() > 0) return undefined
  const password = configured ?? randomBytes(12).toString('base64url')
  store.users.create({ username: 'admin', displayName: '', role: 'admin', passwordHash: hashPassword(password) }, now)
  return { username: 'admin', password, generated: configured === undefined }
}

export const ROLE_RANK: Readonly<Record<Role, number>> = { viewer: 0, operator: 1, admin: 2 }

/** Whether `role` is at least `min`. */
export function atLeast(role: Role, min: Role): boolean {
  return ROLE_RANK[role] >= ROLE_RANK[min]
}

/** Name of the dashboard's session cookie. */
export const SESSION_COOKIE = 'xanh_session'
/** How long a dashboard session lasts. */
export const SESSION_SECONDS = 12 * 3600
/** `lastSeenAt` of a session is written at most this often (not on every request). */
const TOUCH_EVERY_MS = 60_000

const sha256 = (s: string): string => createHash('sha256').update(s).digest('base64url')


/**
 * Starts a session: a fresh random id (never reused across sign-ins), stored hashed.
 * @returns the cookie value
 */
export function startSession(store: Store, username: string, meta: { address: string; userAgent: string }, now: number): string {
  const id = randomBytes(32).toString('base64url')
  store.users.createSession({ idHash: sha256(id), username, createdAt: now, lastSeenAt: now, expiresAt: now + SESSION_SECONDS * 1000, address: meta.address.slice(0, 100), userAgent: meta.userAgent.slice(0, 300) })
  return id
}

/** The identity of a session cookie value; undefined when unknown, revoked, expired or its user disabled. */
export function sessionIdentity(store: Store, cookie: string, now: number): Identity | undefined {
  const idHash = sha256(cookie)
  const live = store.users.liveSession(idHash, now)
  if (!live) return undefined
  if (now - live.session.lastSeenAt > TOUCH_EVERY_MS) store.users.touchSession(idHash, now)
  return { username: live.user.username, role: live.user.role, via: 'session', sessionIdHash: idHash }
}

/** The hash a cookie value is stored under (to revoke "this" session). */
export function sessionIdHash(cookie: string): string {
  return sha256(cookie)
}

/** Reads one cookie from a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=')
    if (i > 0 && part.slice(0, i).trim() === name) {
      try {
        return decodeURIComponent(part.slice(i + 1).trim())
      } catch {
        return undefined
      }
    }
  }
  return undefined
}

/**
 * Checks a username and password (constant time, and as slow for an unknown user as for a
 * wrong password); undefined when wrong or the user is disabled.
 */
export function checkPassword(store: Store, username: string, password: string): { username: string; role: Role } | undefined {
  const user = store.users.get(username)
  const ok = verifyPassword(password, user?.passwordHash ?? DUMMY_HASH)
  if (!user || !ok || user.disabledAt !== null) return undefined
  return { username: user.username, role: user.role }
}

/**
 * Resolves who is calling from the session cookie or HTTP Basic. Basic checks are cached for a
 * minute (scrypt per request would be a denial of service), keyed by the header's hash and
 * dropped when the user changes (role, password, disabled): the cache holds the user's
 * `passwordChangedAt` and role and is re-validated against the row.
 * @throws AppError E_UNAUTHORIZED for a session that ended or wrong credentials
 */
export function createIdentifier(store: Store, now: () => number = Date.now) {
  const cache = new Map<string, { username: string; changedAt: number | null; until: number }>()
  return (c: Context): Identity | undefined => {
    const header = c.req.header('authorization') ?? ''
    if (header.startsWith('Basic ')) {
      const key = sha256(header)
      const hit = cache.get(key)
      if (hit && hit.until > now()) {
        const user = store.users.get(hit.username)
        if (user && user.disabledAt === null && user.passwordChangedAt === hit.changedAt) return { username: user.username, role: user.role, via: 'basic' }
        cache.delete(key)
      }
      let decoded = ''
      try {
        decoded = Buffer.from(header.slice(6), 'base64').toString('utf8')
      } catch {
        decoded = ''
      }
      const sep = decoded.indexOf(':')
      const user = sep > 0 ? checkPassword(store, decoded.slice(0, sep), decoded.slice(sep + 1)) : undefined
      if (!user) throw new AppError('E_UNAUTHORIZED', 'wrong username or password')
      if (cache.size > 1000) cache.clear()
      cache.set(key, { username: user.username, changedAt: store.users.get(user.username)?.passwordChangedAt ?? null, until: now() + 60_000 })
      return { ...user, via: 'basic' }
    }
    const cookie = cookieValue(c.req.header('cookie'), SESSION_COOKIE)
    if (cookie === undefined) return undefined
    const id = sessionIdentity(store, cookie, now())
    if (!id) throw new AppError('E_UNAUTHORIZED', 'session ended; sign in again')
    return id
  }
}

/**
 * Asks for HTTP Basic credentials (`WWW-Authenticate`), but not from the dashboard: a browser
 * receiving the challenge on a fetch would open its own password dialog (and a headless one
 * would hang the request). Browsers mark their requests with `Sec-Fetch-Mode`; curl, scripts and
 * Prometheus do not.
 */
export function challengeBasic(c: Context, realm = 'xanh'): void {
  if (c.req.header('sec-fetch-mode') === undefined) c.header('WWW-Authenticate', `Basic realm="${realm}", charset="UTF-8"`)
}

/** The identifier returned by {@link createIdentifier}. */
export type Identifier = ReturnType<typeof createIdentifier>

/**
 * A route-level assertion that the caller (already identified by the access gate, see
 * `access.ts`) has at least `role`. The gate enforces the route table; this keeps a handler
 * safe if it is ever mounted elsewhere.
 */
export function requireRole(...args: [Role] | [Store, Role, (() => number)?]): MiddlewareHandler<AppEnv> {
  const role = (args.length === 1 ? args[0] : args[1]) as Role
  // Mounted without the gate (a route tested on its own, or embedded elsewhere): identify here.
  const identify = args.length === 1 ? undefined : createIdentifier(args[0] as Store, args[2])
  return async (c, next) => {
    if (!c.get('gated') && identify) {
      const found = identify(c)
      c.set('identity', found)
      if (found) c.set('actor', found.username)
    }
    const id = c.get('identity')
    if (!id) {
      challengeBasic(c)
      throw new AppError('E_UNAUTHORIZED', 'sign in, or send credentials (HTTP Basic)')
    }
    if (!atLeast(id.role, role)) throw new AppError('E_FORBIDDEN', `${role} role required`)
    return next()
  }
}
