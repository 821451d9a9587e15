/**
 * Zalo, in one of two modes:
 * - `bot` (default): Zalo Bot Platform, `POST {base}/bot<token>/sendMessage {chat_id, text}`,
 *   answered Telegram-style (`{ok, result}` / `{ok: false, error_code, description}`);
 * - `oa`: Official Account Open API v3 consultation message,
 *   `POST {base}/v3.0/oa/message/cs` with header `access_token`, body
 *   `{recipient: {user_id}, message: {text}}`, answered `{error: 0, message, data: {message_id}}`.
 * Zalo shows plain text only: the title, a newline and the text, at most 2000 characters.
 * @module
 */
import type { ZaloChannel } from '../../../protocol'
import type { Notifier, NotifierContext, NotifierDefinition, OutgoingMessage } from '../notifier'
import { readBotAnswer } from './bot-api'
import { detail, failure, isRecord, isRetryableStatus, parseJson, parseRetryAfter, postOnce, type Target } from './http'
import { truncatePlain } from './truncate'

/** Zalo's `sendMessage` and OA text limit. */
export const ZALO_MAX_TEXT = 2000
const BOT_BASE_URL = 'https://bot-api.zaloplatforms.com'
const OA_BASE_URL = 'https://openapi.zalo.me'

/**
 * OA `error` codes worth retrying, with the wait. Only the request-rate limit (-32: the app
 * exceeded its requests per minute) is; every other code needs a person: an invalid or
 * expired token (-216, -220, -124: refresh it), a user who has not interacted with the OA
 * recently (-213, -230, -232), a quota used up (-211), bad parameters (-201). [verify the
 * table against developers.zalo.me "Mã lỗi" when Zalo changes it.]
 */
const OA_RETRYABLE: ReadonlyMap<number, number> = new Map([[-32, 60]])

/** The problem with a Zalo config that the schema cannot see, or undefined when it is usable. */
export function zaloConfigProblem(config: ZaloChannel): string | undefined {
  if (config.mode === 'bot' && config.chatId === undefined) return 'zalo bot mode needs chatId'
  if (config.mode === 'oa' && config.userId === undefined) return 'zalo oa mode needs userId'
  return undefined
}

/** The plain text Zalo shows: title, newline, text; cut to 2000 with the link kept. */
export function zaloText(message: Pick<OutgoingMessage, 'title' | 'text' | 'link'>): string {
  return truncatePlain(`${message.title}\n${message.text}`, ZALO_MAX_TEXT, message.link)
}

/**
 * Sends to a Zalo group/user (bot) or OA follower (oa). Throws from `create` when the mode's
 * recipient is missing (see {@link zaloConfigProblem}, which routes use to refuse the config).
 * Bot mode maps answers like Telegram (429 and 5xx retryable, other refusals not); OA mode
 * retries only the codes in the table above, plus HTTP 429/5xx, network failure and deadline.
 */
export const zalo: NotifierDefinition<ZaloChannel> = {
  type: 'zalo',
  // No documented limit; treated like Telegram (alerting.md §5.2).
  perMinute: 20,
  maxTextLength: ZALO_MAX_TEXT,
  create(config) {
    const problem = zaloConfigProblem(config)
    if (problem !== undefined) throw new Error(problem)
    return config.mode === 'oa' ? createOa(config) : createBot(config)
  },
}

function createBot(config: ZaloChannel): Notifier {
  const chatId = config.chatId ?? ''
  const destination = `zalo bot chat ${chatId}`
  const target: Target = { destination, secrets: [config.token] }
  const url = `${(config.baseUrl ?? BOT_BASE_URL).replace(/\/+$/, '')}/bot${config.token}/sendMessage`
  return {
    type: 'zalo',
    destination,
    async send(message, ctx) {
      const body = JSON.stringify({ chat_id: chatId, text: zaloText(message) })
      const answer = await postOnce(ctx, target, url, body, { 'content-type': 'application/json' })
      const result = readBotAnswer(answer, target, ctx.now())
      if (result instanceof Error) throw result
      return result.messageId !== undefined ? { providerMessageId: result.messageId } : {}
    },
  }
}

function createOa(config: ZaloChannel): Notifier {
  const userId = config.userId ?? ''
  const destination = `zalo oa user ${userId}`
  const target: Target = { destination, secrets: [config.token] }
  const url = `${(config.baseUrl ?? OA_BASE_URL).replace(/\/+$/, '')}/v3.0/oa/message/cs`
  return {
    type: 'zalo',
    destination,
    async send(message, ctx) {
      const body = JSON.stringify({ recipient: { user_id: userId }, message: { text: zaloText(message) } })
      const answer = await postOnce(ctx, target, url, body, { 'content-type': 'application/json', access_token: config.token })
      return readOaAnswer(answer.status, answer.text, answer.headers, target, ctx)
    },
  }
}

function readOaAnswer(status: number, text: string, headers: Headers, target: Target, ctx: NotifierContext): { providerMessageId?: string } {
  const retryAfter = parseRetryAfter(headers.get('retry-after'), ctx.now())
  if (status < 200 || status >= 300) {
    const retryable = isRetryableStatus(status)
    throw failure(target, `${retryable ? 'failed' : 'refused'}: HTTP ${status} ${detail(text)}`.trimEnd(), {
      retryable,
      status,
      ...(retryable && retryAfter !== undefined ? { retryAfterSeconds: retryAfter } : {}),
    })
  }
  const body = parseJson(text)
  if (!isRecord(body) || typeof body.error !== 'number') {
    throw failure(target, `unexpected answer: ${detail(text) || 'empty body'}`, { retryable: true, status })
  }
  if (body.error === 0) {
    const id = isRecord(body.data) ? body.data.message_id : undefined
    return typeof id === 'string' || typeof id === 'number' ? { providerMessageId: String(id) } : {}
  }
  const wait = OA_RETRYABLE.get(body.error)
  const said = typeof body.message === 'string' ? detail(body.message) : 'no message'
  throw failure(target, `${wait !== undefined ? 'rate limited' : 'refused'}: ${said} (error ${body.error})`, {
    retryable: wait !== undefined,
    status,
    ...(wait !== undefined ? { retryAfterSeconds: retryAfter ?? wait } : {}),
  })
}
