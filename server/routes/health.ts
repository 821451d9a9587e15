import { Hono } from 'hono'
import type { AppDeps, AppEnv } from '../app'

/** `/healthz` (process alive) and `/readyz` (database answers, migrations applied). */
export function healthRoutes(deps: AppDeps): Hono<AppEnv> {
  return new Hono<AppEnv>()
    .get('/healthz', (c) => c.json({ status: 'ok' }))
    .get('/readyz', (c) => {
      try {
        return c.json({ status: 'ready', migrations: deps.store.database.appliedMigrations() })
      } catch (e) {
        return c.json({ status: 'not-ready', error: (e as Error).message }, 503)
      }
    })
}
