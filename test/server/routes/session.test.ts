import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ensureFirstAdmin, hashPassword } from '../../../server/auth'
import { users } from '../../../server/store/schema'
import { makeTestServer, type TestServer } from '../../helpers/server'

let s: TestServer
const PASSWORD = 'a-long-admin-password'
beforeEach(() => {
  s = makeTestServer()
  ensureFirstAdmin(s.runtime.store, PASSWORD)
  s.runtime.store.db.insert(users).values({ username: 'xem', passwordHash: hashPassword('viewer-password-1'), role: 'viewer' }).run()
})
afterEach(() => s.close())

const login = (username: string, password: string, headers: Record<string, string> = {}) =>
  Promise.resolve(s.runtime.app.request('/api/v1/session', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ username, password }) }))

describe('dashboard sessions', () => {
  it('signs in with an HttpOnly SameSite=Strict cookie that authorises operator actions', async () => {
    const res = await login('admin', PASSWORD)
    expect(res.status).toBe(200)
    const setCookie = res.headers.get('set-cookie') ?? ''
    expect(setCookie).toMatch(/^xanh_session=[^;]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/)
    const cookie = setCookie.split(';')[0] as string
    const me = await s.runtime.app.request('/api/v1/session', { headers: { cookie } })
    expect(await me.json()).toEqual({ username: 'admin', role: 'admin' })
    const groups = await s.runtime.app.request('/api/v1/groups', { headers: { cookie } })
    expect(groups.status).toBe(200)
  })

  it('refuses a forged or cross-origin cookie use, and a viewer on operator routes', async () => {
    const cookie = ((await login('admin', PASSWORD)).headers.get('set-cookie') ?? '').split(';')[0] as string
    const forged = cookie.replace(/.$/, (ch) => (ch === 'A' ? 'B' : 'A'))
    expect((await s.runtime.app.request('/api/v1/groups', { headers: { cookie: forged } })).status).toBe(401)
    const cross = await s.runtime.app.request('http://xanh.local/api/v1/groups', {
      method: 'POST',
      headers: { cookie, origin: 'http://evil.example', host: 'xanh.local', 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x' }),
    })
    expect(cross.status).toBe(403)
    const viewer = ((await login('xem', 'viewer-password-1')).headers.get('set-cookie') ?? '').split(';')[0] as string
    const ack = await s.runtime.app.request('/api/v1/alerts/1/ack', { method: 'POST', headers: { cookie: viewer, 'content-type': 'application/json' }, body: JSON.stringify({ comment: 'x' }) })
    expect(ack.status).toBe(403)
  })

  it('rate-limits failed sign-ins', async () => {
    for (let i = 0; i < 5; i++) expect((await login('admin', 'wrong')).status).toBe(401)
    const limited = await login('admin', PASSWORD)
    expect(limited.status).toBe(429)
    expect(((await limited.json()) as { error: { code: string } }).error.code).toBe('E_RATE_LIMITED')
  })

  it('expires after 12 hours and signs out', async () => {
    const cookie = ((await login('admin', PASSWORD)).headers.get('set-cookie') ?? '').split(';')[0] as string
    s.clock.now += 12 * 3600_000 + 1
    expect((await s.runtime.app.request('/api/v1/session', { headers: { cookie } })).status).toBe(401)
    const out = await s.runtime.app.request('/api/v1/session', { method: 'DELETE' })
    expect(out.headers.get('set-cookie')).toMatch(/Max-Age=0/)
  })
})
