/**
 * Maintenance API (SPEC §5, operator): list with `activeNow`, create, delete. Every write is
 * audited in the same transaction and signals the engine through `onInventoryChanged`.
 * @module
 */
import { Hono, type Context } from 'hono'
import { MaintenanceInput } from '../../protocol'
import type { AppDeps, AppEnv } from '../app'
import { requireRole } from '../auth'
import { readJsonBody } from '../body'
import { AppError } from '../errors'
import { createMaintenance, deleteMaintenance, listMaintenance, windowActiveAt, type MaintenanceWindow } from '../alerting/maintenance'

// Scopes may list thousands of communes.
const LIMITS = { maxBodyBytes: 1024 * 1024, maxDecompressedBytes: 4 * 1024 * 1024 }

/** The JSON form of a window: ISO times and whether it is active at `now`. */
export function maintenanceView(w: MaintenanceWindow, now: number): Omit<MaintenanceWindow, 'startsAt' | 'endsAt'> & { startsAt: string; endsAt: string; activeNow: boolean } {
  return { ...w, startsAt: new Date(w.startsAt).toISOString(), endsAt: new Date(w.endsAt).toISOString(), activeNow: windowActiveAt(w, now) }
}

/** `GET/POST /maintenance`, `DELETE /maintenance/:id` (204). */
export function maintenanceRoutes(deps: Pick<AppDeps, 'store' | 'onInventoryChanged' | 'now'>): Hono<AppEnv> {
  const { store } = deps
  const operator = requireRole(store, 'operator', deps.now)
  const now = (): number => (deps.now ?? Date.now)()

  return new Hono<AppEnv>()
    // Reading is a viewer's (the table's gate); writing an operator's.
    .get('/maintenance', (c) => {
      const t = now()
      return c.json({ maintenance: listMaintenance(store).map((w) => maintenanceView(w, t)) })
    })
    .post('/maintenance', operator, async (c: Context<AppEnv>) => {
      const body = await readJsonBody(c, LIMITS)
      // createdBy stays accepted; when absent it is the authenticated user (not the schema's 'admin').
      const withActor = body !== null && typeof body === 'object' && !Array.isArray(body) && !('createdBy' in body) ? { ...body, createdBy: c.get('actor') } : body
      const r = MaintenanceInput.safeParse(withActor)
      if (!r.success) throw AppError.fromZod(r.error)
      const window = store.transaction(() => {
        const w = createMaintenance(store, r.data)
        store.audit(c.get('actor'), 'create', 'maintenance', String(w.id), r.data)
        return w
      })
      deps.onInventoryChanged()
      return c.json(maintenanceView(window, now()), 201)
    })
    .delete('/maintenance/:id{[0-9]+}', operator, (c) => {
      const id = Number(c.req.param('id'))
      store.transaction(() => {
        const w = deleteMaintenance(store, id)
        store.audit(c.get('actor'), 'delete', 'maintenance', String(id), w)
      })
      deps.onInventoryChanged()
      return c.body(null, 204)
    })
}
