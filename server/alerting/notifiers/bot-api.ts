/**
 * Reading the answer of a Telegram-style Bot API (Telegram, Zalo Bot Platform):
 * `{ok: true, result: {message_id}}` or `{ok: false, error_code, description, parameters?}`.
 * @module
 */
import type { ChannelErrorCode, FailureAction } from '../../../protocol'
import type { NotifierError } from '../notifier'
import { detail, failure, isRecord, isRetryableStatus, parseJson, parseRetryAfter, statusCause, type HttpAnswer, type Target } from './http'

/**
 * The provider's message id for an accepted `sendMessage`, or the NotifierError to throw:
 * - 429 (in `error_code` or the HTTP status) is retryable after `parameters.retry_after`
 *   (else the `Retry-After` header);
 * - 5xx, 408 and an unreadable answer (a proxy's error page) are retryable;
 * - every other refusal (400 chat not found, 401 bad token, 403 bot kicked, 3xx) is not,
 *   and quotes the provider's `description`.
 */
export function readBotAnswer(answer: HttpAnswer, target: Target, nowMs: number): { messageId?: string } | NotifierError {
  const body = parseJson(answer.text)
  if (isRecord(body) && body.ok === true && answer.status >= 200 && answer.status < 300) {
    const result = body.result
    const id = isRecord(result) ? result.message_id : undefined
    return typeof id === 'number' || typeof id === 'string' ? { messageId: String(id) } : {}
  }
  if (!isRecord(body) || typeof body.ok !== 'boolean') {
    const retryable = answer.status < 300 || isRetryableStatus(answer.status)
    return failure(target, `unexpected answer (HTTP ${answer.status}): ${detail(answer.text) || 'empty body'}`, {
      retryable,
      code: 'provider_error',
      status: answer.status,
      retryAfterSeconds: parseRetryAfter(answer.headers.get('retry-after'), nowMs),
    })
  }
  const code = typeof body.error_code === 'number' ? body.error_code : answer.status
  const description = typeof body.description === 'string' ? detail(body.description) : `error ${code}`
  const params = isRecord(body.parameters) ? body.parameters : {}
  const retryAfter = typeof params.retry_after === 'number' ? params.retry_after : parseRetryAfter(answer.headers.get('retry-after'), nowMs)
  if (code === 429) return failure(target, `rate limited: ${description}`, { retryable: true, retryAfterSeconds: retryAfter, status: 429, code: 'rate_limited' })
  const migrated = typeof params.migrate_to_chat_id === 'number' ? ` (group moved to ${params.migrate_to_chat_id})` : ''
  const retryable = isRetryableStatus(code)
  return failure(target, `${retryable ? 'failed' : 'refused'}: ${description}${migrated}`, {
    retryable,
    status: code,
    ...botCause(code, description),
    ...(retryable && retryAfter !== undefined ? { retryAfterSeconds: retryAfter } : {}),
  })
}

/**
 * The cause of a Bot API refusal: 401 a bad token; 403 (bot kicked or blocked) and 400 "chat
 * not found" a chat that needs a person; other 400s a refusal of this message.
 */
function botCause(code: number, description: string): { code: ChannelErrorCode; action: FailureAction } {
  if (code === 401) return { code: 'unauthorized', action: 'admin' }
  if (code === 403 || /chat not found|bot was kicked|not a member|blocked/i.test(description)) return { code: 'chat_not_found', action: 'admin' }
  if (code === 400 && /upgraded to a supergroup|migrated/i.test(description)) return { code: 'chat_migrated', action: 'admin' }
  return statusCause(code)
}

/**
 * The chat a Telegram group moved to when it became a supergroup (Bot API ResponseParameters
 * `migrate_to_chat_id`, answered with 400 "group chat was upgraded to a supergroup chat"), or
 * undefined. Matched on the parameter, not on the wording, which has changed over the years.
 */
export function migratedChatId(answer: HttpAnswer): number | undefined {
  const body = parseJson(answer.text)
  if (!isRecord(body) || body.ok !== false || !isRecord(body.parameters)) return undefined
  const id = body.parameters.migrate_to_chat_id
  return typeof id === 'number' && Number.isSafeInteger(id) ? id : undefined
}
