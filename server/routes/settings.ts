/**
 * Dashboard settings stored by the server: the province outline drawn under the commune map
 * (SPEC §8, "optional province boundary GeoJSON uploaded by the user"). Read by every viewer,
 * written by admins; every write is audited.
 * @module
 */
import { Hono } from 'hono'
import { ProvinceBoundary, type BoundaryAnswer } from '../../protocol'
import type { AppDeps, AppEnv } from '../app'
import { requireRole } from '../auth'
import { readJsonBody } from '../body'
import { AppError } from '../errors'

/** Settings key of the outline (GeoJSON text). */
export const BOUNDARY_SETTING = 'map.boundary'

const LIMITS = { maxBodyBytes: 4 * 1024 * 1024, maxDecompressedBytes: 16 * 1024 * 1024 }

/** `GET/PUT/DELETE /settings/boundary`. */
export function settingsRoutes(deps: Pick<AppDeps, 'store' | 'now'>): Hono<AppEnv> {
  const { store } = deps
  const admin = requireRole(store, 'admin', deps.now)
  return new Hono<AppEnv>()
    .get('/settings/boundary', (c) => {
      const text = store.getSetting(BOUNDARY_SETTING)
      // Stored text was validated on the way in; a value that no longer parses reads as none.
      const parsed = text ? ProvinceBoundary.safeParse(JSON.parse(text)) : undefined
      const body: BoundaryAnswer = { boundary: parsed?.success ? parsed.data : null }
      return c.json(body)
    })
    .put('/settings/boundary', admin, async (c) => {
      const r = ProvinceBoundary.safeParse(await readJsonBody(c, LIMITS))
      if (!r.success) throw AppError.fromZod(r.error)
      store.setSetting(BOUNDARY_SETTING, JSON.stringify(r.data))
      store.audit(c.get('actor'), 'update', 'setting', BOUNDARY_SETTING)
      return c.body(null, 204)
    })
    .delete('/settings/boundary', admin, (c) => {
      store.setSetting(BOUNDARY_SETTING, '')
      store.audit(c.get('actor'), 'delete', 'setting', BOUNDARY_SETTING)
      return c.body(null, 204)
    })
}
