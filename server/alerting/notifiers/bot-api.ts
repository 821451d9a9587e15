/**
 * Reading the answer of a Telegram-style Bot API (Telegram, Zalo Bot Platform):
 * `{ok: true, result: {message_id}}` or `{ok: false, error_code, description, parameters?}`.
 * @module
 */
import type { NotifierError } from '../notifier'
import { detail, failure, isRecord, isRetryableStatus, parseJson, parseRetryAfter, type HttpAnswer, type Target } from './http'

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
      status: answer.status,
      retryAfterSeconds: parseRetryAfter(answer.headers.get('retry-after'), nowMs),
    })
  }
  const code = typeof body.error_code === 'number' ? body.error_code : answer.status
  const description = typeof body.description === 'string' ? detail(body.description) : `error ${code}`
  const params = isRecord(body.parameters) ? body.parameters : {}
  const retryAfter = typeof params.retry_after === 'number' ? params.retry_after : parseRetryAfter(answer.headers.get('retry-after'), nowMs)
  if (code === 429) return failure(target, `rate limited: ${description}`, { retryable: true, retryAfterSeconds: retryAfter, status: 429 })
  // Telegram moves a group that became a supergroup; the new id is the operator's fix.
  const migrated = typeof params.migrate_to_chat_id === 'number' ? ` (group moved: set chatId to ${params.migrate_to_chat_id})` : ''
  const retryable = isRetryableStatus(code)
  return failure(target, `${retryable ? 'failed' : 'refused'}: ${description}${migrated}`, {
    retryable,
    status: code,
    ...(retryable && retryAfter !== undefined ? { retryAfterSeconds: retryAfter } : {}),
  })
}
