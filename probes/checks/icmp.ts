/**
 * `icmp` check: a round of echo requests per target, summarised into one result (SPEC §3,
 * smokeping_prober model). fping when installed, else the ping package, else a clear error.
 * @module
 */
import type { Logger } from 'pino'
import type { TargetOf } from '../../protocol'
import type { Checker, CheckOutcome, ProbeTools } from './checker'
import { stripBrackets, timeoutError } from './describe'
import { createFpingPinger } from './icmp-fping'
import { createPingPackagePinger } from './icmp-ping'
import type { IcmpPlan, Pinger } from './icmp-round'
import { summarizeRound, totalLossError } from './stats'

/** The SPEC's probing rate: one echo per second per target. */
const ONE_PER_SECOND_MS = 1000

/** Error of every icmp target on an agent without fping and ping. */
export const ICMP_UNAVAILABLE = 'icmp: neither fping nor ping is installed on this agent'

export interface IcmpCheckerOptions {
  /** fping rounds due within this many ms share one process. */
  coalesceMs: number
  log: Logger
}

/** The icmp checker plus the processes/workers it may hold. */
export interface IcmpChecker {
  check: Checker<TargetOf<'icmp'>>
  /** Kills running rounds; pending checks resolve `ok: false`. */
  close(): Promise<void>
}

/**
 * Plans a round: `options.packets` echoes (default one per second of interval) spread evenly
 * over the target's timeout, at most one per second, each waited for one period, so the whole
 * round ends before the deadline with a period to spare for process start and parsing.
 */
export function planIcmpRound(target: TargetOf<'icmp'>): IcmpPlan {
  const count = target.options.packets ?? Math.max(1, Math.round(target.intervalSeconds))
  const budgetMs = target.timeoutSeconds * 1000
  const periodMs = Math.max(1, Math.min(ONE_PER_SECOND_MS, Math.floor(budgetMs / (count + 1))))
  return { count, periodMs, timeoutMs: periodMs, payloadBytes: target.options.payloadBytes }
}

/**
 * Builds the icmp checker. Per call it picks the pinger from `ctx.tools`: fping (coalesced,
 * one process per round for all targets due together), else the ping package (one process per
 * target), else it resolves `ok: false` with {@link ICMP_UNAVAILABLE}. Measures the packet round
 * (rtt_*, sent, received, loss_ratio, jitter_seconds); 100 % loss is `ok: false` with the counts.
 */
export function createIcmpChecker(opts: IcmpCheckerOptions): IcmpChecker {
  const pingers = new Map<string, Pinger>()

  const pingerFor = (tools: ProbeTools): Pinger | undefined => {
    const key = tools.fping ? `fping:${tools.fping}` : tools.ping ? `ping:${tools.ping}` : undefined
    if (!key) return undefined
    let p = pingers.get(key)
    if (!p) {
      p = tools.fping
        ? createFpingPinger({ fpingPath: tools.fping, coalesceMs: opts.coalesceMs, log: opts.log })
        : createPingPackagePinger({ pingPath: tools.ping ?? '', log: opts.log })
      pingers.set(key, p)
    }
    return p
  }

  const check: Checker<TargetOf<'icmp'>> = async (target, ctx): Promise<CheckOutcome> => {
    const pinger = pingerFor(ctx.tools)
    if (!pinger) return { ok: false, error: ICMP_UNAVAILABLE, measurements: {} }
    const host = stripBrackets(target.host)
    const plan = planIcmpRound(target)
    const r = await pinger.ping(host, plan, ctx.signal)
    if (ctx.signal.aborted) return { ok: false, error: timeoutError(target.timeoutSeconds, `echo replies from ${host}`), measurements: {} }
    if (!r.ok) return { ok: false, error: r.error, measurements: {} }
    const rtts = r.rttsSeconds.filter((x): x is number => x !== undefined)
    const measurements = summarizeRound({ sent: r.sent, rttsSeconds: rtts })
    if (rtts.length === 0) return { ok: false, error: totalLossError(host, r.sent), measurements }
    return { ok: true, measurements }
  }

  return {
    check,
    async close() {
      const all = [...pingers.values()]
      pingers.clear()
      await Promise.all(all.map((p) => p.close()))
    },
  }
}
