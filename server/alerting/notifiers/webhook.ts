/**
 * Generic webhook: `POST <url>` with the Alertmanager webhook v4 body (alerting.md §1.5), so
 * anything that reads Alertmanager reads Xanh; signed with Standard Webhooks headers when a
 * secret is configured (`webhook-id`, `webhook-timestamp`, `webhook-signature`; Standard
 * Webhooks 1.0.0, github.com/standard-webhooks/standard-webhooks spec/standard-webhooks.md:
 * 410 Gone disables the endpoint, `Retry-After` is honoured).
 * @module
 */
import { createHash, createHmac } from 'node:crypto'
import type { WebhookChannel } from '../../../protocol'
import type { NotifierDefinition, OutgoingMessage, WebhookAlert } from '../notifier'
import { detail, failure, isRetryableStatus, parseRetryAfter, postOnce, statusCause, type Target } from './http'

/** Alertmanager's webhook v4 body. */
export interface AlertmanagerWebhookBody {
  version: '4'
  groupKey: string
  truncatedAlerts: number
  status: 'firing' | 'resolved'
  receiver: string
  groupLabels: Record<string, string>
  commonLabels: Record<string, string>
  commonAnnotations: Record<string, string>
  externalURL: string
  alerts: WebhookAlert[]
}

/** The v4 body for a message; `externalURL` is the origin of the message's link ('' without one). */
export function buildWebhookBody(message: OutgoingMessage): AlertmanagerWebhookBody {
  return {
    version: '4',
    groupKey: message.groupKey,
    truncatedAlerts: 0,
    status: message.status,
    receiver: message.receiver,
    groupLabels: message.groupLabels,
    commonLabels: message.commonLabels,
    commonAnnotations: commonOf(message.alerts.map((a) => a.annotations)),
    externalURL: originOf(message.link),
    alerts: message.alerts,
  }
}

/**
 * The key/value pairs every map shares, as Alertmanager computes `commonLabels` and
 * `commonAnnotations` (prometheus/alertmanager template/template.go, `Data`): empty without maps.
 */
export function commonOf(maps: ReadonlyArray<Readonly<Record<string, string>>>): Record<string, string> {
  const [first, ...rest] = maps
  if (!first) return {}
  return Object.fromEntries(Object.entries(first).filter(([k, v]) => rest.every((m) => m[k] === v)))
}

function originOf(link: string | undefined): string {
  if (link === undefined) return ''
  try {
    const origin = new URL(link).origin
    return origin === 'null' ? '' : origin
  } catch {
    return ''
  }
}

/**
 * The `webhook-id` of a message: `msg_` + the first 24 bytes of SHA-256 of its idempotency key,
 * base64url. The key holds group labels (Vietnamese cluster names), and header values must be
 * ASCII-safe; the hash is, it carries no user text, and it is the same on every retry of the
 * message, so receivers can drop a repeat (Standard Webhooks: the id is the idempotency key).
 */
export function webhookId(idempotencyKey: string): string {
  return `msg_${createHash('sha256').update(idempotencyKey, 'utf8').digest().subarray(0, 24).toString('base64url')}`
}

/**
 * The Standard Webhooks `webhook-signature` value:
 * `v1,` + base64(HMAC-SHA256(base64-decoded secret after `whsec_`, `${id}.${timestamp}.${body}`)).
 */
export function signStandardWebhook(secret: string, id: string, timestampSeconds: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64')
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`
}

/**
 * POSTs the v4 body. Resolves on any 2xx. Rejects with a NotifierError: retryable on 408,
 * 425, 429 and 5xx (honouring `Retry-After`), network failure and deadline; not retryable on
 * other 4xx and on redirects (not followed). `destination` shows only the URL's origin (its
 * path often carries a token); the secret and a password in the URL never appear in errors.
 */
export const webhook: NotifierDefinition<WebhookChannel> = {
  type: 'webhook',
  perMinute: 60,
  // Alertmanager's body has no text limit; this bounds what the renderer puts in annotations.
  maxTextLength: 16_000,
  create(config) {
    const url = new URL(config.url)
    const destination = `webhook ${url.origin}`
    const secrets = [config.secret, config.secret?.replace(/^whsec_/, ''), url.password ? decodeURIComponent(url.password) : undefined, url.password || undefined]
    // fetch refuses a URL with credentials: they become HTTP Basic (UTF-8, RFC 7617) instead.
    const authorization = url.username || url.password ? `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`, 'utf8').toString('base64')}` : undefined
    if (authorization) secrets.push(authorization.slice('Basic '.length))
    url.username = ''
    url.password = ''
    const endpoint = url.toString()
    const target: Target = { destination, secrets: secrets.filter((s): s is string => s !== undefined && s.length > 0) }
    return {
      type: 'webhook',
      destination,
      async send(message, ctx) {
        const body = JSON.stringify(buildWebhookBody(message))
        const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'Xanh-Alerting' }
        if (authorization) headers.authorization = authorization
        if (config.secret !== undefined) {
          const timestamp = Math.floor(ctx.now() / 1000)
          const id = webhookId(message.idempotencyKey)
          headers['webhook-id'] = id
          headers['webhook-timestamp'] = String(timestamp)
          headers['webhook-signature'] = signStandardWebhook(config.secret, id, timestamp, body)
        }
        const answer = await postOnce(ctx, target, endpoint, body, headers)
        if (answer.status >= 200 && answer.status < 300) return {}
        const retryable = isRetryableStatus(answer.status)
        const retryAfter = parseRetryAfter(answer.headers.get('retry-after'), ctx.now())
        // 410 Gone: Standard Webhooks says the endpoint is to be disabled, not retried.
        throw failure(target, `${retryable ? 'failed' : 'refused'}: HTTP ${answer.status} ${detail(answer.text)}`.trimEnd(), {
          retryable,
          status: answer.status,
          ...statusCause(answer.status),
          disable: answer.status === 410,
          ...(retryable && retryAfter !== undefined ? { retryAfterSeconds: retryAfter } : {}),
        })
      },
    }
  },
}
