/**
 * Telegram Bot API: `POST {baseUrl}/bot<token>/sendMessage` with the message's HTML
 * (`parse_mode: 'HTML'`), into a group, optionally into one forum topic.
 * @module
 */
import type { TelegramChannel } from '../../../protocol'
import type { Notifier, NotifierDefinition } from '../notifier'
import { migratedChatId, readBotAnswer } from './bot-api'
import { postOnce, type Target } from './http'
import { truncateHtml } from './truncate'

/** Telegram's limit: 1–4096 characters after entity parsing. */
export const TELEGRAM_MAX_TEXT = 4096

/**
 * Anchors whose URL Telegram would drop: TDLib accepts only hosts with a dot (or an IP address)
 * in text links ("Wrong HTTP URL", tdlib MessageEntity.cpp / LinkManager.cpp), and in HTML parse
 * mode it silently removes a rejected link, leaving the bare anchor text ("Xem"). Such anchors
 * become the URL itself as text, so a person can still copy it.
 */
export function plainLinksForDotlessHosts(html: string): string {
  return html.replace(/<a href="([^"]*)">([\s\S]*?)<\/a>/g, (whole, href: string) => {
    const url = href.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>')
    let host = ''
    try {
      host = new URL(url).hostname
    } catch {
      return href
    }
    const ip = /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.startsWith('[')
    return host.includes('.') || ip ? whole : href
  })
}

/** The `sendMessage` body for one message to `chatId`. */
export function buildTelegramBody(config: TelegramChannel, html: string, link: string | undefined, chatId: string | number = config.chatId): Record<string, unknown> {
  return {
    chat_id: chatId,
    text: plainLinksForDotlessHosts(truncateHtml(html, TELEGRAM_MAX_TEXT, link)),
    parse_mode: 'HTML',
    ...(config.messageThreadId !== undefined ? { message_thread_id: config.messageThreadId } : {}),
    link_preview_options: { is_disabled: true },
  }
}

/**
 * Sends over the Telegram Bot API. Resolves with Telegram's `message_id`. Rejects with a
 * NotifierError: retryable on 429 (with `retry_after`), 5xx, network failure and deadline;
 * not retryable on 400/401/403/404 (chat not found, bad token, bot kicked), quoting
 * Telegram's description. A group upgraded to a supergroup (400 with
 * `parameters.migrate_to_chat_id`) gets the message at its new id within the same attempt, and
 * the outcome asks for the channel's `chatId` to follow. The bot token never appears in
 * `destination` or in errors.
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
        const post = (chatId: string | number) => postOnce(ctx, target, url, JSON.stringify(buildTelegramBody(config, message.html, message.link, chatId)), { 'content-type': 'application/json' })
        let answer = await post(config.chatId)
        const movedTo = migratedChatId(answer)
        if (movedTo !== undefined) {
          ctx.log.warn({ destination, movedTo }, 'telegram group became a supergroup: sending to its new chat id')
          answer = await post(movedTo)
        }
        const result = readBotAnswer(answer, target, ctx.now())
        if (result instanceof Error) throw result
        return {
          ...(result.messageId !== undefined ? { providerMessageId: result.messageId } : {}),
          ...(movedTo !== undefined ? { channelUpdate: { field: 'chatId' as const, value: movedTo, reason: `telegram group ${config.chatId} upgraded to supergroup ${movedTo}` } } : {}),
        }
      },
    }
    return notifier
  },
}
