import { Hono } from 'hono'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { AppEnv } from '../../../server/app'
import { accessGate } from '../../../server/access'
import { AppError } from '../../../server/errors'
import { maintenanceRoutes } from '../../../server/routes/maintenance'
import { ensureFirstAdmin, hashPassword } from '../../../server/auth'
import { commune, makeTestServer, udpTarget, type TestServer } from '../../helpers/server'

let s: TestServer
let app: Hono<AppEnv>
let signals: number
const PASSWORD = 'a-long-admin-password'
const basic = (user: string, password: string): Record<string, string> => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` })
const admin = basic('admin', PASSWORD)
const operator = basic('trucca', 'operator-password')
const viewer = basic('xem', 'viewer-password')
// scrypt is slow on purpose: hash once per file, not per test.
const OPERATOR_HASH = hashPassword('operator-password')
const VIEWER_HASH = hashPassword('viewer-password')

beforeEach(() => {
  // Clock: 2026-11-24T03:00:00Z = Tuesday 10:00 local.
  s = makeTestServer({
    communes: [commune('C1', { districtCluster: 'Cụm A' }), commune('C2', { districtCluster: 'Cụm B' })],
    targets: [udpTarget('hub-uplink', 'C2', 'uplink'), udpTarget('c1-line', 'C1', 'line', { parents: ['hub-uplink'] })],
  })
  ensureFirstAdmin(s.runtime.store, PASSWORD)
  s.runtime.store.users.create({ username: 'trucca', displayName: '', passwordHash: OPERATOR_HASH, role: 'operator' }, s.clock.now)
  s.runtime.store.users.create({ username: 'xem', displayName: '', passwordHash: VIEWER_HASH, role: 'viewer' }, s.clock.now)
  // The routes over the test runtime's store, with a spy for the engine signal and the app's error mapping.
  signals = 0
  app = new Hono<AppEnv>()
  // The app's access gate in front, as createApp mounts it (reads: viewer; writes: operator).
  app.use('*', accessGate({ store: s.runtime.store, publicRead: false, trustProxy: false, now: () => s.clock.now }))
  app.onError((err, c) => (err instanceof AppError ? c.json(err.toBody(), err.status) : c.json({ error: { code: 'E_INTERNAL', message: String(err) } }, 500)))
  app.route('/api/v1', maintenanceRoutes({ store: s.runtime.store, onInventoryChanged: () => void signals++, now: () => s.clock.now }))
})
afterEach(() => s.close())

const send = (method: string, path: string, body?: unknown, headers: Record<string, string> = operator): Promise<Response> =>
  Promise.resolve(
    app.request(path, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    }),
  )
const errorOf = async (res: Response): Promise<{ code: string; path?: string }> => ((await res.json()) as { error: { code: string; path?: string } }).error
const count = (table: string): number => (s.opened.sqlite.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n

const oneOff = {
  scope: { communes: ['C1'] },
  startsAt: '2026-11-24T09:00:00+07:00',
  endsAt: '2026-11-24T11:00:00+07:00',
  reason: 'Thay bộ chuyển mạch tại UBND xã',
}
const weekly = {
  scope: { clusters: ['Cụm B'], targets: ['hub-uplink'] },
  startsAt: '2026-11-01T00:00:00+07:00',
  endsAt: '2027-01-01T00:00:00+07:00',
  recurrence: { weekdays: [5], start: '22:00', end: '02:00' },
  reason: 'Cửa sổ bảo trì hằng tuần của VNPT',
  createdBy: 'VNPT Nghệ An',
}

interface WindowView {
  id: number
  activeNow: boolean
  createdBy: string
  startsAt: string
  scope: { communes: string[]; clusters: string[]; targets: string[] }
  recurrence: unknown
}

describe('maintenance API', () => {
  it('needs an operator (or admin)', async () => {
    expect((await send('GET', '/api/v1/maintenance', undefined, {})).status).toBe(401)
    expect(await errorOf(await send('POST', '/api/v1/maintenance', oneOff, viewer))).toMatchObject({ code: 'E_FORBIDDEN' })
    expect((await send('POST', '/api/v1/maintenance', oneOff, admin)).status).toBe(201)
  })

  it('creates, lists with activeNow, deletes; each write is audited and signals the engine', async () => {
    const a = await send('POST', '/api/v1/maintenance', oneOff)
    expect(a.status).toBe(201)
    const first = (await a.json()) as WindowView
    expect(first).toMatchObject({
      activeNow: true,
      createdBy: 'trucca', // the actor, not the schema's 'admin' default
      startsAt: '2026-11-24T02:00:00.000Z',
      scope: { communes: ['C1'], clusters: [], targets: [] },
      recurrence: null,
    })
    const b = (await (await send('POST', '/api/v1/maintenance', weekly)).json()) as WindowView
    expect(b).toMatchObject({ activeNow: false, createdBy: 'VNPT Nghệ An', recurrence: weekly.recurrence })

    // Friday 27 Nov 23:00 local = 16:00Z: the weekly window is on, the one-off is over.
    s.clock.now = Date.parse('2026-11-27T16:00:00Z')
    const list = (await (await send('GET', '/api/v1/maintenance')).json()) as { maintenance: WindowView[] }
    expect(list.maintenance.map((w) => [w.id, w.activeNow])).toEqual([
      [first.id, false],
      [b.id, true],
    ])

    expect((await send('DELETE', `/api/v1/maintenance/${first.id}`)).status).toBe(204)
    expect((await send('DELETE', `/api/v1/maintenance/${first.id}`)).status).toBe(404)
    const after = (await (await send('GET', '/api/v1/maintenance')).json()) as { maintenance: WindowView[] }
    expect(after.maintenance.map((w) => w.id)).toEqual([b.id])

    const audit = s.opened.sqlite.prepare("SELECT actor, action FROM audit_log WHERE entity = 'maintenance' ORDER BY id").all()
    expect(audit).toEqual([
      { actor: 'trucca', action: 'create' },
      { actor: 'trucca', action: 'create' },
      { actor: 'trucca', action: 'delete' },
    ])
    expect(signals).toBe(3)
  })

  it.each<[string, unknown, string]>([
    ['unknown commune in scope', { ...oneOff, scope: { communes: ['C1', 'NOPE'] } }, 'scope.communes.1'],
    ['unknown target in scope', { ...oneOff, scope: { targets: ['ghost'] } }, 'scope.targets.0'],
    ['unknown cluster in scope', { ...oneOff, scope: { clusters: ['Cụm Z'] } }, 'scope.clusters.0'],
    ['empty scope', { ...oneOff, scope: {} }, 'scope'],
    ['endsAt not after startsAt', { ...oneOff, endsAt: oneOff.startsAt }, 'endsAt'],
    ['bad HH:MM', { ...weekly, recurrence: { weekdays: [5], start: '24:00', end: '02:00' } }, 'recurrence.start'],
    ['weekday 0', { ...weekly, recurrence: { weekdays: [0], start: '22:00', end: '02:00' } }, 'recurrence.weekdays.0'],
  ])('refuses %s with 422 E_VALIDATION and the path; nothing stored', async (_name, body, path) => {
    const res = await send('POST', '/api/v1/maintenance', body)
    expect(res.status).toBe(422)
    expect(await errorOf(res)).toMatchObject({ code: 'E_VALIDATION', path })
    expect(count('maintenance')).toBe(0)
    expect(count('audit_log')).toBe(0)
    expect(signals).toBe(0)
  })

  it('is mounted in the runtime app too', async () => {
    expect((await s.runtime.app.request('/api/v1/maintenance', { headers: operator })).status).toBe(200)
  })
})
