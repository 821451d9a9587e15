/**
 * One commune's page state: detail (targets, gaps) from `GET /api/v1/communes/:code`,
 * kept current by live deltas, the series of its line, video endpoint and link for a chosen
 * range, and its incidents.
 * @module
 */
import { computed, createModel, effect, signal, type ReadonlySignal } from '@preact/signals'
import type { CommuneDetail, CommuneTimeline, CommuneSummary, IncidentView, LiveMessage, Series, TargetStatus } from '../../../protocol'
import type { Api, ApiError } from '../api'
import type { Clock } from './clock'
import { IDLE, type Loaded } from './alerts'
import { mergeByKey } from './communes'
import type { LoadStatus } from './overview'

/** Chart ranges offered by the picker. */
export type RangeKey = '1h' | '6h' | '24h' | '7d' | '30d' | '90d'

/**
 * Range length and series step. Steps keep every range at 240–360 points, so a 90-day chart
 * costs the same as a 1-hour one and the server can answer long ranges from its rollups.
 */
export const RANGES: Readonly<Record<RangeKey, { seconds: number; stepSeconds: number }>> = {
  '1h': { seconds: 3_600, stepSeconds: 15 },
  '6h': { seconds: 21_600, stepSeconds: 60 },
  '24h': { seconds: 86_400, stepSeconds: 300 },
  '7d': { seconds: 7 * 86_400, stepSeconds: 1_800 },
  '30d': { seconds: 30 * 86_400, stepSeconds: 7_200 },
  '90d': { seconds: 90 * 86_400, stepSeconds: 21_600 },
}

/** Range keys in picker order. */
export const RANGE_KEYS: readonly RangeKey[] = ['1h', '6h', '24h', '7d', '30d', '90d']

/**
 * The range a commune page opens on: the smallest that holds the oldest measurement, so a young
 * install does not show a sliver at the right edge of a 6-hour chart; the largest when the data
 * is older than every range; the smallest before any data (the first points are then in view).
 */
export function chooseRange(firstDataMs: number | null, nowMs: number): RangeKey {
  if (firstDataMs === null) return RANGE_KEYS[0] as RangeKey
  const age = nowMs - firstDataMs
  return RANGE_KEYS.find((r) => RANGES[r].seconds * 1000 >= age) ?? (RANGE_KEYS[RANGE_KEYS.length - 1] as RangeKey)
}

/** The window a range covers, ending now aligned up to its step (same buckets on every refresh). */
export function rangeWindow(range: RangeKey, nowMs: number): { fromMs: number; toMs: number; stepSeconds: number } {
  const { seconds, stepSeconds } = RANGES[range]
  const stepMs = stepSeconds * 1000
  const toMs = Math.ceil(nowMs / stepMs) * stepMs
  return { fromMs: toMs - seconds * 1000, toMs, stepSeconds }
}

/** Series metrics charted on the commune page (server measurement names, base units). */
export const METRICS = [
  'rtt_median_seconds',
  'rtt_min_seconds',
  'rtt_max_seconds',
  'loss_ratio',
  'jitter_seconds',
  'download_bytes_per_second',
  'upload_bytes_per_second',
  'mos_estimate',
  'utilization_ratio_in',
  'utilization_ratio_out',
] as const
export type Metric = (typeof METRICS)[number]

/** One fetched series. */
export interface SeriesState {
  status: LoadStatus
  data: Series | null
  error: ApiError | null
}

const IDLE_SERIES: SeriesState = { status: 'idle', data: null, error: null }
const idleAll = (): Record<Metric, SeriesState> => Object.fromEntries(METRICS.map((m) => [m, IDLE_SERIES])) as Record<Metric, SeriesState>

/**
 * The target a metric is read from: throughput from the commune's throughput check,
 * utilization from its SNMP check, everything else from the line's packet check (udp_echo or
 * icmp). Each falls back to the first line target, whose series simply stays empty when it
 * does not measure that metric.
 */
export function metricSource(metric: Metric, targets: readonly TargetStatus[]): TargetStatus | null {
  const line = targets.find((t) => t.role === 'line') ?? null
  if (metric === 'download_bytes_per_second' || metric === 'upload_bytes_per_second') {
    return targets.find((t) => t.kind === 'throughput' && t.role === 'line') ?? targets.find((t) => t.kind === 'throughput') ?? line
  }
  if (metric === 'utilization_ratio_in' || metric === 'utilization_ratio_out') {
    return targets.find((t) => t.kind === 'snmp') ?? line
  }
  return targets.find((t) => t.role === 'line' && (t.kind === 'udp_echo' || t.kind === 'icmp')) ?? line
}

/** Dependencies of {@link CommuneModel}. */
export interface CommuneDeps {
  api: Api
  clock: Clock
  /** How often the charts refetch while a commune is open. Default 60 s. */
  seriesRefreshMs?: number
}

/** Commune page state plus actions. */
export interface CommuneState {
  code: ReadonlySignal<string | null>
  detail: ReadonlySignal<CommuneDetail | null>
  status: ReadonlySignal<LoadStatus>
  error: ReadonlySignal<ApiError | null>
  /** The line's packet check (udp_echo/icmp), else the first target with role `line`. */
  lineTarget: ReadonlySignal<TargetStatus | null>
  /** The first target with role `mcu` (the video endpoint). */
  mcuTarget: ReadonlySignal<TargetStatus | null>
  range: ReadonlySignal<RangeKey>
  /** The chart window of the last series fetch (x axis of the charts and of the state timeline). */
  chartWindow: ReadonlySignal<{ fromMs: number; toMs: number } | null>
  /** States, maintenance and the oldest measurement over the current range. */
  history: ReadonlySignal<Loaded<CommuneTimeline>>
  /** Every charted metric's series for the current range. */
  series: ReadonlySignal<Readonly<Record<Metric, SeriesState>>>
  /** Incidents of this commune (open and past), newest first. */
  incidents: ReadonlySignal<Loaded<IncidentView[]>>
  /** Shows commune `code` (no-op if already shown and loaded). */
  open: (code: string) => Promise<void>
  /** Leaves the page: stops the chart refresh. */
  close: () => void
  /** Refetches the detail (and then the series). */
  reload: () => Promise<void>
  setRange: (range: RangeKey) => void
  /** Refetches every series for the current range, ending now. */
  reloadSeries: () => Promise<void>
  /** Merges this commune's rows of a delta; refetches on reconnect or inventory reload. */
  applyLive: (msg: LiveMessage) => void
}

/**
 * Applies a delta to a commune detail: its summary fields (not priority/notes, which a
 * summary does not carry) and its targets by id. Returns `detail` unchanged when nothing
 * in the delta concerns it.
 */
export function mergeCommuneDetail(
  detail: CommuneDetail,
  communes: readonly CommuneSummary[],
  targets: readonly TargetStatus[],
): CommuneDetail {
  const code = detail.commune.code
  const summary = communes.find((c) => c.code === code)
  const mine = targets.filter((t) => t.communeCode === code)
  if (!summary && mine.length === 0) return detail
  return {
    ...detail,
    commune: summary ? { ...detail.commune, ...summary } : detail.commune,
    targets: mine.length ? (mergeByKey(detail.targets, mine, (t) => t.id) as TargetStatus[]) : detail.targets,
  }
}

/** How many past incidents are fetched to find a commune's (the API filters by state only). */
const INCIDENT_SCAN = 1000

/** Commune page model. */
export const CommuneModel = createModel((deps: CommuneDeps): CommuneState => {
  const { api, clock } = deps
  const refreshMs = deps.seriesRefreshMs ?? 60_000
  const code = signal<string | null>(null, { name: 'commune-code' })
  const detail = signal<CommuneDetail | null>(null, { name: 'commune-detail' })
  const status = signal<LoadStatus>('idle', { name: 'commune-status' })
  const error = signal<ApiError | null>(null, { name: 'commune-error' })
  const range = signal<RangeKey>('6h', { name: 'commune-range' })
  const series = signal<Readonly<Record<Metric, SeriesState>>>(idleAll(), { name: 'commune-series' })
  const chartWindow = signal<{ fromMs: number; toMs: number } | null>(null, { name: 'commune-window' })
  const history = signal<Loaded<CommuneTimeline>>(IDLE, { name: 'commune-timeline' })
  // Until the user picks a range, each commune opens on the one that holds its data.
  let rangeChosen = false
  const incidents = signal<Loaded<IncidentView[]>>(IDLE, { name: 'commune-incidents' })
  // The line's packet check (udp_echo/icmp) when there is one: a throughput or SNMP target
  // with the line role says less about "is the line up".
  const lineTarget = computed(() => metricSource('rtt_median_seconds', detail.value?.targets ?? []), { name: 'commune-line-target' })
  const mcuTarget = computed(() => detail.value?.targets.find((t) => t.role === 'mcu') ?? null, { name: 'commune-mcu-target' })

  let detailCtrl: AbortController | null = null
  let seriesCtrl: AbortController | null = null
  let incidentsCtrl: AbortController | null = null
  let historyCtrl: AbortController | null = null

  async function fetchDetail(quiet: boolean): Promise<void> {
    const c = code.peek()
    if (c === null) return
    detailCtrl?.abort()
    const ctrl = new AbortController()
    detailCtrl = ctrl
    // A background refresh keeps the page on screen instead of flashing "loading".
    if (!quiet || detail.peek() === null) status.value = 'loading'
    const res = await api.commune(c, ctrl.signal)
    if (ctrl !== detailCtrl) return
    detailCtrl = null
    if (!res.ok) {
      if (quiet && detail.peek() !== null) return // keep showing what we have; live will retry
      error.value = res.error
      status.value = 'error'
      return
    }
    detail.value = res.data
    error.value = null
    status.value = 'ready'
    if (!rangeChosen) await pickRange()
    await Promise.all([reloadSeries(), reloadIncidents()])
  }

  /** Asks how old the commune's data is and opens on the range that holds it. */
  async function pickRange(): Promise<void> {
    const c = code.peek()
    if (c === null) return
    const { fromMs, toMs } = rangeWindow(range.peek(), clock.now())
    const r = await api.communeHistory(c, fromMs, toMs)
    if (code.peek() !== c || rangeChosen || !r.ok) return
    const first = r.data.firstDataAt === null ? null : Date.parse(r.data.firstDataAt)
    range.value = chooseRange(first, clock.now())
  }

  async function reloadHistory(fromMs: number, toMs: number): Promise<void> {
    const c = code.peek()
    if (c === null) return
    historyCtrl?.abort()
    const ctrl = new AbortController()
    historyCtrl = ctrl
    history.value = { status: 'loading', data: history.peek().data, error: null }
    const r = await api.communeHistory(c, fromMs, toMs, ctrl.signal)
    if (ctrl !== historyCtrl) return
    historyCtrl = null
    history.value = r.ok ? { status: 'ready', data: r.data, error: null } : { status: 'error', data: history.peek().data, error: r.error }
  }

  async function reloadIncidents(): Promise<void> {
    const c = code.peek()
    if (c === null) return
    incidentsCtrl?.abort()
    const ctrl = new AbortController()
    incidentsCtrl = ctrl
    incidents.value = { status: 'loading', data: incidents.peek().data, error: null }
    const r = await api.incidents('all', INCIDENT_SCAN, ctrl.signal)
    if (ctrl !== incidentsCtrl) return
    incidentsCtrl = null
    incidents.value = r.ok
      ? { status: 'ready', data: r.data.filter((i) => i.communeCode === c), error: null }
      : { status: 'error', data: incidents.peek().data, error: r.error }
  }

  async function reloadSeries(): Promise<void> {
    const targets = detail.peek()?.targets ?? []
    seriesCtrl?.abort()
    const ctrl = new AbortController()
    seriesCtrl = ctrl
    // Aligned to the step so consecutive refreshes ask for the same buckets.
    const { fromMs, toMs, stepSeconds } = rangeWindow(range.peek(), clock.now())
    const before = series.peek()
    const sources = METRICS.map((m) => [m, metricSource(m, targets)] as const)
    series.value = Object.fromEntries(
      sources.map(([m, t]) => [m, t ? { status: 'loading', data: before[m].data, error: null } : IDLE_SERIES]),
    ) as Record<Metric, SeriesState>
    // States and maintenance of the same window, drawn with the charts.
    const states = reloadHistory(fromMs, toMs)
    const answers = await Promise.all(
      sources.map(async ([metric, t]) => {
        if (!t) return [metric, IDLE_SERIES] as const
        const res = await api.series({ targetId: t.id, metric, fromMs, toMs, stepSeconds }, ctrl.signal)
        const state: SeriesState = res.ok ? { status: 'ready', data: res.data, error: null } : { status: 'error', data: null, error: res.error }
        return [metric, state] as const
      }),
    )
    await states
    if (ctrl !== seriesCtrl) return
    seriesCtrl = null
    chartWindow.value = { fromMs, toMs }
    series.value = Object.fromEntries(answers) as Record<Metric, SeriesState>
  }

  async function open(next: string): Promise<void> {
    if (code.peek() === next && (status.peek() === 'ready' || status.peek() === 'loading')) return
    if (code.peek() !== next) {
      detail.value = null
      series.value = idleAll()
      incidents.value = IDLE
      history.value = IDLE
      chartWindow.value = null
      error.value = null
      rangeChosen = false
    }
    code.value = next
    await fetchDetail(false)
  }

  function close(): void {
    detailCtrl?.abort()
    seriesCtrl?.abort()
    incidentsCtrl?.abort()
    historyCtrl?.abort()
    detailCtrl = seriesCtrl = incidentsCtrl = historyCtrl = null
    code.value = null
    status.value = 'idle'
  }

  function applyLive(msg: LiveMessage): void {
    const current = detail.peek()
    if (code.peek() === null) return
    if (msg.type === 'delta') {
      if (!current) return
      const next = mergeCommuneDetail(current, msg.communes, msg.targets)
      if (next === current) return
      // A state change of this commune may open or resolve an incident.
      if (next.commune.state !== current.commune.state) void reloadIncidents()
      detail.value = next
      return
    }
    // hello after a reconnect or reload: we may have missed deltas, refetch quietly.
    void fetchDetail(true)
  }

  // Charts follow new data while the page is open; stops when the commune is closed.
  effect(() => {
    if (code.value === null) return
    const h = clock.setInterval(() => void reloadSeries(), refreshMs)
    return () => clock.clearInterval(h)
  })

  return {
    code,
    detail,
    status,
    error,
    lineTarget,
    mcuTarget,
    range,
    chartWindow,
    history,
    series,
    incidents,
    open,
    close,
    reload: () => fetchDetail(false),
    setRange: (r: RangeKey) => {
      rangeChosen = true
      if (range.peek() === r) return
      range.value = r
      void reloadSeries()
    },
    reloadSeries,
    applyLive,
  }
})

/** An instance of {@link CommuneModel}. */
export type CommuneModel = InstanceType<typeof CommuneModel>
