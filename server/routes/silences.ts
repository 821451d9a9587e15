/**
 * Silences API (SPEC §5, operator): list with state, create, expire. Every write is audited in
 * the same transaction and signals the engine through `onInventoryChanged`.
 * @module
 */
import { Hono, type Context } from 'hono'
import { SilenceInput } from '../../protocol'
import type { AppDeps, AppEnv } from '../app'
import { requireRole } from '../auth'
import { readJsonBody } from '../body'
import { AppError } from '../errors'
import { createSilence, expireSilence, listSilences, silenceState, type Silence, type SilenceState } from '../alerting/silences'

const LIMITS = { maxBodyBytes: 256 * 1024, maxDecompressedBytes: 1024 * 1024 }

/** The JSON form of a silence: ISO times and its state at `now`. */
export function silenceView(s: Silence, now: number): Omit<Silence, 'startsAt' | 'endsAt'> & { startsAt: string; endsAt: string; state: SilenceState } {
  return { ...s, startsAt: new Date(s.startsAt).toISOString(), endsAt: new Date(s.endsAt).toISOString(), state: silenceState(s, now) }
}

/** `GET/POST /silences`, `DELETE /silences/:id` (expires it; 204). */
export function silenceRoutes(deps: Pick<AppDeps, 'store' | 'onInventoryChanged' | 'now'>): Hono<AppEnv> {
  const { store } = deps
  const operator = requireRole(store, 'operator', deps.now)
  const now = (): number => (deps.now ?? Date.now)()

  return new Hono<AppEnv>()
    // Reading is a viewer's (the table's gate); writing an operator's.
    .get('/silences', (c) => {
      const t = now()
      return c.json({ silences: listSilences(store).map((s) => silenceView(s, t)) })
    })
    .post('/silences', operator, async (c: Context<AppEnv>) => {
      const body = await readJsonBody(c, LIMITS)
      // createdBy stays accepted; when absent it is the authenticated user.
      const withActor = body !== null && typeof body === 'object' && !Array.isArray(body) && !('createdBy' in body) ? { ...body, createdBy: c.get('actor') } : body
      const r = SilenceInput.safeParse(withActor)
      if (!r.success) throw AppError.fromZod(r.error)
      const t = now()
      const silence = store.transaction(() => {
        const s = createSilence(store, r.data, t)
        store.audit(c.get('actor'), 'create', 'silence', String(s.id), r.data)
        return s
      })
      deps.onInventoryChanged()
      return c.json(silenceView(silence, t), 201)
    })
    .delete('/silences/:id{[0-9]+}', operator, (c) => {
      const id = Number(c.req.param('id'))
      const t = now()
      store.transaction(() => {
        const s = expireSilence(store, id, t)
        store.audit(c.get('actor'), 'expire', 'silence', String(id), { endsAt: new Date(s.endsAt).toISOString() })
      })
      deps.onInventoryChanged()
      return c.body(null, 204)
    })
}
