/**
 * TCP connect (+ optional TLS handshake) with phase timings, shared by the tcp and h323 checks.
 * @module
 */
import { connect as netConnect, type Socket } from 'node:net'
import { connect as tlsConnect, type TLSSocket } from 'node:tls'
import { performance } from 'node:perf_hooks'
import { describeError, hostPort, sniName, stripBrackets, timeoutError } from './describe'

export interface ConnectRequest {
  host: string
  port: number
  signal: AbortSignal
  /** Used only to word the timeout error. */
  timeoutSeconds: number
  tls?: { serverName?: string | undefined; insecure: boolean } | undefined
}

export type ConnectResult =
  | { ok: true; socket: Socket | TLSSocket; connectSeconds: number; tlsSeconds?: number; certExpirySeconds?: number }
  | { ok: false; error: string; connectSeconds?: number }

/**
 * Opens a connection and, when asked, completes a TLS handshake. Resolves `ok: false` with an
 * address-naming error for refusals, resets, handshake failures and the deadline; never rejects.
 * The caller owns the returned socket and must destroy it.
 */
export function openConnection(req: ConnectRequest): Promise<ConnectResult> {
  const address = hostPort(req.host, req.port)
  return new Promise((resolve) => {
    if (req.signal.aborted) {
      resolve({ ok: false, error: timeoutError(req.timeoutSeconds, address) })
      return
    }
    const start = performance.now()
    // Name resolution is not the TCP handshake: time the connect from the end of the lookup.
    let lookedUpAt = start
    let connectSeconds: number | undefined
    let current: Socket = netConnect({ host: stripBrackets(req.host), port: req.port })
    let settled = false
    const finish = (r: ConnectResult): void => {
      if (settled) return
      settled = true
      req.signal.removeEventListener('abort', onAbort)
      if (!r.ok) current.destroy()
      resolve(r)
    }
    const onAbort = (): void => {
      const phase = connectSeconds === undefined ? address : `tls handshake with ${address}`
      finish({ ok: false, error: timeoutError(req.timeoutSeconds, phase), ...(connectSeconds !== undefined && { connectSeconds }) })
    }
    const onError = (err: unknown): void => {
      finish({ ok: false, error: describeError(err, address), ...(connectSeconds !== undefined && { connectSeconds }) })
    }
    req.signal.addEventListener('abort', onAbort, { once: true })
    current.on('lookup', () => {
      lookedUpAt = performance.now()
    })
    current.on('error', onError)
    current.once('connect', () => {
      const connectedAt = performance.now()
      connectSeconds = (connectedAt - lookedUpAt) / 1000
      const tlsOpts = req.tls
      if (!tlsOpts) {
        finish({ ok: true, socket: current, connectSeconds })
        return
      }
      const secure = tlsConnect({
        socket: current,
        // An explicit serverName wins (a router reached by IP but certified for its name).
        servername: tlsOpts.serverName ?? sniName(req.host),
        rejectUnauthorized: !tlsOpts.insecure,
      })
      current = secure
      secure.on('error', onError)
      secure.once('secureConnect', () => {
        const tlsSeconds = (performance.now() - connectedAt) / 1000
        const validTo = Date.parse(secure.getPeerCertificate().valid_to)
        finish({
          ok: true,
          socket: secure,
          connectSeconds: connectSeconds ?? 0,
          tlsSeconds,
          ...(Number.isFinite(validTo) && { certExpirySeconds: Math.floor(validTo / 1000) }),
        })
      })
    })
  })
}
