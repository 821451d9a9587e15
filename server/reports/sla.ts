/**
 * Monthly SLA per commune, per cluster and for the province (SPEC §4, §8; alerting.md §6),
 * integrated from the state log: exact, time-weighted intervals, months on calendar boundaries
 * in Asia/Ho_Chi_Minh.
 *
 * Each monitored instant of the month falls in exactly one bucket: **maintenance** (a window covering
 * the commune, its cluster or every one of its targets, inherited through the topology), else
 * by the commune's logged state: **up** (ok, warning, critical: degraded still serves), **down**,
 * or **unknown** (a data gap, the server not running). Time before a commune was first monitored
 * (its first state-log row) is not counted at all.
 * Availability = up / (up + down): unknown and maintenance time are reported, never counted.
 * @module
 */
import type { Meaning, SlaClusterRow, SlaCommuneRow, SlaFigures, SlaMinutes, SlaReport, State } from '../../protocol'
import { CSV_DIALECTS, csvDecimal, writeCsv, type CsvDialect } from '../inventory/csv'
import { createMaintenanceIndex, listMaintenance, type MaintenanceWindow } from '../alerting/maintenance'
import type { Store } from '../store/store'
import { fromLocal, LOCAL_TIME_ZONE, zoneOffsetMs } from '../local-time'

const DAY_MS = 86_400_000


/** [start, end) of a calendar month in Asia/Ho_Chi_Minh, as instants (ms). */
export function monthRange(month: string): { from: number; to: number } {
  const [y, m] = month.split('-').map(Number) as [number, number]
  return { from: fromLocal(Date.UTC(y, m - 1, 1)), to: fromLocal(Date.UTC(y, m, 1)) }
}

/** The month (YYYY-MM) an instant falls in, in Asia/Ho_Chi_Minh. */
export function monthOf(ms: number): string {
  const local = new Date(ms + zoneOffsetMs(ms))
  return `${local.getUTCFullYear()}-${String(local.getUTCMonth() + 1).padStart(2, '0')}`
}

/**
 * Every instant in (from, to) at which some window may start or stop: one-off bounds, and
 * each local day's start and end of a recurring window. Maintenance can change only there.
 */
function maintenanceBreakpoints(windows: readonly MaintenanceWindow[], from: number, to: number): number[] {
  const points = new Set<number>()
  const add = (t: number): void => {
    if (t > from && t < to) points.add(t)
  }
  for (const w of windows) {
    if (w.endsAt <= from || w.startsAt >= to) continue
    add(w.startsAt)
    add(w.endsAt)
    const r = w.recurrence
    if (!r) continue
    const [sh, sm] = r.start.split(':').map(Number) as [number, number]
    const [eh, em] = r.end.split(':').map(Number) as [number, number]
    const start = (sh * 60 + sm) * 60_000
    const endRaw = (eh * 60 + em) * 60_000
    const end = endRaw > start ? endRaw : endRaw + DAY_MS
    const localFrom = from + zoneOffsetMs(from)
    const firstDay = localFrom - (localFrom % DAY_MS) - DAY_MS
    for (let day = firstDay; fromLocal(day) < to; day += DAY_MS) {
      add(fromLocal(day + start))
      add(fromLocal(day + end))
    }
  }
  return [...points].sort((a, b) => a - b)
}

const emptyMinutes = (): SlaMinutes => ({ up: 0, down: 0, unknown: 0, maintenance: 0 })

function figures(minutes: SlaMinutes, incidentCount: number, outages: number): SlaFigures {
  return { minutes, availability: availabilityOf(minutes), incidents: incidentCount, outages }
}

function addMinutes(into: SlaMinutes, m: SlaMinutes): void {
  into.up += m.up
  into.down += m.down
  into.unknown += m.unknown
  into.maintenance += m.maintenance
}

const bucketOf = (state: State): keyof SlaMinutes => (state === 'down' ? 'down' : state === 'unknown' ? 'unknown' : 'up')

/** A commune's state history over a period, read from the state log. */
export interface CommuneStateLog {
  /** State each commune was in at `from` (its last row before it). */
  before: Map<string, State>
  /** Each commune's changes with from ≤ at < to, in time order. */
  changes: Map<string, Array<{ at: number; state: State }>>
  /**
   * First row ever logged per commune: when its monitoring began. The engine logs every commune
   * as unknown the moment it learns of it (its creation, on the server's clock); time before that
   * is not counted at all — a commune created today has no "no data" for the days before.
   */
  firstLogged: Map<string, number>
}

/** Reads every commune's state history over [from, to): three indexed seeks per commune. */
export function readCommuneStateLog(store: Store, from: number, to: number): CommuneStateLog {
  const log = store.stateLog
  const before = new Map<string, State>()
  const changes = new Map<string, Array<{ at: number; state: State }>>()
  const firstLogged = new Map<string, number>()
  for (const { code } of store.listCommunes()) {
    const at = log.first('commune', code)
    if (at === null) continue
    firstLogged.set(code, at)
    const prior = log.before('commune', code, from)
    if (prior) before.set(code, prior.state)
    const list = log.changes('commune', code, from, to)
    if (list.length > 0) changes.set(code, list)
  }
  return { before, changes, firstLogged }
}

/** Minutes by bucket and outages of one commune over a period, and where its counted part began. */
export interface CommuneIntegral {
  minutes: SlaMinutes
  outages: number
  /** Start of the counted period: `from`, or when monitoring of the commune began. */
  start: number
}

/**
 * Integrates every commune's logged state over [from, to): each monitored instant falls in
 * exactly one bucket (maintenance, up, down, unknown; see the module note). The monthly report
 * and the overview's 24-hour and 30-day availability both come from here.
 */
export function integrateCommunes(store: Store, from: number, to: number, log: CommuneStateLog = readCommuneStateLog(store, from, to)): Map<string, CommuneIntegral> {
  const communes = store.listCommunes()
  const targets = store.listTargets()
  const windows = listMaintenance(store)
  const index = createMaintenanceIndex(windows, {
    targets: targets.map((t) => ({ id: t.id, communeCode: t.communeCode, parents: t.parents })),
    communes: communes.map((c) => ({ code: c.code, cluster: c.districtCluster })),
  })
  const breakpoints = maintenanceBreakpoints(windows, from, to)
  const out = new Map<string, CommuneIntegral>()
  for (const c of communes) {
    const minutes = emptyMinutes()
    const changes = log.changes.get(c.code) ?? []
    let state: State = log.before.get(c.code) ?? 'unknown'
    let outages = 0
    let li = 0
    let bi = 0
    const start = Math.min(to, Math.max(from, log.firstLogged.get(c.code) ?? to))
    let t = start
    while (t < to) {
      // Apply every change at t (the last one wins), then run to the next change or breakpoint.
      while (li < changes.length && (changes[li] as { at: number }).at <= t) {
        const next = (changes[li] as { state: State }).state
        if (next === 'down' && state !== 'down') outages++
        state = next
        li++
      }
      while (bi < breakpoints.length && (breakpoints[bi] as number) <= t) bi++
      const nextChange = li < changes.length ? (changes[li] as { at: number }).at : to
      const nextBreak = bi < breakpoints.length ? (breakpoints[bi] as number) : to
      const end = Math.min(nextChange, nextBreak, to)
      const bucket = index.communeInMaintenance(c.code, t) ? 'maintenance' : bucketOf(state)
      minutes[bucket] += (end - t) / 60_000
      t = end
    }
    out.set(c.code, { minutes, outages, start })
  }
  return out
}

/** up / (up + down), null when nothing was known (only unknown or maintenance time, or none). */
export function availabilityOf(minutes: SlaMinutes): number | null {
  const known = minutes.up + minutes.down
  return known > 0 ? minutes.up / known : null
}

/**
 * Builds the SLA report of a month from the state log, the maintenance windows, the inventory
 * and the incidents. The current month ends at `now` (`partial`); a future month is empty.
 */
export function buildSlaReport(store: Store, month: string, now: number, province: { code: string; name: string }): SlaReport {
  const range = monthRange(month)
  const from = range.from
  const to = Math.max(from, Math.min(range.to, now))

  const communes = store.listCommunes()
  const integrals = integrateCommunes(store, from, to)
  const incidentCounts = store.incidents.countOpenedByCommune(from, to)

  const communeRows: SlaCommuneRow[] = []
  for (const c of communes) {
    const { minutes, outages, start } = integrals.get(c.code) ?? { minutes: emptyMinutes(), outages: 0, start: to }
    communeRows.push({ code: c.code, name: c.name, cluster: c.districtCluster, monitoredFrom: new Date(start).toISOString(), ...figures(minutes, incidentCounts.get(c.code) ?? 0, outages) })
  }

  const byCluster = new Map<string, { minutes: SlaMinutes; communes: number; incidents: number; outages: number }>()
  const total = { minutes: emptyMinutes(), incidents: 0, outages: 0 }
  for (const r of communeRows) {
    const k = byCluster.get(r.cluster) ?? { minutes: emptyMinutes(), communes: 0, incidents: 0, outages: 0 }
    addMinutes(k.minutes, r.minutes)
    k.communes++
    k.incidents += r.incidents
    k.outages += r.outages
    byCluster.set(r.cluster, k)
    addMinutes(total.minutes, r.minutes)
    total.incidents += r.incidents
    total.outages += r.outages
  }
  const clusters: SlaClusterRow[] = [...byCluster.entries()]
    .sort(([a], [b]) => a.localeCompare(b, 'vi'))
    .map(([cluster, k]) => ({ cluster, communes: k.communes, ...figures(k.minutes, k.incidents, k.outages) }))

  return {
    month,
    timeZone: LOCAL_TIME_ZONE,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    partial: to < range.to,
    generatedAt: new Date(now).toISOString(),
    province: { code: province.code, name: province.name, ...figures(total.minutes, total.incidents, total.outages) },
    clusters,
    communes: communeRows,
  }
}

/**
 * Columns of the CSV export: the Vietnamese header in the glossary's words (`meaning` names the
 * glossary entry a header stands for, checked by the glossary test), and the English header,
 * which keeps the JSON report's field names for scripts.
 */
export const SLA_CSV_COLUMNS: ReadonlyArray<{ readonly vi: string; readonly en: string; readonly meaning?: Meaning }> = [
  { vi: 'Cấp', en: 'level' },
  { vi: 'Mã', en: 'code' },
  { vi: 'Tên', en: 'name' },
  { vi: 'Cụm', en: 'cluster' },
  { vi: 'Số xã', en: 'communes' },
  { vi: 'Khả dụng (%)', en: 'availability_percent' },
  { vi: 'Phút hoạt động', en: 'up_minutes' },
  { vi: 'Phút gián đoạn', en: 'down_minutes', meaning: 'outage' },
  { vi: 'Phút không có dữ liệu', en: 'unknown_minutes', meaning: 'unknown' },
  { vi: 'Phút bảo trì', en: 'maintenance_minutes', meaning: 'maintenance' },
  { vi: 'Sự cố', en: 'incidents', meaning: 'incident' },
  { vi: 'Lần gián đoạn', en: 'outages', meaning: 'outage' },
  { vi: 'Theo dõi từ', en: 'monitored_from' },
]
const LEVELS = { vi: { province: 'tỉnh', cluster: 'cụm', commune: 'xã' }, en: { province: 'province', cluster: 'cluster', commune: 'commune' } } as const

/** `YYYY-MM-DD HH:mm` in Asia/Ho_Chi_Minh (Excel reads it as a date-time). */
function localMinute(ms: number): string {
  return new Date(ms + zoneOffsetMs(ms)).toISOString().slice(0, 16).replace('T', ' ')
}

/** Minutes with two decimals; percentages with three (99.999 % is 26 s a month). */
const fmtMinutes = (m: number, d: CsvDialect): string => csvDecimal(Math.round(m * 100) / 100, 2, d)
const fmtPercent = (a: number | null, d: CsvDialect): string => (a === null ? '' : csvDecimal(a * 100, 3, d))

/**
 * The report as CSV for Excel: UTF-8 BOM, CRLF, one row for the province, then clusters, then
 * communes (a `level` column tells them apart). Unknown availability is an empty cell. In
 * Vietnamese `;`-separated with a decimal comma ("97,037"), as Excel set to Vietnamese reads
 * it; in English `,` and a decimal point.
 */
export function slaReportCsv(report: SlaReport, lang: 'vi' | 'en'): string {
  const d = CSV_DIALECTS[lang]
  const row = (level: keyof (typeof LEVELS)['en'], code: string, name: string, cluster: string, communes: number | '', f: SlaFigures, monitoredFrom = ''): string[] => [
    LEVELS[lang][level],
    code,
    name,
    cluster,
    String(communes),
    fmtPercent(f.availability, d),
    fmtMinutes(f.minutes.up, d),
    fmtMinutes(f.minutes.down, d),
    fmtMinutes(f.minutes.unknown, d),
    fmtMinutes(f.minutes.maintenance, d),
    String(f.incidents),
    String(f.outages),
    monitoredFrom,
  ]
  return writeCsv(
    [
      SLA_CSV_COLUMNS.map((c) => c[lang]),
      row('province', report.province.code, report.province.name, '', report.communes.length, report.province),
      ...report.clusters.map((k) => row('cluster', '', k.cluster, k.cluster, k.communes, k)),
      ...report.communes.map((c) => row('commune', c.code, c.name, c.cluster, '', c, localMinute(Date.parse(c.monitoredFrom)))),
    ],
    d,
  )
}
