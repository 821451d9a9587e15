/**
 * Monthly SLA report (SPEC §8 "Reports"): one month at a time, per commune and per cluster,
 * availability with unknown and maintenance time apart, and the CSV export link. Months are
 * calendar months in Asia/Ho_Chi_Minh, like the server's.
 * @module
 */
import { computed, createModel, signal, type ReadonlySignal } from '@preact/signals'
import { ErrorBody, SlaReport, type SlaClusterRow, type SlaCommuneRow } from '../../../protocol'
import type { ApiResult, FetchLike } from '../api'
import { IDLE, type Loaded } from './alerts'
import type { Clock } from './clock'

/** Vietnam has been UTC+7 without daylight saving since 1975. */
const VN_OFFSET_MS = 7 * 3_600_000

/** `YYYY-MM` of an instant in Asia/Ho_Chi_Minh. */
export function monthOf(ms: number): string {
  const d = new Date(ms + VN_OFFSET_MS)
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`
}

/** The month `delta` months after `month` (`YYYY-MM`). */
export function shiftMonth(month: string, delta: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number]
  const d = new Date(Date.UTC(y, m - 1 + delta, 1))
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`
}

/** URL of the report (JSON, or CSV for Excel in the given language). */
export function slaUrl(month: string, format: 'json' | 'csv' = 'json', lang: 'vi' | 'en' = 'vi'): string {
  const q = new URLSearchParams({ month })
  if (format === 'csv') {
    q.set('format', 'csv')
    q.set('lang', lang)
  }
  return `/api/v1/reports/sla?${q.toString()}`
}

/**
 * Fetches and validates one month's report; failures are values (like api.ts), never throws.
 */
export async function fetchSlaReport(fetchFn: FetchLike, month: string, signal?: AbortSignal): Promise<ApiResult<SlaReport>> {
  let res: Awaited<ReturnType<FetchLike>>
  try {
    res = await fetchFn(slaUrl(month), { headers: { accept: 'application/json' }, credentials: 'same-origin', ...(signal ? { signal } : {}) })
  } catch (err) {
    if (signal?.aborted) return { ok: false, error: { code: 'E_ABORTED', message: 'aborted' } }
    return { ok: false, error: { code: 'E_NETWORK', message: err instanceof Error ? err.message : String(err) } }
  }
  let body: unknown
  try {
    body = await res.json()
  } catch {
    return { ok: false, error: { code: res.ok ? 'E_PARSE' : 'E_HTTP', message: `HTTP ${res.status}: not JSON`, status: res.status } }
  }
  if (!res.ok) {
    const e = ErrorBody.safeParse(body)
    return e.success
      ? { ok: false, error: { code: e.data.error.code, message: e.data.error.message, status: res.status, ...(e.data.error.path ? { path: e.data.error.path } : {}) } }
      : { ok: false, error: { code: 'E_HTTP', message: `HTTP ${res.status}`, status: res.status } }
  }
  const parsed = SlaReport.safeParse(body)
  if (!parsed.success) return { ok: false, error: { code: 'E_PARSE', message: parsed.error.issues[0]?.message ?? 'unexpected body', path: parsed.error.issues[0]?.path.join('.') ?? '' } }
  return { ok: true, data: parsed.data }
}

/** Columns the commune table sorts by. */
export type SlaSort = 'availability' | 'down' | 'unknown' | 'name'

/** Orders rows: worst availability first (unknown availability last), then by name. */
export function sortRows<T extends SlaCommuneRow | SlaClusterRow>(rows: readonly T[], by: SlaSort, locale: string): T[] {
  const name = (r: T): string => ('name' in r ? r.name : r.cluster)
  const byName = (a: T, b: T): number => name(a).localeCompare(name(b), locale)
  const out = [...rows]
  if (by === 'name') return out.sort(byName)
  if (by === 'down') return out.sort((a, b) => b.minutes.down - a.minutes.down || byName(a, b))
  if (by === 'unknown') return out.sort((a, b) => b.minutes.unknown - a.minutes.unknown || byName(a, b))
  return out.sort((a, b) => (a.availability ?? 2) - (b.availability ?? 2) || byName(a, b))
}

/** Dependencies of {@link ReportsModel}. */
export interface ReportsDeps {
  fetch: FetchLike
  clock: Clock
}

export interface ReportsState {
  /** The month shown (`YYYY-MM`). */
  month: ReadonlySignal<string>
  /** The current month: the picker's upper bound (later months have not begun). */
  latest: ReadonlySignal<string>
  report: ReadonlySignal<Loaded<SlaReport>>
  sort: ReadonlySignal<SlaSort>
  /** Commune filter text (name, code or cluster). */
  query: ReadonlySignal<string>
  /** Commune rows, filtered and sorted. */
  communes: ReadonlySignal<SlaCommuneRow[]>
  /** Chooses a month (ignored when malformed or in the future) and loads it. */
  setMonth: (month: string) => Promise<void>
  load: () => Promise<void>
  setSort: (by: SlaSort) => void
  setQuery: (q: string) => void
  /** Link of the CSV export (UTF-8 with BOM) of the month shown. */
  csvHref: (lang: 'vi' | 'en') => string
}

/** The reports page's state: nothing is fetched until {@link ReportsState.load} or setMonth. */
export const ReportsModel = createModel((deps: ReportsDeps): ReportsState => {
  const latest = signal(monthOf(deps.clock.now()), { name: 'reports-latest' })
  const month = signal(latest.peek(), { name: 'reports-month' })
  const report = signal<Loaded<SlaReport>>(IDLE, { name: 'reports-report' })
  const sort = signal<SlaSort>('availability', { name: 'reports-sort' })
  const query = signal('', { name: 'reports-query' })
  let controller: AbortController | null = null

  const load = async (): Promise<void> => {
    latest.value = monthOf(deps.clock.now())
    controller?.abort()
    const c = new AbortController()
    controller = c
    const wanted = month.peek()
    // A report of another month must not stay on screen as if it were this one; a refresh of
    // the same month keeps it while loading (and after a failure).
    const prev = report.peek().data
    const keep = prev?.month === wanted ? prev : null
    report.value = { status: 'loading', data: keep, error: null }
    const r = await fetchSlaReport(deps.fetch, wanted, c.signal)
    if (controller !== c) return // superseded by a later choice
    controller = null
    report.value = r.ok ? { status: 'ready', data: r.data, error: null } : { status: 'error', data: keep, error: r.error }
  }

  const communes = computed(() => {
    const rows = report.value.data?.communes ?? []
    const q = query.value.trim().toLocaleLowerCase('vi')
    const kept = q ? rows.filter((r) => `${r.name} ${r.code} ${r.cluster}`.toLocaleLowerCase('vi').includes(q)) : rows
    return sortRows(kept, sort.value, 'vi')
  })

  return {
    month,
    latest,
    report,
    sort,
    query,
    communes,
    async setMonth(m: string) {
      if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(m) || m > monthOf(deps.clock.now())) return
      month.value = m
      await load()
    },
    load,
    setSort(by) {
      sort.value = by
    },
    setQuery(q) {
      query.value = q
    },
    csvHref: (lang) => slaUrl(month.value, 'csv', lang),
  }
})

/** An instance of {@link ReportsModel}. */
export type ReportsModel = InstanceType<typeof ReportsModel>
