/**
 * The overview's history columns: every commune's last 24 hours (state strip) and its 24-hour /
 * 30-day availability, and the probes silent now (`GET /api/v1/overview/history`). The server
 * builds it at most once a minute, so it is fetched once a minute while the overview is shown.
 * @module
 */
import { computed, createModel, signal, type ReadonlySignal } from '@preact/signals'
import { STRIP_CODE, type CommuneHistory, type SilentProbe, type State } from '../../../protocol'
import type { Api, ApiError } from '../api'
import type { Clock, TimerHandle } from './clock'

/** How often the history is fetched again while shown. */
export const HISTORY_REFRESH_MS = 60_000

/** One commune's history columns. */
export interface CommuneHistoryRow {
  strip: string
  availability24h: number | null
  availability30d: number | null
}

/** The span a strip covers, epoch ms. */
export interface StripSpan {
  fromMs: number
  toMs: number
  bucketMs: number
}

/** Dependencies of {@link HistoryModel}. */
export interface HistoryDeps {
  api: Api
  clock: Pick<Clock, 'setInterval' | 'clearInterval'>
  onUnauthorized?: () => void
}

/** Read-only view of the history plus its actions. */
export interface HistoryState {
  byCode: ReadonlySignal<ReadonlyMap<string, CommuneHistoryRow>>
  span: ReadonlySignal<StripSpan | null>
  silentProbes: ReadonlySignal<readonly SilentProbe[]>
  error: ReadonlySignal<ApiError | null>
  load: () => Promise<void>
  /** Loads now and every {@link HISTORY_REFRESH_MS}; returns the function that stops it. */
  follow: () => () => void
}

/**
 * The strip as it stands now: the server's strip is up to a minute old, so its last bucket also
 * takes the commune's live state when that is worse (a line that went down seconds ago shows at
 * once).
 */
export function withLiveState(strip: string, state: State | null): string {
  if (!state || strip.length === 0) return strip
  const rank = '-ouwcd'
  const last = strip[strip.length - 1] as string
  const live = STRIP_CODE[state]
  return rank.indexOf(live) > rank.indexOf(last) ? strip.slice(0, -1) + live : strip
}

/** History model. */
export const HistoryModel = createModel((deps: HistoryDeps): HistoryState => {
  const data = signal<CommuneHistory | null>(null, { name: 'history' })
  const error = signal<ApiError | null>(null, { name: 'history-error' })
  const byCode = computed(() => new Map((data.value?.communes ?? []).map((c) => [c.code, c])), { name: 'history-by-code' })
  const span = computed(() => {
    const d = data.value
    return d ? { fromMs: Date.parse(d.from), toMs: Date.parse(d.to), bucketMs: d.bucketSeconds * 1000 } : null
  })
  const silentProbes = computed(() => data.value?.silentProbes ?? [])
  let inflight: AbortController | null = null

  async function load(): Promise<void> {
    inflight?.abort()
    const ctrl = new AbortController()
    inflight = ctrl
    const res = await deps.api.overviewHistory(ctrl.signal)
    if (ctrl !== inflight) return
    inflight = null
    if (res.ok) {
      data.value = res.data
      error.value = null
    } else {
      if (res.error.status === 401) deps.onUnauthorized?.()
      // The last good history stays shown; the columns are a help, not the state.
      error.value = res.error
    }
  }

  function follow(): () => void {
    void load()
    const timer: TimerHandle = deps.clock.setInterval(() => void load(), HISTORY_REFRESH_MS)
    return () => {
      deps.clock.clearInterval(timer)
      inflight?.abort()
      inflight = null
    }
  }

  return { byCode, span, silentProbes, error, load, follow }
})

/** An instance of {@link HistoryModel}. */
export type HistoryModel = InstanceType<typeof HistoryModel>
