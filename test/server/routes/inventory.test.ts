import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ensureFirstAdmin } from '../../../server/auth'
import { commune, makeTestServer, type TestServer } from '../../helpers/server'

let s: TestServer
const PASSWORD = 'a-long-admin-password'
const auth = { authorization: `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}` }

beforeEach(() => {
  s = makeTestServer()
  ensureFirstAdmin(s.runtime.store, PASSWORD)
})
afterEach(() => s.close())

const send = (method: string, path: string, body?: unknown, headers: Record<string, string> = auth): Promise<Response> =>
  Promise.resolve(
    s.runtime.app.request(path, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    }),
  )
const code = async (res: Response): Promise<string> => ((await res.json()) as { error: { code: string } }).error.code

describe('inventory API', () => {
  it('requires admin credentials for writes', async () => {
    expect((await send('POST', '/api/v1/communes', commune('C1'), {})).status).toBe(401)
    const wrong = { authorization: `Basic ${Buffer.from('admin:nope').toString('base64')}` }
    const res = await send('POST', '/api/v1/communes', commune('C1'), wrong)
    expect(res.status).toBe(401)
    expect(await code(res)).toBe('E_UNAUTHORIZED')
    expect(s.runtime.store.countCommunes()).toBe(0)
  })

  it('creates, reads, patches and deletes a commune; every change is audited', async () => {
    expect((await send('POST', '/api/v1/communes', commune('C1', { name: 'Mường Típ' }))).status).toBe(201)
    expect((await send('POST', '/api/v1/communes', commune('C1'))).status).toBe(409)
    const patched = await send('PATCH', '/api/v1/communes/C1', { contractedMbps: 200 })
    expect(patched.status).toBe(200)
    await new Promise((r) => setTimeout(r, 250)) // the engine reload is debounced
    const detail = (await (await s.runtime.app.request('/api/v1/communes/C1', { headers: s.as('viewer') })).json()) as { commune: { name: string; contractedMbps: number } }
    expect(detail.commune).toMatchObject({ name: 'Mường Típ', contractedMbps: 200 })
    expect((await send('DELETE', '/api/v1/communes/C1')).status).toBe(204)
    expect((await s.runtime.app.request('/api/v1/communes/C1', { headers: s.as('viewer') })).status).toBe(404)
    const audit = s.opened.sqlite.prepare('SELECT action FROM audit_log ORDER BY id').all() as Array<{ action: string }>
    expect(audit.map((a) => a.action)).toEqual(['create', 'update', 'delete'])
  })

  it('rejects a bad commune with the field path', async () => {
    const res = await send('POST', '/api/v1/communes', { ...commune('C1'), lat: 123 })
    expect(res.status).toBe(422)
    const body = (await res.json()) as { error: { code: string; path: string } }
    expect(body.error).toMatchObject({ code: 'E_VALIDATION', path: 'lat' })
  })

  it('validates target options by kind and refuses unknown communes', async () => {
    await send('POST', '/api/v1/communes', commune('C1'))
    const bad = await send('POST', '/api/v1/targets', { id: 't1', communeCode: 'C1', kind: 'udp_echo', host: '127.0.0.1', role: 'line', options: { packets: -1 } })
    expect(bad.status).toBe(422)
    expect(((await bad.json()) as { error: { path: string } }).error.path).toBe('options.packets')
    const orphan = await send('POST', '/api/v1/targets', { id: 't2', communeCode: 'NOPE', kind: 'tcp', host: '127.0.0.1', port: 80, role: 'service' })
    expect(orphan.status).toBe(422)
    const ok = await send('POST', '/api/v1/targets', { id: 't1', communeCode: 'C1', kind: 'udp_echo', host: '127.0.0.1', role: 'line' })
    expect(ok.status).toBe(201)
    expect(await ok.json()).toMatchObject({ id: 't1', port: 8620, intervalSeconds: 15, options: { packets: 50, ratePps: 20 } })
  })

  it('creates a probe whose token (shown once) pulls its config with an ETag', async () => {
    await send('POST', '/api/v1/communes', commune('C1'))
    const created = (await (await send('POST', '/api/v1/probes', { name: 'ky-son', location: 'UBND xã' })).json()) as { id: string; token: string }
    expect(created.token).toMatch(/^xanh_p_[A-Za-z0-9_-]{43}$/)
    await send('POST', '/api/v1/targets', { id: 't1', communeCode: 'C1', kind: 'tcp', host: '127.0.0.1', port: 1720, role: 'mcu', probeId: created.id })
    const bearer = { authorization: `Bearer ${created.token}` }
    const first = await s.runtime.app.request('/api/v1/probe/config', { headers: bearer })
    expect(first.status).toBe(200)
    const cfg = (await first.json()) as { probeId: string; targets: Array<{ id: string }> }
    expect(cfg.probeId).toBe(created.id)
    expect(cfg.targets.map((t) => t.id)).toEqual(['t1'])
    const etag = first.headers.get('etag') as string
    const again = await s.runtime.app.request('/api/v1/probe/config', { headers: { ...bearer, 'if-none-match': etag } })
    expect(again.status).toBe(304)
    const listed = JSON.stringify(await (await send('GET', '/api/v1/probes')).json())
    expect(listed).not.toContain(created.token)
    // Rotation without a grace ends the old token at once (the grace is tested in probe-scope.test.ts).
    await send('POST', `/api/v1/probes/${created.id}/rotate?graceSeconds=0`)
    expect((await s.runtime.app.request('/api/v1/probe/config', { headers: bearer })).status).toBe(401)
  })

  it('imports a CSV all-or-nothing over the API', async () => {
    const good = '\uFEFFcode,name,kind,district_cluster,lat,lon\r\nNA-A,Quỳnh Anh,xa,Cụm A,19.2,105.6\r\n'
    const bad = good + 'NA-B,Tam Đồng,xa,Cụm A,nineteen,105.6\r\nNA-C,,xa,Cụm A,19,105\r\n'
    const rejected = await s.runtime.app.request('/api/v1/communes/import?format=csv', { method: 'POST', headers: { ...auth, 'content-type': 'text/csv' }, body: bad })
    expect(rejected.status).toBe(422)
    const err = ((await rejected.json()) as { error: { code: string; issues: Array<{ line: number }> } }).error
    expect(err.code).toBe('E_IMPORT_INVALID')
    expect(err.issues.map((i) => i.line)).toEqual([3, 4])
    expect(s.runtime.store.countCommunes()).toBe(0)
    const accepted = await s.runtime.app.request('/api/v1/communes/import', { method: 'POST', headers: { ...auth, 'content-type': 'text/csv' }, body: good })
    expect(accepted.status).toBe(200)
    expect(s.runtime.store.getCommune('NA-A')?.name).toBe('Quỳnh Anh')
    const exported = await s.runtime.app.request('/api/v1/communes/export?format=csv', { headers: auth })
    expect(exported.headers.get('content-type')).toMatch(/text\/csv/)
    expect(await exported.text()).toContain('Quỳnh Anh')
  })
})
