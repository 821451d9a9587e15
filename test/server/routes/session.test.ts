import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ensureFirstAdmin, hashPassword } from '../../../server/auth'
import { users } from '../../../server/store/schema'
import { makeTestServer, type TestServer } from '../../helpers/server'

let s: TestServer
const PASSWORD = 'a-long-admin-password'
beforeEach(() => {
  s = makeTestServer()
  ensureFirstAdmin(s.runtime.store, PASSWORD)
  s.opened.db.insert(users).values({ username: 'xem', passwordHash: hashPassword('viewer-password-1'), role: 'viewer' }).run()
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
    expect(await me.json()).toEqual({ signedIn: true, username: 'admin', role: 'admin', displayName: '', publicRead: false })
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
    expect(await (await s.runtime.app.request('/api/v1/session', { headers: { cookie } })).json()).toEqual({ signedIn: false, publicRead: false })
    expect((await s.runtime.app.request('/api/v1/overview', { headers: { cookie } })).status).toBe(401)
    const out = await s.runtime.app.request('/api/v1/session', { method: 'DELETE' })
    expect(out.headers.get('set-cookie')).toMatch(/Max-Age=0/)
  })

  it('gives a new session id at every sign-in and ends the one the browser brought', async () => {
    const first = ((await login('admin', PASSWORD)).headers.get('set-cookie') ?? '').split(';')[0] as string
    // (a browser sends its Origin with the form's POST)
    const again = await s.runtime.app.request('http://localhost/api/v1/session', { method: 'POST', headers: { 'content-type': 'application/json', cookie: first, origin: 'http://localhost', host: 'localhost' }, body: JSON.stringify({ username: 'admin', password: PASSWORD }) })
    const second = (again.headers.get('set-cookie') ?? '').split(';')[0] as string
    expect(second).not.toBe(first)
    expect((await s.runtime.app.request('/api/v1/overview', { headers: { cookie: first } })).status).toBe(401)
    expect((await s.runtime.app.request('/api/v1/overview', { headers: { cookie: second } })).status).toBe(200)
  })

  it('lists one\'s sessions and revokes one at once; a password change ends the others', async () => {
    const a = ((await login('xem', 'viewer-password-1', { 'user-agent': 'Chromium laptop' })).headers.get('set-cookie') ?? '').split(';')[0] as string
    s.clock.now += 60_000
    const b = ((await login('xem', 'viewer-password-1', { 'user-agent': 'Mozilla/5.0 (Android) phone' })).headers.get('set-cookie') ?? '').split(';')[0] as string
    const list = (await (await s.runtime.app.request('/api/v1/me/sessions', { headers: { cookie: a } })).json()) as { sessions: Array<{ id: string; current: boolean; userAgent: string }> }
    expect(list.sessions.map((x) => [x.userAgent, x.current])).toEqual([
      ['Mozilla/5.0 (Android) phone', false],
      ['Chromium laptop', true],
    ])
    const phone = list.sessions.find((x) => !x.current)?.id as string
    const same = { cookie: a, origin: 'http://localhost', host: 'localhost' }
    expect((await s.runtime.app.request(`http://localhost/api/v1/me/sessions/${phone}`, { method: 'DELETE', headers: same })).status).toBe(204)
    expect((await s.runtime.app.request('/api/v1/overview', { headers: { cookie: b } })).status).toBe(401)
    // Change the password from the laptop: any other session ends, this one stays.
    const c = ((await login('xem', 'viewer-password-1')).headers.get('set-cookie') ?? '').split(';')[0] as string
    const changed = await s.runtime.app.request('http://localhost/api/v1/me/password', {
      method: 'POST',
      headers: { ...same, 'content-type': 'application/json' },
      body: JSON.stringify({ current: 'viewer-password-1', password: 'mat-khau-moi-cua-toi' }),
    })
    expect(await changed.json()).toEqual({ endedSessions: 1 })
    expect((await s.runtime.app.request('/api/v1/overview', { headers: { cookie: c } })).status).toBe(401)
    expect((await s.runtime.app.request('/api/v1/overview', { headers: { cookie: a } })).status).toBe(200)
    expect((await login('xem', 'viewer-password-1')).status).toBe(401)
    expect((await login('xem', 'mat-khau-moi-cua-toi')).status).toBe(200)
  })

  it('refuses a cookie-authenticated write with neither Origin nor Sec-Fetch-Site: same-origin (CSRF)', async () => {
    const cookie = ((await login('admin', PASSWORD)).headers.get('set-cookie') ?? '').split(';')[0] as string
    const post = (headers: Record<string, string>) =>
      s.runtime.app.request('http://xanh.local/api/v1/silences', { method: 'POST', headers: { cookie, host: 'xanh.local', 'content-type': 'application/json', ...headers }, body: '{}' })
    expect(((await (await post({})).json()) as { error: { message: string } }).error.message).toMatch(/CSRF/)
    expect((await post({ 'sec-fetch-site': 'cross-site' })).status).toBe(403)
    // Same origin gets past the gate (and then fails validation on the empty body).
    expect((await post({ 'sec-fetch-site': 'same-origin' })).status).toBe(422)
    expect((await post({ origin: 'http://xanh.local' })).status).toBe(422)
  })

  it('locks out an address that guesses many usernames, and a username guessed from many addresses', async () => {
    for (let i = 0; i < 5; i++) expect((await login(`khong-co-${i}`, 'wrong', { 'x-forwarded-for': '203.0.113.9' })).status).toBe(401)
    // Without trustProxy every test request is from the same local address: it is locked now.
    expect((await login('admin', PASSWORD)).status).toBe(429)
    s.clock.now += 15 * 60_000 + 1
    expect((await login('admin', PASSWORD)).status).toBe(200)
  })

  it('a disabled user is out at once: sessions and Basic', async () => {
    const cookie = ((await login('xem', 'viewer-password-1')).headers.get('set-cookie') ?? '').split(';')[0] as string
    const basic = { authorization: `Basic ${Buffer.from('xem:viewer-password-1').toString('base64')}` }
    expect((await s.runtime.app.request('/api/v1/overview', { headers: basic })).status).toBe(200)
    s.runtime.store.users.update('xem', { disabledAt: s.clock.now })
    expect((await s.runtime.app.request('/api/v1/overview', { headers: { cookie } })).status).toBe(401)
    expect((await s.runtime.app.request('/api/v1/overview', { headers: basic })).status).toBe(401)
  })
})
