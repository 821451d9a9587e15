/**
 * Incidents, silences and maintenance windows (SPEC §6, alerts page). Open incidents are
 * refetched shortly after live deltas (incidents follow target states), never more often
 * than `refreshMinMs`, so a province-wide outage does not turn into a request storm.
 * @module
 */
import { computed, createModel, effect, signal, type ReadonlySignal, type Signal } from '@preact/signals'
import type { IncidentView, LiveMessage, MaintenanceInput } from '../../../protocol'
import type { Api, ApiError, ApiResult } from '../api'
import type { SilenceView, MaintenanceView } from '../wire'
import type { Clock, TimerHandle } from './clock'
import { foldSearch } from './communes'
import type { LoadStatus } from './overview'

/** A list loaded from the server. */
export interface Loaded<T> {
  status: LoadStatus
  data: T | null
  error: ApiError | null
}

/** The initial value of a {@link Loaded}. */
export const IDLE: Loaded<never> = { status: 'idle', data: null, error: null }

/**
 * Fetches into a {@link Loaded} signal, keeping the previous data on screen while loading and
 * after a failure (a refresh that fails should not blank a list staff are reading).
 */
export async function loadInto<T>(target: Signal<Loaded<T>>, fetch: () => Promise<ApiResult<T>>): Promise<void> {
  target.value = { status: 'loading', data: target.peek().data, error: null }
  const r = await fetch()
  target.value = r.ok ? { status: 'ready', data: r.data, error: null } : { status: 'error', data: target.peek().data, error: r.error }
}

/** Result of a write action, for forms to render. */
export type ActionResult = { ok: true } | { ok: false; error: ApiError }

/** Dependencies of {@link AlertsModel}. */
export interface AlertsDeps {
  api: Api
  clock: Clock
  /** Minimum spacing of refetches triggered by live deltas. Default 5 s. */
  refreshMinMs?: number
  /** Told when a write was refused because the session expired. */
  onUnauthorized?: () => void
}

/** A new silence as the form collects it (times as epoch ms). */
export interface SilenceDraft {
  matchers: { name: string; value: string; isRegex: boolean; isEqual: boolean }[]
  startsAtMs: number
  endsAtMs: number
  comment: string
}

/** Which open incidents the list shows. */
export interface OpenFilters {
  show: 'all' | 'unacked' | 'acked'
  severity: 'all' | 'critical' | 'warning'
  /** Free text, matched accent-insensitively against commune, code, cluster, target and summary. */
  query: string
}

const severityRank = (s: string): number => (s === 'critical' ? 2 : s === 'warning' ? 1 : 0)

/**
 * The open incidents as listed: unacknowledged first, then outages, then by severity, then the
 * oldest. Incidents in `keepInPlace` (acknowledged here a moment ago) sort and filter as if still
 * unacknowledged, so the row that was just acknowledged stays under the operator's eyes with its
 * confirmation instead of jumping down the list (or out of an "unacknowledged" filter).
 */
export function orderOpenIncidents(list: readonly IncidentView[], f: OpenFilters, keepInPlace: ReadonlySet<number>): IncidentView[] {
  const q = foldSearch(f.query.trim())
  const unacked = (i: IncidentView): boolean => i.state === 'open' || keepInPlace.has(i.id)
  return list
    .filter(
      (i) =>
        (f.show === 'all' || (f.show === 'unacked' ? unacked(i) : i.state !== 'open')) &&
        (f.severity === 'all' || i.severity === f.severity) &&
        (!q || foldSearch(`${i.communeName ?? ''} ${i.communeCode ?? ''} ${i.cluster ?? ''} ${i.targetName ?? ''} ${i.summary}`).includes(q)),
    )
    .sort(
      (a, b) =>
        (unacked(a) ? 0 : 1) - (unacked(b) ? 0 : 1) ||
        (a.alertname === 'XanhTargetDown' ? 0 : 1) - (b.alertname === 'XanhTargetDown' ? 0 : 1) ||
        severityRank(b.severity) - severityRank(a.severity) ||
        a.openedAt.localeCompare(b.openedAt) ||
        a.id - b.id,
    )
}

/** A one-click silence length: its end and, for "until the morning", the local date it ends on. */
export interface SilenceOption {
  id: '1h' | '4h' | 'morning'
  untilMs: number
  /** `dd/MM` of the end (Vietnam time), for the "until 08:00 on …" label. */
  date: string
}

/** The hour staff are back at the office (Vietnam time): night outages wait for it. */
export const MORNING_HOUR = 8
const VN_OFFSET_MS = 7 * 3600_000

/**
 * The lengths offered by "silence this commune": 1 h (someone is already fixing it), 4 h (a
 * technician is driving out to the commune) and until 08:00 Vietnam time (nothing will be done
 * before the office opens: no pages all night). The morning option is the first 08:00 more than
 * 4 h away, so it is always the longest of the three.
 */
export function silenceOptions(nowMs: number): SilenceOption[] {
  const ddmm = (ms: number): string => {
    const d = new Date(ms + VN_OFFSET_MS)
    return `${String(d.getUTCDate()).padStart(2, '0')}/${String(d.getUTCMonth() + 1).padStart(2, '0')}`
  }
  const local = new Date(nowMs + VN_OFFSET_MS)
  let morning = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate(), MORNING_HOUR) - VN_OFFSET_MS
  while (morning <= nowMs + 4 * 3600_000) morning += 86_400_000
  return [
    { id: '1h', untilMs: nowMs + 3600_000, date: ddmm(nowMs + 3600_000) },
    { id: '4h', untilMs: nowMs + 4 * 3600_000, date: ddmm(nowMs + 4 * 3600_000) },
    { id: 'morning', untilMs: morning, date: ddmm(morning) },
  ]
}

/** Alerts page state plus actions. */
export interface AlertsState {
  open: ReadonlySignal<Loaded<IncidentView[]>>
  history: ReadonlySignal<Loaded<IncidentView[]>>
  silences: ReadonlySignal<Loaded<SilenceView[]>>
  maintenance: ReadonlySignal<Loaded<MaintenanceView[]>>
  /** Commune codes with a flapping open incident (the overview lists them as needing attention). */
  flappingCommunes: ReadonlySignal<ReadonlySet<string>>
  /** Incidents acknowledged from this page since it was opened: they keep their place in the list. */
  justAcked: ReadonlySignal<ReadonlySet<number>>
  /** Forgets {@link justAcked} (leaving the page): the next visit lists them in their usual order. */
  forgetJustAcked: () => void
  /** Incident whose timeline is shown, with its detail once loaded. */
  selected: ReadonlySignal<{ id: number; detail: Loaded<IncidentView> } | null>
  loadOpen: () => Promise<void>
  loadHistory: () => Promise<void>
  /** Silences and maintenance (operator routes; E_UNAUTHORIZED when signed out). */
  loadSchedules: () => Promise<void>
  /** Shows an incident's timeline; the same id again hides it. */
  toggleTimeline: (id: number) => Promise<void>
  /** Acknowledges with a (required, non-blank) comment. */
  ack: (id: number, comment: string) => Promise<ActionResult>
  createSilence: (draft: SilenceDraft) => Promise<ActionResult>
  /**
   * Silences one commune from now until `untilMs`: exactly `commune_code=<code>` (equality, no
   * regex), so its neighbours still page. The open incidents are re-read to show it muted.
   */
  silenceCommune: (code: string, untilMs: number, comment: string) => Promise<{ ok: true; silence: SilenceView } | { ok: false; error: ApiError }>
  expireSilence: (id: number) => Promise<ActionResult>
  createMaintenance: (input: Omit<MaintenanceInput, 'createdBy'>) => Promise<ActionResult>
  deleteMaintenance: (id: number) => Promise<ActionResult>
  applyLive: (msg: LiveMessage) => void
}

/** Alerts model. */
export const AlertsModel = createModel((deps: AlertsDeps): AlertsState => {
  const { api, clock } = deps
  const minMs = deps.refreshMinMs ?? 5_000
  const open = signal<Loaded<IncidentView[]>>(IDLE, { name: 'alerts-open' })
  const history = signal<Loaded<IncidentView[]>>(IDLE, { name: 'alerts-history' })
  const silences = signal<Loaded<SilenceView[]>>(IDLE, { name: 'alerts-silences' })
  const maintenance = signal<Loaded<MaintenanceView[]>>(IDLE, { name: 'alerts-maintenance' })
  const selected = signal<{ id: number; detail: Loaded<IncidentView> } | null>(null, { name: 'alerts-selected' })
  const historyWanted = signal(false, { name: 'alerts-history-wanted' })
  const justAcked = signal<ReadonlySet<number>>(new Set(), { name: 'alerts-just-acked' })
  const flappingCommunes = computed(
    () => new Set((open.value.data ?? []).filter((i) => i.flapping && i.communeCode !== null).map((i) => i.communeCode as string)),
    { name: 'alerts-flapping' },
  )

  const loadOpen = () => loadInto(open, () => api.incidents('open', 500))
  const loadHistory = () => {
    historyWanted.value = true
    return loadInto(history, () => api.incidents('all', 300))
  }
  const loadSchedules = async () => {
    await Promise.all([loadInto(silences, () => api.silences()), loadInto(maintenance, () => api.maintenance())])
  }

  async function loadDetail(id: number): Promise<void> {
    selected.value = { id, detail: { status: 'loading', data: null, error: null } }
    const r = await api.incident(id)
    if (selected.peek()?.id !== id) return
    selected.value = { id, detail: r.ok ? { status: 'ready', data: r.data, error: null } : { status: 'error', data: null, error: r.error } }
  }

  function settle(r: { ok: true } | { ok: false; error: ApiError }): ActionResult {
    if (!r.ok && r.error.code === 'E_UNAUTHORIZED') deps.onUnauthorized?.()
    return r.ok ? { ok: true } : { ok: false, error: r.error }
  }

  let timer: TimerHandle | null = null
  let lastRefresh = 0
  function scheduleRefresh(): void {
    if (timer !== null) return
    const wait = Math.max(0, lastRefresh + minMs - clock.now())
    timer = clock.setTimeout(() => {
      timer = null
      lastRefresh = clock.now()
      void loadOpen()
      if (historyWanted.peek()) void loadInto(history, () => api.incidents('all', 300))
      const sel = selected.peek()
      if (sel) void loadDetail(sel.id)
    }, wait)
  }
  // Disposing the model cancels a pending refresh.
  effect(() => () => {
    if (timer !== null) clock.clearTimeout(timer)
    timer = null
  })

  return {
    open,
    history,
    silences,
    maintenance,
    flappingCommunes,
    justAcked,
    forgetJustAcked: () => {
      justAcked.value = new Set()
    },
    selected,
    loadOpen,
    loadHistory,
    loadSchedules,
    toggleTimeline: async (id) => {
      if (selected.peek()?.id === id) {
        selected.value = null
        return
      }
      await loadDetail(id)
    },
    ack: async (id, comment) => {
      if (comment.trim() === '') return { ok: false, error: { code: 'E_VALIDATION', message: 'comment required', path: 'comment' } }
      const r = await api.ack(id, comment.trim())
      if (r.ok) {
        const replace = (list: IncidentView[] | null) => list?.map((i) => (i.id === id ? { ...r.data, timeline: i.timeline } : i)) ?? null
        justAcked.value = new Set([...justAcked.peek(), id])
        open.value = { ...open.peek(), data: replace(open.peek().data) }
        history.value = { ...history.peek(), data: replace(history.peek().data) }
        if (selected.peek()?.id === id) void loadDetail(id)
      }
      return settle(r)
    },
    createSilence: async (d) => {
      const r = await api.createSilence({ matchers: d.matchers, startsAt: new Date(d.startsAtMs).toISOString(), endsAt: new Date(d.endsAtMs).toISOString(), comment: d.comment })
      if (r.ok) void loadInto(silences, () => api.silences())
      return settle(r)
    },
    silenceCommune: async (code, untilMs, comment) => {
      const r = await api.createSilence({
        matchers: [{ name: 'commune_code', value: code, isRegex: false, isEqual: true }],
        startsAt: new Date(clock.now()).toISOString(),
        endsAt: new Date(untilMs).toISOString(),
        comment,
      })
      if (!r.ok) return settle(r) as { ok: false; error: ApiError }
      void loadOpen()
      if (silences.peek().status !== 'idle') void loadInto(silences, () => api.silences())
      return { ok: true, silence: r.data }
    },
    expireSilence: async (id) => {
      const r = await api.expireSilence(id)
      if (r.ok) void loadInto(silences, () => api.silences())
      return settle(r)
    },
    createMaintenance: async (input) => {
      const r = await api.createMaintenance(input)
      if (r.ok) void loadInto(maintenance, () => api.maintenance())
      return settle(r)
    },
    deleteMaintenance: async (id) => {
      const r = await api.deleteMaintenance(id)
      if (r.ok) void loadInto(maintenance, () => api.maintenance())
      return settle(r)
    },
    applyLive: (msg) => {
      // Incidents open and resolve with target changes; a hello may follow missed ones.
      if (msg.type === 'delta' && msg.targets.length === 0 && msg.communes.length === 0) return
      scheduleRefresh()
    },
  }
})

/** An instance of {@link AlertsModel}. */
export type AlertsModel = InstanceType<typeof AlertsModel>
