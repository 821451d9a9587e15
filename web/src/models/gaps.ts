/**
 * Signal gaps (SPEC §4, §8): data gaps (targets silent now, per commune) and the coverage-gap
 * registry (hamlets without mobile signal, power or Internet) with counts per commune and the
 * monthly trend of gaps opened vs fixed.
 * @module
 */
import { computed, createModel, effect, signal, type ReadonlySignal } from '@preact/signals'
import type { CoverageGapInput, CoverageGapKind, CoverageGapView, LiveMessage, SlaCommuneRow, SlaReport } from '../../../protocol'
import type { Api, ApiError, ApiResult } from '../api'
import type { DataGap, GapsView } from '../wire'
import { IDLE, loadInto, type ActionResult, type Loaded } from './alerts'
import type { Clock, TimerHandle } from './clock'

/** Silent targets of one commune. */
export interface CommuneDataGaps {
  communeCode: string
  targets: DataGap[]
  /** Earliest `since` of its silent targets (epoch ms), null when none is known. */
  sinceMs: number | null
}

/** Open coverage gaps of one commune, by kind. */
export interface CommuneGapCounts {
  communeCode: string
  total: number
  byKind: Record<CoverageGapKind, number>
  population: number
}

/** One month of the trend. */
export interface MonthTrend {
  /** `YYYY-MM`. */
  month: string
  opened: number
  fixed: number
  /** Gaps open at the end of the month. */
  openAtEnd: number
}

export const GAP_KINDS: readonly CoverageGapKind[] = ['no_mobile', 'weak_mobile', 'no_power', 'no_internet']

/** Groups silent targets by commune, the longest-silent commune first. */
export function dataGapsByCommune(gaps: readonly DataGap[]): CommuneDataGaps[] {
  const by = new Map<string, CommuneDataGaps>()
  for (const g of gaps) {
    let row = by.get(g.communeCode)
    if (!row) {
      row = { communeCode: g.communeCode, targets: [], sinceMs: null }
      by.set(g.communeCode, row)
    }
    row.targets.push(g)
    const s = g.since === null ? null : Date.parse(g.since)
    if (s !== null && !Number.isNaN(s) && (row.sinceMs === null || s < row.sinceMs)) row.sinceMs = s
  }
  return [...by.values()].sort((a, b) => (a.sinceMs ?? Infinity) - (b.sinceMs ?? Infinity) || b.targets.length - a.targets.length || (a.communeCode < b.communeCode ? -1 : 1))
}

/** Open (not fixed) coverage gaps counted per commune, most gaps first. */
export function gapCountsByCommune(gaps: readonly CoverageGapView[]): CommuneGapCounts[] {
  const by = new Map<string, CommuneGapCounts>()
  for (const g of gaps) {
    if (g.fixedAt !== null) continue
    let row = by.get(g.communeCode)
    if (!row) {
      row = { communeCode: g.communeCode, total: 0, byKind: { no_mobile: 0, weak_mobile: 0, no_power: 0, no_internet: 0 }, population: 0 }
      by.set(g.communeCode, row)
    }
    row.total++
    row.byKind[g.kind]++
    row.population += g.population ?? 0
  }
  return [...by.values()].sort((a, b) => b.total - a.total || b.population - a.population || (a.communeCode < b.communeCode ? -1 : 1))
}

function monthKey(date: string | null): string | null {
  if (date === null) return null
  const m = /^(\d{4})-(\d{2})/.exec(date)
  return m ? `${m[1]}-${m[2]}` : null
}

/**
 * Gaps opened (by `since`) and fixed (by `fixedAt`) in each of the last `months` months up to
 * the month of `nowMs` (Asia/Ho_Chi_Minh calendar), with the number still open at each month's
 * end. Gaps without a `since` count as open from before the window.
 */
export function gapTrend(gaps: readonly CoverageGapView[], nowMs: number, months = 12): MonthTrend[] {
  const local = new Date(nowMs + 7 * 3600_000) // UTC+7, no DST
  let y = local.getUTCFullYear()
  let m = local.getUTCMonth() + 1
  const keys: string[] = []
  for (let i = 0; i < months; i++) {
    keys.unshift(`${y}-${String(m).padStart(2, '0')}`)
    m--
    if (m === 0) {
      m = 12
      y--
    }
  }
  return keys.map((month) => {
    let opened = 0
    let fixed = 0
    let openAtEnd = 0
    for (const g of gaps) {
      const o = monthKey(g.since)
      const f = monthKey(g.fixedAt)
      if (o === month) opened++
      if (f === month) fixed++
      if ((o === null || o <= month) && (f === null || f > month)) openAtEnd++
    }
    return { month, opened, fixed, openAtEnd }
  })
}

/**
 * Communes with unknown (no data) time in a report period, the most first. Unknown time is
 * what the SLA report counts apart from up and down.
 */
export function unknownByCommune(report: SlaReport): SlaCommuneRow[] {
  return report.communes.filter((c) => c.minutes.unknown > 0).sort((a, b) => b.minutes.unknown - a.minutes.unknown || (a.code < b.code ? -1 : 1))
}

/** `YYYY-MM` of an instant in Asia/Ho_Chi_Minh (UTC+7, no daylight saving). */
export function localMonth(ms: number): string {
  const d = new Date(ms + 7 * 3600_000)
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`
}

/** Dependencies of {@link GapsModel}. */
export interface GapsDeps {
  api: Api
  clock: Clock
  /** The monthly SLA report (unknown time per commune over a chosen month). */
  fetchSla: (month: string, signal?: AbortSignal) => Promise<ApiResult<SlaReport>>
  /** Minimum spacing of refetches triggered by live deltas. Default 10 s. */
  refreshMinMs?: number
  onUnauthorized?: () => void
}

/** Signal gaps state plus actions. */
export interface GapsState {
  view: ReadonlySignal<Loaded<GapsView>>
  /** Month (`YYYY-MM`) whose data gaps are summed; defaults to the current one. */
  month: ReadonlySignal<string>
  /** The SLA report of `month`: unknown minutes per commune. */
  period: ReadonlySignal<Loaded<SlaReport>>
  setMonth: (month: string) => Promise<void>
  dataByCommune: ReadonlySignal<CommuneDataGaps[]>
  countsByCommune: ReadonlySignal<CommuneGapCounts[]>
  load: () => Promise<void>
  createGap: (input: CoverageGapInput) => Promise<ActionResult>
  updateGap: (id: number, input: CoverageGapInput) => Promise<ActionResult>
  deleteGap: (id: number) => Promise<ActionResult>
  applyLive: (msg: LiveMessage) => void
}

/** Signal gaps model. */
export const GapsModel = createModel((deps: GapsDeps): GapsState => {
  const { api, clock } = deps
  const minMs = deps.refreshMinMs ?? 10_000
  const view = signal<Loaded<GapsView>>(IDLE, { name: 'gaps-view' })
  const dataByCommune = computed(() => dataGapsByCommune(view.value.data?.dataGaps ?? []), { name: 'gaps-data-by-commune' })
  const countsByCommune = computed(() => gapCountsByCommune(view.value.data?.coverageGaps ?? []), { name: 'gaps-counts' })
  const month = signal(localMonth(clock.now()), { name: 'gaps-month' })
  const period = signal<Loaded<SlaReport>>(IDLE, { name: 'gaps-period' })
  let periodCtrl: AbortController | null = null
  async function loadPeriod(): Promise<void> {
    periodCtrl?.abort()
    const ctrl = new AbortController()
    periodCtrl = ctrl
    const m = month.peek()
    period.value = { status: 'loading', data: period.peek().data?.month === m ? period.peek().data : null, error: null }
    const r = await deps.fetchSla(m, ctrl.signal)
    if (ctrl !== periodCtrl) return
    period.value = r.ok ? { status: 'ready', data: r.data, error: null } : { status: 'error', data: null, error: r.error }
  }
  const load = async () => {
    await Promise.all([loadInto(view, () => api.gaps()), loadPeriod()])
  }

  async function write(p: Promise<{ ok: true } | { ok: false; error: ApiError }>): Promise<ActionResult> {
    const r = await p
    if (r.ok) {
      void load()
      return { ok: true }
    }
    if (r.error.code === 'E_UNAUTHORIZED') deps.onUnauthorized?.()
    return { ok: false, error: r.error }
  }

  let timer: TimerHandle | null = null
  let last = 0
  effect(() => () => {
    if (timer !== null) clock.clearTimeout(timer)
    timer = null
  })

  return {
    view,
    month,
    period,
    setMonth: async (m) => {
      if (month.peek() === m && period.peek().status !== 'error') return
      month.value = m
      await loadPeriod()
    },
    dataByCommune,
    countsByCommune,
    load,
    createGap: (input) => write(api.createGap(input)),
    updateGap: (id, input) => write(api.updateGap(id, input)),
    deleteGap: (id) => write(api.deleteGap(id)),
    applyLive: (msg) => {
      // Only refresh what someone has loaded; silent targets change with target deltas.
      if (view.peek().status === 'idle' || timer !== null) return
      if (msg.type === 'delta' && msg.targets.length === 0) return
      timer = clock.setTimeout(
        () => {
          timer = null
          last = clock.now()
          void loadInto(view, () => api.gaps())
        },
        Math.max(0, last + minMs - clock.now()),
      )
    },
  }
})

/** An instance of {@link GapsModel}. */
export type GapsModel = InstanceType<typeof GapsModel>
