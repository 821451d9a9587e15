import { Hono } from 'hono'
import { ResultBatch, type IngestResponse } from '../../protocol'
import type { AppDeps, AppEnv } from '../app'
import { readJsonBody } from '../body'
import { AppError } from '../errors'
import { probeFromBearer } from './probe-auth'

/**
 * `POST /api/v1/ingest`: a probe's ResultBatch (gzip allowed). Validated as a whole: a
 * rejected batch stores nothing. Idempotent on result id.
 */
export function ingestRoutes(deps: AppDeps): Hono<AppEnv> {
  const { store, engine, metrics } = deps
  const now = deps.now ?? Date.now
  return new Hono<AppEnv>().post('/ingest', async (c) => {
    const probe = probeFromBearer(c, store)
    let batch: ResultBatch
    try {
      const body = await readJsonBody(c, deps.config.ingest)
      const parsed = ResultBatch.safeParse(body)
      if (!parsed.success) throw AppError.fromZod(parsed.error)
      batch = parsed.data
      if (batch.probeId !== probe.id) {
        throw new AppError('E_PROBE_MISMATCH', `batch says probe ${batch.probeId} but the token belongs to ${probe.id}`, [
          { path: 'probeId', message: 'does not match the token' },
        ])
      }
    } catch (e) {
      metrics.ingestBatches.inc({ result: 'rejected' })
      throw e
    }
    const receivedAt = now()
    const outcome = store.insertResults(probe.id, batch.results, receivedAt)
    store.touchProbe(probe.id, receivedAt, batch.status?.version ?? probe.version, batch.status?.spoolBatches ?? null)
    const facts = outcome.inserted.map((r) => ({
      targetId: r.targetId,
      observedAt: Date.parse(r.observedAt),
      ok: r.ok,
      error: r.error ?? null,
      measurements: { ...r.measurements, duration_seconds: r.durationSeconds },
    }))
    engine.ingest(facts)
    deps.testRuns.observe(facts)
    metrics.ingestBatches.inc({ result: 'accepted' })
    metrics.ingestResults.inc({ result: 'accepted' }, outcome.accepted)
    metrics.ingestResults.inc({ result: 'duplicate' }, outcome.duplicates)
    const answer: IngestResponse = { accepted: outcome.accepted, duplicates: outcome.duplicates }
    return c.json(answer, 202)
  })
}
