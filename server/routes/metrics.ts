import { Hono } from 'hono'
import type { AppDeps, AppEnv } from '../app'

/** `GET /metrics`: Prometheus text exposition, rendered from memory. */
export function metricsRoutes(deps: AppDeps): Hono<AppEnv> {
  return new Hono<AppEnv>().get('/metrics', async (c) => {
    const registry = deps.metrics.registry
    const body = await registry.metrics()
    return c.body(body, 200, { 'Content-Type': registry.contentType })
  })
}
