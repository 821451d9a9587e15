import { createHash } from 'node:crypto'
import { Hono } from 'hono'
import type { ProbeConfig } from '../../protocol'
import type { AppDeps, AppEnv } from '../app'
import { probeFromBearer } from './probe-auth'

/**
 * `GET /api/v1/probe/config`: the calling probe's targets (and only those: the probe comes from
 * the token, never from the request), with an ETag so polls are cheap.
 */
export function probeConfigRoutes(deps: AppDeps): Hono<AppEnv> {
  const now = deps.now ?? Date.now
  return new Hono<AppEnv>().get('/probe/config', (c) => {
    const probe = probeFromBearer(c, deps.store, now)
    const targets = deps.store.targetsForProbe(probe)
    const etag = `"${createHash('sha256').update(probe.id).update(JSON.stringify(targets)).digest('base64url').slice(0, 27)}"`
    deps.store.touchProbe(probe.id, now(), probe.version, probe.spoolBatches)
    c.header('ETag', etag)
    c.header('Cache-Control', 'no-cache')
    if (c.req.header('if-none-match') === etag) return c.body(null, 304)
    const body: ProbeConfig = { probeId: probe.id, generatedAt: new Date(now()).toISOString(), targets }
    return c.json(body)
  })
}
