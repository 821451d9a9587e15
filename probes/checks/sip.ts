/**
 * `sip` check: a SIP OPTIONS "ping" over UDP or TCP (RFC 3261 §11, SPEC §3).
 * @module
 */
import { createSocket } from 'node:dgram'
import { isIPv6, type Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import { KIND_DEFAULTS, type TargetOf } from '../../protocol'
import type { Checker, CheckContext, CheckOutcome } from './checker'
import { openConnection } from './connect'
import { describeError, hostPort, stripBrackets, timeoutError } from './describe'
import {
  answersTransaction,
  buildOptionsRequest,
  cutSipMessage,
  newTransaction,
  parseSipResponse,
  sipHostPort,
  type SipResponse,
} from './sip-message'

/** RFC 3261 §17.1.2.2 Timer E: first UDP retransmission after T1, doubling up to T2. */
const SIP_T1_MS = 500
const SIP_T2_MS = 4000
/** A SIP message head larger than a UDP datagram can be is not a SIP answer. */
const MAX_HEAD_BYTES = 65_535

interface SipCall {
  host: string
  port: number
  address: string
  requestUri: string
  timeoutSeconds: number
  ctx: CheckContext
}

/**
 * Sends one OPTIONS request to `host:port` (default 5060) over `options.transport` with the
 * Request-URI `options.uri` (default `sip:host:port`) and waits for the final response of that
 * transaction (matched on Call-ID and CSeq; 1xx and answers to other transactions are ignored).
 * Measures `status_code` and `response_seconds` (from the first transmission, so UDP
 * retransmissions after a loss show as a slower answer), and over TCP `connect_seconds`.
 *
 * Verdict (SPEC §3): any final response means the SIP stack is alive, so 2xx and also 3xx–6xx
 * resolve `ok: true` with the code measured (the server grades e.g. 404 as a warning), except
 * 503, which is `ok: false` ("503 Service Unavailable from host:port"). No answer before the
 * deadline, a refused port or a reply that is not a SIP response resolve `ok: false` naming
 * host:port.
 */
export const checkSip: Checker<TargetOf<'sip'>> = (target, ctx) => {
  const port = target.port ?? KIND_DEFAULTS.sip.port ?? 5060
  const host = stripBrackets(target.host)
  // The URI goes into the request line verbatim: whitespace or control characters would
  // split it into other headers.
  if (target.options.uri !== undefined && !/^sips?:[^\s\x00-\x1f\x7f]+$/i.test(target.options.uri)) {
    return Promise.resolve({ ok: false, error: `invalid sip uri for ${hostPort(host, port)}: ${JSON.stringify(target.options.uri.slice(0, 80))}`, measurements: {} })
  }
  const call: SipCall = {
    host,
    port,
    address: hostPort(host, port),
    requestUri: target.options.uri ?? `sip:${sipHostPort(host, port)}`,
    timeoutSeconds: target.timeoutSeconds,
    ctx,
  }
  return target.options.transport === 'tcp' ? optionsOverTcp(call) : optionsOverUdp(call)
}

/** The outcome of a final response. */
function judge(res: SipResponse, responseSeconds: number, address: string, extra: Record<string, number> = {}): CheckOutcome {
  const measurements = { ...extra, status_code: res.status, response_seconds: responseSeconds }
  if (res.status === 503) {
    return { ok: false, error: `${res.status}${res.reason ? ` ${res.reason}` : ''} from ${address}`, measurements }
  }
  return { ok: true, measurements }
}

function unparseable(address: string): string {
  return `unparseable SIP reply from ${address}`
}

function optionsOverUdp(call: SipCall): Promise<CheckOutcome> {
  const { ctx, address } = call
  const tx = newTransaction()
  return new Promise<CheckOutcome>((resolve) => {
    if (ctx.signal.aborted) return resolve({ ok: false, error: timeoutError(call.timeoutSeconds, address), measurements: {} })
    const socket = createSocket(isIPv6(call.host) ? 'udp6' : 'udp4')
    let settled = false
    let timer: NodeJS.Timeout | undefined
    let firstSentAt = 0
    let retransmitMs = SIP_T1_MS
    let request: Buffer | undefined

    const finish = (o: CheckOutcome): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      ctx.signal.removeEventListener('abort', onAbort)
      socket.close()
      resolve(o)
    }
    const onAbort = (): void => finish({ ok: false, error: timeoutError(call.timeoutSeconds, address), measurements: {} })
    ctx.signal.addEventListener('abort', onAbort, { once: true })

    const retransmit = (): void => {
      if (settled || !request) return
      socket.send(request)
      retransmitMs = Math.min(retransmitMs * 2, SIP_T2_MS)
      timer = setTimeout(retransmit, retransmitMs)
    }

    socket.on('error', (err: NodeJS.ErrnoException) => {
      // A connected UDP socket reports ICMP port-unreachable as ECONNREFUSED: RFC 3261 §18.4
      // treats that as a transport failure of the transaction, so there is no point retrying.
      if (err.code === 'ECONNREFUSED') return finish({ ok: false, error: `connection refused by ${address} (udp port unreachable)`, measurements: {} })
      finish({ ok: false, error: describeError(err, address), measurements: {} })
    })
    socket.on('message', (data: Buffer) => {
      const receivedAt = performance.now()
      const res = parseSipResponse(data.toString('utf8'))
      if (!res) return finish({ ok: false, error: unparseable(address), measurements: {} })
      if (!answersTransaction(res, tx)) {
        ctx.log.debug({ status: res.status }, 'sip: ignoring a response to another transaction')
        return
      }
      if (res.status < 200) {
        // RFC 3261 §17.1.2.2: after a provisional answer, retransmit only every T2.
        retransmitMs = SIP_T2_MS
        clearTimeout(timer)
        timer = setTimeout(retransmit, retransmitMs)
        return
      }
      finish(judge(res, (receivedAt - firstSentAt) / 1000, address))
    })
    socket.connect(call.port, call.host, () => {
      if (settled) return
      const local = socket.address()
      request = Buffer.from(buildOptionsRequest(tx, { transport: 'udp', requestUri: call.requestUri, localHost: local.address, localPort: local.port }))
      firstSentAt = performance.now()
      socket.send(request)
      timer = setTimeout(retransmit, retransmitMs)
    })
  })
}

async function optionsOverTcp(call: SipCall): Promise<CheckOutcome> {
  const { ctx, address } = call
  const conn = await openConnection({ host: call.host, port: call.port, signal: ctx.signal, timeoutSeconds: call.timeoutSeconds })
  if (!conn.ok) return { ok: false, error: conn.error, measurements: conn.connectSeconds !== undefined ? { connect_seconds: conn.connectSeconds } : {} }
  const socket: Socket = conn.socket
  const connected = { connect_seconds: conn.connectSeconds }
  const tx = newTransaction()
  return new Promise<CheckOutcome>((resolve) => {
    let settled = false
    let buffered: Buffer = Buffer.alloc(0)
    let sentAt = 0
    const finish = (o: CheckOutcome): void => {
      if (settled) return
      settled = true
      ctx.signal.removeEventListener('abort', onAbort)
      socket.destroy()
      resolve(o)
    }
    const onAbort = (): void => finish({ ok: false, error: timeoutError(call.timeoutSeconds, address), measurements: connected })
    if (ctx.signal.aborted) return onAbort()
    ctx.signal.addEventListener('abort', onAbort, { once: true })

    socket.on('error', (err) => finish({ ok: false, error: describeError(err, address), measurements: connected }))
    socket.on('close', () => finish({ ok: false, error: `connection closed by ${address} before a final SIP response`, measurements: connected }))
    socket.on('data', (chunk: Buffer) => {
      const receivedAt = performance.now()
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk])
      for (;;) {
        const cut = cutSipMessage(buffered, MAX_HEAD_BYTES)
        if (cut.kind === 'incomplete') return
        if (cut.kind === 'garbage') return finish({ ok: false, error: unparseable(address), measurements: connected })
        buffered = cut.rest
        const res = parseSipResponse(cut.head)
        if (!res) return finish({ ok: false, error: unparseable(address), measurements: connected })
        if (!answersTransaction(res, tx) || res.status < 200) continue
        return finish(judge(res, (receivedAt - sentAt) / 1000, address, connected))
      }
    })
    const local = { host: socket.localAddress ?? '0.0.0.0', port: socket.localPort ?? 0 }
    sentAt = performance.now()
    socket.write(buildOptionsRequest(tx, { transport: 'tcp', requestUri: call.requestUri, localHost: local.host, localPort: local.port }))
  })
}
