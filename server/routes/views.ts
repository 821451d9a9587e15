import { Hono } from 'hono'
import { z } from 'zod'
import type { CommuneDetail, Overview, Series } from '../../protocol'
import type { AppDeps, AppEnv } from '../app'
import { AppError } from '../errors'
import { cachedCommuneHistory } from '../reports/commune-history'
import { silentProbes } from '../state/silent-probes'
import { planSeries } from '../store/retention'
import { rollupFilter } from '../store/rollups'

const SeriesQuery = z.strictObject({
  metric: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'snake_case measurement name'),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  step: z.coerce.number().int().min(1).max(86400).optional(),
})

/** Maximum points a series answer may hold, so a bad `step` cannot make a huge response. */
const MAX_POINTS = 5000

/** Read-only routes the dashboard uses: overview, communes, series, gaps. */
export function viewRoutes(deps: AppDeps): Hono<AppEnv> {
  const { engine, store } = deps
  const now = deps.now ?? Date.now
  const rolledUp = rollupFilter(deps.config.retention.rollupMetrics)
  const history = cachedCommuneHistory(store, now)

  return new Hono<AppEnv>()
    .get('/overview', (c) => {
      const body: Overview = {
        province: deps.province(),
        demo: deps.isDemo(),
        generatedAt: new Date(now()).toISOString(),
        counts: engine.counts(),
        communes: engine.communeSummaries(),
      }
      return c.json(body)
    })
    .get('/overview/history', async (c) => c.json({ ...(await history()), silentProbes: silentProbes(store, engine, deps.config.state.unknownAfterIntervals, now()) }))
    .get('/communes', (c) => c.json({ communes: engine.communeSummaries() }))
    .get('/communes/:code{[A-Za-z0-9_-]+}', (c) => {
      const code = c.req.param('code')
      const summary = engine.communeSummary(code)
      const row = store.getCommune(code)
      if (!summary || !row) throw new AppError('E_NOT_FOUND', `no commune ${code}`)
      const body: CommuneDetail = {
        demo: deps.isDemo(),
        commune: { ...summary, priority: row.priority, notes: row.notes },
        targets: engine.targetStatuses(code),
        gaps: store.listGaps(code),
      }
      return c.json(body)
    })
    .get('/targets/:id/status', (c) => {
      const status = engine.targetStatus(c.req.param('id'))
      if (!status) throw new AppError('E_NOT_FOUND', `no target ${c.req.param('id')}`)
      return c.json(status)
    })
    .get('/targets/:id/series', (c) => {
      const id = c.req.param('id')
      if (!store.getTarget(id)) throw new AppError('E_NOT_FOUND', `no target ${id}`)
      const parsed = SeriesQuery.safeParse(c.req.query())
      if (!parsed.success) throw AppError.fromZod(parsed.error)
      const q = parsed.data
      const toMs = q.to ? Date.parse(q.to) : now()
      const fromMs = q.from ? Date.parse(q.from) : toMs - 6 * 3600_000
      if (!(fromMs < toMs)) throw new AppError('E_VALIDATION', 'from must be before to', [{ path: 'from', message: 'must be before to' }])
      const span = toMs - fromMs
      const wantedStepMs = Math.max((q.step ?? Math.max(15, Math.ceil(span / 1000 / 360))) * 1000, Math.ceil(span / MAX_POINTS))
      // Raw results for short ranges, 1-minute or 1-hour rollups for longer ones (and for ranges
      // older than the raw retention): the plan says which, aligned to its buckets.
      const plan = planSeries(fromMs, toMs, wantedStepMs, now(), deps.config.retention, rolledUp(q.metric))
      const body: Series = {
        targetId: id,
        metric: q.metric,
        from: new Date(plan.fromMs).toISOString(),
        to: new Date(toMs).toISOString(),
        stepSeconds: plan.stepMs / 1000,
        resolution: plan.resolution,
        points: store.querySeries(id, q.metric, plan.fromMs, toMs, plan.stepMs, plan.resolution),
      }
      return c.json(body)
    })
    .get('/gaps', (c) => {
      const silent = engine.targetStatuses().filter((t) => t.state === 'unknown')
      return c.json({
        dataGaps: silent.map((t) => ({ targetId: t.id, communeCode: t.communeCode, since: t.since, lastResultAt: t.lastResultAt, reason: t.reason })),
        silentProbes: silentProbes(store, engine, deps.config.state.unknownAfterIntervals, now()),
        coverageGaps: store.listGaps(),
      })
    })
}
