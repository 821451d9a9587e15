import { Hono } from 'hono'
import { z } from 'zod'
import { LINE_TEST_KINDS, TestRunInput, type CheckKind, type RunNowAnswer } from '../../protocol'
import type { AppDeps, AppEnv } from '../app'
import { requireRole } from '../auth'
import { readJsonBody } from '../body'
import { AppError } from '../errors'
import { probeFromBearer } from './probe-auth'

const LIMITS = { maxBodyBytes: 16 * 1024, maxDecompressedBytes: 64 * 1024 }
const WaitQuery = z.strictObject({ waitSeconds: z.coerce.number().min(0).max(3600).default(0) })

/**
 * "Đo ngay": `POST /communes/:code/test-runs` (operator) starts a line test, `GET /test-runs/:id`
 * follows it, and probes take their part with `GET /probe/run-now?waitSeconds=N` (a long poll,
 * answered as soon as a request for the probe exists; capped by `testRuns.maxWaitSeconds`).
 */
export function testRunRoutes(deps: AppDeps): Hono<AppEnv> {
  const { store, testRuns } = deps
  const now = deps.now ?? Date.now
  const operator = requireRole(store, 'operator', deps.now)
  return new Hono<AppEnv>()
    .post('/communes/:code/test-runs', operator, async (c) => {
      const code = c.req.param('code')
      if (!store.getCommune(code)) throw new AppError('E_NOT_FOUND', `no commune ${code}`)
      // The body is optional: an empty POST tests every line check.
      const hasBody = (c.req.header('content-length') ?? '0') !== '0' || c.req.header('transfer-encoding') !== undefined
      const parsed = TestRunInput.safeParse(hasBody ? await readJsonBody(c, LIMITS) : {})
      if (!parsed.success) throw AppError.fromZod(parsed.error)
      const kinds = new Set<CheckKind>(parsed.data.kinds ?? LINE_TEST_KINDS)
      const builtin = store.listProbes().find((p) => p.builtin && p.revokedAt === null)
      const targets = store
        .listTargets()
        .filter((t) => t.communeCode === code && t.enabled && t.role === 'line' && kinds.has(t.kind as CheckKind))
        .flatMap((t) => {
          const probeId = t.probeId ?? builtin?.id
          return probeId ? [{ id: t.id, kind: t.kind as CheckKind, probeId, timeoutSeconds: t.timeoutS }] : []
        })
      if (targets.length === 0) {
        throw new AppError('E_CONFLICT', `commune ${code} has no enabled line target of kind ${[...kinds].join(', ')} with a probe to run it`)
      }
      const { run, created } = testRuns.start(code, targets, c.get('actor'))
      if (created) store.audit(c.get('actor'), 'test-run', 'commune', code, { run: run.id, targets: targets.map((t) => t.id) })
      return c.json(run, created ? 201 : 200)
    })
    .get('/test-runs/:id', (c) => {
      const run = testRuns.get(c.req.param('id'))
      if (!run) throw new AppError('E_NOT_FOUND', `no test run ${c.req.param('id')} (runs are kept in memory for a while)`)
      return c.json(run)
    })
    .get('/communes/:code/test-runs/latest', (c) => {
      const run = testRuns.latest(c.req.param('code'))
      if (!run) throw new AppError('E_NOT_FOUND', `no test run of ${c.req.param('code')}`)
      return c.json(run)
    })
    .get('/probe/run-now', async (c) => {
      // The probe comes from the token: a probe only ever waits for, and claims, its own requests.
      const probe = probeFromBearer(c, store, now)
      const q = WaitQuery.safeParse(c.req.query())
      if (!q.success) throw AppError.fromZod(q.error)
      store.touchProbe(probe.id, now(), probe.version, probe.spoolBatches)
      const waitMs = Math.min(q.data.waitSeconds, deps.config.testRuns.maxWaitSeconds) * 1000
      const requests = await testRuns.wait(probe.id, waitMs, c.req.raw.signal)
      // Revoked (or past its rotation grace) while the poll was held: answer nothing to that token.
      // Requests it claimed meanwhile expire like any unanswered one.
      if (waitMs > 0) probeFromBearer(c, store, now)
      const body: RunNowAnswer = { requests }
      c.header('Cache-Control', 'no-store')
      return c.json(body)
    })
}
