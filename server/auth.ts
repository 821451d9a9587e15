/**
 * Users and the admin gate. Passwords are scrypt-hashed; admin API calls use HTTP Basic
 * (the dashboard's session login comes with the settings pages).
 * @module
 */
import { createHash, createHmac, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto'
import { eq } from 'drizzle-orm'
import type { MiddlewareHandler } from 'hono'
import { AppError } from './errors'
import type { Store } from './store/store'
import { users } from './store/schema'

const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32 } as const

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

/**
 * Creates the first admin when there is no user yet.
 * @returns the generated password (to print once) or undefined when nothing was created
 *   or the password came from configuration
 */
export function ensureFirstAdmin(store: Store, configured?: string): { username: string; password: string; generated: boolean } | undefined {
  const any = store.db.select().from(users).limit(1).get()
  if (any) return undefined
  const password = configured ?? randomBytes(12).toString('base64url')
  store.db.insert(users).values({ username: 'admin', passwordHash: hashPassword(password), role: 'admin' }).run()
  return { username: 'admin', password, generated: configured === undefined }
}

const ROLE_RANK = { viewer: 0, operator: 1, admin: 2 } as const
type Role = keyof typeof ROLE_RANK

/** Name of the dashboard's session cookie. */
export const SESSION_COOKIE = 'xanh_session'
/** How long a dashboard session lasts. */
export const SESSION_SECONDS = 12 * 3600

/** The HMAC key of session cookies, created once per database. */
function sessionSecret(store: Store): Buffer {
  let secret = store.getSetting('session.secret')
  if (!secret) {
    secret = randomBytes(32).toString('base64url')
    store.setSetting('session.secret', secret)
  }
  return Buffer.from(secret, 'base64url')
}

/** A signed, expiring session token: `base64url(json).base64url(hmac)`. */
export function signSession(store: Store, user: { username: string; role: Role }, now: number): string {
  const payload = Buffer.from(JSON.stringify({ u: user.username, r: user.role, e: now + SESSION_SECONDS * 1000 })).toString('base64url')
  const mac = createHmac('sha256', sessionSecret(store)).update(payload).digest('base64url')
  return `${payload}.${mac}`
}

/** Verifies a session token; undefined when forged, malformed or expired, or the user is gone. */
export function verifySession(store: Store, token: string, now: number): { username: string; role: Role } | undefined {
  const [payload, mac] = token.split('.')
  if (!payload || !mac) return undefined
  const expected = createHmac('sha256', sessionSecret(store)).update(payload).digest()
  const given = Buffer.from(mac, 'base64url')
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined
  try {
    const p = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { u: string; r: Role; e: number }
    if (typeof p.e !== 'number' || p.e <= now) return undefined
    // The role is re-read so a demoted or deleted user loses access at once.
    const user = store.db.select().from(users).where(eq(users.username, p.u)).get()
    return user ? { username: user.username, role: user.role } : undefined
  } catch {
    return undefined
  }
}

/** Reads one cookie from a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=')
    if (i > 0 && part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim())
  }
  return undefined
}

/** Checks a username and password (constant-time hash compare); undefined when wrong. */
export function checkPassword(store: Store, username: string, password: string): { username: string; role: Role } | undefined {
  const user = store.db.select().from(users).where(eq(users.username, username)).get()
  if (!user || !verifyPassword(password, user.passwordHash)) return undefined
  return { username: user.username, role: user.role }
}

/**
 * Requires a user with at least the given role, by the dashboard's session cookie or by
 * HTTP Basic (scripts, the CLI, Prometheus). Cookie-authenticated writes must come from the
 * same origin (SameSite=Strict already stops cross-site sends; the Origin check is the second
 * lock). Successful Basic checks are cached for a minute so scrypt does not run per request.
 */
export function requireRole(store: Store, role: 'operator' | 'admin', now: () => number = Date.now): MiddlewareHandler<{ Variables: { actor: string } }> {
  const cache = new Map<string, { user: string; until: number }>()
  const allowed = (r: Role): boolean => ROLE_RANK[r] >= ROLE_RANK[role]
  return async (c, next) => {
    const header = c.req.header('authorization') ?? ''
    const cookie = cookieValue(c.req.header('cookie'), SESSION_COOKIE)
    if (!header.startsWith('Basic ') && cookie) {
      const session = verifySession(store, cookie, now())
      if (!session) throw new AppError('E_UNAUTHORIZED', 'session expired; sign in again')
      if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
        const origin = c.req.header('origin')
        const host = c.req.header('host')
        if (origin && host && new URL(origin).host !== host) throw new AppError('E_FORBIDDEN', 'cross-origin write refused')
      }
      if (!allowed(session.role)) throw new AppError('E_FORBIDDEN', `${role} role required`)
      c.set('actor', session.username)
      return next()
    }
    if (!header.startsWith('Basic ')) {
      c.header('WWW-Authenticate', 'Basic realm="xanh", charset="UTF-8"')
      throw new AppError('E_UNAUTHORIZED', 'sign in, or send credentials (HTTP Basic)')
    }
    const key = createHash('sha256').update(header).digest('hex')
    const hit = cache.get(key)
    if (hit && hit.until > now()) {
      c.set('actor', hit.user)
      return next()
    }
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8')
    const sep = decoded.indexOf(':')
    const user = sep > 0 ? checkPassword(store, decoded.slice(0, sep), decoded.slice(sep + 1)) : undefined
    if (!user) throw new AppError('E_UNAUTHORIZED', 'wrong username or password')
    if (!allowed(user.role)) throw new AppError('E_FORBIDDEN', `${role} role required`)
    if (cache.size > 1000) cache.clear()
    cache.set(key, { user: user.username, until: now() + 60_000 })
    c.set('actor', user.username)
    return next()
  }
}
