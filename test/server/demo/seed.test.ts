/**
 * The demo seeds the map's province outline (issue 13: the demo map had none although the
 * outline exists), and never overwrites an outline the operator uploaded or cleared.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ensureFirstAdmin } from '../../../server/auth'
import { removeDemo, seedDemo } from '../../../server/demo/seed'
import { makeTestServer, type TestServer } from '../../helpers/server'

let s: TestServer
const PASSWORD = 'mat-khau-quan-tri-dai'
const admin = { authorization: `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}` }
const NET = 91

beforeEach(() => {
  s = makeTestServer()
  ensureFirstAdmin(s.runtime.store, PASSWORD)
})
afterEach(() => s.close())

const req = (method: string, body?: unknown, headers: Record<string, string> = admin): Promise<Response> =>
  Promise.resolve(
    s.runtime.app.request('/api/v1/settings/boundary', {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
  )
const boundary = async (): Promise<{ type: string; geometry?: { type: string; coordinates: number[][][] } } | null> =>
  ((await (await req('GET', undefined, s.as('viewer'))).json()) as { boundary: { type: string; geometry?: { type: string; coordinates: number[][][] } } | null }).boundary

const operatorOutline = { type: 'Polygon', coordinates: [[[105, 21], [106, 21], [106, 22], [105, 21]]] }

describe('demo province outline', () => {
  it('is seeded with the demo (a closed ring around every demo commune) and leaves with it', async () => {
    expect(await boundary()).toBeNull()
    const seeded = seedDemo(s.runtime.store, NET)
    const b = await boundary()
    expect(b?.geometry?.type).toBe('Polygon')
    const ring = b?.geometry?.coordinates[0] ?? []
    expect(ring.length).toBeGreaterThanOrEqual(4)
    expect(ring[0]).toEqual(ring[ring.length - 1])
    // Every demo commune lies inside the outline's bounding box (the map fits both).
    const lons = ring.map((p) => p[0] as number)
    const lats = ring.map((p) => p[1] as number)
    for (const c of seeded.inventory.communes) {
      expect(c.lon).toBeGreaterThanOrEqual(Math.min(...lons))
      expect(c.lon).toBeLessThanOrEqual(Math.max(...lons))
      expect(c.lat).toBeGreaterThanOrEqual(Math.min(...lats))
      expect(c.lat).toBeLessThanOrEqual(Math.max(...lats))
    }
    // A restart refreshes the demo; the outline stays one.
    seedDemo(s.runtime.store, NET)
    expect(await boundary()).toEqual(b)
    removeDemo(s.runtime.store)
    expect(await boundary()).toBeNull()
  })

  it('never overwrites an outline the operator uploaded, nor brings back one they cleared', async () => {
    expect((await req('PUT', operatorOutline)).status).toBe(204)
    seedDemo(s.runtime.store, NET)
    expect(await boundary()).toEqual(operatorOutline)
    removeDemo(s.runtime.store)
    expect(await boundary()).toEqual(operatorOutline)

    expect((await req('DELETE')).status).toBe(204)
    seedDemo(s.runtime.store, NET)
    expect(await boundary()).toBeNull()
  })
})
