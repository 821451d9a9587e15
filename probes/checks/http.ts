/**
 * `http` check: one GET/HEAD over node:http/https with blackbox-style phase timings (SPEC §3).
 * @module
 */
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { TLSSocket } from 'node:tls'
import type { Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import type { TargetOf } from '../../protocol'
import type { Checker, CheckOutcome } from './checker'
import { describeError, hostPort, sniName, stripBrackets, timeoutError } from './describe'

/**
 * Requests `scheme://host:port/path` on a fresh connection and measures
 * `http_{dns,connect,tls,ttfb,transfer}_seconds`, `status_code`, `body_bytes` and, over TLS,
 * `cert_expiry_timestamp_seconds`. `ok` needs the status in `expectStatus` (200–399 when empty)
 * and, if set, `bodyContains` within the first `maxBodyBytes`. Every failure resolves `ok: false`
 * naming host:port.
 */
export const checkHttp: Checker<TargetOf<'http'>> = (target, ctx) => {
  const o = target.options
  const port = target.port ?? (o.scheme === 'https' ? 443 : 80)
  const address = hostPort(target.host, port)
  const started = performance.now()
  const t: { lookup?: number; connect?: number; secure?: number; response?: number } = {}
  const measurements: Record<string, number> = {}

  return new Promise<CheckOutcome>((resolve) => {
    let req: ClientRequest | undefined
    let settled = false
    const finish = (outcome: CheckOutcome): void => {
      if (settled) return
      settled = true
      ctx.signal.removeEventListener('abort', onAbort)
      req?.destroy()
      resolve(outcome)
    }
    const fail = (error: string): void => finish({ ok: false, error, measurements })
    const onAbort = (): void => {
      const waitingFor = t.response === undefined ? address : `the body from ${address}`
      fail(timeoutError(target.timeoutSeconds, waitingFor))
    }
    if (ctx.signal.aborted) {
      onAbort()
      return
    }
    ctx.signal.addEventListener('abort', onAbort, { once: true })

    const send = o.scheme === 'https' ? httpsRequest : httpRequest
    req = send({
      host: stripBrackets(target.host),
      port,
      path: o.path,
      method: o.method,
      // A fresh connection per check, so connect/TLS timings are measured, not reused.
      agent: false,
      headers: { 'user-agent': 'xanh-probe', connection: 'close' },
      ...(o.scheme === 'https' && { rejectUnauthorized: !o.insecure, servername: sniName(target.host) }),
    })
    req.on('error', (err) => fail(describeError(err, address)))
    req.on('socket', (socket: Socket) => {
      socket.once('lookup', () => {
        t.lookup = performance.now()
      })
      socket.once('connect', () => {
        t.connect = performance.now()
      })
      socket.once('secureConnect', () => {
        t.secure = performance.now()
        const validTo = Date.parse((socket as TLSSocket).getPeerCertificate().valid_to)
        if (Number.isFinite(validTo)) measurements.cert_expiry_timestamp_seconds = Math.floor(validTo / 1000)
      })
    })
    req.on('response', (res: IncomingMessage) => {
      t.response = performance.now()
      const lookupEnd = t.lookup ?? started
      const connectEnd = t.connect ?? lookupEnd
      const tlsEnd = t.secure ?? connectEnd
      measurements.http_dns_seconds = (lookupEnd - started) / 1000
      measurements.http_connect_seconds = (connectEnd - lookupEnd) / 1000
      measurements.http_tls_seconds = (tlsEnd - connectEnd) / 1000
      measurements.http_ttfb_seconds = (t.response - tlsEnd) / 1000
      const status = res.statusCode ?? 0
      measurements.status_code = status
      readBody(res, o.maxBodyBytes, o.bodyContains, (body) => {
        measurements.http_transfer_seconds = (performance.now() - (t.response ?? started)) / 1000
        measurements.body_bytes = body.bytes
        if (body.error) return fail(describeError(body.error, address))
        if (body.tooLarge) return fail(`body from ${address} exceeds ${o.maxBodyBytes} bytes`)
        const accepted = o.expectStatus.length > 0 ? o.expectStatus.includes(status) : status >= 200 && status <= 399
        if (!accepted) {
          const want = o.expectStatus.length > 0 ? o.expectStatus.join('/') : '200-399'
          return fail(`status ${status} from ${address}${o.path} (expected ${want})`)
        }
        if (o.bodyContains !== undefined && !body.found) {
          return fail(`body from ${address}${o.path} does not contain ${JSON.stringify(o.bodyContains)}`)
        }
        finish({ ok: true, measurements })
      })
    })
    req.end()
  })
}

interface BodyRead {
  bytes: number
  found: boolean
  tooLarge: boolean
  error?: Error
}

/** Reads at most `maxBytes`, looking for `needle` across chunk boundaries without keeping the body. */
function readBody(res: IncomingMessage, maxBytes: number, needle: string | undefined, done: (r: BodyRead) => void): void {
  const pattern = needle === undefined ? undefined : Buffer.from(needle)
  let tail: Buffer = Buffer.alloc(0)
  const r: BodyRead = { bytes: 0, found: false, tooLarge: false }
  let finished = false
  const end = (): void => {
    if (finished) return
    finished = true
    done(r)
  }
  res.on('data', (chunk: Buffer) => {
    r.bytes += chunk.length
    if (r.bytes > maxBytes) {
      r.tooLarge = true
      end()
      return
    }
    if (pattern && !r.found) {
      const window = Buffer.concat([tail, chunk])
      if (window.includes(pattern)) r.found = true
      tail = window.subarray(Math.max(0, window.length - pattern.length + 1))
    }
  })
  res.once('end', end)
  res.once('aborted', () => {
    r.error = new Error('connection closed before the body ended')
    end()
  })
  res.once('error', (err) => {
    r.error = err
    end()
  })
}
