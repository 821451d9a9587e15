import { Hono } from 'hono'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { AppEnv } from '../../../server/app'
import { accessGate } from '../../../server/access'
import { AppError } from '../../../server/errors'
import { silenceRoutes } from '../../../server/routes/silences'
import { ensureFirstAdmin, hashPassword } from '../../../server/auth'
import { makeTestServer, type TestServer } from '../../helpers/server'

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
  s = makeTestServer() // clock: 2026-11-24T03:00:00Z = 10:00 local
  ensureFirstAdmin(s.runtime.store, PASSWORD)
  s.runtime.store.users.create({ username: 'trucca', displayName: '', passwordHash: OPERATOR_HASH, role: 'operator' }, s.clock.now)
  s.runtime.store.users.create({ username: 'xem', displayName: '', passwordHash: VIEWER_HASH, role: 'viewer' }, s.clock.now)
  // The routes over the test runtime's store, with a spy for the engine signal and the app's error mapping.
  signals = 0
  app = new Hono<AppEnv>()
  // The app's access gate in front, as createApp mounts it (reads: viewer; writes: operator).
  app.use('*', accessGate({ store: s.runtime.store, publicRead: false, trustProxy: false, now: () => s.clock.now }))
  app.onError((err, c) => (err instanceof AppError ? c.json(err.toBody(), err.status) : c.json({ error: { code: 'E_INTERNAL', message: String(err) } }, 500)))
  app.route('/api/v1', silenceRoutes({ store: s.runtime.store, onInventoryChanged: () => void signals++, now: () => s.clock.now }))
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

const silence = {
  matchers: [{ name: 'commune', value: 'NA-.*', isRegex: true }],
  startsAt: '2026-11-24T10:00:00+07:00',
  endsAt: '2026-11-24T14:00:00+07:00',
  comment: 'VNPT đang hàn cáp',
}

interface SilenceView {
  id: number
  state: string
  createdBy: string
  startsAt: string
  endsAt: string
  matchers: Array<{ isEqual: boolean }>
}

describe('silences API', () => {
  it('needs an operator (or admin); viewers and anonymous callers are refused', async () => {
    expect((await send('GET', '/api/v1/silences', undefined, {})).status).toBe(401)
    expect(await errorOf(await send('POST', '/api/v1/silences', silence, viewer))).toMatchObject({ code: 'E_FORBIDDEN' })
    expect((await send('GET', '/api/v1/silences', undefined, admin)).status).toBe(200)
    expect(count('silences')).toBe(0)
  })

  it('creates, lists with state, expires; each write is audited and signals the engine', async () => {
    const created = await send('POST', '/api/v1/silences', silence)
    expect(created.status).toBe(201)
    const view = (await created.json()) as SilenceView
    expect(view).toMatchObject({ state: 'active', createdBy: 'trucca', startsAt: '2026-11-24T03:00:00.000Z', endsAt: '2026-11-24T07:00:00.000Z' })
    expect(view.matchers[0]?.isEqual).toBe(true) // schema default filled in

    const explicit = await send('POST', '/api/v1/silences', { ...silence, createdBy: 'Nguyễn Văn A', startsAt: '2026-11-25T10:00:00+07:00', endsAt: '2026-11-25T12:00:00+07:00' })
    expect(await explicit.json()).toMatchObject({ createdBy: 'Nguyễn Văn A', state: 'pending' })

    const list = (await (await send('GET', '/api/v1/silences')).json()) as { silences: SilenceView[] }
    expect(list.silences.map((x) => x.state)).toEqual(['active', 'pending'])

    expect((await send('DELETE', `/api/v1/silences/${view.id}`)).status).toBe(204)
    const after = (await (await send('GET', '/api/v1/silences')).json()) as { silences: SilenceView[] }
    expect(after.silences[0]).toMatchObject({ state: 'expired', endsAt: '2026-11-24T03:00:00.000Z' })

    const audit = s.opened.sqlite.prepare("SELECT actor, action, entity FROM audit_log WHERE entity = 'silence' ORDER BY id").all()
    expect(audit).toEqual([
      { actor: 'trucca', action: 'create', entity: 'silence' },
      { actor: 'trucca', action: 'create', entity: 'silence' },
      { actor: 'trucca', action: 'expire', entity: 'silence' },
    ])
    expect(signals).toBe(3)
  })

  it('refuses a bad matcher regex with 422 E_VALIDATION and its path; nothing stored or audited', async () => {
    const res = await send('POST', '/api/v1/silences', { ...silence, matchers: [{ name: 'role', value: 'line' }, { name: 'commune', value: '(a+)+', isRegex: true }] })
    expect(res.status).toBe(422)
    expect(await errorOf(res)).toMatchObject({ code: 'E_VALIDATION', path: 'matchers.1.value' })
    expect(count('silences')).toBe(0)
    expect(count('audit_log')).toBe(0)
    expect(signals).toBe(0)
  })

  it.each<[string, unknown, string]>([
    ['no matchers', { ...silence, matchers: [] }, 'matchers'],
    ['bad label name', { ...silence, matchers: [{ name: '1x', value: 'a' }] }, 'matchers.0.name'],
    ['endsAt before startsAt', { ...silence, endsAt: '2026-11-24T09:00:00+07:00' }, 'endsAt'],
    ['endsAt in the past', { ...silence, startsAt: '2026-11-24T08:00:00+07:00', endsAt: '2026-11-24T09:00:00+07:00' }, 'endsAt'],
    ['unknown field', { ...silence, extra: 1 }, '(root)'],
  ])('refuses %s with 422 and the path', async (_name, body, path) => {
    const res = await send('POST', '/api/v1/silences', body)
    expect(res.status).toBe(422)
    expect(await errorOf(res)).toMatchObject({ code: 'E_VALIDATION', path })
    expect(count('silences')).toBe(0)
  })

  it('is mounted in the runtime app too', async () => {
    expect((await s.runtime.app.request('/api/v1/silences', { headers: operator })).status).toBe(200)
  })

  it('rejects malformed JSON with E_BAD_JSON and 404s unknown ids', async () => {
    expect(await errorOf(await send('POST', '/api/v1/silences', '{nope'))).toMatchObject({ code: 'E_BAD_JSON' })
    const res = await send('DELETE', '/api/v1/silences/99')
    expect(res.status).toBe(404)
    expect(await errorOf(res)).toMatchObject({ code: 'E_NOT_FOUND' })
    expect((await send('DELETE', '/api/v1/silences/abc')).status).toBe(404)
  })
})
