/**
 * Fake Zalo APIs: the Bot Platform (`/bot<token>/sendMessage {chat_id, text ≤ 2000}`,
 * Telegram-style answers) and the OA Open API v3 consultation message
 * (`/v3.0/oa/message/cs`, header `access_token`, `{error, message, data}` answers, errors
 * with HTTP 200 as Zalo sends them).
 * @module
 */
import { json, listenFake, type FakeHttp } from './fake-http'

export interface ZaloBotSent {
  chat_id: string
  text: string
}

export interface FakeZaloBot extends FakeHttp {
  token: string
  chats: Set<string>
  sent: ZaloBotSent[]
}

/** A Zalo bot with `token` that is in `chats`. */
export async function startFakeZaloBot(token: string, chats: string[]): Promise<FakeZaloBot> {
  const sent: ZaloBotSent[] = []
  const chatSet = new Set(chats)
  let id = 0
  const fake = await listenFake((req, res) => {
    const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(req.path)
    if (req.method !== 'POST' || !m || m[2] !== 'sendMessage') return json(res, 404, { ok: false, error_code: 404, description: 'Not Found' })
    if (m[1] !== token) return json(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' })
    let body: Record<string, unknown>
    try {
      body = JSON.parse(req.body) as Record<string, unknown>
    } catch {
      return json(res, 400, { ok: false, error_code: 400, description: 'Bad Request: invalid JSON' })
    }
    const { chat_id, text } = body
    if (typeof chat_id !== 'string' || chat_id.length === 0) return json(res, 400, { ok: false, error_code: 400, description: 'Bad Request: chat_id is required' })
    if (typeof text !== 'string' || text.length < 1 || text.length > 2000) return json(res, 400, { ok: false, error_code: 400, description: 'Bad Request: text must be 1-2000 characters' })
    if (!chatSet.has(chat_id)) return json(res, 400, { ok: false, error_code: 400, description: 'Bad Request: chat not found' })
    sent.push({ chat_id, text })
    json(res, 200, { ok: true, result: { message_id: `zmsg-${++id}`, date: 1_790_000_000 } })
  })
  return Object.assign(fake, { token, chats: chatSet, sent })
}

export interface ZaloOaSent {
  user_id: string
  text: string
}

export interface FakeZaloOa extends FakeHttp {
  token: string
  /** Users who interacted with the OA recently (others get -230). */
  users: Set<string>
  sent: ZaloOaSent[]
}

/** A Zalo OA whose access token is `token`, with `users` reachable. */
export async function startFakeZaloOa(token: string, users: string[]): Promise<FakeZaloOa> {
  const sent: ZaloOaSent[] = []
  const userSet = new Set(users)
  let id = 0
  const fake = await listenFake((req, res) => {
    if (req.method !== 'POST' || req.path !== '/v3.0/oa/message/cs') return json(res, 404, { error: 404, message: 'Not Found' })
    if (req.headers.access_token !== token) return json(res, 200, { error: -216, message: 'Access token is invalid' })
    let body: unknown
    try {
      body = JSON.parse(req.body)
    } catch {
      return json(res, 200, { error: -201, message: 'Parameters are invalid' })
    }
    const b = body as { recipient?: { user_id?: unknown }; message?: { text?: unknown } }
    const userId = b.recipient?.user_id
    const text = b.message?.text
    if (typeof userId !== 'string' || typeof text !== 'string' || text.length < 1 || text.length > 2000) return json(res, 200, { error: -201, message: 'Parameters are invalid' })
    if (!userSet.has(userId)) return json(res, 200, { error: -230, message: 'User has not interacted with the OA in the past 7 days' })
    sent.push({ user_id: userId, text })
    json(res, 200, { error: 0, message: 'Success', data: { message_id: `oa-${++id}`, user_id: userId } })
  })
  return Object.assign(fake, { token, users: userSet, sent })
}
