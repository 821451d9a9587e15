import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CommuneTimeline } from '../../../protocol'
import { maintenanceOccurrences } from '../../../server/alerting/maintenance'
import { spansOf } from '../../../server/reports/commune-timeline'
import { batch, commune, makeTestServer, result, udpTarget, type TestServer } from '../../helpers/server'

const MIN = 60_000
const iso = (ms: number): string => new Date(ms).toISOString()

describe('spansOf', () => {
  const from = Date.parse('2026-11-24T00:00:00Z')
  const to = from + 60 * MIN
  it('starts in the state held at `from`, one span per change, merges repeats, ends at `to`', () => {
    const spans = spansOf({ at: from - 5 * MIN, state: 'ok' }, [
      { at: from + 10 * MIN, state: 'down' },
      { at: from + 20 * MIN, state: 'down' },
      { at: from + 30 * MIN, state: 'ok' },
    ], from, to)
    expect(spans).toEqual([
      { from: iso(from), to: iso(from + 10 * MIN), state: 'ok' },
      { from: iso(from + 10 * MIN), to: iso(from + 30 * MIN), state: 'down' },
      { from: iso(from + 30 * MIN), to: iso(to), state: 'ok' },
    ])
  })
  it('has no span before the first row (not monitored yet)', () => {
    expect(spansOf(undefined, [{ at: from + 40 * MIN, state: 'unknown' }], from, to)).toEqual([{ from: iso(from + 40 * MIN), to: iso(to), state: 'unknown' }])
    expect(spansOf(undefined, [], from, to)).toEqual([])
  })
})

describe('maintenanceOccurrences', () => {
  const base = { id: 1, scope: { communes: ['C1'], clusters: [], targets: [] }, reason: 'Thay thiết bị', createdBy: 'admin' }
  it('clips a one-off window to the range', () => {
    const w = { ...base, startsAt: Date.parse('2026-11-23T20:00:00Z'), endsAt: Date.parse('2026-11-24T02:00:00Z'), recurrence: null }
    expect(maintenanceOccurrences(w, Date.parse('2026-11-24T00:00:00Z'), Date.parse('2026-11-24T06:00:00Z'))).toEqual([[Date.parse('2026-11-24T00:00:00Z'), Date.parse('2026-11-24T02:00:00Z')]])
    expect(maintenanceOccurrences(w, Date.parse('2026-11-24T03:00:00Z'), Date.parse('2026-11-24T06:00:00Z'))).toEqual([])
  })
  it('lists each weekly occurrence in Vietnam time, one crossing midnight included', () => {
    // Tuesdays and Wednesdays 23:00–01:00 Giờ Việt Nam (16:00–18:00 UTC).
    const w = { ...base, startsAt: Date.parse('2026-11-01T00:00:00Z'), endsAt: Date.parse('2026-12-31T00:00:00Z'), recurrence: { weekdays: [2, 3], start: '23:00', end: '01:00' } }
    const occ = maintenanceOccurrences(w, Date.parse('2026-11-23T00:00:00Z'), Date.parse('2026-11-27T00:00:00Z'))
    // 24/11/2026 is a Tuesday.
    expect(occ.map(([a, b]) => [iso(a), iso(b)])).toEqual([
      ['2026-11-24T16:00:00.000Z', '2026-11-24T18:00:00.000Z'],
      ['2026-11-25T16:00:00.000Z', '2026-11-25T18:00:00.000Z'],
    ])
  })
})

describe('GET /api/v1/communes/:code/history', () => {
  let s: TestServer
  beforeEach(() => {
    s = makeTestServer({
      communes: [commune('C1', { name: 'Mường Lống', districtCluster: 'Kỳ Sơn' }), commune('C2', { name: 'Châu Khê', districtCluster: 'Con Cuông' })],
      targets: [udpTarget('c1-line', 'C1'), udpTarget('c1-mcu', 'C1', 'mcu'), udpTarget('c2-line', 'C2')],
    })
  })
  afterEach(() => s.close())

  const get = (code: string, from: number, to: number, role: 'viewer' | null = 'viewer') =>
    s.runtime.app.request(`/api/v1/communes/${code}/history?${new URLSearchParams({ from: iso(from), to: iso(to) })}`, { headers: role ? s.as(role) : {} })

  it('answers states per target, maintenance covering the commune only, and the oldest measurement', async () => {
    const now = s.clock.now
    const insert = s.opened.sqlite.prepare('INSERT INTO state_log (entity, entity_id, at, state) VALUES (?, ?, ?, ?)')
    s.opened.sqlite.prepare('DELETE FROM state_log').run()
    insert.run('target', 'c1-line', now - 120 * MIN, 'ok')
    insert.run('target', 'c1-line', now - 20 * MIN, 'down')
    insert.run('target', 'c1-mcu', now - 30 * MIN, 'unknown')
    insert.run('commune', 'C1', now - 120 * MIN, 'ok')
    insert.run('commune', 'C1', now - 20 * MIN, 'down')
    const ingest = await s.runtime.app.request('/api/v1/ingest', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${s.token}` },
      body: JSON.stringify(batch(s.probeId, [result('c1-line', now - 90 * MIN), result('c2-line', now - 300 * MIN)])),
    })
    expect(ingest.status).toBe(202)
    const mk = (scope: object, startsAt: number, endsAt: number, reason: string) =>
      s.runtime.app.request('/api/v1/maintenance', {
        method: 'POST',
        headers: { ...s.as('operator'), 'content-type': 'application/json' },
        body: JSON.stringify({ scope, startsAt: iso(startsAt), endsAt: iso(endsAt), reason }),
      })
    expect((await mk({ clusters: ['Kỳ Sơn'] }, now - 50 * MIN, now - 40 * MIN, 'Thay bộ chuyển mạch cụm Kỳ Sơn')).status).toBe(201)
    expect((await mk({ communes: ['C2'] }, now - 50 * MIN, now - 40 * MIN, 'Châu Khê: bảo trì')).status).toBe(201)

    const res = await get('C1', now - 60 * MIN, now + 60 * MIN)
    expect(res.status).toBe(200)
    const body = CommuneTimeline.parse(await res.json())
    expect(body.to).toBe(iso(now)) // the future has no state
    expect(body.targets.map((t) => t.targetId).sort()).toEqual(['c1-line', 'c1-mcu'])
    expect(body.targets.find((t) => t.targetId === 'c1-line')?.spans).toEqual([
      { from: iso(now - 60 * MIN), to: iso(now - 20 * MIN), state: 'ok' },
      { from: iso(now - 20 * MIN), to: iso(now), state: 'down' },
    ])
    expect(body.targets.find((t) => t.targetId === 'c1-mcu')?.spans).toEqual([{ from: iso(now - 30 * MIN), to: iso(now), state: 'unknown' }])
    expect(body.commune.map((x) => x.state)).toEqual(['ok', 'down'])
    expect(body.maintenance).toEqual([{ id: expect.any(Number), from: iso(now - 50 * MIN), to: iso(now - 40 * MIN), reason: 'Thay bộ chuyển mạch cụm Kỳ Sơn' }])
    // C1's own oldest result, not C2's older one.
    expect(body.firstDataAt).toBe(iso(now - 90 * MIN))
  })

  it('takes a rollup hour as the oldest data only when the raw rows of that time are gone', async () => {
    const HOUR = 60 * MIN
    const now = s.clock.now
    // A raw result 30 minutes into an hour, and the hourly rollup of that same hour.
    const firstRaw = Math.floor((now - 5 * HOUR) / HOUR) * HOUR + 30 * MIN
    const ingest = await s.runtime.app.request('/api/v1/ingest', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${s.token}` },
      body: JSON.stringify(batch(s.probeId, [result('c1-line', firstRaw)])),
    })
    expect(ingest.status).toBe(202)
    const series = s.opened.sqlite.prepare("INSERT INTO rollup_series (target_id, metric) VALUES ('c1-line', 'rtt_median_seconds') RETURNING id").pluck().get() as number
    const rollup = s.opened.sqlite.prepare('INSERT INTO rollups_1h (series_id, t, n, sum, min, max) VALUES (?, ?, 1, 0.01, 0.01, 0.01)')
    rollup.run(series, Math.floor(firstRaw / HOUR) * 3600)
    const first = async () => CommuneTimeline.parse(await (await get('C1', now - HOUR, now)).json()).firstDataAt
    // The rollup's hour start is the same data as the raw row: the raw row's time counts.
    expect(await first()).toBe(iso(firstRaw))
    // An older hour known only as a rollup (its raw rows expired): that hour's start counts.
    rollup.run(series, Math.floor(firstRaw / HOUR) * 3600 - 24 * 3600)
    expect(await first()).toBe(iso(Math.floor(firstRaw / HOUR) * HOUR - 24 * HOUR))
  })

  it('refuses a bad range with the field, an unknown commune with 404, and anonymous callers', async () => {
    const now = s.clock.now
    const backwards = await get('C1', now, now - MIN)
    expect(backwards.status).toBe(422)
    expect(((await backwards.json()) as { error: { code: string; path: string } }).error).toMatchObject({ code: 'E_VALIDATION', path: 'from' })
    const missing = await s.runtime.app.request('/api/v1/communes/C1/history?from=yesterday', { headers: s.as('viewer') })
    expect(missing.status).toBe(422)
    expect((await get('C1', now - 401 * 86_400_000, now)).status).toBe(422)
    expect((await get('NOPE', now - MIN, now)).status).toBe(404)
    expect((await get('C1', now - MIN, now, null)).status).toBe(401)
  })
})
