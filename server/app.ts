/**
 * `createApp(deps)` builds the Hono app: routes, one error handler, static dashboard.
 * It never listens, reads env or opens files; `main.ts` does.
 * @module
 */
import { Hono } from 'hono'
import type { LoopUtilization } from './loop-pressure'
import type { AppEnv } from './app-env'
import type { Logger } from 'pino'
import { AppError } from './errors'
import type { ServerConfig } from './config'
import type { Metrics } from './metrics'
import type { Alerting } from './alerting/service'
import { alertRoutes } from './routes/alerts'
import { sessionRoutes } from './routes/session'
import { userRoutes } from './routes/users'
import { accessGate, currentAuditContext } from './access'
import { securityHeaders } from './security-headers'
import type { StateEngine } from './state/engine'
import type { Store } from './store/store'
import { healthRoutes } from './routes/health'
import { ingestRoutes } from './routes/ingest'
import { probeConfigRoutes } from './routes/probe-config'
import { speedtestRoutes } from './routes/speedtest'
import { viewRoutes } from './routes/views'
import { historyRoutes } from './routes/history'
import { reportRoutes } from './routes/reports'
import { inventoryRoutes } from './routes/inventory'
import { silenceRoutes } from './routes/silences'
import { maintenanceRoutes } from './routes/maintenance'
import { settingsRoutes } from './routes/settings'
import { metricsRoutes } from './routes/metrics'
import { staticRoutes } from './routes/static'
import { testRunRoutes } from './routes/test-runs'
import { buildOpenApi } from './openapi'
import type { TestRuns } from './test-runs'

/** Everything the routes need, injected. */
export interface AppDeps {
  store: Store
  engine: StateEngine
  metrics: Metrics
  alerting: Alerting
  /** On-demand line tests ("Đo ngay"). */
  testRuns: TestRuns
  log: Logger
  config: ServerConfig
  isDemo: () => boolean
  province: () => { code: string; name: string }
  /** Called after any inventory write so the engine, probes and live clients pick it up. */
  onInventoryChanged: () => void
  /** Folder of the built dashboard (dist/web); absent → a page saying how to build it. */
  webRoot?: string
  now?: () => number
  /** The event loop's recent utilisation (0–1), read by ingest's back-pressure; default: measured (`loop-pressure.ts`). */
  loopUtilization?: LoopUtilization
}

export type { AppEnv } from './app-env'

/**
 * Builds the HTTP app.
 * @example const app = createApp(deps); const res = await app.request('/healthz')
 */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  app.onError((err, c) => {
    if (err instanceof AppError) {
      if (err.status >= 500) deps.log.error({ err, path: c.req.path }, 'request failed')
      return c.json(err.toBody(), err.status)
    }
    deps.log.error({ err, path: c.req.path }, 'unhandled error')
    return c.json(new AppError('E_INTERNAL', 'internal error').toBody(), 500)
  })
  app.notFound((c) => c.json(new AppError('E_NOT_FOUND', `no route ${c.req.method} ${c.req.path}`).toBody(), 404))
  app.use('*', securityHeaders({ publicUrl: deps.config.publicUrl, trustProxy: deps.config.trustProxy }))
  // One gate in front of every route: the access table decides who may call what.
  app.use('*', accessGate({ store: deps.store, publicRead: deps.config.publicRead, trustProxy: deps.config.trustProxy, ...(deps.now ? { now: deps.now } : {}) }))
  deps.store.auditContext = currentAuditContext

  app.route('/', healthRoutes(deps))
  app.route('/', metricsRoutes(deps))
  app.route('/api/v1', sessionRoutes(deps))
  app.route('/api/v1', userRoutes(deps))
  app.route('/api/v1', ingestRoutes(deps))
  app.route('/api/v1', probeConfigRoutes(deps))
  app.route('/api/v1', speedtestRoutes(deps))
  app.route('/api/v1', testRunRoutes(deps))
  // Inventory first: its /communes/import and /communes/export must win over /communes/:code.
  app.route('/api/v1', inventoryRoutes(deps))
  app.route('/api/v1', silenceRoutes(deps))
  app.route('/api/v1', maintenanceRoutes(deps))
  app.route('/api/v1', settingsRoutes(deps))
  const alerts = alertRoutes(deps)
  app.route('/api/v1', alerts.v1)
  app.route('/api/v2', alerts.v2)
  app.route('/api/v1', viewRoutes(deps))
  app.route('/api/v1', historyRoutes(deps))
  app.route('/api/v1', reportRoutes(deps))
  app.get('/api/openapi.json', (c) => c.json(buildOpenApi()))
  app.route('/', staticRoutes(deps))
  return app
}
