import { Hono, type Context } from 'hono'
import { CONFIG_ETAG_HEADER, parseResultBatch, type ErrorIssue, type IngestResponse, type ResultBatch } from '../../protocol'
import type { AppDeps, AppEnv } from '../app'
import { readJsonBody } from '../body'
import { AppError } from '../errors'
import { loadShedder, loopUtilization, turnGate } from '../loop-pressure'
import type { IngestRejectReason } from '../metrics'
import type { ProbeRow } from '../store/types'
import { probeOwnsTarget, type Store } from '../store/store'
import { configEtagCache } from './probe-config'
import { probeFromBearer } from './probe-auth'

/**
 * `POST /api/v1/ingest`: a probe's ResultBatch (gzip allowed). Judged as a whole: a rejected
 * batch stores nothing, an accepted one is stored in one statement (the batch log row).
 * Idempotent on (target, observedAt).
 *
 * Refused, besides a malformed body (`E_VALIDATION` and the body errors):
 * - 403 `E_PROBE_MISMATCH`: the batch names another probe than its token's;
 * - 403 `E_PROBE_SCOPE`: a result for a target not assigned to the token's probe (or no target
 *   at all), one issue per such target at its first result (`results.<i>.targetId`);
 * - 422 `E_CLOCK_SKEW`: a result observed later than the server's clock plus
 *   `ingest.maxClockSkewSeconds`, one issue per such result (`results.<i>.observedAt`);
 * - 429 `E_RATE_LIMITED` with `Retry-After`: `ingest.maxInFlight` batches are already in
 *   progress, or the event loop ran busier than `ingest.maxEventLoopUtilization` (then a share
 *   of batches is refused that follows the load, see loop-pressure.ts; the body is not read);
 * - 503 `E_UNAVAILABLE` with `Retry-After`: the disk is full (nothing of the batch stored).
 *
 * Every authenticated, well-formed batch (refused ones too) records the probe's clock offset,
 * `sentAt` minus the time the request arrived, so a wrong clock shows before it does harm.
 */
export function ingestRoutes(deps: AppDeps): Hono<AppEnv> {
  const { store, engine, metrics } = deps
  const now = deps.now ?? Date.now
  const maxSkewMs = deps.config.ingest.maxClockSkewSeconds * 1000
  const configEtag = configEtagCache(store)

  /** Counts a refused batch and its results (those that could be counted) by reason. */
  const refused = (reason: IngestRejectReason, results: number): void => {
    metrics.ingestBatches.inc({ result: 'rejected' })
    metrics.ingestResults.inc({ result: 'rejected' }, results)
    metrics.ingestRejectedResults.inc({ reason }, results)
    metrics.ingestRejectedBatches.inc({ reason })
  }

  let inFlight = 0
  const { maxInFlight, maxEventLoopUtilization, busyRetryAfterSeconds } = deps.config.ingest
  const gate = turnGate(deps.config.ingest.turnBudgetSeconds * 1000)
  const shedder = loadShedder(deps.loopUtilization ?? loopUtilization(deps.config.ingest.loadSampleSeconds * 1000), maxEventLoopUtilization)

  // In an overload hundreds of batches a second are refused: one log line per 10 s says how many.
  let busyLoggedAt = -Infinity
  let busySinceLog = 0
  /** Refuses a batch with 429 before its body is read: the agent keeps it spooled and retries. */
  const busy = (c: Context<AppEnv>, reason: IngestRejectReason, why: string): never => {
    refused(reason, 0)
    c.header('Retry-After', String(busyRetryAfterSeconds))
    busySinceLog++
    if (now() - busyLoggedAt >= BUSY_LOG_EVERY_MS) {
      deps.log.warn({ why, refused: busySinceLog }, 'ingest: batches refused, server busy (429, the agents retry)')
      busyLoggedAt = now()
      busySinceLog = 0
    }
    throw new AppError('E_RATE_LIMITED', `ingest is busy (${why}); retry after ${busyRetryAfterSeconds} s`)
  }

  const routes = new Hono<AppEnv>().post('/ingest', async (c) => {
    // Taken before the body is read: sentAt is stamped just before the agent sends, so the
    // upload time of a large batch on a slow line does not count as clock offset.
    const arrivedAt = now()
    const probe = probeFromBearer(c, store, now)
    // Back-pressure: past a budget the body is not even read. The agent keeps the batch spooled
    // and retries after Retry-After, so nothing is lost and memory stays bounded. Two budgets:
    // batches in progress (bodies arriving slowly over poor lines) and the event loop's load
    // (bodies arriving faster than they can be handled, which otherwise queue unseen).
    if (inFlight >= maxInFlight) busy(c, 'busy', `${inFlight} batches in progress, at most ${maxInFlight}`)
    // The embedded probe is not shed: it runs in this process (refusing it removes no outside
    // load), its batches are small, and its targets are the centre's own view.
    if (!probe.builtin && !shedder.admit()) {
      const pct = (x: number): number => Math.round(x * 100)
      busy(c, 'overloaded', `event loop ${pct(shedder.utilization())} % busy, at most ${pct(maxEventLoopUtilization)} %: taking ${pct(shedder.share())} % of batches`)
    }
    inFlight++
    try {
      return await ingestBatch(c, probe, arrivedAt)
    } finally {
      inFlight--
    }
  })

  async function ingestBatch(c: Context<AppEnv>, probe: ProbeRow, arrivedAt: number): Promise<Response> {
    let body: unknown
    let batch: ResultBatch
    try {
      body = await readJsonBody(c, deps.config.ingest)
      // Past the turn's ingest budget the batch waits for a later turn (see turnGate).
      const turn = gate.enter()
      if (turn) await turn
      // ResultBatch.safeParse, with a quick path for well-formed batches (same answers, see protocol).
      const parsed = parseResultBatch(body)
      if (!parsed.success) throw AppError.fromZod(parsed.error)
      batch = parsed.data
    } catch (e) {
      refused('validation', countResults(body))
      throw e
    }
    if (batch.probeId !== probe.id) {
      refused('scope', batch.results.length)
      throw new AppError('E_PROBE_MISMATCH', `batch says probe ${batch.probeId} but the token belongs to ${probe.id}`, [
        { path: 'probeId', message: 'does not match the token' },
      ])
    }
    const clockOffsetMs = Date.parse(batch.sentAt) - arrivedAt

    const scope = outOfScope(store, probe, batch)
    // Each result's time, parsed once for the skew check and the engine.
    const observedAt = scope.length === 0 ? batch.results.map((r) => Date.parse(r.observedAt)) : []
    const skew = scope.length === 0 ? futureResults(batch, observedAt, arrivedAt, maxSkewMs) : []
    if (scope.length > 0 || skew.length > 0) {
      store.recordClockOffset(probe.id, clockOffsetMs, arrivedAt)
      if (scope.length > 0) {
        refused('scope', batch.results.length)
        const ids = scope.map((i) => i.targetId)
        deps.log.warn({ probe: probe.name, targets: ids.slice(0, 20), results: batch.results.length }, 'ingest: batch refused, results for targets not assigned to the probe')
        throw new AppError(
          'E_PROBE_SCOPE',
          `${ids.length} target(s) in this batch are not assigned to probe ${probe.name} (${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', …' : ''}); nothing was stored`,
          scope.map((i) => ({ path: i.path, message: i.message })),
        )
      }
      refused('clock_skew', batch.results.length)
      const first = skew[0] as SkewedResult
      deps.log.warn({ probe: probe.name, results: skew.length, clockOffsetSeconds: clockOffsetMs / 1000 }, 'ingest: batch refused, results dated in the future (probe clock?)')
      throw new AppError(
        'E_CLOCK_SKEW',
        `result ${first.index} was observed at ${first.observedAt}, ${Math.round(first.aheadMs / 1000)} s after the server's clock (${new Date(arrivedAt).toISOString()}; at most ${deps.config.ingest.maxClockSkewSeconds} s allowed): check the probe's clock (NTP); nothing was stored`,
        skew.map((r) => ({ path: `results.${r.index}.observedAt`, message: `${r.observedAt} is ${Math.round(r.aheadMs / 1000)} s ahead of the server's clock` })),
      )
    }

    let outcome: ReturnType<typeof store.insertResults>
    try {
      outcome = store.insertResults(probe.id, batch.results, arrivedAt)
    } catch (e) {
      // A full disk: the batch's one log row was not written, so nothing of it is stored. The
      // agent keeps it spooled and retries; reads and the dashboard go on meanwhile.
      if (!isDiskFull(e)) throw e
      refused('disk_full', batch.results.length)
      deps.log.error({ probe: probe.name, results: batch.results.length }, 'ingest: the disk is full; batch refused, nothing stored (the agent retries)')
      c.header('Retry-After', String(deps.config.ingest.fullDiskRetryAfterSeconds))
      throw new AppError('E_UNAVAILABLE', `the server's disk is full: nothing of this batch was stored; retry after ${deps.config.ingest.fullDiskRetryAfterSeconds} s`)
    }
    store.touchProbe(probe.id, arrivedAt, batch.status?.version ?? probe.version, batch.status?.spoolBatches ?? null, clockOffsetMs)
    const facts = outcome.inserted.map((r, i) => ({
      targetId: r.targetId,
      // Parsed already when it sits where it sat in the batch (nothing before it was a duplicate).
      observedAt: batch.results[i] === r ? (observedAt[i] as number) : Date.parse(r.observedAt),
      ok: r.ok,
      error: r.error ?? null,
      measurements: withDuration(r.measurements, r.durationSeconds),
    }))
    // Results observed before a target's latest one (a spool replayed after an outage) are
    // stored as history; the engine uses them for the window only, never to move the target's
    // state or lastResultAt back (StateEngine.ingest).
    engine.ingest(facts)
    deps.testRuns.observe(facts)
    metrics.ingestBatches.inc({ result: 'accepted' })
    metrics.ingestResults.inc({ result: 'accepted' }, outcome.accepted)
    metrics.ingestResults.inc({ result: 'duplicate' }, outcome.duplicates)
    const answer: IngestResponse = { accepted: outcome.accepted, duplicates: outcome.duplicates }
    // An inventory edit reaches the agent with this answer: it refetches a config whose tag differs.
    c.header(CONFIG_ETAG_HEADER, configEtag(probe))
    return c.json(answer, 202)
  }

  return routes
}

/**
 * Adds a result's duration to its measurements, in place, as the engine keeps them: `m` is the
 * object JSON.parse made for this batch, already stored (the store encoded it before), so no copy
 * is needed. Not `{ ...m, duration_seconds: d }`: V8 (Node 20) gives every object built that way
 * from a parsed one a hidden class of its own — ~1.2 µs and ~300 B of long-lived garbage per
 * result, and 9,842 distinct classes held by 9,968 targets at national load (issue 14's heap
 * snapshot). One key added to parsed objects shares one class per key set. (A copy first, as
 * until stop 28, made 5 % of the route's young garbage.)
 */
export function withDuration(m: Record<string, number>, durationSeconds: number): Record<string, number> {
  m.duration_seconds = durationSeconds
  return m
}

/** At most one log line per this long about batches refused as busy (each is counted in /metrics). */
const BUSY_LOG_EVERY_MS = 10_000

/** SQLite could not grow the database (SQLITE_FULL: the file system is full). */
function isDiskFull(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === 'SQLITE_FULL'
}

/** How many results a body that failed validation claims to hold (0 when it is not even that). */
function countResults(body: unknown): number {
  if (typeof body !== 'object' || body === null || !('results' in body)) return 0
  return Array.isArray(body.results) ? body.results.length : 0
}

/**
 * Targets of the batch the probe does not run, each with its first result's index. A target
 * that was moved to another probe (or deleted) while results for it waited in the agent's spool
 * is refused too: the agent drops those results and sends the rest again (probes/ship/shipper.ts).
 */
function outOfScope(store: Store, probe: ProbeRow, batch: ResultBatch): Array<ErrorIssue & { targetId: string }> {
  const owners = store.targetOwners()
  const owns = (targetId: string): boolean => {
    const owner = owners.get(targetId)
    return owner !== undefined && probeOwnsTarget(probe, owner)
  }
  // The usual batch: every target the probe's own, checked without building anything.
  if (batch.results.every((r) => owns(r.targetId))) return []
  const seen = new Set<string>()
  const out: Array<ErrorIssue & { targetId: string }> = []
  batch.results.forEach((r, index) => {
    if (seen.has(r.targetId)) return
    seen.add(r.targetId)
    if (owns(r.targetId)) return
    out.push({
      targetId: r.targetId,
      path: `results.${index}.targetId`,
      message: owners.has(r.targetId) ? `target ${r.targetId} is not assigned to this probe` : `no target ${r.targetId}`,
    })
  })
  return out
}

interface SkewedResult {
  index: number
  observedAt: string
  aheadMs: number
}

/** Results observed later than `arrivedAt + maxSkewMs` (`observedAt`: the results' times, parsed). */
function futureResults(batch: ResultBatch, observedAt: readonly number[], arrivedAt: number, maxSkewMs: number): SkewedResult[] {
  const out: SkewedResult[] = []
  batch.results.forEach((r, index) => {
    const aheadMs = (observedAt[index] as number) - arrivedAt
    if (aheadMs > maxSkewMs) out.push({ index, observedAt: r.observedAt, aheadMs })
  })
  return out
}
