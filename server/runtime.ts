/**
 * Wires the server's parts over an opened database: store, engine, metrics, app, live hub.
 * No listening and no timers here; `main.ts` owns those.
 * @module
 */
import type { Logger } from 'pino'
import { createApp, type AppEnv } from './app'
import { createAlerting, type Alerting } from './alerting/service'
import type { ServerConfig } from './config'
import { DEMO_SETTING } from './demo/seed'
import { createLiveHub, type LiveHub } from './live'
import { createMetrics, type Metrics } from './metrics'
import { StateEngine, type CommuneMeta, type TargetMeta } from './state/engine'
import type { OpenedDb } from './store/db'
import { Store } from './store/store'
import type { Hono } from 'hono'
import type { CheckKind, CommuneKind, TargetRole } from '../protocol'

export interface ServerRuntime {
  store: Store
  engine: StateEngine
  metrics: Metrics
  hub: LiveHub
  alerting: Alerting
  app: Hono<AppEnv>
  /** Re-reads inventory into the engine and tells dashboards to reload. */
  reloadInventory(): void
  /** Advances the clock-driven part of the engine and pushes changes to dashboards. */
  tick(): void
  /** Cancels pending work (debounced reloads) and closes the live hub; the database stays open. */
  close(): Promise<void>
}

export interface RuntimeOptions {
  config: ServerConfig
  log: Logger
  opened: OpenedDb
  webRoot?: string
  now?: () => number
  /** HTTP client of the notifiers (tests inject one; default global fetch). */
  fetch?: typeof fetch
}

/** Builds the runtime and loads the inventory and the recent window of results into the engine. */
export function createServerRuntime(opts: RuntimeOptions): ServerRuntime {
  const { config, log } = opts
  const now = opts.now ?? Date.now
  const store = new Store(opts.opened.sqlite, opts.opened.db)
  const engine = new StateEngine(config.state, config.thresholds, now)
  const isDemo = (): boolean => store.getSetting(DEMO_SETTING) === '1'
  let province = { code: 'VN', name: 'Tỉnh' }
  const readProvince = (): void => {
    province = {
      code: config.provinceCode ?? store.getSetting('province.code') ?? 'VN',
      name: config.provinceName ?? store.getSetting('province.name') ?? 'Tỉnh',
    }
  }
  let probeCache = store.listProbes()

  const loadInventory = (): void => {
    readProvince()
    probeCache = store.listProbes()
    const gapCounts = new Map<string, number>()
    for (const g of store.listGaps()) if (g.fixedAt === null) gapCounts.set(g.communeCode, (gapCounts.get(g.communeCode) ?? 0) + 1)
    const communes: CommuneMeta[] = store.listCommunes().map((c) => ({
      code: c.code,
      name: c.name,
      kind: c.kind as CommuneKind,
      cluster: c.districtCluster,
      lat: c.lat,
      lon: c.lon,
      contractedMbps: c.contractedMbps,
      priority: c.priority,
      notes: c.notes,
      openGaps: gapCounts.get(c.code) ?? 0,
      thresholds: c.thresholds,
    }))
    const targets: TargetMeta[] = store.listTargets().map((t) => ({
      id: t.id,
      communeCode: t.communeCode,
      name: t.name,
      kind: t.kind as CheckKind,
      role: t.role as TargetRole,
      host: t.host,
      port: t.port,
      intervalSeconds: t.intervalS,
      parents: t.parents,
      enabled: t.enabled,
      thresholds: t.thresholds,
    }))
    engine.setInventory(communes, targets)
  }

  const hub = createLiveHub({ log, isDemo, now, heartbeatMs: 5000 })
  const metrics = createMetrics({
    engine,
    demo: isDemo,
    province: () => province,
    probes: () => probeCache.map((p) => ({ name: p.name, lastSeenAt: p.lastSeenAt, spoolBatches: p.spoolBatches })),
  })

  const alerting = createAlerting({
    store,
    engine,
    config,
    log: log.child({ component: 'alerting' }),
    now,
    fetch: opts.fetch ?? fetch,
    publicUrl: () => config.publicUrl ?? `http://localhost:${config.port}`,
    province: () => province,
    onDelivery: (channel, outcome) => metrics.notifications.inc({ channel, result: outcome }),
  })

  let reloadTimer: NodeJS.Timeout | undefined
  const reloadInventory = (): void => {
    loadInventory()
    alerting.reload()
    hub.reload()
  }
  const app = createApp({
    store,
    engine,
    metrics,
    alerting,
    log,
    config,
    isDemo,
    province: () => province,
    // Bulk edits (an import of 3,000 rows) arrive as many calls; reload once they settle.
    onInventoryChanged: () => {
      if (reloadTimer) clearTimeout(reloadTimer)
      reloadTimer = setTimeout(reloadInventory, 200)
      reloadTimer.unref()
    },
    ...(opts.webRoot !== undefined ? { webRoot: opts.webRoot } : {}),
    now,
  })

  loadInventory()
  // Warm the windows from the database so a restart does not forget the last 15 minutes.
  const since = now() - config.state.windowSeconds * 1000
  engine.ingest(store.recentResults(since).map((r) => ({ ...r })))

  let lastProbeRefresh = 0
  return {
    store,
    engine,
    metrics,
    hub,
    alerting,
    app,
    reloadInventory,
    tick() {
      engine.tick()
      alerting.tick()
      hub.publish(engine.drainChanges(), engine.counts())
      if (now() - lastProbeRefresh > 5000) {
        probeCache = store.listProbes()
        lastProbeRefresh = now()
      }
    },
    close() {
      if (reloadTimer) clearTimeout(reloadTimer)
      return hub.close()
    },
  }
}
