/**
 * An agent's UDP echo reflector (`--reflector-port`, SPEC §3 `udp_echo`): lets communes measure
 * their lines to each other, not only to the server. Packet handling is protocol/udp-echo.ts;
 * this file is only the socket and the abuse guards. It is a deliberate twin of
 * server/reflector/udp-echo.ts (server/ and probes/ may not import each other): change both.
 * @module
 */
import { createSocket, type RemoteInfo } from 'node:dgram'
import { isIPv6 } from 'node:net'
import type { Logger } from 'pino'
import { UdpEchoType, decodeUdpEcho, toUdpEchoReply } from '../protocol'

export interface UdpEchoReflectorOptions {
  /** Address to bind (`0.0.0.0`, `::`, `127.0.0.1`…). */
  host: string
  /** UDP port; 0 picks a free one (tests). */
  port: number
  log: Logger
  /** Replies per second one source address may get (sustained). */
  perSourcePps?: number
  /** Replies one source may get in a burst, before the sustained rate applies. */
  perSourceBurst?: number
  /** Replies per second over all sources, so a spoofed flood cannot turn the agent into a relay. */
  totalPps?: number
  /** Sources tracked at once; past it the longest-tracked are forgotten (bounded memory). */
  maxSources?: number
}

/** Counters of a running reflector. */
export interface UdpEchoReflectorStats {
  replied: number
  /** Datagrams that were not Xanh echo requests (garbage, replies, other versions). */
  ignored: number
  /** Requests not answered because their source (or everyone) was over the rate. */
  rateLimited: number
}

export interface UdpEchoReflector {
  /** The bound port (useful with port 0). */
  port: number
  stats(): UdpEchoReflectorStats
  /** Closes the socket. Idempotent. */
  close(): Promise<void>
}

/** Defaults: a udp_echo check sends 50 packets at 20 pps; a few lines behind one NAT fit easily. */
export const REFLECTOR_DEFAULTS = { perSourcePps: 200, perSourceBurst: 400, totalPps: 20_000, maxSources: 4096 } as const
/** At most one "rate-limited" log line per source per this many ms. */
const LIMIT_LOG_EVERY_MS = 60_000

interface Bucket {
  tokens: number
  atMs: number
  loggedAtMs: number
}

/**
 * Binds a UDP socket and answers every Xanh echo request with the same datagram turned into a
 * reply (type, receive and send stamps), so a reply is never larger than its request. Anything
 * else is ignored silently. Each source address has a token bucket (`perSourcePps`,
 * `perSourceBurst`) and all sources share `totalPps`; requests over the rate are dropped and
 * counted, with at most one warning per source per minute.
 * @throws the bind error (EADDRINUSE, EACCES, EADDRNOTAVAIL) — the caller decides whether to go on
 */
export async function startUdpEchoReflector(opts: UdpEchoReflectorOptions): Promise<UdpEchoReflector> {
  const perSourcePps = opts.perSourcePps ?? REFLECTOR_DEFAULTS.perSourcePps
  const perSourceBurst = opts.perSourceBurst ?? REFLECTOR_DEFAULTS.perSourceBurst
  const totalPps = opts.totalPps ?? REFLECTOR_DEFAULTS.totalPps
  const maxSources = opts.maxSources ?? REFLECTOR_DEFAULTS.maxSources
  const { log } = opts
  const stats: UdpEchoReflectorStats = { replied: 0, ignored: 0, rateLimited: 0 }
  const buckets = new Map<string, Bucket>()
  const total: Bucket = { tokens: totalPps, atMs: performance.now(), loggedAtMs: -Infinity }
  // Stamps are wall-clock ns, advanced by the monotonic clock so rx→tx (what senders subtract) is exact.
  const wallAnchorNs = BigInt(Date.now()) * 1_000_000n
  const hrAnchorNs = process.hrtime.bigint()
  const wallNs = (): bigint => wallAnchorNs + (process.hrtime.bigint() - hrAnchorNs)

  const take = (b: Bucket, rate: number, burst: number, nowMs: number): boolean => {
    b.tokens = Math.min(burst, b.tokens + ((nowMs - b.atMs) / 1000) * rate)
    b.atMs = nowMs
    if (b.tokens < 1) return false
    b.tokens -= 1
    return true
  }

  const allowed = (from: RemoteInfo, nowMs: number): boolean => {
    let b = buckets.get(from.address)
    if (!b) {
      if (buckets.size >= maxSources) {
        const oldest = buckets.keys().next()
        if (!oldest.done) buckets.delete(oldest.value)
      }
      b = { tokens: perSourceBurst, atMs: nowMs, loggedAtMs: -Infinity }
      buckets.set(from.address, b)
    }
    if (take(b, perSourcePps, perSourceBurst, nowMs) && take(total, totalPps, totalPps, nowMs)) return true
    if (nowMs - b.loggedAtMs >= LIMIT_LOG_EVERY_MS) {
      b.loggedAtMs = nowMs
      log.warn({ source: from.address, perSourcePps, totalPps }, 'udp echo reflector: source over the rate limit; dropping its requests')
    }
    return false
  }

  const socket = createSocket({ type: isIPv6(opts.host) ? 'udp6' : 'udp4' })
  socket.on('message', (msg, from) => {
    const rxNs = wallNs()
    // Validate before spending a token: garbage must not use up a real sender's allowance.
    if (decodeUdpEcho(msg)?.type !== UdpEchoType.request) {
      stats.ignored++
      return
    }
    if (!allowed(from, performance.now())) {
      stats.rateLimited++
      return
    }
    // The send stamp is taken last: the sender subtracts tx − rx (the reflector's residence time).
    toUdpEchoReply(msg, rxNs, wallNs())
    socket.send(msg, from.port, from.address, (err) => {
      if (err) log.debug({ err, to: from.address }, 'udp echo reflector: send failed')
    })
    stats.replied++
  })

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => {
      socket.close()
      reject(err)
    }
    socket.once('error', onError)
    socket.bind(opts.port, opts.host, () => {
      socket.off('error', onError)
      // After binding, a socket error (e.g. ICMP unreachable surfacing) must not crash the server.
      socket.on('error', (err) => log.warn({ err }, 'udp echo reflector: socket error'))
      resolve()
    })
  })
  const port = socket.address().port
  log.info({ host: opts.host, port }, `udp echo reflector listening on ${opts.host}:${port}/udp`)

  let closed: Promise<void> | undefined
  return {
    port,
    stats: () => ({ ...stats }),
    close: () => (closed ??= new Promise<void>((resolve) => socket.close(() => resolve()))),
  }
}
