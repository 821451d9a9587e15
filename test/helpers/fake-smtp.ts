/**
 * A real SMTP server (smtp-server) on 127.0.0.1 port 0 for e-mail notifier tests, with
 * PLAIN/LOGIN auth over plain TCP, known mailboxes (others are refused with 550), scripted
 * temporary failures (451) and hangs, plus a small RFC 5322/MIME reader for the received mail.
 * @module
 */
import type { AddressInfo, Socket } from 'node:net'
import { SMTPServer, type SMTPServerError } from 'smtp-server'

/** What the server does with the next connection: defer its RCPT (451), refuse its DATA (554), or never greet. */
export type SmtpOverride = 'defer' | 'hang' | 'reject-data'

export interface ReceivedMail {
  from: string
  to: string[]
  raw: string
}

export interface FakeSmtp {
  host: string
  port: number
  user: string
  password: string
  /** Recipients the server accepts. */
  mailboxes: Set<string>
  received: ReceivedMail[]
  /** How many TCP connections were opened. */
  connections: number
  next: SmtpOverride[]
  close(): Promise<void>
}

function smtpError(message: string, responseCode: number): SMTPServerError {
  return Object.assign(new Error(message), { responseCode })
}

/** Starts the server; `starttls` keeps STARTTLS advertised (off by default: no certificate to trust). */
export async function startFakeSmtp(opts: { user: string; password: string; mailboxes: string[]; starttls?: boolean }): Promise<FakeSmtp> {
  const received: ReceivedMail[] = []
  const next: SmtpOverride[] = []
  const mailboxes = new Set(opts.mailboxes)
  let connections = 0
  // The override of each connection, taken when its TCP connection opens (an attempt is one
  // connection; smtp-server greets only 100 ms later, to catch early talkers), by client port.
  const byPort = new Map<number, SmtpOverride | undefined>()
  const overrides = new Map<string, SmtpOverride | undefined>()
  const server = new SMTPServer({
    logger: false,
    disabledCommands: opts.starttls ? [] : ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    closeTimeout: 50,
    socketTimeout: 5_000,
    // No reverse DNS of the client: it costs a lookup per connection.
    disableReverseLookup: true,
    onConnect(session, cb) {
      const o = byPort.get(session.remotePort)
      overrides.set(session.id, o)
      // Hanging here means no greeting: the client waits on its deadline.
      if (o !== 'hang') cb()
    },
    onAuth(auth, _session, cb) {
      if (auth.username === opts.user && auth.password === opts.password) return cb(null, { user: auth.username })
      cb(smtpError('Authentication credentials invalid', 535))
    },
    onRcptTo(address, session, cb) {
      if (overrides.get(session.id) === 'defer') return cb(smtpError('Mailbox temporarily unavailable, try again later', 451))
      if (!mailboxes.has(address.address)) return cb(smtpError(`No such user: ${address.address}`, 550))
      cb()
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = []
      stream.on('data', (c: Buffer) => chunks.push(c))
      stream.on('end', () => {
        if (overrides.get(session.id) === 'reject-data') return cb(smtpError('Message rejected as spam', 554))
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        })
        cb()
      })
    },
  })
  server.server.on('connection', (socket: Socket) => {
    connections++
    if (socket.remotePort !== undefined) byPort.set(socket.remotePort, next.shift())
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  const port = (server.server.address() as AddressInfo).port
  return {
    host: '127.0.0.1',
    port,
    user: opts.user,
    password: opts.password,
    mailboxes,
    received,
    get connections() {
      return connections
    },
    next,
    close: () => new Promise<void>((r) => server.close(() => r())),
  }
}

/** A parsed mail: headers (lower-case names, unfolded, RFC 2047 decoded) and its text/html parts. */
export interface ParsedMail {
  headers: Map<string, string>
  text: string
  html: string
}

function decodeWords(value: string): string {
  return value.replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=\s*(?==\?)|=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (...m: string[]) => {
    const enc = (m[2] || m[5]) ?? 'Q'
    const data = (m[3] || m[6]) ?? ''
    const bytes = enc.toUpperCase() === 'B' ? Buffer.from(data, 'base64') : qpBytes(data.replace(/_/g, ' '))
    return bytes.toString('utf8')
  })
}

function qpBytes(s: string): Buffer {
  const out: number[] = []
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string
    if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(s.slice(i + 1, i + 3))) {
      out.push(Number.parseInt(s.slice(i + 1, i + 3), 16))
      i += 2
    } else {
      out.push(...Buffer.from(c, 'utf8'))
    }
  }
  return Buffer.from(out)
}

function splitHeaders(part: string): { headers: Map<string, string>; body: string } {
  const at = part.indexOf('\r\n\r\n')
  const head = at >= 0 ? part.slice(0, at) : part
  const body = at >= 0 ? part.slice(at + 4) : ''
  const headers = new Map<string, string>()
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const i = line.indexOf(':')
    if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), decodeWords(line.slice(i + 1).trim()))
  }
  return { headers, body }
}

function decodeBody(headers: Map<string, string>, body: string): string {
  const cte = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase()
  if (cte === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
  if (cte === 'quoted-printable') return qpBytes(body.replace(/=\r\n/g, '')).toString('utf8')
  return body
}

/** Reads a raw mail as nodemailer writes it (single part or multipart/alternative). */
export function parseMail(raw: string): ParsedMail {
  const { headers, body } = splitHeaders(raw)
  const out: ParsedMail = { headers, text: '', html: '' }
  const boundary = /boundary="?([^";]+)"?/i.exec(headers.get('content-type') ?? '')?.[1]
  const parts = boundary ? body.split(`--${boundary}`).slice(1, -1).map((p) => splitHeaders(p.replace(/^\r\n/, ''))) : [{ headers, body }]
  for (const p of parts) {
    const type = (p.headers.get('content-type') ?? 'text/plain').toLowerCase()
    const content = decodeBody(p.headers, p.body).replace(/\r\n$/, '')
    if (type.startsWith('text/html')) out.html = content.replace(/\r\n/g, '\n')
    else if (type.startsWith('text/plain')) out.text = content.replace(/\r\n/g, '\n')
  }
  return out
}
