import { describe, expect, it } from 'vitest'
import type { CommuneDetail, CommuneTimeline, Series } from '../../protocol'
import type { Api, ApiResult, SeriesQuery } from '../../web/src/api'
import type { IncidentView } from '../../protocol'
import { CommuneModel, METRICS, chooseRange, mergeCommuneDetail, metricSource } from '../../web/src/models/commune'
import { chartBands, timelineSegments } from '../../web/src/chart-data'
import { FakeClock, commune, stubApi, target } from './fakes'

function detail(code: string): CommuneDetail {
  return {
    demo: true,
    commune: { ...commune(code), priority: 2, notes: 'UBND xã' },
    targets: [target(`${code}-mcu`, code, { role: 'mcu', kind: 'sip', port: 5060 }), target(`${code}-line`, code)],
    gaps: [],
  }
}

function series(q: SeriesQuery): Series {
  return {
    targetId: q.targetId,
    metric: q.metric,
    from: new Date(q.fromMs).toISOString(),
    to: new Date(q.toMs).toISOString(),
    stepSeconds: q.stepSeconds,
    points: [
      [q.fromMs / 1000, 0.01],
      [q.fromMs / 1000 + q.stepSeconds, null],
    ],
  }
}

function incident(id: number, communeCode: string, state: IncidentView['state'] = 'open'): IncidentView {
  return {
    id,
    key: `target:${communeCode}-line`,
    alertname: 'XanhTargetDown',
    state,
    severity: 'critical',
    targetId: `${communeCode}-line`,
    communeCode,
    communeName: `Xã ${communeCode}`,
    cluster: 'Cụm 1',
    role: 'line',
    targetName: 'Đường truyền',
    kind: 'udp_echo',
    reason: 'down',
    verdict: null,
    error: null,
    summary: `line Xã ${communeCode} (${communeCode}): down`,
    labels: {},
    affectedCommunes: 1,
    flapping: false,
    openedAt: '2025-07-01T02:00:00Z',
    ackedAt: null,
    ackedBy: null,
    ackComment: null,
    resolvedAt: state === 'resolved' ? '2025-07-01T02:30:00Z' : null,
    silence: null,
  }
}

function fakeApi(firstDataAgoMs: number | null = 3 * 3600_000) {
  const seriesCalls: SeriesQuery[] = []
  const communeCalls: string[] = []
  const historyCalls: Array<[string, number, number]> = []
  const api: Api = stubApi({
    communeHistory: async (code, fromMs, toMs): Promise<ApiResult<CommuneTimeline>> => {
      historyCalls.push([code, fromMs, toMs])
      const firstDataAt = firstDataAgoMs === null ? null : new Date(toMs - firstDataAgoMs).toISOString()
      return { ok: true, data: { code, from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), firstDataAt, commune: [], targets: [], maintenance: [] } }
    },
    incidents: async () => ({ ok: true, data: [incident(1, 'A'), incident(2, 'B'), incident(3, 'A', 'resolved')] }),
    commune: async (code): Promise<ApiResult<CommuneDetail>> => {
      communeCalls.push(code)
      return code === 'NONE' ? { ok: false, error: { code: 'E_NOT_FOUND', message: 'no commune', status: 404 } } : { ok: true, data: detail(code) }
    },
    series: async (q) => {
      seriesCalls.push(q)
      return { ok: true, data: series(q) }
    },
  })
  return { api, seriesCalls, communeCalls, historyCalls }
}

describe('CommuneModel', () => {
  it('loads the detail, every charted metric of the line for the last 6 h, and its incidents', async () => {
    const clock = new FakeClock(Date.parse('2025-07-01T03:00:30Z'))
    const f = fakeApi()
    const m = new CommuneModel({ api: f.api, clock })
    await m.open('19768')
    expect(m.status.value).toBe('ready')
    expect(m.lineTarget.value?.id).toBe('19768-line')
    expect(m.mcuTarget.value?.id).toBe('19768-mcu')
    expect(f.seriesCalls.map((q) => q.metric).sort()).toEqual([...METRICS].sort())
    const q = f.seriesCalls[0]!
    expect(q.targetId).toBe('19768-line')
    expect(q.stepSeconds).toBe(60)
    expect(q.toMs - q.fromMs).toBe(6 * 3600_000)
    expect(q.toMs).toBe(Date.parse('2025-07-01T03:01:00Z')) // aligned up to the step
    expect(m.series.value.rtt_median_seconds.data?.points[1]?.[1]).toBeNull() // gaps stay null
  })

  it('keeps only its own incidents', async () => {
    const m = new CommuneModel({ api: fakeApi().api, clock: new FakeClock() })
    await m.open('A')
    expect(m.incidents.value.data?.map((i) => i.id)).toEqual([1, 3])
  })

  it('refetches series for a new range', async () => {
    const f = fakeApi()
    const m = new CommuneModel({ api: f.api, clock: new FakeClock() })
    await m.open('A')
    f.seriesCalls.length = 0
    m.setRange('90d')
    await new Promise((r) => setTimeout(r, 0))
    expect(new Set(f.seriesCalls.map((q) => q.stepSeconds))).toEqual(new Set([21_600]))
    expect(f.seriesCalls[0]!.toMs - f.seriesCalls[0]!.fromMs).toBe(90 * 86_400_000)
    expect((f.seriesCalls[0]!.toMs - f.seriesCalls[0]!.fromMs) / 1000 / 21_600).toBe(360) // points per chart
  })

  it('shows a missing commune as an error state', async () => {
    const m = new CommuneModel({ api: fakeApi().api, clock: new FakeClock() })
    await m.open('NONE')
    expect(m.status.value).toBe('error')
    expect(m.error.value?.code).toBe('E_NOT_FOUND')
  })

  it('merges live target and summary rows of its own commune only', async () => {
    const m = new CommuneModel({ api: fakeApi().api, clock: new FakeClock() })
    await m.open('A')
    m.applyLive({
      type: 'delta',
      at: '2025-07-01T03:00:15Z',
      counts: { ok: 0, warning: 0, critical: 0, down: 1, unknown: 0 },
      communes: [commune('A', { state: 'down' }), commune('B', { state: 'down' })],
      targets: [target('A-line', 'A', { state: 'down', lastError: 'timeout 127.0.0.1' }), target('B-line', 'B', { state: 'down' })],
    })
    const d = m.detail.value!
    expect(d.commune.state).toBe('down')
    expect(d.commune.notes).toBe('UBND xã') // not in summaries: kept
    expect(d.targets.map((t) => `${t.id}:${t.state}`)).toEqual(['A-mcu:ok', 'A-line:down'])
  })

  it('refreshes series on a timer while open, and stops after close', async () => {
    const clock = new FakeClock()
    const f = fakeApi()
    const m = new CommuneModel({ api: f.api, clock, seriesRefreshMs: 60_000 })
    await m.open('A')
    f.seriesCalls.length = 0
    clock.advance(60_000)
    expect(f.seriesCalls).toHaveLength(METRICS.length)
    m.close()
    clock.advance(600_000)
    expect(f.seriesCalls).toHaveLength(METRICS.length)
    expect(clock.pending).toBe(0)
  })
})

describe('range the page opens on', () => {
  const now = Date.parse('2025-07-01T03:00:00Z')
  it.each([
    [null, '1h'],
    [now - 20 * 60_000, '1h'],
    [now - 3600_000, '1h'],
    [now - 3600_001, '6h'],
    [now - 5 * 3600_000, '6h'],
    [now - 20 * 3600_000, '24h'],
    [now - 3 * 86_400_000, '7d'],
    [now - 29 * 86_400_000, '30d'],
    [now - 89 * 86_400_000, '90d'],
    [now - 400 * 86_400_000, '90d'],
  ] as const)('first data %s → %s', (first, want) => {
    expect(chooseRange(first, now)).toBe(want)
  })

  it('a commune with 20 minutes of data opens on 1 h; a user choice is kept on refresh', async () => {
    const clock = new FakeClock(now)
    const f = fakeApi(20 * 60_000)
    const m = new CommuneModel({ api: f.api, clock })
    await m.open('A')
    expect(m.range.value).toBe('1h')
    expect(f.seriesCalls[0]!.toMs - f.seriesCalls[0]!.fromMs).toBe(3600_000)
    expect(m.history.value.status).toBe('ready')
    expect(m.chartWindow.value).toEqual({ fromMs: f.seriesCalls[0]!.fromMs, toMs: f.seriesCalls[0]!.toMs })
    m.setRange('7d')
    await m.reload()
    expect(m.range.value).toBe('7d')
  })

  it('a commune with 10 days of data opens on 30 d', async () => {
    const m = new CommuneModel({ api: fakeApi(10 * 86_400_000).api, clock: new FakeClock(now) })
    await m.open('A')
    expect(m.range.value).toBe('30d')
  })
})

describe('chartBands', () => {
  const from = Date.parse('2025-07-01T00:00:00Z')
  const to = from + 6 * 3600_000
  const now = to - 60_000
  const inc = (id: number, openedAt: string, resolvedAt: string | null) => ({ id, openedAt, resolvedAt })
  it('shades incidents from opening to resolution (or now), maintenance as listed, clipped to the window', () => {
    const bands = chartBands(
      [inc(1, '2025-07-01T02:00:00Z', '2025-07-01T02:30:00Z'), inc(2, '2025-07-01T05:00:00Z', null), inc(3, '2025-06-30T10:00:00Z', '2025-06-30T11:00:00Z'), inc(4, '2025-06-30T23:00:00Z', '2025-07-01T00:10:00Z')],
      [{ id: 9, from: '2025-07-01T01:00:00Z', to: '2025-07-01T01:30:00Z', reason: 'Thay thiết bị' }],
      from,
      to,
      now,
      (i) => `sự cố ${i.id}`,
    )
    expect(bands.map((b) => [b.kind, b.id, new Date(b.fromMs).toISOString(), new Date(b.toMs).toISOString(), b.open, b.label])).toEqual([
      ['maintenance', 9, '2025-07-01T01:00:00.000Z', '2025-07-01T01:30:00.000Z', false, 'Thay thiết bị'],
      ['incident', 4, '2025-07-01T00:00:00.000Z', '2025-07-01T00:10:00.000Z', false, 'sự cố 4'],
      ['incident', 1, '2025-07-01T02:00:00.000Z', '2025-07-01T02:30:00.000Z', false, 'sự cố 1'],
      ['incident', 2, '2025-07-01T05:00:00.000Z', new Date(now).toISOString(), true, 'sự cố 2'],
    ])
  })
})

describe('timelineSegments', () => {
  it('places spans in percent of the window, clipped, dropping those outside', () => {
    const from = Date.parse('2025-07-01T00:00:00Z')
    const segs = timelineSegments(
      [
        { from: '2025-06-30T22:00:00Z', to: '2025-07-01T01:00:00Z', state: 'ok' },
        { from: '2025-07-01T01:00:00Z', to: '2025-07-01T02:00:00Z', state: 'unknown' },
        { from: '2025-07-01T05:00:00Z', to: '2025-07-01T06:00:00Z', state: 'down' },
      ],
      from,
      from + 4 * 3600_000,
    )
    expect(segs.map((s) => [s.state, s.leftPct, s.widthPct])).toEqual([
      ['ok', 0, 25],
      ['unknown', 25, 25],
    ])
  })
})

describe('metricSource', () => {
  it('reads throughput from the throughput check, utilization from SNMP, the rest from the packet check', () => {
    const ts = [
      target('mcu', 'A', { role: 'mcu', kind: 'sip' }),
      target('tput', 'A', { role: 'line', kind: 'throughput' }),
      target('snmp', 'A', { role: 'router', kind: 'snmp' }),
      target('line', 'A', { role: 'line', kind: 'udp_echo' }),
    ]
    expect(metricSource('rtt_median_seconds', ts)?.id).toBe('line')
    expect(metricSource('download_bytes_per_second', ts)?.id).toBe('tput')
    expect(metricSource('utilization_ratio_in', ts)?.id).toBe('snmp')
    expect(metricSource('mos_estimate', [target('mcu', 'A', { role: 'mcu' })])).toBeNull()
  })
})

describe('mergeCommuneDetail', () => {
  it('returns the same object when the delta does not concern the commune', () => {
    const d = detail('A')
    expect(mergeCommuneDetail(d, [commune('B')], [target('B-line', 'B')])).toBe(d)
  })
})
