/**
 * Models and pure helpers of the dashboard pages added with the map, signal gaps, alerts and
 * settings: fake API, fake clock, no DOM.
 */
import { describe, expect, it } from 'vitest'
import type { CoverageGapView, IncidentView, ProvinceBoundary, SlaCommuneRow, SlaReport } from '../../protocol'
import type { ApiResult } from '../../web/src/api'
import { alignSeries, gapRuns } from '../../web/src/chart-data'
import { describeIncident } from '../../web/src/format'
import { boundaryPath, boundsOf, clampView, fitProjection, zoomAt } from '../../web/src/geo'
import { translate, type MessageKey } from '../../web/src/i18n'
import { AlertsModel } from '../../web/src/models/alerts'
import { attentionOrder } from '../../web/src/models/communes'
import { GapsModel, dataGapsByCommune, gapCountsByCommune, gapTrend, localMonth, unknownByCommune } from '../../web/src/models/gaps'
import { ImportModel, formatOfFile } from '../../web/src/models/import'
import { parseBoundary } from '../../web/src/models/map'
import { SessionModel, hasRole } from '../../web/src/models/session'
import type { ImportReport } from '../../web/src/wire'
import { FakeClock, commune, stubApi } from './fakes'

const t = (key: MessageKey, params?: Record<string, string | number>) => translate('vi', key, params)
const flush = () => new Promise((r) => setTimeout(r, 0))

function incident(id: number, over: Partial<IncidentView> = {}): IncidentView {
  return {
    id,
    key: `k${id}`,
    alertname: 'XanhTargetDegraded',
    state: 'open',
    severity: 'warning',
    targetId: 'a-line',
    communeCode: 'A',
    communeName: 'Xã A',
    cluster: 'Cụm 1',
    role: 'line',
    targetName: 'Đường truyền',
    kind: 'udp_echo',
    reason: 'loss',
    verdict: null,
    error: null,
    summary: 'line Xã A (A): warning (loss)',
    labels: {},
    affectedCommunes: 1,
    flapping: false,
    openedAt: '2025-07-01T02:00:00Z',
    ackedAt: null,
    ackedBy: null,
    ackComment: null,
    resolvedAt: null,
    silence: null,
    ...over,
  }
}

function gap(id: number, over: Partial<CoverageGapView> = {}): CoverageGapView {
  return { id, communeCode: 'A', hamlet: `Bản ${id}`, kind: 'no_mobile', population: 100, households: 20, since: '2025-03-10', plannedFix: null, fixedAt: null, source: '', ...over }
}

describe('AlertsModel', () => {
  it('refuses an ack without a comment before asking the server', async () => {
    let acks = 0
    const m = new AlertsModel({ api: stubApi({ ack: async () => (acks++, { ok: true, data: incident(1) }) }), clock: new FakeClock() })
    expect(await m.ack(1, '   ')).toMatchObject({ ok: false, error: { code: 'E_VALIDATION' } })
    expect(acks).toBe(0)
  })

  it('acks with the trimmed comment and shows the new state in the open list', async () => {
    const sent: string[] = []
    const api = stubApi({
      incidents: async () => ({ ok: true, data: [incident(1), incident(2)] }),
      ack: async (id, comment) => {
        sent.push(comment)
        return { ok: true, data: incident(id, { state: 'acknowledged', ackedBy: 'op', ackComment: comment }) }
      },
    })
    const m = new AlertsModel({ api, clock: new FakeClock() })
    await m.loadOpen()
    expect(await m.ack(2, '  Đã gọi nhà mạng ')).toEqual({ ok: true })
    expect(sent).toEqual(['Đã gọi nhà mạng'])
    expect(m.open.value.data?.map((i) => i.state)).toEqual(['open', 'acknowledged'])
  })

  it('tells the session when a write was refused for lack of one', async () => {
    let expired = 0
    const api = stubApi({ ack: async (): Promise<ApiResult<IncidentView>> => ({ ok: false, error: { code: 'E_UNAUTHORIZED', message: 'session expired' } }) })
    const m = new AlertsModel({ api, clock: new FakeClock(), onUnauthorized: () => expired++ })
    await m.ack(1, 'x')
    expect(expired).toBe(1)
  })

  it('refetches open incidents after live changes, at most once per interval', async () => {
    let calls = 0
    const clock = new FakeClock()
    const m = new AlertsModel({ api: stubApi({ incidents: async () => (calls++, { ok: true, data: [incident(1, { flapping: true })] }) }), clock, refreshMinMs: 5000 })
    const delta = { type: 'delta' as const, at: '2025-07-01T03:00:00Z', counts: { ok: 1, warning: 0, critical: 0, down: 0, unknown: 0 }, communes: [commune('A')], targets: [] }
    m.applyLive(delta)
    m.applyLive(delta)
    clock.advance(0)
    await flush()
    expect(calls).toBe(1)
    m.applyLive(delta)
    clock.advance(1000)
    expect(calls).toBe(1)
    clock.advance(4000)
    await flush()
    expect(calls).toBe(2)
    expect([...m.flappingCommunes.value]).toEqual(['A'])
    m[Symbol.dispose]()
  })
})

describe('attention with flapping', () => {
  it('lists an ok commune that flaps after the real problems', () => {
    const rows = [commune('A'), commune('B', { state: 'down' }), commune('C')]
    expect(attentionOrder(rows, new Set(['C'])).map((c) => c.code)).toEqual(['B', 'C'])
  })
})

describe('signal gaps', () => {
  it('groups silent targets by commune, longest silent first', () => {
    const rows = dataGapsByCommune([
      { targetId: 'b-line', communeCode: 'B', since: '2025-07-01T02:00:00Z', lastResultAt: null, reason: 'silent' },
      { targetId: 'a-line', communeCode: 'A', since: '2025-07-01T01:00:00Z', lastResultAt: null, reason: 'silent' },
      { targetId: 'b-mcu', communeCode: 'B', since: '2025-07-01T00:30:00Z', lastResultAt: null, reason: 'silent' },
      { targetId: 'c-line', communeCode: 'C', since: null, lastResultAt: null, reason: 'no-data' },
    ])
    expect(rows.map((r) => [r.communeCode, r.targets.length])).toEqual([
      ['B', 2],
      ['A', 1],
      ['C', 1],
    ])
  })

  it('counts open coverage gaps per commune and kind, fixed ones excluded', () => {
    const counts = gapCountsByCommune([gap(1), gap(2, { kind: 'no_power', population: null }), gap(3, { fixedAt: '2025-06-01' }), gap(4, { communeCode: 'B' })])
    expect(counts[0]).toMatchObject({ communeCode: 'A', total: 2, byKind: { no_mobile: 1, no_power: 1 }, population: 100 })
    expect(counts.map((c) => c.communeCode)).toEqual(['A', 'B'])
  })

  it('trends gaps opened and fixed per month in Vietnam time, with the open count at month end', () => {
    const now = Date.parse('2025-06-30T18:00:00Z') // already 1 July in Asia/Ho_Chi_Minh
    const trend = gapTrend([gap(1, { since: '2025-05-02' }), gap(2, { since: '2025-05-20', fixedAt: '2025-07-01' }), gap(3, { since: null, fixedAt: '2025-06-15' })], now, 3)
    expect(trend).toEqual([
      { month: '2025-05', opened: 2, fixed: 0, openAtEnd: 3 },
      { month: '2025-06', opened: 0, fixed: 1, openAtEnd: 2 },
      { month: '2025-07', opened: 0, fixed: 1, openAtEnd: 1 },
    ])
  })
})

describe('data gaps over a month', () => {
  const fig = (unknown: number) => ({ minutes: { up: 100, down: 0, unknown, maintenance: 0 }, availability: 1, incidents: 0, outages: 0 })
  const row = (code: string, unknown: number): SlaCommuneRow => ({ code, name: code, cluster: 'Cụm 1', monitoredFrom: '2026-11-01T00:00:00+07:00', ...fig(unknown) })
  const report = (month: string): SlaReport => ({
    month,
    timeZone: 'Asia/Ho_Chi_Minh',
    from: `${month}-01T00:00:00+07:00`,
    to: `${month}-28T00:00:00+07:00`,
    partial: false,
    generatedAt: '2025-07-01T00:00:00Z',
    province: { code: 'P', name: 'P', ...fig(90) },
    clusters: [],
    communes: [row('A', 30), row('B', 0), row('C', 60)],
  })

  it('lists communes by unknown time, the most first, skipping those always known', () => {
    expect(unknownByCommune(report('2025-06')).map((c) => c.code)).toEqual(['C', 'A'])
  })

  it('starts on the current Vietnam month and loads another on request', async () => {
    const asked: string[] = []
    const clock = new FakeClock(Date.parse('2025-06-30T18:00:00Z')) // 1 July in Hanoi
    const m = new GapsModel({ api: stubApi({ gaps: async () => ({ ok: true, data: { dataGaps: [], silentProbes: [], coverageGaps: [] } }) }), clock, fetchSla: async (month) => (asked.push(month), { ok: true, data: report(month) }) })
    expect(m.month.value).toBe('2025-07')
    expect(localMonth(clock.now())).toBe('2025-07')
    await m.load()
    await m.setMonth('2025-05')
    expect(asked).toEqual(['2025-07', '2025-05'])
    expect(m.period.value.data?.month).toBe('2025-05')
  })
})

describe('ImportModel', () => {
  const report: ImportReport = { kind: 'gaps', rows: 2, created: 2, updated: 0, unchanged: 0 }

  it('shows every bad row of the dry run and cannot import it', async () => {
    const calls: string[] = []
    const api = stubApi({
      checkImport: async () => {
        calls.push('check')
        return { ok: true, data: { valid: false, kind: 'gaps', message: '2 bad rows', issues: [{ line: 3, path: 'kind', message: 'bad kind' }, { line: 5, path: 'population', message: 'not a number' }] } }
      },
    })
    const m = new ImportModel({ api, kind: 'gaps' })
    await m.check('gaps.csv', 'x')
    expect(m.state.value).toMatchObject({ step: 'invalid', issues: [{ line: 3 }, { line: 5 }] })
    await m.commit()
    expect(calls).toEqual(['check'])
  })

  it('imports the same text, for real, only after a clean dry run', async () => {
    const calls: Array<[string, string, boolean]> = []
    let imported = 0
    const api = stubApi({
      checkImport: async (_k, format, text) => {
        calls.push([format, text, true])
        return { ok: true, data: { ...report, valid: true } }
      },
      importFile: async (_k, format, text) => {
        calls.push([format, text, false])
        return { ok: true, data: report }
      },
    })
    const m = new ImportModel({ api, kind: 'gaps', onImported: () => imported++ })
    await m.check('vung-lom.yaml', 'rows')
    expect(m.state.value.step).toBe('checked')
    await m.commit()
    expect(calls).toEqual([
      ['yaml', 'rows', true],
      ['yaml', 'rows', false],
    ])
    expect(m.state.value.step).toBe('done')
    expect(imported).toBe(1)
    expect(formatOfFile('a.CSV')).toBe('csv')
  })
})

describe('SessionModel', () => {
  it('asks the server; nobody signed in on a server that needs sign-in → the sign-in form', async () => {
    const m = new SessionModel({ api: stubApi({ session: async () => ({ ok: true, data: { signedIn: false, publicRead: false } }) }) })
    expect(m.needsSignIn.value).toBe(false) // not before the answer: no flash of the form
    await m.check()
    expect(m.user.value).toBeNull()
    expect(m.needsSignIn.value).toBe(true)
  })

  it('a wallboard (public read) needs no sign-in to look', async () => {
    const m = new SessionModel({ api: stubApi({ session: async () => ({ ok: true, data: { signedIn: false, publicRead: true } }) }) })
    await m.check()
    expect(m.needsSignIn.value).toBe(false)
  })

  it('signs in (then reloads what needed it), knows the role, signs out; an E_UNAUTHORIZED later ends it', async () => {
    let reloaded = 0
    const api = stubApi({
      signIn: async (username) => ({ ok: true, data: { signedIn: true, username, role: 'operator', displayName: 'Nguyễn Thị Hương', publicRead: false } }),
      session: async () => ({ ok: true, data: { signedIn: false, publicRead: false } }),
      signOut: async () => ({ ok: true, data: null }),
    })
    const m = new SessionModel({ api, onSignedIn: () => void reloaded++ })
    await m.check()
    expect(await m.signIn('huong.nt', 'pw')).toBe(true)
    expect(reloaded).toBe(1)
    expect(m.user.value).toEqual({ username: 'huong.nt', role: 'operator', displayName: 'Nguyễn Thị Hương' })
    expect(hasRole(m.user.value, 'operator')).toBe(true)
    expect(hasRole(m.user.value, 'admin')).toBe(false)
    expect(m.needsSignIn.value).toBe(false)
    m.expired()
    expect(m.needsSignIn.value).toBe(true)
    await m.signIn('huong.nt', 'pw')
    await m.signOut()
    expect(m.user.value).toBeNull()
  })
})

describe('map projection', () => {
  const pts = [
    { lon: 104, lat: 18.5 },
    { lon: 106, lat: 20 },
  ]

  it('fits the points inside the padded box, north up, keeping the shape', () => {
    const b = boundsOf(pts)!
    const p = fitProjection(b, 1000, 20, 300, 1200)
    const [x0, y0] = p.project(104, 18.5)
    const [x1, y1] = p.project(106, 20)
    expect(Math.min(x0, x1)).toBeGreaterThanOrEqual(20)
    expect(Math.max(x0, x1)).toBeLessThanOrEqual(980.0001)
    expect(y1).toBeLessThan(y0) // north is up
    // 2° of longitude at ~19°N is cos(19°)·2 ≈ 1.89 "degrees"; 1.5° of latitude stays 1.5.
    expect((x1 - x0) / (y0 - y1)).toBeCloseTo((2 * Math.cos((19.25 * Math.PI) / 180)) / 1.5, 2)
  })

  it('includes an outline in the bounds and draws it as a closed path', () => {
    const outline: ProvinceBoundary = { type: 'Polygon', coordinates: [[[103, 18], [107, 18], [107, 21], [103, 18]]] }
    const b = boundsOf(pts, outline)!
    expect(b).toEqual({ minLon: 103, maxLon: 107, minLat: 18, maxLat: 21 })
    const d = boundaryPath(outline, fitProjection(b, 1000, 0, 100, 2000))
    expect(d).toMatch(/^M[\d.]+,[\d.]+(L[\d.]+,[\d.]+){3}Z$/)
  })

  it('zooms about a point and never pans the province off screen', () => {
    const v = zoomAt({ k: 1, x: 0, y: 0 }, 2, 500, 300, 1000, 600)
    expect(v).toEqual({ k: 2, x: -500, y: -300 })
    expect(clampView({ k: 2, x: 100, y: -5000 }, 1000, 600)).toEqual({ k: 2, x: 0, y: -600 })
    expect(zoomAt(v, 0.1, 0, 0, 1000, 600)).toEqual({ k: 1, x: 0, y: 0 })
  })

  it('accepts GeoJSON outlines and explains what is not one', () => {
    expect(parseBoundary(JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: {}, geometry: { type: 'MultiPolygon', coordinates: [[[[104, 18], [105, 18], [105, 19], [104, 18]]]] } }] })).ok).toBe(true)
    expect(parseBoundary('{nope')).toMatchObject({ ok: false })
    expect(parseBoundary(JSON.stringify({ type: 'Point', coordinates: [1, 2] }))).toMatchObject({ ok: false })
  })
})

describe('chart data', () => {
  const s = (points: Array<[number, number | null]>) => ({ targetId: 't', metric: 'm', from: '2025-07-01T00:00:00Z', to: '2025-07-01T01:00:00Z', stepSeconds: 60, points })

  it('aligns series on the first one and scales, keeping nulls', () => {
    const data = alignSeries([s([[0, 0.01], [60, null], [120, 0.03]]), null], 1000)
    expect(data).toEqual([
      [0, 60, 120],
      [10, null, 30],
      [null, null, null],
    ])
  })

  it('finds the runs where every series is null (the shaded gaps)', () => {
    expect(gapRuns([[0, 1, 2, 3, 4, 5], [1, null, null, 4, null, null], [null, null, null, null, 5, null]])).toEqual([
      [1, 2],
      [5, 5],
    ])
  })
})

describe('format', () => {
  it('describes Xanh incidents in the UI language and keeps other alerts as sent', () => {
    expect(describeIncident(incident(1), t)).toEqual({ what: 'Đường truyền · Đường truyền [UDP echo]: suy giảm — mất gói', error: null })
    expect(describeIncident(incident(2, { alertname: 'XanhTargetDown', targetName: 'Đường truyền Xã A', reason: 'down', error: '100% loss to 10.0.0.1 (50 sent)' }), t)).toEqual({
      what: 'Đường truyền · Đường truyền Xã A [UDP echo]: mất kết nối',
      error: '100% loss to 10.0.0.1 (50 sent)',
    })
    // A degradation names its figure against the threshold; two MCU checks of a commune differ by name and kind.
    const sip = incident(4, {
      role: 'mcu',
      targetName: 'Điểm cầu Mường Lống',
      kind: 'sip',
      reason: 'sip',
      verdict: { rule: 'sip', part: 'status', state: 'warning', value: 404, threshold: 200, unit: 'status_code', bad: 'not', at: null },
    })
    expect(describeIncident(sip, t).what).toBe('Điểm cầu (MCU) · Điểm cầu Mường Lống [SIP]: suy giảm — SIP trả lời 404 (cần 2xx)')
    expect(describeIncident({ ...sip, kind: 'h323', verdict: null, reason: 'rtt' }, t).what).toBe('Điểm cầu (MCU) · Điểm cầu Mường Lống [H.323]: suy giảm — độ trễ cao')
    // An old summary without structured fields still reads.
    expect(describeIncident({ alertname: 'XanhTargetDown', role: 'line', severity: 'critical', summary: 'line Xã A (A): down — 100% loss' }, t)).toEqual({ what: 'Đường truyền: mất kết nối', error: '100% loss' })
    expect(describeIncident(incident(3, { alertname: 'HighCpu', role: null, summary: 'CPU above 90 %' }), t).what).toBe('CPU above 90 %')
  })
})
