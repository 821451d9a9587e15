/**
 * `GET /communes/:code/history?from=&to=` (viewer): the commune's and its targets' states, the
 * maintenance that covered it and how far back its data goes, over a chart range (issue 13).
 * @module
 */
import { Hono } from 'hono'
import { CommuneTimelineQuery } from '../../protocol'
import type { AppDeps, AppEnv } from '../app'
import { AppError } from '../errors'
import { buildCommuneTimeline } from '../reports/commune-timeline'

/** The longest range one request may ask for: the 90-day chart with room to spare. */
const MAX_RANGE_MS = 400 * 86_400_000

/** The commune history route. */
export function historyRoutes(deps: Pick<AppDeps, 'store' | 'engine' | 'now'>): Hono<AppEnv> {
  const { store, engine } = deps
  const now = deps.now ?? Date.now
  return new Hono<AppEnv>().get('/communes/:code/history', (c) => {
    const code = c.req.param('code')
    if (!store.getCommune(code)) throw new AppError('E_NOT_FOUND', `no commune ${code}`)
    const parsed = CommuneTimelineQuery.safeParse(c.req.query())
    if (!parsed.success) throw AppError.fromZod(parsed.error)
    const from = Date.parse(parsed.data.from)
    const to = Date.parse(parsed.data.to)
    if (!(from < to)) throw new AppError('E_VALIDATION', 'from must be before to', [{ path: 'from', message: 'must be before to' }])
    if (to - from > MAX_RANGE_MS) throw new AppError('E_VALIDATION', 'range longer than 400 days', [{ path: 'from', message: 'range longer than 400 days' }])
    // The detail's target order, so the page lists the timeline rows as it lists the targets.
    const targetIds = engine.targetStatuses(code).map((t) => t.id)
    return c.json(buildCommuneTimeline(store, code, targetIds, from, to, now()))
  })
}
