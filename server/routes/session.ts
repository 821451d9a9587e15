import { Hono } from 'hono'
import { z } from 'zod'
import type { AppDeps, AppEnv } from '../app'
import { checkPassword, cookieValue, SESSION_COOKIE, SESSION_SECONDS, signSession, verifySession } from '../auth'
import { readJsonBody } from '../body'
import { AppError } from '../errors'

const Login = z.strictObject({ username: z.string().min(1).max(100), password: z.string().min(1).max(500) })

/** Failed sign-ins allowed per username and per client address in the window. */
const MAX_FAILURES = 5
const FAILURE_WINDOW_MS = 15 * 60_000

/** Dashboard sign-in: `POST /session` sets an HttpOnly, SameSite=Strict cookie; `GET` says who; `DELETE` signs out. */
export function sessionRoutes(deps: AppDeps): Hono<AppEnv> {
  const now = deps.now ?? Date.now
  const failures = new Map<string, number[]>()
  const recent = (key: string): number[] => (failures.get(key) ?? []).filter((t) => t > now() - FAILURE_WINDOW_MS)
  const secure = (deps.config.publicUrl ?? '').startsWith('https:')
  const cookie = (value: string, maxAge: number): string =>
    `${SESSION_COOKIE}=${encodeURIComponent(value)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure ? '; Secure' : ''}`

  return new Hono<AppEnv>()
    .post('/session', async (c) => {
      const r = Login.safeParse(await readJsonBody(c, { maxBodyBytes: 8192, maxDecompressedBytes: 8192 }))
      if (!r.success) throw AppError.fromZod(r.error)
      const client = c.req.header('x-forwarded-for')?.split(',')[0]?.trim() ?? 'local'
      const keys = [`u:${r.data.username}`, `ip:${client}`]
      if (keys.some((k) => recent(k).length >= MAX_FAILURES)) {
        c.header('Retry-After', String(FAILURE_WINDOW_MS / 1000))
        throw new AppError('E_RATE_LIMITED', 'too many failed sign-ins; wait 15 minutes')
      }
      const user = checkPassword(deps.store, r.data.username, r.data.password)
      if (!user) {
        for (const k of keys) failures.set(k, [...recent(k), now()])
        throw new AppError('E_UNAUTHORIZED', 'wrong username or password')
      }
      for (const k of keys) failures.delete(k)
      deps.store.audit(user.username, 'sign-in', 'session', null)
      c.header('Set-Cookie', cookie(signSession(deps.store, user, now()), SESSION_SECONDS))
      return c.json({ username: user.username, role: user.role })
    })
    .get('/session', (c) => {
      const token = cookieValue(c.req.header('cookie'), SESSION_COOKIE)
      const user = token ? verifySession(deps.store, token, now()) : undefined
      if (!user) throw new AppError('E_UNAUTHORIZED', 'not signed in')
      return c.json(user)
    })
    .delete('/session', (c) => {
      c.header('Set-Cookie', cookie('', 0))
      return c.body(null, 204)
    })
}
