/**
 * Routes added for the dashboard: the province outline setting, the dry run of an inventory
 * import (the error preview that writes nothing) and the update of a coverage gap.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ensureFirstAdmin } from '../../../server/auth'
import { commune, makeTestServer, type TestServer } from '../../helpers/server'

let s: TestServer
const PASSWORD = 'a-long-admin-password'
const auth = { authorization: `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}` }

beforeEach(() => {
  s = makeTestServer({ communes: [commune('C1'), commune('C2')] })
  ensureFirstAdmin(s.runtime.store, PASSWORD)
})
afterEach(() => s.close())

const req = (method: string, path: string, body?: string, headers: Record<string, string> = auth, type = 'application/json'): Promise<Response> =>
  Promise.resolve(s.runtime.app.request(path, { method, headers: { 'content-type': type, ...headers }, ...(body === undefined ? {} : { body }) }))

const outline = { type: 'Feature', properties: { name: 'Tỉnh' }, geometry: { type: 'Polygon', coordinates: [[[104, 18], [106, 18], [106, 20], [104, 18]]] } }

describe('province outline setting', () => {
  it('is empty at first, stored by an admin, read by a viewer (not anonymously), cleared again', async () => {
    expect((await req('GET', '/api/v1/settings/boundary', undefined, {})).status).toBe(401)
    expect(await (await req('GET', '/api/v1/settings/boundary', undefined, s.as('viewer'))).json()).toEqual({ boundary: null })
    expect((await req('PUT', '/api/v1/settings/boundary', JSON.stringify(outline), {})).status).toBe(401)
    expect((await req('PUT', '/api/v1/settings/boundary', JSON.stringify(outline))).status).toBe(204)
    const got = (await (await req('GET', '/api/v1/settings/boundary', undefined, s.as('viewer'))).json()) as { boundary: { type: string } }
    expect(got.boundary.type).toBe('Feature')
    expect((await req('DELETE', '/api/v1/settings/boundary')).status).toBe(204)
    expect(await (await req('GET', '/api/v1/settings/boundary', undefined, s.as('viewer'))).json()).toEqual({ boundary: null })
  })

  it('refuses what is not a lon/lat outline, with the path', async () => {
    const res = await req('PUT', '/api/v1/settings/boundary', JSON.stringify({ type: 'Polygon', coordinates: [[[200, 18]]] }))
    expect(res.status).toBe(422)
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('E_VALIDATION')
    expect((await req('PUT', '/api/v1/settings/boundary', JSON.stringify({ type: 'Point', coordinates: [1, 2] }))).status).toBe(422)
  })
})

describe('inventory import dry run', () => {
  const header = 'commune_code,hamlet,kind,population\n'

  it('lists every bad row with its line (200, valid: false) and writes nothing', async () => {
    const csv = `${header}C1,Bản Một,no_mobile,120\nC1,Bản Hai,no_mobile,many\nC2,Bản Ba,sometimes,5\n`
    const res = await req('POST', '/api/v1/gaps/import?format=csv&dryRun=1', csv, auth, 'text/csv')
    expect(res.status).toBe(200)
    const body = (await res.json()) as { valid: boolean; issues: Array<{ line: number }> }
    expect(body.valid).toBe(false)
    expect(body.issues.map((i) => i.line).sort()).toEqual([3, 4])
    expect(s.runtime.store.listGaps()).toEqual([])
    // Without dryRun the same file is refused as a whole.
    const real = await req('POST', '/api/v1/gaps/import?format=csv', csv, auth, 'text/csv')
    expect(real.status).toBe(422)
    expect(((await real.json()) as { error: { code: string } }).error.code).toBe('E_IMPORT_INVALID')
    expect(s.runtime.store.listGaps()).toEqual([])
  })

  it('counts a good file without writing it; the real import then writes it', async () => {
    const csv = `${header}C1,Bản Một,no_mobile,120\nC2,Bản Hai,no_power,\n`
    const dry = await req('POST', '/api/v1/gaps/import?format=csv&dryRun=1', csv, auth, 'text/csv')
    expect(await dry.json()).toMatchObject({ valid: true, rows: 2, created: 2 })
    expect(s.runtime.store.listGaps()).toEqual([])
    const real = await req('POST', '/api/v1/gaps/import?format=csv', csv, auth, 'text/csv')
    expect(await real.json()).toMatchObject({ rows: 2, created: 2 })
    expect(s.runtime.store.listGaps()).toHaveLength(2)
  })
})

describe('coverage gap update', () => {
  it('marks a gap fixed; an unknown id is 404', async () => {
    const created = (await (await req('POST', '/api/v1/gaps', JSON.stringify({ communeCode: 'C1', hamlet: 'Bản Một', kind: 'no_mobile' }))).json()) as { id: number }
    const res = await req('PUT', `/api/v1/gaps/${created.id}`, JSON.stringify({ communeCode: 'C1', hamlet: 'Bản Một', kind: 'no_mobile', fixedAt: '2026-11-20' }))
    expect(res.status).toBe(200)
    expect(s.runtime.store.listGaps('C1')[0]?.fixedAt).toBe('2026-11-20')
    const missing = await req('PUT', '/api/v1/gaps/999', JSON.stringify({ communeCode: 'C1', hamlet: 'X', kind: 'no_mobile' }))
    expect(missing.status).toBe(404)
  })
})
