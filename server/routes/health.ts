import { Hono } from 'hono'
import type { AppDeps, AppEnv } from '../app'

/** `/healthz` (process alive) and `/readyz` (database answers, migrations applied). */
export function healthRoutes(deps: AppDeps): Hono<AppEnv> {
  return new Hono<AppEnv>()
    .get('/healthz', (c) => c.json({ status: 'ok' }))
    .get('/readyz', (c) => {
      try {
        const row = deps.store.sqlite.prepare('SELECT count(*) AS n FROM __drizzle_migrations').get() as { n: number }
        return c.json({ status: 'ready', migrations: row.n })
      } catch (e) {
        return c.json({ status: 'not-ready', error: (e as Error).message }, 503)
      }
    })
}
