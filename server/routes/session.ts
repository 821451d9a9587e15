import { Hono, type Context } from 'hono'
import { z } from 'zod'
import { PasswordChange, SessionList, type SessionAnswer, type SessionView, type UserRole } from '../../protocol'
import type { AppDeps, AppEnv } from '../app'
import { clientAddress } from '../access'
import { checkPassword, cookieValue, hashPassword, SESSION_COOKIE, SESSION_SECONDS, sessionIdHash, startSession } from '../auth'
import { readJsonBody } from '../body'
import { AppError } from '../errors'

const Login = z.strictObject({ username: z.string().min(1).max(100), password: z.string().min(1).max(500) })
const SMALL = { maxBodyBytes: 8192, maxDecompressedBytes: 8192 }

/** Failed sign-ins allowed per username and per client address in the window; then locked out for the window. */
export const SIGN_IN_LIMIT = { failures: 5, windowMs: 15 * 60_000 } as const

/**
 * Dashboard sign-in and one's own account: `POST /session` starts a new session (a fresh id in
 * an HttpOnly, SameSite=Strict cookie; Secure behind TLS); `GET` says who; `DELETE` ends it;
 * `/me/sessions` lists and revokes one's sessions; `/me/password` changes one's password (and
 * ends one's other sessions). Sign-in is throttled per user and per address, with lock-out.
 */
export function sessionRoutes(deps: AppDeps): Hono<AppEnv> {
  const now = deps.now ?? Date.now
  const { store } = deps
  const failures = new Map<string, number[]>()
  const recent = (key: string): number[] => (failures.get(key) ?? []).filter((t) => t > now() - SIGN_IN_LIMIT.windowMs)
  const secure = (deps.config.publicUrl ?? '').startsWith('https:')
  const cookie = (value: string, maxAge: number): string =>
    `${SESSION_COOKIE}=${encodeURIComponent(value)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure ? '; Secure' : ''}`
  const parse = async <T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T>> => {
    const r = schema.safeParse(await readJsonBody(c, SMALL))
    if (!r.success) throw AppError.fromZod(r.error)
    return r.data
  }
  const me = (c: Context<AppEnv>) => {
    const id = c.get('identity')
    if (!id) throw new AppError('E_UNAUTHORIZED', 'not signed in')
    return id
  }
  const iso = (ms: number): string => new Date(ms).toISOString()
  const answer = (u: { username: string; role: UserRole }): SessionAnswer => ({
    signedIn: true,
    username: u.username,
    role: u.role,
    displayName: store.users.get(u.username)?.displayName ?? '',
    publicRead: deps.config.publicRead,
  })

  return new Hono<AppEnv>()
    .post('/session', async (c) => {
      const input = await parse(c, Login)
      const address = clientAddress(c, deps.config.trustProxy)
      const keys = [`u:${input.username.toLowerCase()}`, `ip:${address}`]
      if (keys.some((k) => recent(k).length >= SIGN_IN_LIMIT.failures)) {
        c.header('Retry-After', String(SIGN_IN_LIMIT.windowMs / 1000))
        throw new AppError('E_RATE_LIMITED', 'too many failed sign-ins; wait 15 minutes')
      }
      const user = checkPassword(store, input.username, input.password)
      if (!user) {
        // Bounded: guesses at many names from many addresses must not grow the map for ever.
        if (failures.size > 10_000) for (const [k] of failures) if (recent(k).length === 0) failures.delete(k)
        for (const k of keys) failures.set(k, [...recent(k), now()])
        store.audit(input.username.slice(0, 64), 'sign-in-failed', 'session', null)
        throw new AppError('E_UNAUTHORIZED', 'wrong username or password')
      }
      for (const k of keys) failures.delete(k)
      // A new id on every sign-in (never the one the browser already held: no session fixation).
      const old = cookieValue(c.req.header('cookie'), SESSION_COOKIE)
      if (old) store.users.revokeSession(user.username, sessionIdHash(old), now())
      const id = startSession(store, user.username, { address, userAgent: c.req.header('user-agent') ?? '' }, now())
      store.audit(user.username, 'sign-in', 'session', null)
      c.header('Set-Cookie', cookie(id, SESSION_SECONDS))
      return c.json(answer(user))
    })
    .get('/session', (c) => {
      const id = c.get('identity')
      const body: SessionAnswer = id ? answer(id) : { signedIn: false, publicRead: deps.config.publicRead }
      return c.json(body)
    })
    .delete('/session', (c) => {
      const id = c.get('identity')
      if (id?.sessionIdHash) store.users.revokeSession(id.username, id.sessionIdHash, now())
      c.header('Set-Cookie', cookie('', 0))
      return c.body(null, 204)
    })
    .get('/me/sessions', (c) => {
      const id = me(c)
      const sessions: SessionView[] = store.users.sessions(id.username, now()).map((s) => ({
        id: s.idHash,
        createdAt: iso(s.createdAt),
        lastSeenAt: iso(s.lastSeenAt),
        expiresAt: iso(s.expiresAt),
        address: s.address,
        userAgent: s.userAgent,
        current: s.idHash === id.sessionIdHash,
      }))
      return c.json(SessionList.parse({ sessions }))
    })
    .delete('/me/sessions/:id', (c) => {
      const id = me(c)
      const n = store.users.revokeSession(id.username, c.req.param('id'), now())
      if (n === 0) throw new AppError('E_NOT_FOUND', 'no such live session of yours')
      store.audit(id.username, 'revoke', 'session', null)
      if (c.req.param('id') === id.sessionIdHash) c.header('Set-Cookie', cookie('', 0))
      return c.body(null, 204)
    })
    .post('/me/password', async (c) => {
      const id = me(c)
      const input = await parse(c, PasswordChange)
      if (!checkPassword(store, id.username, input.current)) throw new AppError('E_FORBIDDEN', 'the current password is wrong', [{ path: 'current', message: 'wrong password' }])
      store.users.setPassword(id.username, hashPassword(input.password), now())
      // Other browsers signed in as this user must sign in again with the new password.
      const ended = store.users.revokeAllSessions(id.username, now(), id.sessionIdHash)
      store.audit(id.username, 'change-password', 'user', id.username, { endedSessions: ended })
      return c.json({ endedSessions: ended })
    })
}
