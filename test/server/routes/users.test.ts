/**
 * Users and the audit log (issue 12): an admin creates, changes, disables and resets users with
 * Vietnamese names; the last admin stays; every write is in the audit log with who, role, where,
 * what and before → after, readable with filters and as CSV with a BOM.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AuditList, UserList, UserView } from '../../../protocol'
import { ensureFirstAdmin } from '../../../server/auth'
import { makeTestServer, type TestServer } from '../../helpers/server'

let s: TestServer
const PASSWORD = 'a-long-admin-password'
const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` })
const admin = basic('admin', PASSWORD)

beforeEach(() => {
  s = makeTestServer()
  ensureFirstAdmin(s.runtime.store, PASSWORD)
})
afterEach(() => s.close())

const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = admin) =>
  Promise.resolve(
    s.runtime.app.request(path, {
      method,
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '10.20.30.40', ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
  )

describe('users API (admin)', () => {
  it('creates an operator with a Vietnamese name who can then act, but not administer', async () => {
    const res = await call('POST', '/api/v1/users', { username: 'huong.nt', displayName: 'Nguyễn Thị Hương', role: 'operator', password: 'mat-khau-cua-huong' })
    expect(res.status).toBe(201)
    expect(UserView.parse(await res.json())).toMatchObject({ username: 'huong.nt', displayName: 'Nguyễn Thị Hương', role: 'operator', disabled: false })
    const huong = basic('huong.nt', 'mat-khau-cua-huong')
    expect((await call('GET', '/api/v1/overview', undefined, huong)).status).toBe(200)
    expect((await call('POST', '/api/v1/silences', {}, huong)).status).toBe(422) // past the gate: an operator may
    expect((await call('GET', '/api/v1/users', undefined, huong)).status).toBe(403)
    const list = UserList.parse(await (await call('GET', '/api/v1/users')).json())
    expect(list.users.map((u) => u.username)).toEqual(['admin', 'huong.nt'])
    expect(JSON.stringify(list)).not.toMatch(/scrypt|mat-khau/)
  })

  it('refuses bad input with the field path, and a duplicate with E_CONFLICT', async () => {
    const short = await call('POST', '/api/v1/users', { username: 'a.b', role: 'viewer', password: 'ngan' })
    expect(short.status).toBe(422)
    expect(((await short.json()) as { error: { path: string } }).error.path).toBe('password')
    const name = await call('POST', '/api/v1/users', { username: 'hương', role: 'viewer', password: 'mat-khau-du-dai-12' })
    expect(((await name.json()) as { error: { path: string } }).error.path).toBe('username')
    expect((await call('POST', '/api/v1/users', { username: 'admin', role: 'viewer', password: 'mat-khau-du-dai-12' })).status).toBe(409)
    expect(s.runtime.store.users.count()).toBe(1)
  })

  it('disabling ends the user at once; the last active admin cannot be demoted, disabled or deleted', async () => {
    await call('POST', '/api/v1/users', { username: 'lan', displayName: 'Trần Thị Lan', role: 'viewer', password: 'mat-khau-cua-lan' })
    const lan = basic('lan', 'mat-khau-cua-lan')
    expect((await call('GET', '/api/v1/overview', undefined, lan)).status).toBe(200)
    expect((await call('PATCH', '/api/v1/users/lan', { disabled: true })).status).toBe(200)
    expect((await call('GET', '/api/v1/overview', undefined, lan)).status).toBe(401)
    for (const [method, path, body] of [
      ['PATCH', '/api/v1/users/admin', { role: 'operator' }],
      ['PATCH', '/api/v1/users/admin', { disabled: true }],
      ['DELETE', '/api/v1/users/admin', undefined],
    ] as const) {
      const res = await call(method, path, body)
      expect(res.status, `${method} ${path}`).toBe(409)
    }
    // A second admin makes the first one's demotion possible.
    await call('POST', '/api/v1/users', { username: 'hung', displayName: 'Lê Văn Hùng', role: 'admin', password: 'mat-khau-cua-hung' })
    expect((await call('PATCH', '/api/v1/users/admin', { role: 'operator' })).status).toBe(200)
  })

  it('a reset password ends the user\'s sessions and the old password', async () => {
    await call('POST', '/api/v1/users', { username: 'lan', role: 'viewer', password: 'mat-khau-cua-lan' })
    const signIn = await call('POST', '/api/v1/session', { username: 'lan', password: 'mat-khau-cua-lan' }, {})
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] as string
    expect(await (await call('POST', '/api/v1/users/lan/password', { password: 'mat-khau-moi-cua-lan' })).json()).toEqual({ endedSessions: 1 })
    expect((await call('GET', '/api/v1/overview', undefined, { cookie })).status).toBe(401)
    expect((await call('GET', '/api/v1/overview', undefined, basic('lan', 'mat-khau-cua-lan'))).status).toBe(401)
    expect((await call('GET', '/api/v1/overview', undefined, basic('lan', 'mat-khau-moi-cua-lan'))).status).toBe(200)
  })
})

describe('audit log (admin)', () => {
  it('records who, in which role, from where, what, and before → after; filters; never a password', async () => {
    await call('POST', '/api/v1/users', { username: 'lan', displayName: 'Trần Thị Lan', role: 'viewer', password: 'mat-khau-cua-lan' })
    await call('PATCH', '/api/v1/users/lan', { role: 'operator', displayName: 'Trần Thị Lan (trực ca)' })
    const body = AuditList.parse(await (await call('GET', '/api/v1/audit?entity=user')).json())
    expect(body.entries.map((e) => e.action)).toEqual(['update', 'create'])
    const update = body.entries[0]
    expect(update).toMatchObject({ actor: 'admin', role: 'admin', entity: 'user', entityId: 'lan' })
    expect(update?.before).toMatchObject({ role: 'viewer', displayName: 'Trần Thị Lan' })
    expect(update?.after).toMatchObject({ role: 'operator', displayName: 'Trần Thị Lan (trực ca)' })
    expect(JSON.stringify(body)).not.toMatch(/mat-khau|scrypt/)
    // Only admins read it.
    expect((await call('GET', '/api/v1/audit', undefined, basic('lan', 'mat-khau-cua-lan'))).status).toBe(403)
    expect((await call('GET', '/api/v1/audit?actor=lan')).status).toBe(200)
  })

  it('exports CSV with a BOM and Vietnamese headers, ;-separated for Excel set to Vietnamese, names as written', async () => {
    await call('POST', '/api/v1/users', { username: 'lan', displayName: 'Trần Thị Lan', role: 'viewer', password: 'mat-khau-cua-lan' })
    const res = await call('GET', '/api/v1/audit?format=csv')
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8')
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="xanh-audit-\d{4}-\d{2}-\d{2}\.csv"$/)
    const bytes = new Uint8Array(await res.arrayBuffer())
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
    const text = new TextDecoder().decode(bytes)
    const [head, first] = text.split('\r\n')
    expect(head).toBe('Mã;Thời điểm (giờ Việt Nam);Người thực hiện;Vai trò;Địa chỉ;Hành động;Đối tượng;Mã đối tượng;Chi tiết;Trước;Sau')
    expect(first).toMatch(/^\d+;\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2};admin;admin;[^;]+;create;user;lan;;;"\{""username"":""lan"",""displayName"":""Trần Thị Lan""/)
    const en = new TextDecoder().decode(new Uint8Array(await (await call('GET', '/api/v1/audit?format=csv&lang=en')).arrayBuffer()))
    expect(en.split('\r\n')[1]).toMatch(/^\d+,\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},admin,admin,[^,]+,create,user,lan,,,"\{""username"":""lan"",""displayName"":""Trần Thị Lan""/)
  })

  it('keeps the before → after of inventory and support-group writes, without channel secrets', async () => {
    await call('POST', '/api/v1/communes', { code: 'KS-ML', name: 'Xã Mường Lống', kind: 'xa', districtCluster: 'Cụm Kỳ Sơn', lat: 19.4, lon: 104.1 })
    await call('PATCH', '/api/v1/communes/KS-ML', { contractedMbps: 200 })
    const group = (await (await call('POST', '/api/v1/groups', { name: 'Tổ hỗ trợ Kỳ Sơn', clusters: ['Cụm Kỳ Sơn'], channels: [{ type: 'telegram', botToken: '7012345678:AAH-bi-mat', chatId: -1001 }] })).json()) as { id: number }
    const entries = AuditList.parse(await (await call('GET', '/api/v1/audit')).json()).entries
    const patch = entries.find((e) => e.entity === 'commune' && e.action === 'update')
    expect(patch?.before).toMatchObject({ code: 'KS-ML', contractedMbps: 100 })
    expect(patch?.after).toMatchObject({ code: 'KS-ML', contractedMbps: 200, name: 'Xã Mường Lống' })
    const created = entries.find((e) => e.entity === 'group' && e.entityId === String(group.id))
    expect(created?.after).toMatchObject({ name: 'Tổ hỗ trợ Kỳ Sơn', clusters: ['Cụm Kỳ Sơn'] })
    expect(JSON.stringify(entries)).not.toContain('AAH-bi-mat')
  })
})
