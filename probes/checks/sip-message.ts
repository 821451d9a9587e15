/**
 * Building a SIP OPTIONS request and reading responses (RFC 3261 §7, §8.1.1, §11, §18.3):
 * just enough of the message grammar for a health check.
 * @module
 */
import { randomBytes } from 'node:crypto'
import { isIPv6 } from 'node:net'

/** What one OPTIONS transaction is identified by; responses are matched against it. */
export interface SipTransaction {
  callId: string
  cseq: number
  branch: string
}

/** Where the request goes and where answers come back. */
export interface OptionsRequestParts {
  transport: 'udp' | 'tcp'
  /** Request-URI, e.g. `sip:10.1.2.3:5060` or an MCU's `sip:mcu@10.1.2.3`. */
  requestUri: string
  /** Our own address as the socket sees it (Via sent-by, Contact, From). */
  localHost: string
  localPort: number
}

/** A parsed response: status line plus headers keyed by lowercase full name (compact forms expanded). */
export interface SipResponse {
  status: number
  reason: string
  headers: Map<string, string[]>
}

/** RFC 3261 §7.3.3 compact header forms. */
const COMPACT: Readonly<Record<string, string>> = {
  i: 'call-id',
  l: 'content-length',
  v: 'via',
  f: 'from',
  t: 'to',
  m: 'contact',
  c: 'content-type',
  e: 'content-encoding',
  k: 'supported',
  s: 'subject',
}

/** A new transaction: random Call-ID, CSeq 1, and an RFC 3261 branch (magic cookie `z9hG4bK`). */
export function newTransaction(): SipTransaction {
  return { callId: `${randomBytes(12).toString('hex')}@xanh`, cseq: 1, branch: `z9hG4bK${randomBytes(10).toString('hex')}` }
}

/** `host:port` as a SIP sent-by / URI host part (IPv6 literals in brackets, RFC 3261 §25.1). */
export function sipHostPort(host: string, port: number): string {
  return isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`
}

/**
 * The OPTIONS request of RFC 3261 §11.1 with every mandatory header (§8.1.1): Via with a
 * z9hG4bK branch and `rport` (so a NATed probe still gets the answer), Max-Forwards, From with a
 * tag, To, Call-ID, CSeq, Contact, Accept and `Content-Length: 0`.
 */
export function buildOptionsRequest(tx: SipTransaction, parts: OptionsRequestParts): string {
  const local = sipHostPort(parts.localHost, parts.localPort)
  const tag = randomBytes(6).toString('hex')
  const localUriHost = isIPv6(parts.localHost) ? `[${parts.localHost}]` : parts.localHost
  return (
    [
      `OPTIONS ${parts.requestUri} SIP/2.0`,
      `Via: SIP/2.0/${parts.transport.toUpperCase()} ${local};branch=${tx.branch};rport`,
      'Max-Forwards: 70',
      `From: <sip:xanh-probe@${localUriHost}>;tag=${tag}`,
      `To: <${parts.requestUri}>`,
      `Call-ID: ${tx.callId}`,
      `CSeq: ${tx.cseq} OPTIONS`,
      `Contact: <sip:xanh-probe@${local};transport=${parts.transport}>`,
      'Accept: application/sdp',
      'User-Agent: xanh-probe',
      'Content-Length: 0',
    ].join('\r\n') + '\r\n\r\n'
  )
}

/**
 * Parses the head of a SIP response (status line and headers; the body is ignored). Returns
 * `undefined` for anything that is not a `SIP/2.0 NNN reason` response, including requests.
 * Folded header lines (RFC 3261 §7.3.1) are joined.
 */
export function parseSipResponse(head: string): SipResponse | undefined {
  const lines = head.split(/\r?\n/)
  const m = /^SIP\/2\.0 ([1-6]\d\d)(?: (.*))?$/.exec(lines[0]?.trimEnd() ?? '')
  if (!m?.[1]) return undefined
  const headers = new Map<string, string[]>()
  let last: { name: string; index: number } | undefined
  for (const line of lines.slice(1)) {
    if (line === '') break
    if (/^[ \t]/.test(line) && last) {
      const values = headers.get(last.name)
      if (values) values[last.index] = `${values[last.index] ?? ''} ${line.trim()}`
      continue
    }
    const colon = line.indexOf(':')
    if (colon <= 0) return undefined
    const raw = line.slice(0, colon).trim().toLowerCase()
    const name = COMPACT[raw] ?? raw
    const values = headers.get(name) ?? []
    values.push(line.slice(colon + 1).trim())
    headers.set(name, values)
    last = { name, index: values.length - 1 }
  }
  return { status: Number(m[1]), reason: (m[2] ?? '').trim(), headers }
}

/** Whether `res` answers `tx`: same Call-ID and `CSeq: <n> OPTIONS` (RFC 3261 §17.1.3 matches on branch too, but some MCUs rewrite Via). */
export function answersTransaction(res: SipResponse, tx: SipTransaction): boolean {
  const callId = res.headers.get('call-id')?.[0]
  const cseq = /^(\d+)\s+(\S+)$/.exec(res.headers.get('cseq')?.[0] ?? '')
  return callId === tx.callId && Number(cseq?.[1]) === tx.cseq && cseq?.[2]?.toUpperCase() === 'OPTIONS'
}

/** One complete message cut from a stream, or why the stream cannot hold one. */
export type StreamCut = { kind: 'message'; head: string; rest: Buffer } | { kind: 'incomplete' } | { kind: 'garbage' }

/**
 * Cuts the first message off a TCP byte stream (RFC 3261 §18.3: framed by Content-Length).
 * Leading CRLF keep-alives are skipped. `maxHeadBytes` bounds how much is buffered while
 * waiting for the end of the head.
 */
export function cutSipMessage(buf: Buffer, maxHeadBytes: number): StreamCut {
  let start = 0
  while (buf[start] === 0x0d || buf[start] === 0x0a) start++
  const end = buf.indexOf('\r\n\r\n', start)
  if (end < 0) {
    if (buf.length - start > maxHeadBytes) return { kind: 'garbage' }
    // A stream that does not even start like a SIP message is garbage as soon as it shows.
    const prefix = buf.subarray(start, start + 8).toString('latin1')
    if (prefix.length > 0 && !'SIP/2.0 '.startsWith(prefix) && !prefix.startsWith('SIP/2.0 ')) return { kind: 'garbage' }
    return { kind: 'incomplete' }
  }
  const head = buf.subarray(start, end).toString('utf8')
  const parsed = parseSipResponse(head)
  if (!parsed) return { kind: 'garbage' }
  const length = Number(parsed.headers.get('content-length')?.[0] ?? '0')
  if (!Number.isInteger(length) || length < 0) return { kind: 'garbage' }
  const bodyEnd = end + 4 + length
  if (buf.length < bodyEnd) return { kind: 'incomplete' }
  return { kind: 'message', head, rest: buf.subarray(bodyEnd) }
}
