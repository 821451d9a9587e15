import { createHash } from 'node:crypto'
import { Hono } from 'hono'
import { CONFIG_ETAG_HEADER, type ProbeConfig, type TargetSpec } from '../../protocol'
import type { AppDeps, AppEnv } from '../app'
import type { Store } from '../store/store'
import type { ProbeRow } from '../store/types'
import { probeFromBearer } from './probe-auth'

function etagOf(probeId: string, targets: readonly TargetSpec[]): string {
  return `"${createHash('sha256').update(probeId).update(JSON.stringify(targets)).digest('base64url').slice(0, 27)}"`
}

/**
 * The ETag of a probe's config, for the `Xanh-Config-ETag` header of ingest answers: an agent
 * whose last config has another tag fetches it at once instead of at its next poll. Recomputed
 * only when the targets table may have changed ({@link Store.targetsVersion}: every write through
 * the server's connection, a deleted probe handing its targets to the embedded one included, and
 * other connections' commits that change the table's shape), or the probe became or stopped
 * being the builtin one; a batch costs no query of the targets. The poll stays the guarantee.
 */
export function configEtagCache(store: Store): (probe: ProbeRow) => string {
  const cache = new Map<string, { key: string; etag: string }>()
  return (probe) => {
    const key = `${store.targetsVersion()}:${probe.builtin ? 1 : 0}`
    const hit = cache.get(probe.id)
    if (hit?.key === key) return hit.etag
    const etag = etagOf(probe.id, store.targetsForProbe(probe))
    cache.set(probe.id, { key, etag })
    return etag
  }
}

/**
 * `GET /api/v1/probe/config`: the calling probe's targets (and only those: the probe comes from
 * the token, never from the request), with an ETag so polls are cheap.
 */
export function probeConfigRoutes(deps: AppDeps): Hono<AppEnv> {
  const now = deps.now ?? Date.now
  return new Hono<AppEnv>().get('/probe/config', (c) => {
    const probe = probeFromBearer(c, deps.store, now)
    const targets = deps.store.targetsForProbe(probe)
    const etag = etagOf(probe.id, targets)
    deps.store.touchProbe(probe.id, now(), probe.version, probe.spoolBatches)
    c.header('ETag', etag)
    c.header(CONFIG_ETAG_HEADER, etag)
    c.header('Cache-Control', 'no-cache')
    if (c.req.header('if-none-match') === etag) return c.body(null, 304)
    const body: ProbeConfig = { probeId: probe.id, generatedAt: new Date(now()).toISOString(), targets }
    return c.json(body)
  })
}
