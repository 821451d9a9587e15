/**
 * Slack and Mattermost incoming webhooks: `POST <url> {text}` (Mattermost also `channel`).
 * Slack reads mrkdwn, Mattermost Markdown; each gets text escaped for its flavour so alert
 * text cannot mention `@channel`, open a link or break the formatting.
 * @module
 */
import type { SlackChannel } from '../../../protocol'
import type { NotifierDefinition, OutgoingMessage } from '../notifier'
import { detail, failure, isRetryableStatus, parseRetryAfter, postOnce, type Target } from './http'
import { truncatePlain } from './truncate'

/** Slack truncates `text` past 40 000 characters and advises 4 000; Mattermost posts hold 16 383. */
export const SLACK_MAX_TEXT = 4000

/** Slack mrkdwn: only `&`, `<` and `>` are control characters (Slack "Formatting text"). */
function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/** Mattermost Markdown: backslash-escape what would format, link (`[`…`]`) or mention (`@`). */
function escapeMattermost(text: string): string {
  return text.replace(/[\\`*_~[\]<>#|@]/g, (c) => `\\${c}`)
}

/** A link as Slack writes it, `<url>`, with the two characters that would end it encoded. */
function slackLink(url: string): string {
  return `<${url.replace(/\|/g, '%7C').replace(/>/g, '%3E')}>`
}

/** The `text` for one message: bold title, text, link; the text cut so the whole fits. */
export function slackText(message: Pick<OutgoingMessage, 'title' | 'text' | 'link'>, flavor: SlackChannel['flavor']): string {
  const mm = flavor === 'mattermost'
  const escape = mm ? escapeMattermost : escapeSlack
  const title = mm ? `**${escape(message.title)}**` : `*${escape(message.title).replace(/\*/g, '∗')}*`
  // Mattermost autolinks a bare URL; escaping it would break it.
  const link = message.link === undefined ? '' : `\n${mm ? message.link : slackLink(message.link)}`
  const room = Math.max(0, SLACK_MAX_TEXT - title.length - link.length - 1)
  // Cut before escaping would let an escape grow past the limit; cut the escaped text instead,
  // and never in the middle of an escape sequence.
  let body = escape(message.text)
  if (body.length > room) body = truncatePlain(body, room).replace(mm ? /\\…$/ : /&[a-z]{0,4}…$/, '…')
  return `${title}\n${body}${link}`
}

/**
 * Posts to a Slack or Mattermost incoming webhook. Resolves on 2xx. Rejects with a
 * NotifierError: retryable on 429 (with `Retry-After`), 408 and 5xx, network failure and
 * deadline; not retryable on other 4xx (Slack's `invalid_payload`, `no_service`,
 * `channel_is_archived`…). The webhook URL is the secret: only its host is ever shown.
 */
export const slack: NotifierDefinition<SlackChannel> = {
  type: 'slack',
  // Slack: about one message a second per channel, bursts allowed.
  perMinute: 60,
  maxTextLength: SLACK_MAX_TEXT,
  create(config) {
    const url = new URL(config.url)
    const destination = `${config.flavor} ${url.host}${config.channel !== undefined ? ` channel ${config.channel}` : ''}`
    const pathSecret = url.pathname.length > 1 ? url.pathname : undefined
    const secrets = [config.url, pathSecret, url.search.length > 1 ? url.search : undefined, url.password || undefined]
    const target: Target = { destination, secrets: secrets.filter((s): s is string => s !== undefined) }
    return {
      type: 'slack',
      destination,
      async send(message, ctx) {
        const text = slackText(message, config.flavor)
        const payload = config.flavor === 'mattermost' && config.channel !== undefined ? { text, channel: config.channel } : { text }
        const answer = await postOnce(ctx, target, config.url, JSON.stringify(payload), { 'content-type': 'application/json' })
        if (answer.status >= 200 && answer.status < 300) return {}
        const retryable = isRetryableStatus(answer.status)
        const retryAfter = parseRetryAfter(answer.headers.get('retry-after'), ctx.now())
        throw failure(target, `${retryable ? 'failed' : 'refused'}: HTTP ${answer.status} ${detail(answer.text)}`.trimEnd(), {
          retryable,
          status: answer.status,
          ...(retryable && retryAfter !== undefined ? { retryAfterSeconds: retryAfter } : {}),
        })
      },
    }
  },
}
