/**
 * Telegram Bot API: `POST {baseUrl}/bot<token>/sendMessage` with the message's HTML
 * (`parse_mode: 'HTML'`), into a group, optionally into one forum topic.
 * @module
 */
import type { TelegramChannel } from '../../../protocol'
import type { Notifier, NotifierDefinition } from '../notifier'
import { readBotAnswer } from './bot-api'
import { postOnce, type Target } from './http'
import { truncateHtml } from './truncate'

/** Telegram's limit: 1–4096 characters after entity parsing. */
export const TELEGRAM_MAX_TEXT = 4096

/** The `sendMessage` body for one message. */
export function buildTelegramBody(config: TelegramChannel, html: string, link: string | undefined): Record<string, unknown> {
  return {
    chat_id: config.chatId,
    text: truncateHtml(html, TELEGRAM_MAX_TEXT, link),
    parse_mode: 'HTML',
    ...(config.messageThreadId !== undefined ? { message_thread_id: config.messageThreadId } : {}),
    link_preview_options: { is_disabled: true },
  }
}

/**
 * Sends over the Telegram Bot API. Resolves with Telegram's `message_id`. Rejects with a
 * NotifierError: retryable on 429 (with `retry_after`), 5xx, network failure and deadline;
 * not retryable on 400/401/403/404 (chat not found, bad token, bot kicked), quoting
 * Telegram's description. The bot token never appears in `destination` or in errors.
 */
export const telegram: NotifierDefinition<TelegramChannel> = {
  type: 'telegram',
  // Bot FAQ: at most 20 messages a minute into one group.
  perMinute: 20,
  maxTextLength: TELEGRAM_MAX_TEXT,
  create(config) {
    const destination = `telegram chat ${config.chatId}${config.messageThreadId !== undefined ? ` topic ${config.messageThreadId}` : ''}`
    const target: Target = { destination, secrets: [config.botToken] }
    const url = `${config.baseUrl.replace(/\/+$/, '')}/bot${config.botToken}/sendMessage`
    const notifier: Notifier = {
      type: 'telegram',
      destination,
      async send(message, ctx) {
        const body = JSON.stringify(buildTelegramBody(config, message.html, message.link))
        const answer = await postOnce(ctx, target, url, body, { 'content-type': 'application/json' })
        const result = readBotAnswer(answer, target, ctx.now())
        if (result instanceof Error) throw result
        return result.messageId !== undefined ? { providerMessageId: result.messageId } : {}
      },
    }
    return notifier
  },
}
