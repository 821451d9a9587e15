/**
 * The notifier contract: a notifier knows only HOW to deliver one rendered message over one
 * channel. Whether to send, to whom, how often and in which words is decided elsewhere
 * (dispatcher, outbox, messages).
 * @module
 */
import type { Logger } from 'pino'
import type { z } from 'zod'
import type { ChannelConfig, ChannelErrorCode, ChannelType, FailureAction } from '../../protocol'

/** One alert as carried in an Alertmanager v4 webhook body. */
export interface WebhookAlert {
  status: 'firing' | 'resolved'
  labels: Record<string, string>
  annotations: Record<string, string>
  startsAt: string
  /** Go's zero time while firing, as Alertmanager sends it. */
  endsAt: string
  generatorURL: string
  fingerprint: string
}

/** A channel-neutral notification, already rendered in the group's language. */
export interface OutgoingMessage {
  /** Stable for this exact notification; sent as `webhook-id`, used to drop duplicates. */
  idempotencyKey: string
  /** All messages about the same alert group share it (e-mail threading). */
  threadKey: string
  status: 'firing' | 'resolved'
  /** One line. */
  title: string
  /** Plain text body (title not included). */
  text: string
  /** Telegram-safe HTML (b, i, a, code, pre only), title included. */
  html: string
  /** Link to the commune or alerts page. */
  link?: string
  receiver: string
  groupKey: string
  groupLabels: Record<string, string>
  commonLabels: Record<string, string>
  alerts: WebhookAlert[]
}

/**
 * Credentials a provider rotates, kept by Xanh for one channel (a Zalo OA token pair). `save`
 * is one durable write: call it before using what it saves, since a refresh token works once.
 */
export interface CredentialStore {
  load(): Record<string, unknown> | undefined
  save(value: Record<string, unknown>): void
}

/** What a notifier may use while sending. */
export interface NotifierContext {
  /** Deadline of this delivery attempt. */
  signal: AbortSignal
  fetch: typeof fetch
  log: Logger
  now: () => number
  /** This channel's rotated credentials; absent where nothing is kept (a one-off test send keeps them too). */
  credentials?: CredentialStore
}

/** What an accepted delivery may tell the caller besides the provider's message id. */
export interface SendOutcome {
  providerMessageId?: string
  /**
   * The provider moved the destination and the message went to the new one (a Telegram group
   * upgraded to a supergroup): the channel's config should say so from now on.
   */
  channelUpdate?: { field: 'chatId'; value: string | number; reason: string }
}

/**
 * Rejection of a delivery attempt. `retryable` says whether the outbox should try again
 * (5xx, 408, 429, network errors) and `retryAfterSeconds` honours the provider's
 * back-off (Telegram's `parameters.retry_after`, HTTP `Retry-After`).
 */
export class NotifierError extends Error {
  readonly retryable: boolean
  readonly retryAfterSeconds: number | undefined
  readonly status: number | undefined
  /** What the failure needs (shown in the channel's health): defaults from `retryable`. */
  readonly action: FailureAction
  /** The documented cause, explained to people by `CHANNEL_ERROR_HINTS`. */
  readonly code: ChannelErrorCode
  /** The receiver said the endpoint is gone for good (HTTP 410): stop using the channel. */
  readonly disable: boolean

  constructor(
    message: string,
    opts: { retryable: boolean; retryAfterSeconds?: number; status?: number; cause?: unknown; action?: FailureAction; code?: ChannelErrorCode; disable?: boolean },
  ) {
    super(message, { cause: opts.cause })
    this.name = 'NotifierError'
    this.retryable = opts.retryable
    this.retryAfterSeconds = opts.retryAfterSeconds
    this.status = opts.status
    this.action = opts.action ?? (opts.retryable ? 'retry' : 'permanent')
    this.code = opts.code ?? (opts.retryable ? 'network' : 'refused')
    this.disable = opts.disable ?? false
  }
}

/** Delivers messages over one configured channel. */
export interface Notifier {
  readonly type: ChannelType
  /** A short, secret-free description of the destination for logs ("telegram chat -100123"). */
  readonly destination: string
  /**
   * Sends one message. Resolves when the provider accepted it; rejects with NotifierError
   * (never anything else) on refusal, timeout or network failure.
   */
  send(message: OutgoingMessage, ctx: NotifierContext): Promise<SendOutcome>
}

/** What each file in notifiers/ exports. */
export interface NotifierDefinition<C extends ChannelConfig = ChannelConfig> {
  type: C['type']
  /** Sends allowed per minute to one destination before the outbox collapses into a digest. */
  perMinute: number
  /** Longest text the channel accepts (characters), used by the message renderer. */
  maxTextLength: number
  create(config: C): Notifier
}

/** Config schema per type, re-exported for the routes. */
export type ChannelSchema = z.ZodType<ChannelConfig>
