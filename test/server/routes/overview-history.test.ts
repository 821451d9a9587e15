import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CommuneHistory, SlaReport } from '../../../protocol'
import { batch, commune, makeTestServer, result, udpTarget, type TestServer } from '../../helpers/server'

let s: TestServer
let silentProbeId = ''
beforeEach(() => {
  s = makeTestServer({
    communes: [commune('C1', { name: 'Châu Bình' }), commune('C2', { name: 'Mường Lống' })],
    targets: [udpTarget('c1-line', 'C1')],
  })
  // A second probe that never reports, running the line of Mường Lống.
  silentProbeId = s.runtime.store.createProbe('tram-ky-son', 'UBND xã Kỳ Sơn').probe.id
  s.runtime.store.upsertTarget({ ...udpTarget('c2-line', 'C2'), probeId: silentProbeId })
  s.runtime.reloadInventory()
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

/** Runs the server for `minutes`, one round of C1's line every 15 s, ok or failed. */
async function run(minutes: number, ok: boolean): Promise<void> {
  for (let i = 0; i < minutes * 4; i++) {
    s.clock.now += 15_000
    await ingest([result('c1-line', s.clock.now, ok ? {} : { ok: false, error: 'timeout', m: { sent: 50, received: 0, loss_ratio: 1 } })])
    s.runtime.tick()
  }
}

describe('GET /api/v1/overview/history', () => {
  it('strips the last 24 h from the state log, with availability as the SLA report counts it, and names the silent probe', async () => {
    const created = s.clock.now
    await run(100, true)
    const downAt = s.clock.now
    await run(40, false)
    const res = await s.runtime.app.request('/api/v1/overview/history', { headers: s.as('viewer') })
    expect(res.status).toBe(200)
    const body = CommuneHistory.parse(await res.json())
    expect(body.bucketSeconds).toBe(900)
    const c1 = body.communes.find((c) => c.code === 'C1')
    expect(c1).toBeDefined()
    const strip = c1?.strip ?? ''
    expect(strip).toHaveLength(96)
    const bucketOf = (ms: number): number => Math.floor((ms - Date.parse(body.from)) / 900_000)
    // Nothing before the commune existed; then ok; the outage from the bucket it began in to the end.
    expect(strip.slice(0, bucketOf(created))).toMatch(/^-*$/)
    expect(strip.slice(bucketOf(created) + 1, bucketOf(downAt))).toMatch(/^o+$/)
    expect(strip.slice(bucketOf(downAt) + 1)).toMatch(/^d+$/)
    expect(strip[bucketOf(downAt)]).toBe('d')
    // Up about 100 of the 140 minutes; the figure is the SLA integration's, not a second count.
    expect(c1?.availability24h).toBeGreaterThan(0.68)
    expect(c1?.availability24h).toBeLessThan(0.75)
    const sla = SlaReport.parse(await (await s.runtime.app.request('/api/v1/reports/sla', { headers: s.as('viewer') })).json())
    const slaC1 = sla.communes.find((c) => c.code === 'C1')
    expect(c1?.availability30d).toBeCloseTo(slaC1?.availability ?? -1, 6)
    // Mường Lống never had a result: unknown all along, so no availability, drawn as unknown.
    const c2 = body.communes.find((c) => c.code === 'C2')
    expect(c2?.availability24h).toBeNull()
    expect(c2?.strip.slice(bucketOf(created) + 1)).toMatch(/^u+$/)
    expect(body.silentProbes).toEqual([
      expect.objectContaining({ id: silentProbeId, name: 'tram-ky-son', location: 'UBND xã Kỳ Sơn', lastSeenAt: null, communes: [{ code: 'C2', name: 'Mường Lống' }] }),
    ])
  })

  it('is built at most once a minute', async () => {
    await run(5, true)
    const get = async () => CommuneHistory.parse(await (await s.runtime.app.request('/api/v1/overview/history', { headers: s.as('viewer') })).json())
    const first = await get()
    s.clock.now += 30_000
    expect((await get()).to).toBe(first.to)
    s.clock.now += 31_000
    expect((await get()).to).not.toBe(first.to)
  })

  it('gaps: a probe heard from recently is not silent; one gone quiet is, since its last batch', async () => {
    await run(5, true)
    const gaps = async () => ((await (await s.runtime.app.request('/api/v1/gaps', { headers: s.as('viewer') })).json()) as { silentProbes: Array<{ name: string; silentSince: string }> }).silentProbes
    expect((await gaps()).map((p) => p.name)).toEqual(['tram-ky-son'])
    const lastBatch = s.clock.now
    s.clock.now += 5 * 60_000
    s.runtime.tick()
    const silent = await gaps()
    expect(silent.map((p) => p.name).sort()).toEqual(['test-probe', 'tram-ky-son'])
    expect(silent.find((p) => p.name === 'test-probe')?.silentSince).toBe(new Date(lastBatch).toISOString())
  })
})
