/**
 * Users and the admin gate. Passwords are scrypt-hashed; admin API calls use HTTP Basic
 * (the dashboard's session login comes with the settings pages).
 * @module
 */
import { createHash, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto'
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

/**
 * Requires HTTP Basic credentials of a user with the given role (admin passes every role).
 * Successful checks are cached for a minute by a hash of the header so scrypt does not run per request.
 */
export function requireRole(store: Store, role: 'operator' | 'admin', now: () => number = Date.now): MiddlewareHandler<{ Variables: { actor: string } }> {
  const cache = new Map<string, { user: string; until: number }>()
  return async (c, next) => {
    const header = c.req.header('authorization') ?? ''
    if (!header.startsWith('Basic ')) {
      c.header('WWW-Authenticate', 'Basic realm="xanh", charset="UTF-8"')
      throw new AppError('E_UNAUTHORIZED', 'admin credentials required (HTTP Basic)')
    }
    const key = createHash('sha256').update(header).digest('hex')
    const hit = cache.get(key)
    if (hit && hit.until > now()) {
      c.set('actor', hit.user)
      return next()
    }
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8')
    const sep = decoded.indexOf(':')
    const username = decoded.slice(0, sep)
    const password = decoded.slice(sep + 1)
    const user = sep > 0 ? store.db.select().from(users).where(eq(users.username, username)).get() : undefined
    if (!user || !verifyPassword(password, user.passwordHash)) throw new AppError('E_UNAUTHORIZED', 'wrong username or password')
    if (role === 'admin' && user.role !== 'admin') throw new AppError('E_FORBIDDEN', `${role} role required`)
    if (role === 'operator' && user.role === 'viewer') throw new AppError('E_FORBIDDEN', `${role} role required`)
    if (cache.size > 1000) cache.clear()
    cache.set(key, { user: user.username, until: now() + 60_000 })
    c.set('actor', user.username)
    return next()
  }
}
