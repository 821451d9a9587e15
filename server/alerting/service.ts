/**
 * Alerting, composed: state engine → alerts → incidents → dispatcher → outbox → notifiers.
 * `tick()` runs one evaluation; everything persistent lives in SQLite.
 * @module
 */
import type { Logger } from 'pino'
import { performance } from 'node:perf_hooks'
import { ChannelErrorCode, type ChannelConfig, type ChannelHealth, type ChannelTestResult, type IncidentView } from '../../protocol'
import type { ServerConfig } from '../config'
import type { AlertChannelFact } from '../metrics'
import type { StateEngine } from '../state/engine'
import type { Store } from '../store/store'
import type { AlertingRepos, OutboxRow } from '../store/types'
import { evaluateAlerts } from './alerts'
import { createDispatcher } from './dispatcher'
import { createExternalAlerts } from './external'
import { IncidentStore, incidentView, syncIncidents } from './incidents'
import { createMaintenanceIndex, listMaintenance, type MaintenanceIndex } from './maintenance'
import { NotifierError, type SendOutcome } from './notifier'
import { channelConfigHash, createNotifier, notifierDefinition } from './notifiers/index'
import { createOutbox, type Destination } from './outbox'
import { loadRouteGroups, type RouteGroup } from './routing'
import { findSilence, listSilences, type Silence } from './silences'
import { AppError } from '../errors'

/**
 * What alerting reads and writes: its own state (the Store's SQLite repositories, or in-memory
 * ones in tests) and, of the rest, the little of the inventory it routes by and the audit log.
 * The Store is one.
 */
export interface AlertingStore extends AlertingRepos {
  listTargets(): Array<{ id: string; communeCode: string; parents: string[] }>
  listCommunes(): Array<{ code: string; name: string; districtCluster: string }>
  getCommune(code: string): { name: string; districtCluster: string } | undefined
  audit: Store['audit']
}

export interface AlertingDeps {
  store: AlertingStore
  engine: StateEngine
  config: ServerConfig
  log: Logger
  now: () => number
  fetch: typeof fetch
  publicUrl: () => string
  province: () => { code: string; name: string }
  /** Counts deliveries per channel type and outcome (metrics). */
  onDelivery?: (channelType: string, outcome: 'sent' | 'retry' | 'dead' | 'collapsed') => void
}

/** Alertmanager's resolve_timeout: an external alert not re-sent within it resolves. */
const EXTERNAL_RESOLVE_TIMEOUT_MS = 5 * 60_000

/** Builds the alerting service over the store and engine. */
export function createAlerting(deps: AlertingDeps) {
  const { store, engine, config, log, now } = deps
  const incidents = new IncidentStore(store, now)
  let groups: RouteGroup[] = []
  let silences: Silence[] = []
  let maintenance: MaintenanceIndex = createMaintenanceIndex([], { targets: [], communes: [] })
  let parents = new Map<string, string[]>()
  let communes = new Map<string, { name: string; cluster: string }>()

  /** Re-reads groups, silences, maintenance and topology (after any inventory or settings change). */
  function reload(): void {
    groups = loadRouteGroups(store)
    silences = listSilences(store)
    const targets = store.listTargets()
    parents = new Map(targets.map((t) => [t.id, t.parents]))
    const communeRows = store.listCommunes()
    communes = new Map(communeRows.map((c) => [c.code, { name: c.name, cluster: c.districtCluster }]))
    maintenance = createMaintenanceIndex(listMaintenance(store), {
      targets: targets.map((t) => ({ id: t.id, communeCode: t.communeCode, parents: t.parents })),
      communes: communeRows.map((c) => ({ code: c.code, cluster: c.districtCluster })),
    })
  }

  const outbox = createOutbox({
    repos: store,
    config: config.alerting,
    log,
    now,
    fetch: deps.fetch,
    destination(groupName, channelIndex) {
      const g = groups.find((x) => x.name === groupName)
      return g ? destinationOf(g, channelIndex) : undefined
    },
    onOutcome(row: OutboxRow, outcome, error) {
      deps.onDelivery?.(row.channelType, outcome)
      if (outcome === 'retry' || outcome === 'collapsed') return
      for (const id of row.incidentIds) {
        incidents.event(id, outcome === 'sent' ? 'notified' : 'notify_failed', null, outcome === 'sent' ? row.destination : `${row.destination}: ${error ?? ''}`)
      }
    },
    onChannelUpdate: (dest, update) => updateChannel(dest.groupId, dest.channelIndex, update),
    onOverdue(row, ageSeconds) {
      for (const id of row.incidentIds) {
        incidents.event(id, 'notify_overdue', null, `${row.destination}: ${Math.round(ageSeconds / 60)} min${row.lastError ? ` — ${row.lastError}` : ''}`)
      }
    },
  })

  /** The live destination of a group's channel: its notifier, its rotated credentials and its health key. */
  function destinationOf(g: RouteGroup, channelIndex: number): Destination | undefined {
    const channel = g.channels[channelIndex]
    if (!channel) return undefined
    const configHash = channelConfigHash(channel)
    const state = store.channels.get(g.id, channelIndex, configHash)
    return {
      notifier: createNotifier(channel),
      perMinute: notifierDefinition(channel.type).perMinute,
      language: g.language,
      groupId: g.id,
      channelIndex,
      configHash,
      credentials: {
        load: () => store.channels.credentials(g.id, channelIndex),
        save: (value) => store.channels.saveCredentials(g.id, channelIndex, configHash, value, now()),
      },
      disabledReason: state?.disabledAt != null ? (state.disabledReason ?? 'disabled') : null,
    }
  }

  /**
   * Follows a provider's move of a destination (a Telegram group upgraded to a supergroup): the
   * stored channel config changes, audited as done by Xanh, and its health carries over.
   */
  function updateChannel(groupId: number, channelIndex: number, update: NonNullable<SendOutcome['channelUpdate']>): void {
    const g = groups.find((x) => x.id === groupId)
    const channel = g?.channels[channelIndex]
    if (!g || !channel || !(update.field in channel)) return
    const before = channel[update.field as keyof typeof channel]
    const next = { ...channel, [update.field]: update.value } as ChannelConfig
    const channels = g.channels.map((c, i) => (i === channelIndex ? next : c))
    store.transaction(() => {
      store.supportGroups.setChannels(groupId, channels)
      const health = store.channels.get(groupId, channelIndex, channelConfigHash(channel))
      if (health) store.channels.recordSuccess(groupId, channelIndex, channelConfigHash(next), now())
      store.audit('xanh', 'channel-update', 'group', String(groupId), { channel: channelIndex, field: update.field, before, after: update.value, reason: update.reason })
    })
    log.warn({ group: g.name, channel: channelIndex, field: update.field, before, after: update.value }, `alert channel updated: ${update.reason}`)
    reload()
  }

  /** Delivery health of every channel of a group, in channel order. */
  function channelHealth(groupId: number): ChannelHealth[] {
    const g = groups.find((x) => x.id === groupId)
    if (!g) return []
    const pending = outbox.pendingByDestination()
    const iso = (ms: number | null | undefined): string | null => (ms == null ? null : new Date(ms).toISOString())
    return g.channels.map((channel, i) => {
      const st = store.channels.get(g.id, i, channelConfigHash(channel))
      const p = pending.get(`${g.name}#${i}`)
      const overdue = p !== undefined && now() - p.oldestAt >= config.alerting.overdueSeconds * 1000
      const status: ChannelHealth['status'] =
        st?.disabledAt != null ? 'disabled' : st === undefined || st.lastAttemptAt === null ? (overdue ? 'failing' : 'unused') : st.consecutiveFailures === 0 ? (overdue ? 'failing' : 'ok') : st.lastErrorAction === 'retry' ? 'failing' : 'needs_admin'
      const code = ChannelErrorCode.safeParse(st?.lastErrorCode)
      return {
        status,
        lastAttemptAt: iso(st?.lastAttemptAt),
        lastSuccessAt: iso(st?.lastSuccessAt),
        lastErrorAt: iso(st?.lastErrorAt),
        lastError: st?.lastError ?? null,
        lastErrorAction: st?.lastErrorAction ?? null,
        lastErrorCode: code.success ? code.data : null,
        consecutiveFailures: st?.consecutiveFailures ?? 0,
        nextRetryAt: iso(st?.nextRetryAt),
        disabledAt: iso(st?.disabledAt),
        disabledReason: st?.disabledReason ?? null,
        pending: p?.pending ?? 0,
        oldestPendingAt: iso(p?.oldestAt),
        overdue,
      }
    })
  }

  /** Every channel's health with its group, for `/metrics`. */
  function channelFacts(): AlertChannelFact[] {
    return groups.flatMap((g) =>
      channelHealth(g.id).map((h, i) => ({
        channelId: `${g.id}-${i}`,
        type: g.channels[i]?.type ?? 'unknown',
        group: g.name,
        healthy: h.status === 'ok' || h.status === 'unused',
        disabled: h.status === 'disabled',
        consecutiveFailures: h.consecutiveFailures,
        lastSuccessAt: h.lastSuccessAt === null ? null : Date.parse(h.lastSuccessAt),
        pending: h.pending,
        oldestPendingAt: h.oldestPendingAt === null ? null : Date.parse(h.oldestPendingAt),
      })),
    )
  }

  /** Re-enables a channel its receiver disabled (410). @returns whether it was disabled */
  function enableChannel(groupId: number, channelIndex: number): boolean {
    return store.channels.enable(groupId, channelIndex)
  }

  /**
   * Sends a test message to every channel of a group now, bypassing the outbox, and returns
   * each service's real answer (its message id, or its error with what it needs) within the
   * send deadline. The outcome counts in each channel's health like any delivery.
   */
  async function testGroup(groupId: number): Promise<ChannelTestResult[]> {
    const g = groups.find((x) => x.id === groupId)
    if (!g) throw new AppError('E_NOT_FOUND', `no support group ${groupId}`)
    const message = dispatcher.testMessage(g)
    return Promise.all(
      g.channels.map(async (channel, index): Promise<ChannelTestResult> => {
        const dest = destinationOf(g, index) as Destination
        const started = performance.now()
        const base = { index, type: channel.type, destination: dest.notifier.destination }
        try {
          const outcome = await dest.notifier.send(
            { ...message, idempotencyKey: `${message.idempotencyKey}#${index}` },
            { signal: AbortSignal.timeout(config.alerting.sendTimeoutSeconds * 1000), fetch: deps.fetch, log, now, credentials: dest.credentials },
          )
          store.channels.recordSuccess(g.id, index, dest.configHash, now())
          if (outcome.channelUpdate) updateChannel(g.id, index, outcome.channelUpdate)
          return { ...base, ok: true, providerMessageId: outcome.providerMessageId ?? null, error: null, errorCode: null, action: null, milliseconds: performance.now() - started }
        } catch (e) {
          const err = e instanceof NotifierError ? e : new NotifierError(`internal: ${(e as Error).message}`, { retryable: true, code: 'provider_error' })
          store.channels.recordFailure(g.id, index, dest.configHash, { at: now(), error: err.message, action: err.action, code: err.code, nextRetryAt: null })
          if (err.disable) store.channels.disable(g.id, index, dest.configHash, now(), err.message)
          return { ...base, ok: false, providerMessageId: null, error: err.message, errorCode: err.code, action: err.action, milliseconds: performance.now() - started }
        }
      }),
    )
  }

  const dispatcher = createDispatcher({
    repos: store,
    incidents,
    outbox,
    config: config.alerting,
    publicUrl: deps.publicUrl,
    groups: () => groups,
    silenced: (labels) => findSilence(silences, labels, now()) !== undefined,
    inMaintenance: (targetId) => maintenance.targetInMaintenance(targetId, now()) !== undefined,
    now,
  })

  const external = createExternalAlerts({
    incidents,
    // reload() refreshes the cache after inventory edits (debounced); a commune created a moment ago is read directly.
    commune: (code) => {
      const cached = communes.get(code)
      if (cached) return cached
      const row = store.getCommune(code)
      return row ? { name: row.name, cluster: row.districtCluster } : undefined
    },
    now,
    resolveTimeoutMs: EXTERNAL_RESOLVE_TIMEOUT_MS,
  })

  /** One evaluation round; deliveries run in the background. */
  function tick(): void {
    // The engine's alert views, not full statuses: 10,000 of those built every second were most of the tick's CPU and garbage.
    const statuses = engine.alertTargets()
    const { alerts, unknownTargets } = evaluateAlerts({
      targets: statuses,
      parents,
      communes,
      province: deps.province().code,
      inMaintenance: (id) => maintenance.targetInMaintenance(id, now()) !== undefined,
      now: now(),
      windowMs: config.state.windowSeconds * 1000,
    })
    const flapping = new Set(statuses.filter((t) => t.flapping).map((t) => t.id))
    const changes = incidents.transaction(() => {
      const c = syncIncidents(incidents, alerts, unknownTargets, flapping, { figuresEveryMs: config.alerting.figuresRefreshSeconds * 1000, now: now() })
      external.expire(c)
      return c
    })
    dispatcher.tick(changes)
    void outbox.deliverDue().catch((err: unknown) => log.error({ err }, 'outbox delivery round failed'))
  }

  /**
   * Accepts Alertmanager-style alerts (`POST /api/v2/alerts`), each element checked on its own:
   * valid ones open, refresh or resolve incidents routed like Xanh's own (see external.ts).
   */
  const receiveExternal = external.receive

  // Which silence mutes an incident now, read from the store rather than the cache (reloaded
  // 200 ms after a write): the page re-reads incidents right after "silence this commune".
  const silenceOf = (row: { labels: Record<string, string> }, list = listSilences(store)): Silence | null => findSilence(list, row.labels, now()) ?? null

  function list(state: 'open' | 'all', limit: number): IncidentView[] {
    const current = listSilences(store)
    return incidents.list({ state, limit }).map((r) => incidentView(r, undefined, silenceOf(r, current)))
  }

  function get(id: number): IncidentView {
    const row = incidents.get(id)
    if (!row) throw new AppError('E_NOT_FOUND', `no incident ${id}`)
    return incidentView(row, incidents.timeline(id), silenceOf(row))
  }

  function ack(id: number, actor: string, comment: string): IncidentView {
    const row = incidents.ack(id, actor, comment)
    return incidentView(row, incidents.timeline(id), silenceOf(row))
  }


  reload()
  return { tick, reload, receiveExternal, list, get, ack, testGroup, channelHealth, channelFacts, enableChannel, outbox, incidents }
}

export type Alerting = ReturnType<typeof createAlerting>
