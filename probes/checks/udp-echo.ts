/**
 * `udp_echo` check: a TWAMP-light style stream to a Xanh reflector (SPEC §3, protocol/udp-echo.ts).
 * @module
 */
import { createSocket } from 'node:dgram'
import { randomInt } from 'node:crypto'
import { isIPv6 } from 'node:net'
import { KIND_DEFAULTS, UdpEchoType, decodeUdpEcho, encodeUdpEcho, type TargetOf } from '../../protocol'
import type { Checker, CheckOutcome } from './checker'
import { describeError, hostPort, stripBrackets, timeoutError } from './describe'
import { summarizeRound, totalLossError } from './stats'

/** Tunables of the udp_echo checker that are agent policy, not target options. */
export interface UdpEchoCheckerOptions {
  /**
   * How long after the last send a reply still counts (RFC 7680's Tmax): later replies are lost.
   * Bounded by the check's deadline.
   */
  replyWaitMs: number
}

/**
 * Builds the udp_echo checker. It sends `options.packets` requests at `options.ratePps` with a
 * random session id, then waits until every reply is in or `replyWaitMs` after the last send
 * (never past the deadline). Measures the packet round (rtt_*, sent, received, loss_ratio,
 * jitter_seconds) plus `duplicates` and `reordered`. Garbage datagrams and replies of other
 * sessions are ignored. 100 % loss, ICMP port-unreachable and a deadline hit before all packets
 * went out resolve `ok: false` naming host:port, still with the counts.
 */
export function createUdpEchoChecker(opts: UdpEchoCheckerOptions): Checker<TargetOf<'udp_echo'>> {
  return (target, ctx) => {
    const port = target.port ?? KIND_DEFAULTS.udp_echo.port ?? 8620
    const host = stripBrackets(target.host)
    const address = hostPort(host, port)
    const { packets, ratePps, payloadBytes } = target.options
    const session = randomInt(1, 0xffffffff)
    const gapMs = 1000 / ratePps
    const sentAtNs = new Map<number, bigint>()
    const seen = new Set<number>()
    const rtts: number[] = []
    let duplicates = 0
    let reordered = 0
    let highestSeq = -1
    let sent = 0
    let refused: string | undefined
    const socket = createSocket(isIPv6(host) ? 'udp6' : 'udp4')

    return new Promise<CheckOutcome>((resolve) => {
      let sendTimer: NodeJS.Timeout | undefined
      let waitTimer: NodeJS.Timeout | undefined
      let settled = false
      const finish = (reason: 'done' | 'deadline' | 'error', error?: string): void => {
        if (settled) return
        settled = true
        clearTimeout(sendTimer)
        clearTimeout(waitTimer)
        ctx.signal.removeEventListener('abort', onAbort)
        socket.close()
        const measurements = { ...summarizeRound({ sent, rttsSeconds: rtts }), duplicates, reordered }
        if (reason === 'error') return resolve({ ok: false, error: error ?? `udp echo to ${address} failed`, measurements })
        if (reason === 'deadline' && sent < packets) {
          return resolve({
            ok: false,
            error: `${timeoutError(target.timeoutSeconds, address)} (${sent} of ${packets} packets sent)`,
            measurements,
          })
        }
        if (rtts.length === 0) {
          return resolve({ ok: false, error: refused ?? totalLossError(address, sent), measurements })
        }
        resolve({ ok: true, measurements })
      }
      const onAbort = (): void => finish('deadline')
      if (ctx.signal.aborted) return finish('deadline')
      ctx.signal.addEventListener('abort', onAbort, { once: true })

      socket.on('error', (err: NodeJS.ErrnoException) => {
        // A connected UDP socket reports ICMP port-unreachable as ECONNREFUSED: the packet is lost,
        // the stream goes on (a reflector may be restarting), but the error says why.
        if (err.code === 'ECONNREFUSED') {
          refused = `udp ${describeError(err, address)} (port unreachable)`
          return
        }
        finish('error', describeError(err, address))
      })
      socket.on('message', (data: Buffer) => {
        const rxNs = process.hrtime.bigint()
        const p = decodeUdpEcho(data)
        if (!p || p.type !== UdpEchoType.reply || p.session !== session) {
          ctx.log.debug({ bytes: data.length }, 'udp echo: ignoring a datagram that is not a reply of this session')
          return
        }
        const txNs = sentAtNs.get(p.seq)
        if (txNs === undefined || txNs !== p.senderTxNs) return
        if (seen.has(p.seq)) {
          duplicates++
          return
        }
        seen.add(p.seq)
        if (p.seq < highestSeq) reordered++
        else highestSeq = p.seq
        // Subtract the reflector's residence time (both stamps are its own clock), as TWAMP does.
        const residenceNs = p.reflectorTxNs > p.reflectorRxNs && p.reflectorRxNs > 0n ? p.reflectorTxNs - p.reflectorRxNs : 0n
        const rttNs = rxNs - txNs - residenceNs
        rtts.push(Number(rttNs > 0n ? rttNs : rxNs - txNs) / 1e9)
        if (sent === packets && seen.size === packets) finish('done')
      })

      const sendNext = (): void => {
        const seq = sent
        const txNs = process.hrtime.bigint()
        sentAtNs.set(seq, txNs)
        const buf = encodeUdpEcho(
          { type: UdpEchoType.request, seq, session, senderTxNs: txNs, reflectorRxNs: 0n, reflectorTxNs: 0n },
          payloadBytes,
        )
        socket.send(buf)
        sent++
        if (sent < packets) {
          // Pace from the stream's start, so timer drift does not lower the rate.
          const dueMs = sent * gapMs
          const elapsedMs = Number(process.hrtime.bigint() - firstTxNs) / 1e6
          sendTimer = setTimeout(sendNext, Math.max(0, dueMs - elapsedMs))
        } else {
          waitTimer = setTimeout(() => finish('done'), opts.replyWaitMs)
        }
      }
      let firstTxNs = 0n
      // Node hands a failed connect (no route, bad address) to this callback instead of 'error'.
      socket.connect(port, host, (err?: Error) => {
        if (settled) return
        if (err) return finish('error', describeError(err as NodeJS.ErrnoException, address))
        firstTxNs = process.hrtime.bigint()
        sendNext()
      })
    })
  }
}
