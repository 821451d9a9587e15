/**
 * Wires the server's parts over an opened database: store, engine, metrics, app, live hub.
 * No listening and no timers here; `main.ts` owns those.
 * @module
 */
import type { Logger } from 'pino'
import { createApp, type AppEnv } from './app'
import { createAlerting, type Alerting } from './alerting/service'
import type { ServerConfig } from './config'
import { loopUtilization, type LoopUtilization } from './loop-pressure'
import { DEMO_SETTING } from './demo/seed'
import { createLiveHub, type LiveHub } from './live'
import { cookieValue, SESSION_COOKIE, sessionIdentity } from './auth'
import type { HeapMode } from './heap-policy'
import { createMetrics, type Metrics } from './metrics'
import { StateLog } from './reports/state-log'
import { StateEngine, type CommuneMeta, type TargetMeta } from './state/engine'
import type { OpenedDb } from './store/db'
import type { Retention } from './store/retention'
import type { Rollups } from './store/rollups'
import type { LegacyMigration } from './store/results/legacy-migration'
import { Store } from './store/store'
import { createTestRuns, type TestRuns } from './test-runs'
import type { Hono } from 'hono'
import type { CheckKind, CommuneKind, CoverageGapKind, TargetRole } from '../protocol'

export interface ServerRuntime {
  store: Store
  engine: StateEngine
  metrics: Metrics
  hub: LiveHub
  alerting: Alerting
  testRuns: TestRuns
  app: Hono<AppEnv>
  /**
   * Storage jobs `main.ts` runs on timers: fold new results into the rollups and seal finished
   * chunk windows (`fold`), delete expired rows (`retention`), move an old database's results
   * into chunks (`legacy`, once at start).
   */
  storage: { rollups: Rollups; retention: Retention; fold: () => Promise<number>; legacy: LegacyMigration }
  /** Persisted state changes (SLA reports); appended on every tick. */
  stateLog: StateLog
  /** Re-reads inventory into the engine and tells dashboards to reload. */
  reloadInventory(): void
  /** Advances the clock-driven part of the engine and pushes changes to dashboards. */
  tick(): void
  /**
   * Cancels pending work (debounced reloads, a seal pass between two steps), logs every entity
   * as unknown from now (nobody watches while stopped), stops notification deliveries (one in
   * flight is cut short and stays pending; `main.ts` first gives them a grace, see
   * `alerting.outbox.stop`) and closes the live hub. Resolves when no delivery writes any more;
   * the database stays open.
   */
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
  /** The event loop's recent utilisation for ingest's back-pressure (tests inject one; default measured). */
  loopUtilization?: LoopUtilization
  /** The heap policy's mode (main.ts runs the policy), exported in /metrics. */
  heapMode?: () => HeapMode
}

/** Builds the runtime and loads the inventory and the recent window of results into the engine. */
export function createServerRuntime(opts: RuntimeOptions): ServerRuntime {
  const { config, log } = opts
  const now = opts.now ?? Date.now
  const store = Store.fromOpened(opts.opened, { retention: config.retention, now })
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
  let gapsByKind = new Map<string, Partial<Record<CoverageGapKind, number>>>()
  const stateLog = new StateLog(store.stateLog, store.settings, now)
  stateLog.markDowntime()
  const rollups = store.rollups
  const retention = store.retention
  let closed = false
  const sealPause = 1 / config.retention.sealLoopShare - 1
  /** Loop time the seal passes took, ms: the load shedder does not count it as load. */
  const sealTime = { ms: 0 }
  /**
   * Seals finished chunk windows (and so folds their results into the rollups), pausing after
   * each step for `retention.sealLoopShare` of the loop; a pass stops at `close()` (what it left
   * is still open, in the batch log, and sealed by the next). Its steps' time is left out of the
   * load shedder's figure (`sealTime`).
   */
  const fold = async (): Promise<number> => {
    let steps = 1
    let began = performance.now()
    for (;;) {
      const more = !closed && store.sealChunks()
      const tookMs = performance.now() - began
      sealTime.ms += tookMs
      if (!more) break
      steps++
      await new Promise<void>((r) => (sealPause > 0 ? setTimeout(r, tookMs * sealPause) : setImmediate(r)))
      began = performance.now()
    }
    return steps
  }

  const loadInventory = (): void => {
    readProvince()
    probeCache = store.listProbes()
    const gapCounts = new Map<string, number>()
    const byKind = new Map<string, Partial<Record<CoverageGapKind, number>>>()
    for (const g of store.listGaps()) {
      if (g.fixedAt !== null) continue
      gapCounts.set(g.communeCode, (gapCounts.get(g.communeCode) ?? 0) + 1)
      const k = byKind.get(g.communeCode) ?? {}
      k[g.kind] = (k[g.kind] ?? 0) + 1
      byKind.set(g.communeCode, k)
    }
    gapsByKind = byKind
    // The engine keeps these for as long as the inventory; the store hands out its keys (ids,
    // codes, kinds, roles, clusters) from one pool, so repeated strings are one copy each.
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
      contractedBytesPerSecond: t.kind === 'snmp' && typeof t.options.contractedBytesPerSecond === 'number' ? t.options.contractedBytesPerSecond : null,
    }))
    engine.setInventory(communes, targets)
  }

  const hub = createLiveHub({
    log,
    isDemo,
    now,
    heartbeatMs: 5000,
    maxBufferedBytes: config.live.maxBufferedBytes,
    // The live feed carries what the overview shows: a viewer's session (or a public wallboard),
    // from this origin (a page elsewhere must not listen with the user's cookie).
    authorize(req) {
      const origin = req.headers.origin
      if (origin && origin !== 'null') {
        try {
          if (new URL(origin).host !== (req.headers['x-forwarded-host'] ?? req.headers.host)) return 'forbidden'
        } catch {
          return 'forbidden'
        }
      }
      if (config.publicRead) return 'ok'
      const cookie = cookieValue(req.headers.cookie, SESSION_COOKIE)
      return cookie !== undefined && sessionIdentity(store, cookie, now()) ? 'ok' : 'unauthorized'
    },
  })
  const metrics = createMetrics({
    engine,
    demo: isDemo,
    province: () => province,
    probes: () => probeCache.map((p) => ({ name: p.name, lastSeenAt: p.lastSeenAt, spoolBatches: p.spoolBatches, clockOffsetMs: p.clockOffsetMs })),
    coverageGaps: () => gapsByKind,
    storage: () => retention.facts(),
    ...(opts.heapMode ? { heapMode: opts.heapMode } : {}),
    // Called at scrape time, after `alerting` exists.
    alertChannels: () => alerting.channelFacts(),
    cacheSeconds: config.metrics.cacheSeconds,
    yieldForSeconds: config.metrics.yieldForSeconds,
    now,
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

  const testRuns = createTestRuns({ now, graceSeconds: config.testRuns.graceSeconds })

  let reloadTimer: NodeJS.Timeout | undefined
  const reloadInventory = (): void => {
    loadInventory()
    alerting.reload()
    hub.reload()
  }
  const app = createApp({
    loopUtilization: opts.loopUtilization ?? loopUtilization(config.ingest.loadSampleSeconds * 1000, sealTime),
    store,
    engine,
    metrics,
    alerting,
    testRuns,
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
  // Warm the windows from the database so a restart does not forget the last 15 minutes, nor
  // the throughput tests (hours apart) that the throughput median is taken over.
  const since = now() - Math.max(config.state.windowSeconds, config.thresholds.utilizationForSeconds + 300) * 1000
  const throughputIds = store.listTargets().flatMap((t) => (t.kind === 'throughput' && t.enabled ? [t.id] : []))
  engine.ingest(store.latestOkResults(throughputIds, 10, since))
  engine.ingest(store.recentResults(since).map((r) => ({ ...r })))

  let lastSessionPrune = 0
  let lastFigures = 0
  let lastProbeRefresh = 0
  return {
    store,
    engine,
    metrics,
    hub,
    alerting,
    testRuns,
    app,
    storage: { rollups, retention, fold, legacy: store.legacy },
    stateLog,
    reloadInventory,
    tick() {
      engine.tick()
      stateLog.append(engine.drainTransitions())
      stateLog.heartbeat()
      alerting.tick()
      // State changes every tick; figures-only changes when their interval is due (config.live).
      // Without a dashboard listening the hub sends nothing: the changed statuses are not even built.
      const figures = now() - lastFigures >= config.live.figuresEverySeconds * 1000
      if (figures) lastFigures = now()
      if (hub.clientCount() > 0) hub.publish(engine.drainChanges({ figures, maxEntries: config.live.maxEntriesPerDelta, maxFigures: config.live.maxFiguresPerDelta }), engine.counts())
      else engine.discardChanges()
      void metrics.prepare()
      if (now() - lastProbeRefresh > 5000) {
        probeCache = store.listProbes()
        lastProbeRefresh = now()
      }
      // Ended sessions are kept a month (who signed in from where), then dropped; checked hourly.
      if (now() - lastSessionPrune > 3600_000) {
        store.users.pruneSessions(now() - 30 * 86_400_000)
        lastSessionPrune = now()
      }
    },
    close() {
      closed = true
      if (reloadTimer) clearTimeout(reloadTimer)
      testRuns.close()
      try {
        stateLog.append(engine.drainTransitions())
        stateLog.markDowntime(now())
      } catch {
        // The database may already be closed (tests tear down in any order); nothing to keep then.
      }
      return Promise.all([alerting.outbox.stop(AbortSignal.abort()), hub.close()]).then(() => undefined)
    },
  }
}
