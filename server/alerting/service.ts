/**
 * Alerting, composed: state engine → alerts → incidents → dispatcher → outbox → notifiers.
 * `tick()` runs one evaluation; everything persistent lives in SQLite.
 * @module
 */
import type { Logger } from 'pino'
import type { ExternalAlert, IncidentView, Severity } from '../../protocol'
import { Severity as SeveritySchema } from '../../protocol'
import type { ServerConfig } from '../config'
import type { StateEngine } from '../state/engine'
import type { OutboxRow } from '../store/schema'
import type { Store } from '../store/store'
import { evaluateAlerts, labelsFingerprint } from './alerts'
import { createDispatcher } from './dispatcher'
import { IncidentStore, incidentView, syncIncidents, type IncidentChanges } from './incidents'
import { createMaintenanceIndex, listMaintenance, type MaintenanceIndex } from './maintenance'
import { createNotifier, notifierDefinition } from './notifiers/index'
import { createOutbox } from './outbox'
import { loadRouteGroups, type RouteGroup } from './routing'
import { findSilence, listSilences, type Silence } from './silences'
import { AppError } from '../errors'

export interface AlertingDeps {
  store: Store
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
  const externalEnds = new Map<string, number>()

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
    store,
    config: config.alerting,
    log,
    now,
    fetch: deps.fetch,
    destination(groupName, channelIndex) {
      const g = groups.find((x) => x.name === groupName)
      const channel = g?.channels[channelIndex]
      if (!g || !channel) return undefined
      return { notifier: createNotifier(channel), perMinute: notifierDefinition(channel.type).perMinute, language: g.language }
    },
    onOutcome(row: OutboxRow, outcome, error) {
      deps.onDelivery?.(row.channelType, outcome)
      if (outcome === 'retry' || outcome === 'collapsed') return
      for (const id of row.incidentIds) {
        incidents.event(id, outcome === 'sent' ? 'notified' : 'notify_failed', null, outcome === 'sent' ? row.destination : `${row.destination}: ${error ?? ''}`)
      }
    },
  })

  const dispatcher = createDispatcher({
    store,
    incidents,
    outbox,
    config: config.alerting,
    publicUrl: deps.publicUrl,
    groups: () => groups,
    silenced: (labels) => findSilence(silences, labels, now()) !== undefined,
    inMaintenance: (targetId) => maintenance.targetInMaintenance(targetId, now()) !== undefined,
    now,
  })

  /** External (Prometheus) alerts whose end passed are resolved. */
  function expireExternal(changes: IncidentChanges): void {
    for (const [key, row] of incidents.active()) {
      if (!key.startsWith('ext:')) continue
      const ends = externalEnds.get(key) ?? row.openedAt + EXTERNAL_RESOLVE_TIMEOUT_MS
      if (ends <= now()) {
        incidents.resolve(row.id, 'alert ended (endsAt passed or not re-sent)')
        externalEnds.delete(key)
        changes.resolved.push(row)
      }
    }
  }

  /** One evaluation round; deliveries run in the background. */
  function tick(): void {
    const statuses = engine.targetStatuses()
    const { alerts, unknownTargets } = evaluateAlerts({
      targets: statuses,
      parents,
      communes,
      province: deps.province().code,
      inMaintenance: (id) => maintenance.targetInMaintenance(id, now()) !== undefined,
    })
    const flapping = new Set(statuses.filter((t) => t.flapping).map((t) => t.id))
    const changes = store.transaction(() => {
      const c = syncIncidents(incidents, alerts, unknownTargets, flapping)
      expireExternal(c)
      return c
    })
    dispatcher.tick(changes)
    void outbox.deliverDue().catch((err: unknown) => log.error({ err }, 'outbox delivery round failed'))
  }

  /**
   * Accepts Alertmanager-style alerts (`POST /api/v2/alerts`): each opens or refreshes an
   * incident routed like Xanh's own; `endsAt` in the past resolves it.
   */
  function receiveExternal(batch: ExternalAlert[]): { accepted: number } {
    store.transaction(() => {
      const active = incidents.active()
      for (const a of batch) {
        const labels = { ...a.labels }
        const commune = labels.commune_code ? communes.get(labels.commune_code) : undefined
        if (commune) {
          labels.commune ??= commune.name
          labels.cluster ??= commune.cluster
        }
        const key = `ext:${labelsFingerprint(a.labels)}`
        const startsAt = a.startsAt ? Date.parse(a.startsAt) : now()
        const endsAt = a.endsAt ? Date.parse(a.endsAt) : now() + EXTERNAL_RESOLVE_TIMEOUT_MS
        const sev = SeveritySchema.safeParse(labels.severity)
        const severity: Severity = sev.success ? sev.data : 'warning'
        const existing = active.get(key)
        if (endsAt <= now()) {
          if (existing) incidents.resolve(existing.id, 'resolved by the sender')
          externalEnds.delete(key)
          continue
        }
        externalEnds.set(key, endsAt)
        if (existing) continue
        incidents.open(
          {
            fingerprint: key,
            alertname: labels.alertname ?? 'external',
            severity,
            targetId: null,
            communeCode: labels.commune_code ?? null,
            labels,
            annotations: a.annotations,
            affectedCommunes: 0,
            flapping: false,
            startsAt,
          },
          (a.annotations.summary ?? a.annotations.description ?? labels.alertname ?? 'external alert').slice(0, 500),
        )
      }
    })
    return { accepted: batch.length }
  }

  function list(state: 'open' | 'all', limit: number): IncidentView[] {
    return incidents.list({ state, limit }).map((r) => incidentView(r))
  }

  function get(id: number): IncidentView {
    const row = incidents.get(id)
    if (!row) throw new AppError('E_NOT_FOUND', `no incident ${id}`)
    return incidentView(row, incidents.timeline(id))
  }

  function ack(id: number, actor: string, comment: string): IncidentView {
    const row = incidents.ack(id, actor, comment)
    return incidentView(row, incidents.timeline(id))
  }

  /** Queues a test message to every channel of the named group. */
  function sendTest(groupName: string): void {
    const g = groups.find((x) => x.name === groupName)
    if (!g) throw new AppError('E_NOT_FOUND', `no support group ${groupName}`)
    dispatcher.sendTest(g)
    void outbox.deliverDue()
  }

  reload()
  return { tick, reload, receiveExternal, list, get, ack, sendTest, outbox, incidents }
}

export type Alerting = ReturnType<typeof createAlerting>
