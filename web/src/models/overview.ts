/**
 * The province overview as live state: loaded once from `GET /api/v1/overview`, then kept
 * current by `delta` messages from the live socket (SPEC §8).
 * @module
 */
import { computed, createModel, effect, signal, type ReadonlySignal } from '@preact/signals'
import type { CommuneSummary, LiveMessage, Overview, StateCounts } from '../../../protocol'
import type { Api, ApiError } from '../api'
import type { Clock, TimerHandle } from './clock'
import { attentionOrder, mergeByKey } from './communes'

/** Lifecycle of a fetched resource. */
export type LoadStatus = 'idle' | 'loading' | 'ready' | 'error'

type Delta = Extract<LiveMessage, { type: 'delta' }>

/** Dependencies of {@link OverviewModel}. */
export interface OverviewDeps {
  api: Api
  /**
   * Coalesce deltas arriving within this many ms into one update (one re-render of 3,321 map
   * markers and table rows instead of one per message). Needs `clock`. Default 0: apply each
   * delta at once.
   */
  coalesceMs?: number
  clock?: Pick<Clock, 'setTimeout' | 'clearTimeout'>
  /** Communes with a flapping target (from open incidents); they need attention even when ok. */
  flapping?: ReadonlySignal<ReadonlySet<string>>
}

/** Read-only view of the overview state plus its actions. */
export interface OverviewState {
  /** The last loaded overview with every delta since applied; null before the first load. */
  overview: ReadonlySignal<Overview | null>
  status: ReadonlySignal<LoadStatus>
  error: ReadonlySignal<ApiError | null>
  communes: ReadonlySignal<readonly CommuneSummary[]>
  counts: ReadonlySignal<StateCounts | null>
  /** Non-ok and flapping communes, most urgent first (see `attentionOrder`). */
  attention: ReadonlySignal<readonly CommuneSummary[]>
  /** Server time of the newest data shown (overview `generatedAt` or last delta `at`), epoch ms. */
  dataTime: ReadonlySignal<number | null>
  /** Fetches the overview. Never rejects; failures land in `error`. */
  load: () => Promise<void>
  /** Applies one live message: merge a delta, refetch on `reload` or on a reconnect's `hello`. */
  applyLive: (msg: LiveMessage) => void
}

/**
 * Overview model. Deltas that arrive while a load is in flight are buffered and replayed on
 * top of the loaded snapshot when they are newer than it, so nothing is lost in the window
 * between the socket opening and the fetch completing.
 */
export const OverviewModel = createModel((deps: OverviewDeps): OverviewState => {
  const overview = signal<Overview | null>(null, { name: 'overview' })
  const status = signal<LoadStatus>('idle', { name: 'overview-status' })
  const error = signal<ApiError | null>(null, { name: 'overview-error' })
  const dataTime = signal<number | null>(null, { name: 'overview-data-time' })
  const communes = computed(() => overview.value?.communes ?? [], { name: 'overview-communes' })
  const counts = computed(() => overview.value?.counts ?? null, { name: 'overview-counts' })
  const attention = computed(() => attentionOrder(communes.value, deps.flapping?.value), { name: 'overview-attention' })

  let pending: Delta[] = []
  let inflight: AbortController | null = null
  // Server times (ms) of the loaded snapshot and of the newest socket hello. A snapshot
  // generated before the socket's hello may miss changes made in between, which no later
  // delta would repeat; one generated after it is complete.
  let snapshotAt: number | null = null
  let helloAt: number | null = null

  function merge(deltas: readonly Delta[]): void {
    const current = overview.peek()
    if (!current) return
    const base = dataTime.peek()
    // A delta older than the snapshot is already contained in it.
    const fresh = deltas.filter((d) => base === null || Date.parse(d.at) >= base)
    const last = fresh[fresh.length - 1]
    if (!last) return
    overview.value = {
      ...current,
      counts: last.counts,
      communes: mergeByKey(current.communes, fresh.flatMap((d) => d.communes), (c) => c.code) as CommuneSummary[],
    }
    dataTime.value = Date.parse(last.at)
  }

  const coalesceMs = deps.coalesceMs ?? 0
  let queued: Delta[] = []
  let flushTimer: TimerHandle | null = null
  function flush(): void {
    flushTimer = null
    const batch = queued
    queued = []
    merge(batch)
  }
  function enqueue(delta: Delta): void {
    if (coalesceMs <= 0 || !deps.clock) {
      merge([delta])
      return
    }
    queued.push(delta)
    if (flushTimer === null) flushTimer = deps.clock.setTimeout(flush, coalesceMs)
  }

  // Disposing the model drops a pending flush.
  effect(() => () => {
    if (flushTimer !== null) deps.clock?.clearTimeout(flushTimer)
    flushTimer = null
  })

  async function load(): Promise<void> {
    inflight?.abort()
    const ctrl = new AbortController()
    inflight = ctrl
    status.value = 'loading'
    const res = await deps.api.overview(ctrl.signal)
    if (ctrl !== inflight) return // superseded by a newer load
    inflight = null
    if (!res.ok) {
      error.value = res.error
      status.value = 'error'
      pending = []
      return
    }
    overview.value = res.data
    snapshotAt = Date.parse(res.data.generatedAt)
    dataTime.value = snapshotAt
    error.value = null
    status.value = 'ready'
    const replay = pending
    pending = []
    merge(replay)
    if (helloAt !== null && snapshotAt < helloAt) void load()
  }

  function applyLive(msg: LiveMessage): void {
    switch (msg.type) {
      case 'delta':
        if (status.peek() === 'loading') pending.push(msg)
        else enqueue(msg)
        return
      case 'reload':
        void load()
        return
      case 'hello': {
        // A (re)connected socket: deltas sent while it was down are lost, so a snapshot
        // older than this hello is resynchronised. A load in flight checks on completion.
        helloAt = Date.parse(msg.serverTime)
        const st = status.peek()
        if (st === 'error' || (st === 'ready' && (snapshotAt === null || snapshotAt < helloAt))) void load()
        return
      }
    }
  }

  return { overview, status, error, communes, counts, attention, dataTime, load, applyLive }
})

/** An instance of {@link OverviewModel}. */
export type OverviewModel = InstanceType<typeof OverviewModel>
