/**
 * The checker contract (SPEC §3): one function per check kind, resolving a result for every
 * target outcome. The scheduler owns deadlines, timing, ids and observed times.
 * @module
 */
import type { Logger } from 'pino'
import type { TargetSpec } from '../../protocol'

/**
 * Absolute paths of the system tools some checks spawn. `undefined` means "not installed":
 * the check that needs it reports a clear per-target error instead of crashing. Injected in
 * tests so the no-binary case needs no change to the machine.
 */
export interface ProbeTools {
  fping?: string | undefined
  ping?: string | undefined
  /** iperf3 for `throughput` targets in iperf3 mode; when absent, `iperf3` is looked up on PATH at spawn time. */
  iperf3?: string | undefined
}

/**
 * How this agent authenticates to a Xanh server's `/api/v1/speedtest/*` endpoints (throughput
 * http mode). The target's host:port names the far end; the probe token is the credential.
 */
export interface SpeedtestAccess {
  /** The probe's bearer token. */
  token: string
}

/** What a checker gets besides its target. */
export interface CheckContext {
  /** Aborts at the target's timeout (or at agent shutdown); every socket, timer and child honours it. */
  signal: AbortSignal
  /** Child logger bound to `{ targetId, kind }`. */
  log: Logger
  tools: ProbeTools
  /** Credentials for throughput http mode; absent when the agent has none (the check then says so). */
  speedtest?: SpeedtestAccess | undefined
}

/** What one check observed. Measurement names are snake_case in base units (`connect_seconds`). */
export interface CheckOutcome {
  ok: boolean
  /** One lowercase line naming host:port, present when `ok` is false. */
  error?: string
  measurements: Record<string, number>
}

/**
 * Runs one check. Resolves for every target outcome (down, refused, timeout, garbage reply) with
 * `ok: false`; rejects only on bugs, which the scheduler reports as `internal: …` and counts.
 */
export type Checker<T extends TargetSpec = TargetSpec> = (target: T, ctx: CheckContext) => Promise<CheckOutcome>
