/**
 * The socket-free heart of a UDP echo reflector: which datagrams get an answer (only Xanh echo
 * requests, within per-source and total rate limits) and the answer itself. The server's and
 * the agents' reflectors wrap it in a socket; both may import protocol/, not each other.
 * @module
 */
import { UdpEchoType, decodeUdpEcho, toUdpEchoReply } from './udp-echo'

export interface EchoResponderLimits {
  /** Replies per second one source address may get (sustained). */
  perSourcePps: number
  /** Replies one source may get in a burst, before the sustained rate applies. */
  perSourceBurst: number
  /** Replies per second over all sources, so a spoofed flood cannot turn the host into a relay. */
  totalPps: number
  /** Sources tracked at once; past it the longest-tracked are forgotten (bounded memory). */
  maxSources: number
}

/** Defaults: a udp_echo check sends 50 packets at 20 pps; a few lines behind one NAT fit easily. */
export const ECHO_RESPONDER_DEFAULTS: Readonly<EchoResponderLimits> = { perSourcePps: 200, perSourceBurst: 400, totalPps: 20_000, maxSources: 4096 }

/** Counters of a responder. */
export interface EchoResponderStats {
  replied: number
  /** Datagrams that were not Xanh echo requests (garbage, replies, other versions). */
  ignored: number
  /** Requests not answered because their source (or everyone) was over the rate. */
  rateLimited: number
}

interface Bucket {
  tokens: number
  atMs: number
  loggedAtMs: number
}

/** At most one "over the rate" report per source per this many ms. */
const LIMIT_REPORT_EVERY_MS = 60_000

/**
 * Creates a responder. `answer` turns a request into its reply in place (so a reply is never
 * larger than its request) and returns true when it must be sent; garbage is ignored before it
 * can spend a real sender's tokens.
 * @param onLimited told (at most once a minute per source) that a source is being dropped
 */
export function createEchoResponder(limits: Partial<EchoResponderLimits> = {}, onLimited?: (source: string) => void) {
  const l = { ...ECHO_RESPONDER_DEFAULTS, ...limits }
  const stats: EchoResponderStats = { replied: 0, ignored: 0, rateLimited: 0 }
  const buckets = new Map<string, Bucket>()
  let total: Bucket | undefined

  const take = (b: Bucket, rate: number, burst: number, nowMs: number): boolean => {
    b.tokens = Math.min(burst, b.tokens + ((nowMs - b.atMs) / 1000) * rate)
    b.atMs = nowMs
    if (b.tokens < 1) return false
    b.tokens -= 1
    return true
  }

  const allowed = (source: string, nowMs: number): boolean => {
    total ??= { tokens: l.totalPps, atMs: nowMs, loggedAtMs: -Infinity }
    let b = buckets.get(source)
    if (!b) {
      if (buckets.size >= l.maxSources) {
        const oldest = buckets.keys().next()
        if (!oldest.done) buckets.delete(oldest.value)
      }
      b = { tokens: l.perSourceBurst, atMs: nowMs, loggedAtMs: -Infinity }
      buckets.set(source, b)
    }
    if (take(b, l.perSourcePps, l.perSourceBurst, nowMs) && take(total, l.totalPps, l.totalPps, nowMs)) return true
    if (nowMs - b.loggedAtMs >= LIMIT_REPORT_EVERY_MS) {
      b.loggedAtMs = nowMs
      onLimited?.(source)
    }
    return false
  }

  return {
    limits: l,
    /**
     * @param rxNs wall-clock receive time (ns)
     * @param txNs called last, for the send stamp: senders subtract tx − rx (residence time)
     * @param nowMs a monotonic clock for the rate limits
     * @returns true when `msg` now holds the reply to send back to `source`
     */
    answer(msg: Uint8Array, source: string, rxNs: bigint, txNs: () => bigint, nowMs: number): boolean {
      if (decodeUdpEcho(msg)?.type !== UdpEchoType.request) {
        stats.ignored++
        return false
      }
      if (!allowed(source, nowMs)) {
        stats.rateLimited++
        return false
      }
      toUdpEchoReply(msg, rxNs, txNs())
      stats.replied++
      return true
    },
    stats: (): EchoResponderStats => ({ ...stats }),
  }
}
