/**
 * E-mail over SMTP (nodemailer), one thread per alert group: every mail of a `threadKey`
 * carries `In-Reply-To`/`References` naming the same stable id, so mail clients file a
 * group's firing, reminder and resolved mails together (Alertmanager's `threading`).
 * @module
 */
import { createHash } from 'node:crypto'
import nodemailer from 'nodemailer'
import type { EmailChannel } from '../../../protocol'
import type { NotifierDefinition, OutgoingMessage } from '../notifier'
import { abortError, detail, errorCode, failure, type Target } from './http'

/** Message-ID domain when `from` has none we can use. */
const FALLBACK_DOMAIN = 'xanh.invalid'

/** The domain of the `from` address ("Xanh <alerts@example.vn>" → "example.vn"). */
function fromDomain(from: string): string {
  const m = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from.trim())
  return m?.[1] ?? FALLBACK_DOMAIN
}

function digest(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 32)
}

/** The `Message-ID` of one notification: stable for its idempotencyKey, so a retry is the same mail. */
export function emailMessageId(idempotencyKey: string, from: string): string {
  return `<xanh.${digest(`message\0${idempotencyKey}`)}@${fromDomain(from)}>`
}

/** The id every mail of one thread replies to; the thread itself is never a mail. */
export function emailThreadId(threadKey: string, from: string): string {
  return `<xanh.thread.${digest(`thread\0${threadKey}`)}@${fromDomain(from)}>`
}

/** Codes (no SMTP reply) of failures that a later attempt can get past. */
const RETRYABLE_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'EABORT', 'EPROXY'])

interface SmtpFailure {
  code?: unknown
  responseCode?: unknown
  response?: unknown
  permanent?: unknown
  command?: unknown
  message?: unknown
}

/** The one-line reason and whether to retry, from a nodemailer error. */
function classify(err: unknown): { reason: string; retryable: boolean; status?: number } {
  const e: SmtpFailure = typeof err === 'object' && err !== null ? err : {}
  if (typeof e.responseCode === 'number') {
    // RFC 5321: 4yz is transient, 5yz permanent (nodemailer's `permanent` also keeps 503,
    // a session-state error, retryable).
    const permanent = typeof e.permanent === 'boolean' ? e.permanent : e.responseCode >= 500
    const said = typeof e.response === 'string' ? e.response : String(e.responseCode)
    const during = typeof e.command === 'string' ? ` (${e.command})` : ''
    return { reason: `${permanent ? 'refused' : 'deferred'}: ${detail(said)}${during}`, retryable: !permanent, status: e.responseCode }
  }
  const code = errorCode(err)
  const message = typeof e.message === 'string' ? e.message : String(err)
  // No reply code: the connection failed (retry) or the config cannot work (ETLS when
  // requireTls meets a server without STARTTLS, EAUTH without a server reply, EENVELOPE for a
  // malformed address: do not).
  return { reason: `${code !== undefined && RETRYABLE_CODES.has(code) ? 'network error' : 'failed'}: ${detail(message)}${code ? ` (${code})` : ''}`, retryable: code === undefined || RETRYABLE_CODES.has(code) }
}

/** The HTML part: the message's Telegram-style HTML (b, i, a, code, pre) with its newlines kept. */
function htmlDocument(message: OutgoingMessage): string {
  return `<!doctype html><html><head><meta charset="utf-8"></head><body><div style="white-space:pre-wrap;font-family:sans-serif">${message.html}</div></body></html>`
}

/**
 * Sends one mail per message to all `to` addresses over SMTP: port 465/`secure` is implicit
 * TLS, otherwise STARTTLS when offered (required with `requireTls`); AUTH when `user` is set.
 * `ctx.signal` cancels the attempt and closes the connection (nodemailer ≥ 10), so the
 * deadline bounds connecting, the greeting and every reply. Resolves with the Message-ID.
 * Rejects with a NotifierError: 4xx replies and connection failures are retryable, 5xx
 * replies (except 503) and configuration failures (TLS required but not offered) are not;
 * `status` then carries the SMTP reply code. A partial refusal (some recipients rejected)
 * resolves, with a warning logged, since a retry would duplicate the mail for the others.
 * The password never appears in `destination` or errors.
 */
export const email: NotifierDefinition<EmailChannel> = {
  type: 'email',
  perMinute: 10,
  // No hard SMTP limit; keeps a digest readable.
  maxTextLength: 100_000,
  create(config) {
    const destination = `email ${config.host}:${config.port} to ${config.to.join(', ')}`
    const secrets = config.password ? [config.password, Buffer.from(config.password).toString('base64')] : []
    const target: Target = { destination, secrets }
    const transport = nodemailer.createTransport({
      host: config.host,
      port: config.port,
      secure: config.secure,
      requireTLS: config.requireTls,
      ...(config.user !== undefined ? { auth: { user: config.user, pass: config.password ?? '' } } : {}),
      logger: false,
    })
    return {
      type: 'email',
      destination,
      async send(message, ctx) {
        if (ctx.signal.aborted) throw abortError(ctx, target)
        const messageId = emailMessageId(message.idempotencyKey, config.from)
        const threadId = emailThreadId(message.threadKey, config.from)
        const text = message.link !== undefined && !message.text.includes(message.link) ? `${message.text}\n\n${message.link}` : message.text
        try {
          const info = await transport.sendMail({
            from: config.from,
            to: config.to,
            subject: message.title,
            text,
            html: htmlDocument(message),
            messageId,
            inReplyTo: threadId,
            references: [threadId],
            date: new Date(ctx.now()),
            headers: { 'Auto-Submitted': 'auto-generated', 'X-Xanh-Status': message.status },
            signal: ctx.signal,
          })
          const rejected = Array.isArray(info.rejected) ? info.rejected : []
          if (rejected.length > 0) ctx.log.warn({ destination, rejected: rejected.map(String) }, 'some recipients were rejected')
          return { providerMessageId: messageId }
        } catch (err) {
          if (ctx.signal.aborted) throw abortError(ctx, target, err)
          const { reason, retryable, status } = classify(err)
          throw failure(target, reason, { retryable, cause: err, ...(status !== undefined ? { status } : {}) })
        }
      },
    }
  },
}
