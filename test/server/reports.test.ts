/**
 * Monthly SLA (issue 7, done-when 4): a known schedule of up, down, unknown and maintenance
 * minutes gives the exact availability, with unknown and maintenance reported apart. First
 * from a hand-written state log (every figure by arithmetic), then end to end: results into
 * the engine, transitions into the log, a server restart, the report over the API and as CSV.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { SlaReport, type CheckResult, type SlaFigures } from '../../protocol'
import { createMaintenance } from '../../server/alerting/maintenance'
import { parseCsv, stripBom } from '../../server/inventory/csv'
import { monthOf, monthRange } from '../../server/reports/sla'
import { commune, makeTestServer, result, udpTarget, type TestServer } from '../helpers/server'

const MIN = 60_000
const HOUR = 60 * MIN
/** Local wall-clock time in Asia/Ho_Chi_Minh (UTC+7) → instant. */
const local = (iso: string): number => Date.parse(`${iso}+07:00`)

let s: TestServer | undefined
afterEach(() => {
  s?.close()
  s = undefined
})

function logState(t: TestServer, entity: 'commune' | 'target', id: string, atIso: string, state: string): void {
  t.opened.sqlite.prepare('INSERT INTO state_log (entity, entity_id, at, state) VALUES (?, ?, ?, ?)').run(entity, id, local(atIso), state)
}

async function report(t: TestServer, query: string): Promise<SlaReport> {
  const res = await t.runtime.app.request(`/api/v1/reports/sla?${query}`, { headers: t.as('viewer') })
  expect(res.status).toBe(200)
  return SlaReport.parse(await res.json())
}

describe('month boundaries in Asia/Ho_Chi_Minh', () => {
  it('starts at local midnight and follows the calendar', () => {
    expect(monthRange('2026-11')).toEqual({ from: Date.parse('2026-10-31T17:00:00Z'), to: Date.parse('2026-11-30T17:00:00Z') })
    expect(monthRange('2026-12').to - monthRange('2026-12').from).toBe(31 * 24 * HOUR)
    expect(monthRange('2028-02').to - monthRange('2028-02').from).toBe(29 * 24 * HOUR)
    expect(monthOf(Date.parse('2026-10-31T16:59:59Z'))).toBe('2026-10')
    expect(monthOf(Date.parse('2026-10-31T17:00:00Z'))).toBe('2026-11')
  })
})

describe('SLA from a known state log', () => {
  /**
   * November 2026 (30 days = 43,200 min; the 1st is a Sunday). Commune A, cluster "Cụm A":
   *   ok from October; down Nov 3 08:00–10:00 (120); warning Nov 5 12:00–13:00 (counts as up);
   *   unknown Nov 7 00:00–05:00 (300); down Nov 15 00:30–02:00, of which 01:00–02:00 falls in
   *   the Sunday window, so 30 down; critical from Nov 30 23:00 (up).
   * Maintenance: every Sunday 01:00–03:00 for A (5 × 120 = 600) and Nov 10 14:00–15:30 for
   *   the whole cluster (90): A has 690 maintenance minutes.
   * → A: down 150, unknown 300, maintenance 690, up 43,200 − 1,140 = 42,060.
   * Commune B (Cụm A) monitored since October, never reported: unknown all month except the
   *   cluster window (90).
   * Commune C (Cụm B) first monitored Nov 10 00:00 (created then), ok since: up 21 days, and the
   *   9 days before it existed are not counted at all (not as unknown).
   */
  function seeded(): TestServer {
    const t = makeTestServer({
      communes: [commune('A', { name: 'Xã An', districtCluster: 'Cụm A' }), commune('B', { name: 'Xã Bình', districtCluster: 'Cụm A' }), commune('C', { name: 'Phường Cửa Nam', districtCluster: 'Cụm B' })],
      targets: [udpTarget('a-line', 'A'), udpTarget('b-line', 'B'), udpTarget('c-line', 'C')],
    })
    t.clock.now = local('2026-12-05T09:00:00')
    // The test server logged its own start (everything unknown at 2026-11-24T03:00Z): clear it, this log is hand-written.
    t.opened.sqlite.prepare('DELETE FROM state_log').run()
    logState(t, 'commune', 'A', '2026-10-20T00:00:00', 'ok')
    logState(t, 'commune', 'A', '2026-11-03T08:00:00', 'down')
    logState(t, 'commune', 'A', '2026-11-03T10:00:00', 'ok')
    logState(t, 'commune', 'A', '2026-11-05T12:00:00', 'warning')
    logState(t, 'commune', 'A', '2026-11-05T13:00:00', 'ok')
    logState(t, 'commune', 'A', '2026-11-07T00:00:00', 'unknown')
    logState(t, 'commune', 'A', '2026-11-07T05:00:00', 'ok')
    logState(t, 'commune', 'A', '2026-11-15T00:30:00', 'down')
    logState(t, 'commune', 'A', '2026-11-15T02:00:00', 'ok')
    logState(t, 'commune', 'A', '2026-11-30T23:00:00', 'critical')
    logState(t, 'commune', 'A', '2026-12-01T00:00:00', 'down') // next month: ignored
    logState(t, 'commune', 'B', '2026-10-20T00:00:00', 'unknown')
    logState(t, 'commune', 'C', '2026-11-10T00:00:00', 'unknown')
    logState(t, 'commune', 'C', '2026-11-10T00:00:00', 'ok')
    createMaintenance(t.runtime.store, {
      scope: { communes: ['A'], clusters: [], targets: [] },
      startsAt: '2026-01-01T00:00:00+07:00',
      endsAt: '2027-01-01T00:00:00+07:00',
      recurrence: { weekdays: [7], start: '01:00', end: '03:00' },
      reason: 'bảo trì định kỳ',
      createdBy: 'test',
    })
    createMaintenance(t.runtime.store, {
      scope: { communes: [], clusters: ['Cụm A'], targets: [] },
      startsAt: '2026-11-10T14:00:00+07:00',
      endsAt: '2026-11-10T15:30:00+07:00',
      recurrence: null,
      reason: 'nâng cấp thiết bị cụm',
      createdBy: 'test',
    })
    const incident = (at: string): void => {
      const { incidents } = t.runtime.store
      const row = incidents.open({ key: `k${at}`, alertname: 'CommuneLineDown', severity: 'critical', targetId: 'a-line', communeCode: 'A', labels: {}, annotations: {}, summary: 'down', affectedCommunes: 0, flapping: false, openedAt: local(at) })
      incidents.resolve(row.id, local(at) + 60_000)
    }
    incident('2026-10-31T23:59:00') // October: not counted
    incident('2026-11-03T08:00:30')
    incident('2026-11-15T00:31:00')
    return t
  }

  it('gives exact minutes and availability per commune, cluster and province', async () => {
    s = seeded()
    const r = await report(s, 'month=2026-11')
    expect(r).toMatchObject({ month: '2026-11', timeZone: 'Asia/Ho_Chi_Minh', from: '2026-10-31T17:00:00.000Z', to: '2026-11-30T17:00:00.000Z', partial: false })
    const byCode = new Map(r.communes.map((c) => [c.code, c]))
    expect(byCode.get('A')).toEqual({
      code: 'A',
      name: 'Xã An',
      cluster: 'Cụm A',
      minutes: { up: 42_060, down: 150, unknown: 300, maintenance: 690 },
      availability: 42_060 / 42_210,
      incidents: 2,
      outages: 2,
      monitoredFrom: '2026-10-31T17:00:00.000Z',
    })
    expect(byCode.get('B')).toMatchObject({ minutes: { up: 0, down: 0, unknown: 43_110, maintenance: 90 }, availability: null, incidents: 0, outages: 0 })
    expect(byCode.get('C')).toMatchObject({ minutes: { up: 30_240, down: 0, unknown: 0, maintenance: 0 }, availability: 1, monitoredFrom: '2026-11-09T17:00:00.000Z' })
    expect(r.clusters).toEqual([
      { cluster: 'Cụm A', communes: 2, minutes: { up: 42_060, down: 150, unknown: 43_410, maintenance: 780 }, availability: 42_060 / 42_210, incidents: 2, outages: 2 },
      { cluster: 'Cụm B', communes: 1, minutes: { up: 30_240, down: 0, unknown: 0, maintenance: 0 }, availability: 1, incidents: 0, outages: 0 },
    ])
    expect(r.province.minutes).toEqual({ up: 72_300, down: 150, unknown: 43_410, maintenance: 780 })
    expect(r.province.availability).toBe(72_300 / 72_450)
    // The buckets add up to the monitored part of the month.
    for (const c of r.communes) expect(c.minutes.up + c.minutes.down + c.minutes.unknown + c.minutes.maintenance).toBe((Date.parse(r.to) - Date.parse(c.monitoredFrom)) / 60_000)
  })

  it('exports CSV for Excel: BOM, CRLF, province then clusters then communes; vi with ; and a decimal comma', async () => {
    s = seeded()
    const res = await s.runtime.app.request('/api/v1/reports/sla?month=2026-11&format=csv', { headers: s.as('viewer') })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8')
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="xanh-sla-VN-2026-11.csv"')
    const bytes = new Uint8Array(await res.arrayBuffer())
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
    const lines = new TextDecoder().decode(bytes.slice(3)).split('\r\n')
    expect(lines[0]).toBe('Cấp;Mã;Tên;Cụm;Số xã;Khả dụng (%);Phút hoạt động;Phút gián đoạn;Phút không có dữ liệu;Phút bảo trì;Sự cố;Lần gián đoạn;Theo dõi từ')
    expect(lines[1]).toBe('tỉnh;VN;Tỉnh;;3;99,793;72300,00;150,00;43410,00;780,00;2;2;')
    expect(lines[2]).toBe('cụm;;Cụm A;Cụm A;2;99,645;42060,00;150,00;43410,00;780,00;2;2;')
    expect(lines).toContain('xã;A;Xã An;Cụm A;;99,645;42060,00;150,00;300,00;690,00;2;2;2026-11-01 00:00')
    expect(lines).toContain('xã;B;Xã Bình;Cụm A;;;0,00;0,00;43110,00;90,00;0;0;2026-11-01 00:00')
    expect(lines.at(-1)).toBe('')
    const en = new TextDecoder('utf-8', { ignoreBOM: true }).decode(await (await s.runtime.app.request('/api/v1/reports/sla?month=2026-11&format=csv&lang=en', { headers: s.as('viewer') })).arrayBuffer())
    expect(en.split('\r\n')[0]).toBe('\uFEFFlevel,code,name,cluster,communes,availability_percent,up_minutes,down_minutes,unknown_minutes,maintenance_minutes,incidents,outages,monitored_from')
  })

  /**
   * Reads a cell as Excel does under one locale's decimal and grouping marks: "97,037" is 97.037
   * in Vietnamese, while "97.037" there is 97037 (the dot groups thousands); text stays text.
   */
  function excelNumber(cell: string, decimal: ',' | '.'): number | string {
    const group = decimal === ',' ? '\\.' : ','
    const d = decimal === ',' ? ',' : '\\.'
    if (new RegExp(`^-?\\d+(${d}\\d+)?$`).test(cell) || new RegExp(`^-?\\d{1,3}(${group}\\d{3})+(${d}\\d+)?$`).test(cell)) {
      return Number(cell.replace(new RegExp(group, 'g'), '').replace(decimal, '.'))
    }
    return cell
  }

  /** The CSV as a locale's Excel sees it: rows keyed by level and code or cluster, numeric columns read as numbers. */
  function asExcelSees(csv: string, delimiter: ',' | ';', decimal: ',' | '.'): Map<string, (number | string)[]> {
    const { records, problems } = parseCsv(stripBom(csv), { delimiter })
    expect(problems).toEqual([])
    const rows = new Map<string, (number | string)[]>()
    for (const r of records.slice(1)) rows.set(`${r.fields[0]}:${r.fields[1] || r.fields[3]}`, r.fields.slice(5, 12).map((f) => (f === '' ? '' : excelNumber(f, decimal))))
    return rows
  }

  it('the vi CSV read with a decimal comma (Excel set to Vietnamese) gives the numbers of the JSON report; en with a dot', async () => {
    s = seeded()
    const json = await report(s, 'month=2026-11')
    const fetchCsv = async (query: string, headers: Record<string, string> = {}): Promise<string> =>
      new TextDecoder('utf-8', { ignoreBOM: true }).decode(await (await s!.runtime.app.request(`/api/v1/reports/sla?month=2026-11&format=csv${query}`, { headers: { ...s!.as('viewer'), ...headers } })).arrayBuffer())
    const expected = (f: SlaFigures): (number | string)[] => [
      f.availability === null ? '' : Math.round(f.availability * 100 * 1000) / 1000,
      f.minutes.up,
      f.minutes.down,
      f.minutes.unknown,
      f.minutes.maintenance,
      f.incidents,
      f.outages,
    ].map((v) => (typeof v === 'number' ? Math.round(v * 1000) / 1000 : v))
    const want = new Map<string, (number | string)[]>([
      ['tỉnh:VN', expected(json.province)],
      ...json.clusters.map((k) => [`cụm:${k.cluster}`, expected(k)] as [string, (number | string)[]]),
      ...json.communes.map((c) => [`xã:${c.code}`, expected(c)] as [string, (number | string)[]]),
    ])
    const vi = asExcelSees(await fetchCsv('&lang=vi'), ';', ',')
    expect(vi).toEqual(want)
    // The cells that caught the bug: availability with decimals, e.g. 99.645 %, not 99645.
    expect(vi.get('xã:A')?.[0]).toBeCloseTo((json.communes.find((c) => c.code === 'A')?.availability ?? 0) * 100, 3)
    // Without lang, the browser's Accept-Language decides; vi when it names neither.
    expect(await fetchCsv('', { 'accept-language': 'vi-VN,vi;q=0.9,en;q=0.8' })).toBe(await fetchCsv('&lang=vi'))
    expect(await fetchCsv('', { 'accept-language': 'fr-FR,fr;q=0.9' })).toBe(await fetchCsv('&lang=vi'))
    const en = await fetchCsv('', { 'accept-language': 'en-GB,en;q=0.9,vi;q=0.5' })
    expect(en).toBe(await fetchCsv('&lang=en'))
    const enRows = asExcelSees(en, ',', '.')
    expect([...enRows.values()]).toEqual([...want.values()])
  })

  it('validates the month and defaults to the current one, up to now', async () => {
    s = seeded()
    for (const bad of ['month=2026-13', 'month=26-11', 'month=2026-11&format=xls', 'nope=1']) {
      const res = await s.runtime.app.request(`/api/v1/reports/sla?${bad}`, { headers: s.as('viewer') })
      expect(res.status, bad).toBe(422)
    }
    const future = await s.runtime.app.request('/api/v1/reports/sla?month=2027-01', { headers: s.as('viewer') })
    expect(future.status).toBe(422)
    const current = await report(s, '')
    expect(current).toMatchObject({ month: '2026-12', partial: true, from: '2026-11-30T17:00:00.000Z', to: new Date(local('2026-12-05T09:00:00')).toISOString() })
    // A went down at Dec 1 00:00 and stays down: 4 days 9 hours so far.
    expect(current.communes.find((c) => c.code === 'A')?.minutes).toEqual({ up: 0, down: 4 * 1440 + 9 * 60, unknown: 0, maintenance: 0 })
  })
})

describe('SLA end to end: results → engine → state log → report', () => {
  it('counts down after hysteresis, unknown from the silence check, maintenance, and a server restart', async () => {
    // One commune, one line target checked every 10 min, November 2026.
    s = makeTestServer({ communes: [commune('P', { districtCluster: 'Cụm P' })], targets: [udpTarget('p-line', 'P', 'line', { intervalSeconds: 600 })] })
    const t = s
    const { from, to } = monthRange('2026-11')
    createMaintenance(t.runtime.store, {
      scope: { communes: ['P'], clusters: [], targets: [] },
      startsAt: '2026-11-20T02:00:00+07:00',
      endsAt: '2026-11-20T04:00:00+07:00',
      recurrence: null,
      reason: 'thay thiết bị',
      createdBy: 'test',
    })
    t.runtime.reloadInventory()
    // The helper built the server at its own clock (late November): forget what it logged then.
    t.runtime.engine.drainTransitions()
    t.opened.sqlite.prepare('DELETE FROM state_log').run()
    t.clock.now = from - 20 * MIN
    t.runtime.tick()
    const step = 10 * MIN
    // Failing rounds: Nov 3 from 08:00 for 12 rounds (08:00 … 09:50); silent: Nov 7 00:10 … 02:59 (18 rounds skipped).
    const failing = (at: number): boolean => at >= local('2026-11-03T08:00:00') && at < local('2026-11-03T10:00:00')
    const silent = (at: number): boolean => at > local('2026-11-07T00:00:00') && at < local('2026-11-07T03:00:00')
    const restartAt = local('2026-11-25T12:00:00')
    const backAt = local('2026-11-25T13:00:00')
    let lastResult = -Infinity
    const ingest = (rs: CheckResult[]): void => {
      const inserted = t.runtime.store.insertResults(t.probeId, rs, t.clock.now).inserted
      t.runtime.engine.ingest(inserted.map((r) => ({ targetId: r.targetId, observedAt: Date.parse(r.observedAt), ok: r.ok, error: r.error ?? null, measurements: r.measurements })))
    }
    for (let at = from - 10 * MIN; at < to; at += MIN) {
      t.clock.now = at
      if (at === restartAt) {
        // The server stops (gracefully) for an hour; a fresh runtime over the same file comes back.
        await t.runtime.close()
        t.clock.now = backAt
        const { createServerRuntime } = await import('../../server/runtime')
        const pino = (await import('pino')).default
        t.runtime = createServerRuntime({ config: t.config, log: pino({ level: 'silent' }), opened: t.opened, now: () => t.clock.now })
        at = backAt - MIN
        continue
      }
      const due = (at - from) % step === 0
      if (due && !silent(at)) {
        ingest([result('p-line', at, failing(at) ? { ok: false, error: 'timeout', m: { sent: 50, received: 0, loss_ratio: 1 } } : {})])
        lastResult = at
        t.runtime.tick()
      } else if (at - lastResult > 30 * MIN) t.runtime.tick()
    }
    t.clock.now = to + HOUR
    t.runtime.tick()

    const r = await report(t, 'month=2026-11')
    const p = r.communes[0]
    // Down: the 3rd failed round (08:20) until the 2nd good one (10:10) = 110 min.
    // Unknown: silence > 3 × 10 min after the 00:00 result → first tick at 00:31, until the 03:00 result = 149 min;
    //   the restart: stopped 12:00, back 13:00, unknown until the 13:00 result arrives = 60 min.
    // Maintenance: 120 min on Nov 20.
    expect(p?.minutes).toEqual({ up: 43_200 - 110 - 149 - 60 - 120, down: 110, unknown: 209, maintenance: 120 })
    expect(p?.availability).toBe((43_200 - 110 - 149 - 60 - 120) / (43_200 - 149 - 60 - 120))
    expect(p?.outages).toBe(1)
  })
})

describe('state log across a crash', () => {
  it('a restart after a crash logs unknown from the last heartbeat (or the last change, if later)', async () => {
    s = makeTestServer({ communes: [commune('Q')], targets: [udpTarget('q-line', 'Q')] })
    const t = s
    const { StateLog, HEARTBEAT_MS } = await import('../../server/reports/state-log')
    const t0 = t.clock.now
    t.opened.sqlite.prepare('DELETE FROM state_log').run()
    const log = new StateLog(t.runtime.store.stateLog, t.runtime.store.settings, () => t.clock.now)
    log.append([{ entity: 'commune', id: 'Q', state: 'ok', at: t0 }])
    log.heartbeat()
    t.clock.now = t0 + HEARTBEAT_MS / 2
    log.heartbeat() // too soon: not written
    log.append([{ entity: 'commune', id: 'Q', state: 'warning', at: t0 + 3000 }])
    // Crash: no close. The next process reads the log and the heartbeat.
    const next = new StateLog(t.runtime.store.stateLog, t.runtime.store.settings, () => t.clock.now)
    expect(next.markDowntime()).toBe(1)
    expect(next.markDowntime()).toBe(0)
    const rows = t.runtime.store.stateLog.changes('commune', 'Q', 0, Number.MAX_SAFE_INTEGER)
    expect(rows).toEqual([
      { state: 'ok', at: t0 },
      { state: 'warning', at: t0 + 3000 },
      { state: 'unknown', at: t0 + 3000 },
    ])
    // Repeating the current state writes nothing.
    expect(next.append([{ entity: 'commune', id: 'Q', state: 'unknown', at: t0 + 9000 }])).toBe(0)
  })
})

describe('no data before monitoring began (issue 10)', () => {
  it('a commune created today has no "no data" time for the days before it existed, in the report and for the gaps page', async () => {
    s = makeTestServer({ communes: [commune('OLD', { name: 'Xã Diễn Châu' })], targets: [udpTarget('old-line', 'OLD')] })
    const t = s
    t.clock.now = local('2026-11-24T10:00:00')
    t.runtime.tick()
    // An admin adds a commune at 10:00 local; its line answers from the first round on.
    t.runtime.store.upsertCommune(commune('NEW', { name: 'Xã Mường Lống', districtCluster: 'Cụm Kỳ Sơn' }))
    t.runtime.store.upsertTarget({ ...udpTarget('new-line', 'NEW'), probeId: t.probeId })
    t.runtime.reloadInventory()
    const created = t.clock.now
    for (let i = 1; i <= 8; i++) {
      t.clock.now = created + i * 15_000
      t.runtime.engine.ingest([{ targetId: 'new-line', observedAt: t.clock.now, ok: true, error: null, measurements: { rtt_median_seconds: 0.01, sent: 50, received: 50 } }])
      t.runtime.tick()
    }
    t.clock.now = created + 2 * HOUR
    for (let i = 0; i < 2 * 240; i++) {
      t.runtime.engine.ingest([{ targetId: 'new-line', observedAt: created + 2 * MIN + i * 15_000, ok: true, error: null, measurements: { rtt_median_seconds: 0.01, sent: 50, received: 50 } }])
    }
    t.runtime.tick()
    const r = await report(t, 'month=2026-11')
    const row = r.communes.find((c) => c.code === 'NEW')
    expect(row?.monitoredFrom).toBe(new Date(created).toISOString())
    // Only the seconds before its first result are a gap: not the 23 days since the 1st.
    expect(row?.minutes.unknown).toBeLessThan(1)
    expect(row?.minutes.up).toBeGreaterThan(119)
    const monitored = (Date.parse(r.to) - Date.parse(row?.monitoredFrom as string)) / MIN
    expect((row?.minutes.up ?? 0) + (row?.minutes.unknown ?? 0) + (row?.minutes.down ?? 0) + (row?.minutes.maintenance ?? 0)).toBeCloseTo(monitored, 6)
    // What the signal-gaps page lists: communes with unknown time, as a share of the monitored time.
    const { unknownByCommune } = await import('../../web/src/models/gaps')
    expect(unknownByCommune(r).find((c) => c.code === 'NEW')?.minutes.unknown ?? 0).toBeLessThan(1)
  })
})
