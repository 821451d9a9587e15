/**
 * The probe agent: config client → scheduler → checkers → shipper (SPEC §1, §3). Used in-process
 * by the server as the embedded probe and by the standalone CLI (probes/main.ts).
 * @module
 */
import type { Logger } from 'pino'
import type { ProbeConfig, ProbeStatus } from '../protocol'
import type { ProbeTools } from './checks/checker'
import { createCheckers, unsupportedReasons } from './checks/index'
import type { Clock } from './clock'
import type { QuietWindow } from './quiet-windows'
import { createConfigClient } from './config-client'
import { createRunNowClient } from './run-now-client'
import { createScheduler, type SchedulerStats } from './scheduler'
import { createIngestClient } from './ship/client'
import { createMemorySpool } from './ship/memory-spool'
import { createShipper, type ShipperStats } from './ship/shipper'
import type { Spool } from './ship/spool'
import { unavailableChecks } from './tools'

export { detectTools, type DetectedTools } from './tools'
export type { ProbeTools } from './checks/checker'

/** Timing and limits of an agent; every field has a default in {@link DEFAULT_AGENT_TIMING}. */
export interface AgentTiming {
  /** Seconds between target-list polls. */
  configPollSeconds: number
  /** Deadline of one config request. */
  configTimeoutSeconds: number
  /** Results per batch (≤ 1000). */
  batchMaxResults: number
  /** Longest a result waits for its batch to fill. */
  batchMaxWaitMs: number
  /** Deadline of one ingest POST. */
  shipTimeoutSeconds: number
  backoffBaseMs: number
  backoffMaxMs: number
  /** Upper bound on obeying a server's Retry-After. */
  maxRetryAfterSeconds: number
  /** Checks running at once (icmp via fping and throughput have their own lanes). */
  maxConcurrency: number
  /** Empty batch after this long without contact, so the server sees the agent alive. 0 = off. */
  heartbeatSeconds: number
  /** icmp rounds due within this window share one fping process. */
  icmpCoalesceMs: number
  /** How long after its last packet a udp_echo stream waits for late replies (loss threshold). */
  udpEchoReplyWaitMs: number
  /** In-memory spool caps. */
  spoolMaxBytes: number
  spoolMaxBatches: number
  /** Local times (Asia/Ho_Chi_Minh) when heavy checks (throughput) are postponed, e.g. meetings. */
  quietWindows: readonly QuietWindow[]
  /** How long one "Đo ngay" long poll may wait at the server; 0 turns on-demand tests off. */
  runNowWaitSeconds: number
}

/** Defaults: SPEC §3 batching (≤ 1000 results or 2 s), a minute between config polls. */
export const DEFAULT_AGENT_TIMING: Readonly<AgentTiming> = {
  configPollSeconds: 60,
  configTimeoutSeconds: 10,
  batchMaxResults: 1000,
  batchMaxWaitMs: 2000,
  shipTimeoutSeconds: 15,
  backoffBaseMs: 1000,
  backoffMaxMs: 60_000,
  maxRetryAfterSeconds: 600,
  maxConcurrency: 64,
  heartbeatSeconds: 30,
  icmpCoalesceMs: 50,
  udpEchoReplyWaitMs: 2000,
  spoolMaxBytes: 64 * 1024 * 1024,
  spoolMaxBatches: 10_000,
  quietWindows: [],
  runNowWaitSeconds: 25,
}

export interface AgentOptions {
  /** Base URL of the Xanh server, e.g. `http://127.0.0.1:8080` for the embedded probe. */
  serverUrl: string
  /** The probe's bearer token. */
  token: string
  /** Stamped on batches; when absent, the probeId of the server's config answer is used. */
  probeId?: string
  log: Logger
  /** Agent version reported in ProbeStatus (≤ 40 chars). */
  version: string
  /** Paths of fping/ping, from {@link detectTools} or injected. */
  tools: ProbeTools
  timing?: Partial<AgentTiming>
  /** Injectable for tests; defaults to global fetch. */
  fetch?: typeof fetch
  clock?: Clock
  /** Defaults to an in-memory spool with the timing's caps. */
  spool?: Spool
}

/** Internal counters, for logs and debugging (ProbeStatus is what the server gets). */
export interface AgentStats {
  probeId: string | undefined
  targets: number
  scheduler: SchedulerStats
  shipper: ShipperStats
  /** Targets in the last good config (0 before the first). */
  configTargets: number
}

export interface Agent {
  /**
   * Starts shipping and polls the config once; resolves after that first poll whether it
   * succeeded or not (an unreachable server is retried every poll interval, never thrown).
   */
  start(): Promise<void>
  /**
   * Stops polling and scheduling, aborts running checks, then drains the shipper for at most
   * `drainTimeoutMs` (default 0: no drain). Idempotent; never rejects.
   */
  stop(opts?: { drainTimeoutMs?: number }): Promise<void>
  /** What the next batch will report to the server. */
  status(): ProbeStatus
  stats(): AgentStats
}

/**
 * Composes an agent. Nothing runs and no process is spawned until {@link Agent.start}.
 * @example
 * const agent = createAgent({ serverUrl: 'http://127.0.0.1:8080', token, log, version: '0.1.0', tools: detectTools(process.env.PATH ?? '') })
 * await agent.start()
 * // on shutdown:
 * await agent.stop({ drainTimeoutMs: 5000 })
 */
export function createAgent(opts: AgentOptions): Agent {
  const timing: AgentTiming = { ...DEFAULT_AGENT_TIMING, ...opts.timing }
  const log = opts.log
  const unavailable = [...unavailableChecks(opts.tools), ...unsupportedReasons()]
  let probeId = opts.probeId
  let startedOnce = false
  let stopping: Promise<void> | undefined

  const checkers = createCheckers({ log, icmpCoalesceMs: timing.icmpCoalesceMs, udpEchoReplyWaitMs: timing.udpEchoReplyWaitMs })
  const shipper = createShipper({
    client: createIngestClient({ serverUrl: opts.serverUrl, token: opts.token, timeoutMs: timing.shipTimeoutSeconds * 1000, ...(opts.fetch && { fetch: opts.fetch }) }),
    spool: opts.spool ?? createMemorySpool({ maxBytes: timing.spoolMaxBytes, maxBatches: timing.spoolMaxBatches }),
    log: log.child({ component: 'shipper' }),
    probeId: () => probeId,
    agentStatus: () => ({ version: opts.version, overruns: scheduler.stats().overruns, unavailable }),
    batchMaxResults: timing.batchMaxResults,
    batchMaxWaitMs: timing.batchMaxWaitMs,
    heartbeatSeconds: timing.heartbeatSeconds,
    backoffBaseMs: timing.backoffBaseMs,
    backoffMaxMs: timing.backoffMaxMs,
    maxRetryAfterMs: timing.maxRetryAfterSeconds * 1000,
    // The server tags each answer with the probe's current config: a different tag means an
    // inventory edit, fetched now rather than at the next poll (configPollSeconds).
    onConfigEtag: (etag) => {
      const mine = configClient.etag()
      if (mine !== undefined && mine !== etag) void configClient.refresh()
    },
    ...(opts.clock && { clock: opts.clock }),
  })
  // With fping, icmp rounds are coalesced into one process, so they are aligned (due together)
  // and exempt from the concurrency bound; with the ping package each is a process of its own.
  const coalescedIcmp = opts.tools.fping ? (['icmp'] as const) : []
  const scheduler = createScheduler({
    run: checkers.run,
    tools: opts.tools,
    onResult: (r) => shipper.push(r),
    log: log.child({ component: 'scheduler' }),
    maxConcurrency: timing.maxConcurrency,
    quietWindows: timing.quietWindows,
    speedtest: { token: opts.token },
    unboundedKinds: coalescedIcmp,
    alignedKinds: coalescedIcmp,
    ...(opts.clock && { clock: opts.clock }),
  })
  const runNow = createRunNowClient({
    serverUrl: opts.serverUrl,
    token: opts.token,
    log: log.child({ component: 'run-now' }),
    waitSeconds: timing.runNowWaitSeconds,
    marginSeconds: timing.configTimeoutSeconds,
    retryBaseMs: timing.backoffBaseMs,
    notSupportedRetryMs: timing.configPollSeconds * 10_000,
    onRequest: (r) => {
      const outcome = scheduler.runNow(r.targetId)
      if (outcome === 'unknown') log.warn({ targetId: r.targetId }, 'run-now: not a target of this probe (yet); the next config poll may bring it')
    },
    ...(opts.fetch && { fetch: opts.fetch }),
    ...(opts.clock && { clock: opts.clock }),
  })
  const configClient = createConfigClient({
    serverUrl: opts.serverUrl,
    token: opts.token,
    log: log.child({ component: 'config' }),
    pollSeconds: timing.configPollSeconds,
    timeoutMs: timing.configTimeoutSeconds * 1000,
    onConfig: (config: ProbeConfig) => {
      if (opts.probeId !== undefined && opts.probeId !== config.probeId) {
        log.warn({ configured: opts.probeId, server: config.probeId }, 'probe id differs from the server answer; using the configured one')
      }
      probeId = opts.probeId ?? config.probeId
      scheduler.setTargets(config.targets)
    },
    ...(opts.fetch && { fetch: opts.fetch }),
    ...(opts.clock && { clock: opts.clock }),
  })

  return {
    async start() {
      if (startedOnce || stopping) return
      startedOnce = true
      if (!opts.tools.fping && opts.tools.ping) log.warn('icmp: fping is not installed; falling back to the ping package (one process per target)')
      for (const reason of unavailable) log.warn(`cannot run: ${reason}`)
      log.info({ server: opts.serverUrl, version: opts.version, fping: opts.tools.fping ?? null, ping: opts.tools.ping ?? null }, 'probe agent starting')
      shipper.start()
      await configClient.start()
      runNow.start()
    },
    stop(stopOpts) {
      stopping ??= (async () => {
        configClient.stop()
        await runNow.stop()
        await scheduler.stop()
        await checkers.close()
        await shipper.stop({ drainTimeoutMs: stopOpts?.drainTimeoutMs ?? 0 })
        log.info({ shipper: shipper.stats() }, 'probe agent stopped')
      })().catch((err: unknown) => {
        log.error({ err }, 'probe agent stop failed')
      })
      return stopping
    },
    status: () => shipper.status(),
    stats: () => ({
      probeId,
      targets: scheduler.stats().targets,
      scheduler: scheduler.stats(),
      shipper: shipper.stats(),
      configTargets: configClient.current()?.targets.length ?? 0,
    }),
  }
}
