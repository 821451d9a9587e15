/**
 * The one place naming every check kind. A kind added to protocol's `CheckKind` without a
 * checker here fails `tsc`.
 * @module
 */
import type { Logger } from 'pino'
import type { CheckKind, TargetOf, TargetSpec } from '../../protocol'
import type { Checker, CheckContext, CheckOutcome } from './checker'
import { checkDns } from './dns'
import { checkH323 } from './h323'
import { checkHttp } from './http'
import { createIcmpChecker } from './icmp'
import { checkSip } from './sip'
import { createSnmpChecker } from './snmp'
import { checkTcp } from './tcp'
import { checkThroughput } from './throughput'
import { unsupportedError } from './unsupported'
import { createUdpEchoChecker } from './udp-echo'

/** A checker for every kind. */
export type CheckerMap = { readonly [K in CheckKind]: Checker<TargetOf<K>> }

/** Kinds registered as "not supported by this agent version yet". */
export const UNSUPPORTED_KINDS: readonly CheckKind[] = []

export interface CheckerSetOptions {
  log: Logger
  /** fping rounds due within this many ms share one process. */
  icmpCoalesceMs: number
  /** How long after its last send a udp_echo stream still waits for replies. */
  udpEchoReplyWaitMs: number
}

/** The checkers of one agent and the resources (fping processes, ping worker) they hold. */
export interface CheckerSet {
  checkers: CheckerMap
  /** Dispatches `target` to the checker of its kind. Same contract as {@link Checker}. */
  run(target: TargetSpec, ctx: CheckContext): Promise<CheckOutcome>
  /** Stops processes/workers; checks still running resolve `ok: false`. */
  close(): Promise<void>
}

/** Builds the checker map of one agent. Nothing is spawned until a check needs it. */
export function createCheckers(opts: CheckerSetOptions): CheckerSet {
  const icmp = createIcmpChecker({ coalesceMs: opts.icmpCoalesceMs, log: opts.log })
  const checkers = {
    icmp: icmp.check,
    udp_echo: createUdpEchoChecker({ replyWaitMs: opts.udpEchoReplyWaitMs }),
    tcp: checkTcp,
    http: checkHttp,
    dns: checkDns,
    sip: checkSip,
    h323: checkH323,
    throughput: checkThroughput,
    snmp: createSnmpChecker(),
  } satisfies { [K in CheckKind]: Checker<TargetOf<K>> }
  return {
    checkers,
    run(target, ctx) {
      // The map is keyed by kind, so the checker found is the one for this target's own type;
      // TypeScript cannot correlate the two through an index access.
      const checker = checkers[target.kind] as Checker<TargetSpec>
      return checker(target, ctx)
    },
    close: () => icmp.close(),
  }
}

/** Human-readable reasons why kinds cannot run on this agent (for logs and ProbeStatus.unavailable). */
export function unsupportedReasons(): string[] {
  return UNSUPPORTED_KINDS.map(unsupportedError)
}
