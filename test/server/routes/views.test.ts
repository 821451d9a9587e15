import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CommuneDetail, Overview, Series } from '../../../protocol'
import { batch, commune, makeTestServer, result, udpTarget, type TestServer } from '../../helpers/server'

let s: TestServer
beforeEach(() => {
  s = makeTestServer({
    communes: [commune('C1', { name: 'Châu Bình' }), commune('C2')],
    targets: [udpTarget('c1-line', 'C1'), udpTarget('c2-line', 'C2')],
  })
})
afterEach(() => s.close())

async function ingest(results: ReturnType<typeof result>[]): Promise<void> {
  const res = await s.runtime.app.request('/api/v1/ingest', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${s.token}` },
    body: JSON.stringify(batch(s.probeId, results)),
  })
  expect(res.status).toBe(202)
}

describe('read API', () => {
  it('overview: counts and one row per commune, valid against the protocol', async () => {
    await ingest([result('c1-line', s.clock.now)])
    const body = Overview.parse(await (await s.runtime.app.request('/api/v1/overview', { headers: s.as('viewer') })).json())
    expect(body.demo).toBe(false)
    expect(body.counts).toEqual({ ok: 1, warning: 0, critical: 0, down: 0, unknown: 1 })
    expect(body.communes.find((c) => c.code === 'C1')).toMatchObject({ name: 'Châu Bình', state: 'ok', lineState: 'ok', rttSeconds: 0.01 })
  })

  it('commune detail has targets and gaps; unknown commune → 404 E_NOT_FOUND', async () => {
    const body = CommuneDetail.parse(await (await s.runtime.app.request('/api/v1/communes/C1', { headers: s.as('viewer') })).json())
    expect(body.targets.map((t) => t.id)).toEqual(['c1-line'])
    const missing = await s.runtime.app.request('/api/v1/communes/NOPE', { headers: s.as('viewer') })
    expect(missing.status).toBe(404)
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('E_NOT_FOUND')
  })

  it('series: one point per step, gaps as null (never interpolated)', async () => {
    const from = s.clock.now - 10 * 60_000
    // Data in minutes 0-2 and 6-9; nothing in minutes 3-5.
    const rs = [0, 1, 2, 6, 7, 8, 9].map((min) => result('c1-line', from + min * 60_000 + 1000, { m: { rtt_median_seconds: 0.01 * (min + 1) } }))
    await ingest(rs)
    const q = new URLSearchParams({ metric: 'rtt_median_seconds', from: new Date(from).toISOString(), to: new Date(s.clock.now).toISOString(), step: '60' })
    const body = Series.parse(await (await s.runtime.app.request(`/api/v1/targets/c1-line/series?${q}`, { headers: s.as('viewer') })).json())
    expect(body.points).toHaveLength(10)
    expect(body.points.map((p) => (p[1] === null ? null : Math.round(p[1] * 100)))).toEqual([1, 2, 3, null, null, null, 7, 8, 9, 10])
  })

  it('series: bad query → 422 with the field', async () => {
    const res = await s.runtime.app.request('/api/v1/targets/c1-line/series?metric=Bad-Name', { headers: s.as('viewer') })
    expect(res.status).toBe(422)
    expect(((await res.json()) as { error: { path: string } }).error.path).toBe('metric')
  })

  it('gaps: silent targets are data gaps', async () => {
    const body = (await (await s.runtime.app.request('/api/v1/gaps', { headers: s.as('viewer') })).json()) as { dataGaps: Array<{ targetId: string }> }
    expect(body.dataGaps.map((g) => g.targetId).sort()).toEqual(['c1-line', 'c2-line'])
  })

  it('health and readiness', async () => {
    expect((await s.runtime.app.request('/healthz')).status).toBe(200)
    const ready = (await (await s.runtime.app.request('/readyz')).json()) as { status: string; migrations: number }
    expect(ready).toMatchObject({ status: 'ready' })
    expect(ready.migrations).toBeGreaterThan(0)
  })

  it('unknown routes answer JSON 404', async () => {
    const res = await s.runtime.app.request('/api/v1/nope')
    expect(res.status).toBe(404)
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('E_NOT_FOUND')
  })
})
