/**
 * An agent's UDP echo reflector (`--reflector-port`, SPEC §3 `udp_echo`): lets communes measure
 * their lines to each other, not only to the server. Which datagrams get which answer is
 * protocol/udp-echo-responder.ts; this file is only the socket, twin of
 * server/reflector/udp-echo.ts (server/ and probes/ may not import each other).
 * @module
 */
import { createSocket } from 'node:dgram'
import { isIPv6 } from 'node:net'
import type { Logger } from 'pino'
import { createEchoResponder, type EchoResponderLimits, type EchoResponderStats } from '../protocol'

export interface UdpEchoReflectorOptions extends Partial<EchoResponderLimits> {
  /** Address to bind (`0.0.0.0`, `::`, `127.0.0.1`…). */
  host: string
  /** UDP port; 0 picks a free one (tests). */
  port: number
  log: Logger
}

/** Counters of a running reflector. */
export type UdpEchoReflectorStats = EchoResponderStats

export interface UdpEchoReflector {
  /** The bound port (useful with port 0). */
  port: number
  stats(): UdpEchoReflectorStats
  /** Closes the socket. Idempotent. */
  close(): Promise<void>
}

export { ECHO_RESPONDER_DEFAULTS as REFLECTOR_DEFAULTS } from '../protocol'

/**
 * Binds a UDP socket and answers every Xanh echo request (protocol's echo responder: only
 * requests, per-source and total rate limits, reply no larger than the request), ignoring
 * anything else; over-the-rate sources are logged at most once a minute.
 * @throws the bind error (EADDRINUSE, EACCES, EADDRNOTAVAIL) — the caller decides whether to go on
 */
export async function startUdpEchoReflector(opts: UdpEchoReflectorOptions): Promise<UdpEchoReflector> {
  const { log } = opts
  const responder = createEchoResponder(opts, (source) =>
    log.warn({ source, perSourcePps: responder.limits.perSourcePps, totalPps: responder.limits.totalPps }, 'udp echo reflector: source over the rate limit; dropping its requests'),
  )
  // Stamps are wall-clock ns, advanced by the monotonic clock so rx→tx (what senders subtract) is exact.
  const wallAnchorNs = BigInt(Date.now()) * 1_000_000n
  const hrAnchorNs = process.hrtime.bigint()
  const wallNs = (): bigint => wallAnchorNs + (process.hrtime.bigint() - hrAnchorNs)

  const socket = createSocket({ type: isIPv6(opts.host) ? 'udp6' : 'udp4' })
  socket.on('message', (msg, from) => {
    if (!responder.answer(msg, from.address, wallNs(), wallNs, performance.now())) return
    socket.send(msg, from.port, from.address, (err) => {
      if (err) log.debug({ err, to: from.address }, 'udp echo reflector: send failed')
    })
  })

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => {
      socket.close()
      reject(err)
    }
    socket.once('error', onError)
    socket.bind(opts.port, opts.host, () => {
      socket.off('error', onError)
      // After binding, a socket error (e.g. ICMP unreachable surfacing) must not crash the agent.
      socket.on('error', (err) => log.warn({ err }, 'udp echo reflector: socket error'))
      resolve()
    })
  })
  const port = socket.address().port
  log.info({ host: opts.host, port }, `udp echo reflector listening on ${opts.host}:${port}/udp`)

  let closed: Promise<void> | undefined
  return {
    port,
    stats: () => responder.stats(),
    close: () => (closed ??= new Promise<void>((resolve) => socket.close(() => resolve()))),
  }
}
