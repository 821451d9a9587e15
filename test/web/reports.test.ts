/**
 * The Reports page's model (monthly SLA): month arithmetic in Asia/Ho_Chi_Minh, the fetch
 * with its failures as values, month picking, filtering, sorting and the CSV link. The page
 * itself renders in the Chromium e2e; here no DOM.
 */
import { describe, expect, it } from 'vitest'
import type { SlaCommuneRow, SlaReport } from '../../protocol'
import type { FetchLike, RequestInitLike } from '../../web/src/api'
import { translate, type MessageKey } from '../../web/src/i18n'
import { ReportsModel, fetchSlaReport, monthOf, shiftMonth, slaUrl, sortRows } from '../../web/src/models/reports'
import { parseRoute } from '../../web/src/models/router'
import { FakeClock } from './fakes'

const row = (code: string, availability: number | null, down = 0, unknown = 0, cluster = 'Cụm A'): SlaCommuneRow => ({
  code,
  name: `Xã ${code}`,
  cluster,
  minutes: { up: 1000, down, unknown, maintenance: 0 },
  availability,
  incidents: 0,
  outages: 0,
  monitoredFrom: '2026-11-01T00:00:00+07:00',
})

function report(month: string, communes: SlaCommuneRow[]): SlaReport {
  return {
    month,
    timeZone: 'Asia/Ho_Chi_Minh',
    from: '2026-10-31T17:00:00.000Z',
    to: '2026-11-30T17:00:00.000Z',
    partial: false,
    generatedAt: '2026-12-01T00:00:00.000Z',
    province: { code: 'NA', name: 'Nghệ An', minutes: { up: 1, down: 0, unknown: 0, maintenance: 0 }, availability: 1, incidents: 0, outages: 0 },
    clusters: [],
    communes,
  }
}

function fakeFetch(answers: Record<string, { status: number; body: unknown }>): FetchLike & { calls: Array<{ url: string; init: RequestInitLike }> } {
  const calls: Array<{ url: string; init: RequestInitLike }> = []
  const f = (async (url: string, init: RequestInitLike) => {
    calls.push({ url, init })
    const month = new URL(url, 'http://x').searchParams.get('month') ?? ''
    const a = answers[month] ?? { status: 404, body: { error: { code: 'E_NOT_FOUND', message: 'no' } } }
    return { ok: a.status < 300, status: a.status, json: async () => a.body }
  }) as FetchLike & { calls: typeof calls }
  f.calls = calls
  return f
}

describe('months in Asia/Ho_Chi_Minh', () => {
  it('reads the local month and steps across years', () => {
    expect(monthOf(Date.parse('2026-10-31T16:59:59Z'))).toBe('2026-10')
    expect(monthOf(Date.parse('2026-10-31T17:00:00Z'))).toBe('2026-11')
    expect(shiftMonth('2026-01', -1)).toBe('2025-12')
    expect(shiftMonth('2026-12', 1)).toBe('2027-01')
    expect(slaUrl('2026-11')).toBe('/api/v1/reports/sla?month=2026-11')
    expect(slaUrl('2026-11', 'csv', 'en')).toBe('/api/v1/reports/sla?month=2026-11&format=csv&lang=en')
  })

  it('routes #/reports', () => {
    expect(parseRoute('#/reports')).toEqual({ name: 'reports' })
    expect(parseRoute('#/reports/')).toEqual({ name: 'reports' })
  })

  it('has every reports label in both languages', () => {
    for (const key of ['nav.reports', 'reports.export', 'reports.note', 'reports.sort.availability'] as MessageKey[]) {
      expect(translate('vi', key)).not.toBe(translate('en', key))
    }
  })
})

describe('fetchSlaReport', () => {
  it('parses a report, and turns errors and bad bodies into values', async () => {
    const f = fakeFetch({
      '2026-11': { status: 200, body: report('2026-11', [row('A', 0.99)]) },
      '2026-10': { status: 200, body: { month: '2026-10' } },
      '2027-01': { status: 422, body: { error: { code: 'E_VALIDATION', message: 'month: 2027-01 has not begun', path: 'month' } } },
    })
    const ok = await fetchSlaReport(f, '2026-11')
    expect(ok.ok && ok.data.communes[0]?.code).toBe('A')
    expect(f.calls[0]).toEqual({ url: '/api/v1/reports/sla?month=2026-11', init: { headers: { accept: 'application/json' }, credentials: 'same-origin' } })
    const bad = await fetchSlaReport(f, '2026-10')
    expect(bad.ok ? null : bad.error.code).toBe('E_PARSE')
    const future = await fetchSlaReport(f, '2027-01')
    expect(future.ok ? null : future.error).toEqual({ code: 'E_VALIDATION', message: 'month: 2027-01 has not begun', status: 422, path: 'month' })
    const down = await fetchSlaReport(async () => Promise.reject(new Error('connection refused')), '2026-11')
    expect(down.ok ? null : down.error).toEqual({ code: 'E_NETWORK', message: 'connection refused' })
  })
})

describe('ReportsModel', () => {
  it('starts at the current month, loads it, refuses future months, filters and sorts', async () => {
    const clock = new FakeClock(Date.parse('2026-12-05T02:00:00Z'))
    const f = fakeFetch({
      '2026-12': { status: 200, body: report('2026-12', [row('A', 0.999, 10), row('B', null, 0, 900), row('C', 0.95, 300, 0, 'Cụm B')]) },
      '2026-11': { status: 200, body: report('2026-11', [row('D', 1)]) },
    })
    const m = new ReportsModel({ fetch: f, clock })
    expect(m.month.value).toBe('2026-12')
    expect(m.report.value.status).toBe('idle')
    await m.load()
    expect(m.report.value.status).toBe('ready')
    // Worst availability first, unknown availability last.
    expect(m.communes.value.map((r) => r.code)).toEqual(['C', 'A', 'B'])
    m.setSort('unknown')
    expect(m.communes.value.map((r) => r.code)).toEqual(['B', 'A', 'C'])
    m.setSort('down')
    expect(m.communes.value.map((r) => r.code)).toEqual(['C', 'A', 'B'])
    m.setQuery('cụm b')
    expect(m.communes.value.map((r) => r.code)).toEqual(['C'])
    m.setQuery('')
    expect(m.csvHref('vi')).toBe('/api/v1/reports/sla?month=2026-12&format=csv&lang=vi')

    await m.setMonth('2027-01')
    expect(m.month.value).toBe('2026-12')
    await m.setMonth('bad')
    expect(f.calls).toHaveLength(1)

    await m.setMonth('2026-11')
    expect(m.month.value).toBe('2026-11')
    expect(m.communes.value.map((r) => r.code)).toEqual(['D'])
    expect(m.csvHref('en')).toBe('/api/v1/reports/sla?month=2026-11&format=csv&lang=en')

    // A month the server cannot answer: the error shows, the other month's rows do not.
    await m.setMonth('2026-01')
    expect(m.report.value.status).toBe('error')
    expect(m.report.value.data).toBeNull()
  })

  it('sorts clusters and communes by name in Vietnamese order', () => {
    const rows = [row('B', 1), row('A', 1)].map((r, i) => ({ ...r, name: ['Đông', 'Dương'][i] as string }))
    expect(sortRows(rows, 'name', 'vi').map((r) => r.name)).toEqual(['Dương', 'Đông'])
  })
})
