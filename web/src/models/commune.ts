/**
 * One commune's page state: detail (targets, gaps) from `GET /api/v1/communes/:code`,
 * kept current by live deltas, and the line target's RTT and loss series for a chosen range.
 * @module
 */
import { computed, createModel, effect, signal, type ReadonlySignal } from '@preact/signals'
import type { CommuneDetail, CommuneSummary, LiveMessage, Series, TargetStatus } from '../../../protocol'
import type { Api, ApiError } from '../api'
import type { Clock } from './clock'
import { mergeByKey } from './communes'
import type { LoadStatus } from './overview'

/** Chart ranges offered by the picker. */
export type RangeKey = '1h' | '6h' | '24h'

/** Range length and series step. Steps keep every range at a few hundred points. */
export const RANGES: Readonly<Record<RangeKey, { seconds: number; stepSeconds: number }>> = {
  '1h': { seconds: 3_600, stepSeconds: 15 },
  '6h': { seconds: 21_600, stepSeconds: 60 },
  '24h': { seconds: 86_400, stepSeconds: 300 },
}

/** Range keys in picker order. */
export const RANGE_KEYS: readonly RangeKey[] = ['1h', '6h', '24h']

/** Series metrics charted for the line (server metric names, base units). */
export const CHART_METRICS = { rtt: 'rtt_median_seconds', loss: 'loss_ratio' } as const

/** One fetched series. */
export interface SeriesState {
  status: LoadStatus
  data: Series | null
  error: ApiError | null
}

const IDLE_SERIES: SeriesState = { status: 'idle', data: null, error: null }

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
  /** The first target with role `line`: the one charted. */
  lineTarget: ReadonlySignal<TargetStatus | null>
  range: ReadonlySignal<RangeKey>
  rtt: ReadonlySignal<SeriesState>
  loss: ReadonlySignal<SeriesState>
  /** Shows commune `code` (no-op if already shown and loaded). */
  open: (code: string) => Promise<void>
  /** Leaves the page: stops the chart refresh. */
  close: () => void
  /** Refetches the detail (and then the series). */
  reload: () => Promise<void>
  setRange: (range: RangeKey) => void
  /** Refetches both series for the current range, ending now. */
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

/** Commune page model. */
export const CommuneModel = createModel((deps: CommuneDeps): CommuneState => {
  const { api, clock } = deps
  const refreshMs = deps.seriesRefreshMs ?? 60_000
  const code = signal<string | null>(null, { name: 'commune-code' })
  const detail = signal<CommuneDetail | null>(null, { name: 'commune-detail' })
  const status = signal<LoadStatus>('idle', { name: 'commune-status' })
  const error = signal<ApiError | null>(null, { name: 'commune-error' })
  const range = signal<RangeKey>('6h', { name: 'commune-range' })
  const rtt = signal<SeriesState>(IDLE_SERIES, { name: 'commune-rtt' })
  const loss = signal<SeriesState>(IDLE_SERIES, { name: 'commune-loss' })
  const lineTarget = computed(() => detail.value?.targets.find((t) => t.role === 'line') ?? null, {
    name: 'commune-line-target',
  })

  let detailCtrl: AbortController | null = null
  let seriesCtrl: AbortController | null = null

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
    await reloadSeries()
  }

  async function reloadSeries(): Promise<void> {
    const target = lineTarget.peek()
    seriesCtrl?.abort()
    if (!target) {
      rtt.value = IDLE_SERIES
      loss.value = IDLE_SERIES
      return
    }
    const ctrl = new AbortController()
    seriesCtrl = ctrl
    const { seconds, stepSeconds } = RANGES[range.peek()]
    // Align the window to the step so consecutive refreshes ask for the same buckets.
    const stepMs = stepSeconds * 1000
    const toMs = Math.ceil(clock.now() / stepMs) * stepMs
    const query = { targetId: target.id, fromMs: toMs - seconds * 1000, toMs, stepSeconds }
    const loading = (s: SeriesState): SeriesState => ({ status: 'loading', data: s.data, error: null })
    rtt.value = loading(rtt.peek())
    loss.value = loading(loss.peek())
    const [r, l] = await Promise.all([
      api.series({ ...query, metric: CHART_METRICS.rtt }, ctrl.signal),
      api.series({ ...query, metric: CHART_METRICS.loss }, ctrl.signal),
    ])
    if (ctrl !== seriesCtrl) return
    seriesCtrl = null
    const settle = (res: typeof r): SeriesState =>
      res.ok ? { status: 'ready', data: res.data, error: null } : { status: 'error', data: null, error: res.error }
    rtt.value = settle(r)
    loss.value = settle(l)
  }

  async function open(next: string): Promise<void> {
    if (code.peek() === next && (status.peek() === 'ready' || status.peek() === 'loading')) return
    if (code.peek() !== next) {
      detail.value = null
      rtt.value = IDLE_SERIES
      loss.value = IDLE_SERIES
      error.value = null
    }
    code.value = next
    await fetchDetail(false)
  }

  function close(): void {
    detailCtrl?.abort()
    seriesCtrl?.abort()
    detailCtrl = seriesCtrl = null
    code.value = null
    status.value = 'idle'
  }

  function applyLive(msg: LiveMessage): void {
    const current = detail.peek()
    if (code.peek() === null) return
    if (msg.type === 'delta') {
      if (current) detail.value = mergeCommuneDetail(current, msg.communes, msg.targets)
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
    range,
    rtt,
    loss,
    open,
    close,
    reload: () => fetchDetail(false),
    setRange: (r: RangeKey) => {
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
