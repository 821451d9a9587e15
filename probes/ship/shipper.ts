/**
 * Batches results, spools them and ships the spool oldest-first with retries (SPEC §3).
 * @module
 */
import type { Logger } from 'pino'
import { MAX_BATCH_RESULTS, PROTOCOL_VERSION, type CheckResult, type ProbeStatus, type ResultBatch } from '../../protocol'
import { sleep, systemClock, type Clock } from '../clock'
import { backoffDelay } from './backoff'
import type { IngestClient, PostOutcome } from './client'
import type { Spool, SpoolSize } from './spool'

export interface ShipperOptions {
  client: IngestClient
  spool: Spool
  log: Logger
  /** The probe id batches are stamped with; results wait in the buffer while it is unknown. */
  probeId: () => string | undefined
  /** Agent facts for ProbeStatus that the shipper does not own. */
  agentStatus: () => { version: string; overruns: number; unavailable: string[] }
  /** A batch is cut at this many results (capped at the protocol's 1000)… */
  batchMaxResults: number
  /** …or this long after its first result. */
  batchMaxWaitMs: number
  /** With nothing to ship for this long, an empty batch tells the server the agent is alive. 0 = never. */
  heartbeatSeconds: number
  backoffBaseMs: number
  backoffMaxMs: number
  /** Upper bound on how long a server's Retry-After is obeyed. */
  maxRetryAfterMs: number
  clock?: Clock
  random?: () => number
  /** Called with the server's config tag after each delivered batch or heartbeat (see CONFIG_ETAG_HEADER). */
  onConfigEtag?: (etag: string) => void
}

/** Counters of the shipper. */
export interface ShipperStats {
  bufferedResults: number
  spool: SpoolSize
  deliveredBatches: number
  deliveredResults: number
  /** Batches the server rejected for good (4xx other than 408/429). */
  deadLetteredBatches: number
  retries: number
  heartbeats: number
  /** When the server last answered 2xx to a batch or heartbeat (ISO), null before the first. */
  lastDeliveryAt: string | null
}

export interface Shipper {
  /** Buffers one result; never blocks or throws. */
  push(result: CheckResult): void
  /** Starts the send loop (and heartbeats). */
  start(): void
  /** Cuts the current buffer into spooled batches now. */
  flush(): Promise<void>
  /** ProbeStatus as it would be sent now (spool figures as of the last spool operation). */
  status(): ProbeStatus
  stats(): ShipperStats
  /** Resolves once the buffer and spool are empty and nothing is in flight. */
  whenIdle(): Promise<void>
  /**
   * Stops accepting results, spools the buffer and keeps shipping until the spool is empty or
   * `drainTimeoutMs` passed, then aborts the request in flight. Never rejects.
   */
  stop(opts?: { drainTimeoutMs?: number }): Promise<void>
}

/**
 * Creates a shipper. Guarantees: a batch is appended to the spool before it is first sent;
 * batches go out oldest first, one request at a time; a batch leaves the spool only after a 2xx
 * (delivered) or a non-retryable 4xx (moved to the spool's dead letters, counted);
 * 5xx/408/429/network errors retry the same batch with exponential backoff and jitter, waiting at
 * least the server's Retry-After on 429/503. A 403 E_PROBE_SCOPE naming targets no longer this
 * probe's is answered by sending the batch again without them (the batch is then dead-lettered
 * for the record). Every batch carries the current ProbeStatus.
 */
export function createShipper(opts: ShipperOptions): Shipper {
  const clock = opts.clock ?? systemClock
  const random = opts.random ?? Math.random
  const maxResults = Math.max(1, Math.min(MAX_BATCH_RESULTS, opts.batchMaxResults))
  const log = opts.log
  let buffer: CheckResult[] = []
  let cancelBatchTimer: (() => void) | undefined
  let spoolSize: SpoolSize = { batches: 0, bytes: 0, droppedBatches: 0 }
  let appending: Promise<void> = Promise.resolve()
  const counters = { deliveredBatches: 0, deliveredResults: 0, deadLetteredBatches: 0, retries: 0, heartbeats: 0 }
  let lastContactMs = clock.now()
  let lastDeliveryMs: number | undefined
  let started = false
  let accepting = true
  let draining = false
  let sending = false
  const hardStop = new AbortController()
  let loopDone: Promise<void> = Promise.resolve()
  let wake: (() => void) | undefined
  const idleWaiters: (() => void)[] = []

  const poke = (): void => {
    const w = wake
    wake = undefined
    w?.()
  }

  // Until the spool has been asked once, a reopened disk spool may hold batches we do not know of.
  let sizeKnown = false
  const refreshSize = async (): Promise<void> => {
    spoolSize = await opts.spool.size()
    sizeKnown = true
  }

  const status = (): ProbeStatus => {
    const a = opts.agentStatus()
    return {
      version: a.version.slice(0, 40),
      spoolBatches: spoolSize.batches,
      spoolBytes: spoolSize.bytes,
      droppedBatches: spoolSize.droppedBatches + counters.deadLetteredBatches,
      overruns: a.overruns,
      unavailable: a.unavailable.slice(0, 20).map((u) => u.slice(0, 300)),
    }
  }

  const isIdle = (): boolean => sizeKnown && buffer.length === 0 && spoolSize.batches === 0 && !sending

  const notifyIdle = (): void => {
    if (!isIdle()) return
    for (const w of idleWaiters.splice(0)) w()
  }

  const flush = (): Promise<void> => {
    cancelBatchTimer?.()
    cancelBatchTimer = undefined
    const probeId = opts.probeId()
    if (buffer.length === 0 || probeId === undefined) return appending
    const taken = buffer
    buffer = []
    // Appends are chained so batches enter the spool in the order their results were observed.
    appending = appending.then(async () => {
      for (let i = 0; i < taken.length; i += maxResults) {
        const batch: ResultBatch = {
          protocolVersion: PROTOCOL_VERSION,
          probeId,
          sentAt: new Date(clock.now()).toISOString(),
          results: taken.slice(i, i + maxResults),
        }
        try {
          await opts.spool.append(batch)
        } catch (err) {
          log.error({ err, results: batch.results.length }, 'spool append failed; batch lost')
        }
      }
      const before = spoolSize.droppedBatches
      await refreshSize()
      if (spoolSize.droppedBatches > before) {
        log.warn({ dropped: spoolSize.droppedBatches - before, spool: spoolSize }, 'spool full: dropped the oldest batches')
      }
      poke()
    })
    return appending
  }

  const waitForWork = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const cancel = clock.setTimer(() => {
        wake = undefined
        resolve()
      }, ms)
      wake = () => {
        cancel()
        resolve()
      }
    })

  const sendHeartbeat = async (): Promise<void> => {
    const probeId = opts.probeId()
    if (probeId === undefined) return
    const batch: ResultBatch = { protocolVersion: PROTOCOL_VERSION, probeId, sentAt: new Date(clock.now()).toISOString(), status: status(), results: [] }
    const out = await opts.client.post(batch, hardStop.signal)
    if (out.kind === 'delivered') {
      if (out.configEtag !== undefined) opts.onConfigEtag?.(out.configEtag)
      counters.heartbeats++
      lastContactMs = clock.now()
      lastDeliveryMs = lastContactMs
    } else {
      log.debug({ outcome: out }, 'heartbeat not delivered')
      // Try again after another heartbeat period rather than hammering a server that is down.
      lastContactMs = clock.now()
    }
  }

  /**
   * A 403 E_PROBE_SCOPE names, at `results.<i>.targetId`, targets this probe may no longer report:
   * moved to another probe or deleted while their results waited here. The server stores nothing
   * of such a batch, so the named targets' results are left out and the rest is sent again (the
   * server names at most 100 targets per answer: repeated while it names more). One reassignment
   * then costs only the moved target's results, not the whole batch's.
   * @returns the last outcome, and the batch it was the answer to
   */
  const resendInScope = async (batch: ResultBatch, first: PostOutcome): Promise<{ out: PostOutcome; sent: ResultBatch }> => {
    let out = first
    let sent = batch
    const foreign = new Set<string>()
    while (out.kind === 'rejected' && out.code === 'E_PROBE_SCOPE' && !hardStop.signal.aborted) {
      const before = foreign.size
      for (const issue of out.issues ?? []) {
        const index = /^results\.(\d+)\.targetId$/.exec(issue.path)?.[1]
        const targetId = index === undefined ? undefined : sent.results[Number(index)]?.targetId
        if (targetId !== undefined) foreign.add(targetId)
      }
      const rest = sent.results.filter((r) => !foreign.has(r.targetId))
      // Nothing new named, or nothing left to send: the refusal stands.
      if (foreign.size === before || rest.length === 0) break
      sent = { ...sent, sentAt: new Date(clock.now()).toISOString(), results: rest }
      out = await opts.client.post(sent, hardStop.signal)
    }
    return { out, sent }
  }

  const loop = async (): Promise<void> => {
    let attempt = 0
    // A disk spool may reopen with batches from before a restart: report them from the first send.
    await refreshSize()
    while (!hardStop.signal.aborted) {
      const entry = await opts.spool.oldest()
      if (!entry) {
        if (draining) return
        notifyIdle()
        const hbMs = opts.heartbeatSeconds * 1000
        if (hbMs > 0 && opts.probeId() !== undefined && clock.now() - lastContactMs >= hbMs && buffer.length === 0) {
          await sendHeartbeat()
          continue
        }
        await waitForWork(hbMs > 0 ? Math.max(0, lastContactMs + hbMs - clock.now()) : 2 ** 31 - 1)
        continue
      }
      sending = true
      const batch: ResultBatch = { ...entry.batch, sentAt: new Date(clock.now()).toISOString(), status: status() }
      const first = await opts.client.post(batch, hardStop.signal)
      const { out, sent } = await resendInScope(batch, first)
      if (hardStop.signal.aborted) {
        sending = false
        return
      }
      if (out.kind === 'delivered' && out.configEtag !== undefined) opts.onConfigEtag?.(out.configEtag)
      if (out.kind === 'delivered' && sent !== batch) {
        // Delivered without the results of targets no longer this probe's: the whole batch, as
        // spooled, goes to the dead letters, so what the server refused can still be looked at.
        const refused = batch.results.length - sent.results.length
        const reason = `${refused} result(s) for targets not assigned to this probe (moved or deleted) refused by the server; the other ${sent.results.length} delivered`
        await opts.spool.deadLetter(entry.key, { status: 403, code: 'E_PROBE_SCOPE', reason })
        counters.deadLetteredBatches++
        counters.deliveredBatches++
        counters.deliveredResults += sent.results.length
        lastContactMs = clock.now()
        lastDeliveryMs = lastContactMs
        attempt = 0
        log.warn({ key: entry.key, refused, delivered: sent.results.length }, 'server refused results for targets no longer assigned to this probe; the rest delivered, the batch kept in the dead letters')
      } else if (out.kind === 'delivered') {
        await opts.spool.remove(entry.key)
        counters.deliveredBatches++
        counters.deliveredResults += batch.results.length
        lastContactMs = clock.now()
        lastDeliveryMs = lastContactMs
        attempt = 0
        log.debug({ results: batch.results.length, status: out.status }, 'batch delivered')
      } else if (out.kind === 'rejected') {
        await opts.spool.deadLetter(entry.key, { status: out.status, reason: out.reason, ...(out.code !== undefined && { code: out.code }) })
        counters.deadLetteredBatches++
        attempt = 0
        log.error({ key: entry.key, status: out.status, code: out.code, reason: out.reason, results: sent.results.length }, 'server rejected a batch; dead-lettered (not retried)')
      } else {
        counters.retries++
        const backoff = backoffDelay(attempt++, { baseMs: opts.backoffBaseMs, maxMs: opts.backoffMaxMs }, random)
        const delay = out.retryAfterMs !== undefined ? Math.min(opts.maxRetryAfterMs, Math.max(out.retryAfterMs, 0)) : backoff
        log.warn({ status: out.status, reason: out.reason, retryInMs: Math.round(delay), attempt }, 'batch not delivered; will retry')
        sending = false
        await sleep(clock, delay, hardStop.signal)
      }
      sending = false
      await refreshSize()
    }
  }

  return {
    push(result) {
      if (!accepting) return
      buffer.push(result)
      if (buffer.length >= maxResults) void flush()
      else if (!cancelBatchTimer) cancelBatchTimer = clock.setTimer(() => void flush(), opts.batchMaxWaitMs)
    },
    start() {
      if (started) return
      started = true
      loopDone = loop().catch((err: unknown) => {
        log.error({ err }, 'shipper loop crashed')
      })
    },
    flush,
    status,
    stats: () => ({
      bufferedResults: buffer.length,
      spool: { ...spoolSize },
      ...counters,
      lastDeliveryAt: lastDeliveryMs === undefined ? null : new Date(lastDeliveryMs).toISOString(),
    }),
    whenIdle() {
      if (isIdle()) return Promise.resolve()
      return new Promise<void>((r) => idleWaiters.push(r))
    },
    async stop(stopOpts) {
      accepting = false
      await flush()
      draining = true
      poke()
      const drainMs = stopOpts?.drainTimeoutMs ?? 0
      if (started && drainMs > 0) {
        const timedOut = new AbortController()
        const drained = loopDone.then(() => true)
        const ok = await Promise.race([drained, sleep(clock, drainMs, timedOut.signal).then(() => false)])
        timedOut.abort()
        if (!ok) log.warn({ spool: spoolSize }, 'drain deadline reached; unsent batches stay in the spool')
      }
      hardStop.abort()
      poke()
      await loopDone
      await refreshSize()
      for (const w of idleWaiters.splice(0)) w()
    },
  }
}
