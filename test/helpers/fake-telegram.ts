/**
 * A fake Telegram Bot API that checks `sendMessage` the way Telegram does: the method path
 * with the token, JSON field types, `parse_mode`, HTML entity parsing (only Telegram's tags,
 * balanced, only its entities) and the 1–4096 characters limit after parsing. Refusals use
 * Telegram's own shapes and wording.
 * @module
 */
import { json, listenFake, type FakeHttp } from './fake-http'

const TAGS = new Set(['b', 'strong', 'i', 'em', 'u', 'ins', 's', 'strike', 'del', 'a', 'code', 'pre', 'tg-spoiler', 'span', 'blockquote', 'tg-emoji'])

const TAG = /<(\/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:="[^"<>]*")?)*)\s*>/y
const ENTITY = /&(lt|gt|amp|quot|#\d{1,7}|#x[0-9a-fA-F]{1,6});/y

/** The visible text of Telegram HTML, or the parse error Telegram would report. */
export function parseTelegramHtml(html: string): { text: string; links: string[] } | { error: string } {
  let text = ''
  const links: string[] = []
  const stack: string[] = []
  let i = 0
  while (i < html.length) {
    const c = html[i] as string
    if (c === '<') {
      TAG.lastIndex = i
      const m = TAG.exec(html)
      if (!m) return { error: `Can't parse entities: unclosed start tag at byte offset ${i}` }
      const name = (m[2] as string).toLowerCase()
      if (!TAGS.has(name)) return { error: `Can't parse entities: unsupported start tag "${name}" at byte offset ${i}` }
      if (m[1] === '/') {
        if (stack.pop() !== name) return { error: `Can't parse entities: can't find end tag corresponding to start tag "${name}"` }
      } else {
        if (name === 'a' && !/\shref="[^"]+"/.test(m[3] ?? '')) return { error: 'Can\'t parse entities: a tag without href' }
        if (name === 'a') {
          // TDLib keeps a text link only for a URL whose host has a dot (or is an IP address);
          // it drops any other silently, keeping the anchor text (MessageEntity.cpp, LinkManager.cpp).
          const href = (/\shref="([^"]+)"/.exec(m[3] ?? '')?.[1] ?? '').replace(/&amp;/g, '&')
          let host = ''
          try {
            host = new URL(href).hostname
          } catch {
            host = ''
          }
          if (host.includes('.')) links.push(href)
        }
        stack.push(name)
      }
      i += m[0].length
    } else if (c === '&') {
      ENTITY.lastIndex = i
      const m = ENTITY.exec(html)
      if (!m) return { error: `Can't parse entities: character '&' is reserved and must be escaped at byte offset ${i}` }
      const e = m[1] as string
      text += e === 'lt' ? '<' : e === 'gt' ? '>' : e === 'amp' ? '&' : e === 'quot' ? '"' : String.fromCodePoint(e.startsWith('#x') ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1)))
      i += m[0].length
    } else if (c === '>') {
      return { error: `Can't parse entities: character '>' is reserved and must be escaped at byte offset ${i}` }
    } else {
      text += c
      i++
    }
  }
  if (stack.length > 0) return { error: `Can't parse entities: can't find end tag corresponding to start tag "${stack[stack.length - 1]}"` }
  return { text, links }
}

export interface TelegramSent {
  chat_id: number | string
  text: string
  /** The text as Telegram shows it (tags removed, entities decoded). */
  visible: string
  /** The text links Telegram kept (a dotless host is dropped). */
  links: string[]
  parse_mode: string
  message_thread_id?: number
  link_preview_options?: unknown
}

export interface FakeTelegram extends FakeHttp {
  token: string
  /** Chats the bot is in; any other chat_id is "chat not found". */
  chats: Set<string>
  /**
   * Groups upgraded to supergroups: old id → new id. Sending to the old id answers 400 "group
   * chat was upgraded to a supergroup chat" with `parameters.migrate_to_chat_id` (Bot API
   * ResponseParameters; tdlib/telegram-bot-api Client.cpp).
   */
  migrated: Map<string, number>
  /** Chats that removed the bot (403). */
  kickedFrom: Set<string>
  sent: TelegramSent[]
}

/** Starts the fake with one bot `token` that is a member of `chats`. */
export async function startFakeTelegram(token: string, chats: Array<string | number>): Promise<FakeTelegram> {
  const sent: TelegramSent[] = []
  const chatSet = new Set(chats.map(String))
  const kickedFrom = new Set<string>()
  const migrated = new Map<string, number>()
  let messageId = 100
  const fake = await listenFake((req, res) => {
    const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(req.path)
    if (req.method !== 'POST' || !m) return json(res, 404, { ok: false, error_code: 404, description: 'Not Found' })
    if (m[1] !== token) return json(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' })
    if (m[2] !== 'sendMessage') return json(res, 404, { ok: false, error_code: 404, description: 'Not Found: method not found' })
    const bad = (description: string): void => json(res, 400, { ok: false, error_code: 400, description: `Bad Request: ${description}` })
    if (!String(req.headers['content-type']).startsWith('application/json')) return bad('test fake expects application/json')
    let body: Record<string, unknown>
    try {
      body = JSON.parse(req.body) as Record<string, unknown>
    } catch {
      return bad('invalid JSON')
    }
    const { chat_id, text, parse_mode, message_thread_id, link_preview_options } = body
    if (!(typeof chat_id === 'string' || (typeof chat_id === 'number' && Number.isInteger(chat_id)))) return bad('chat_id is empty')
    if (typeof text !== 'string') return bad('message text is empty')
    if (parse_mode !== 'HTML') return bad('test fake expects parse_mode HTML')
    if (message_thread_id !== undefined && !(typeof message_thread_id === 'number' && Number.isInteger(message_thread_id))) return bad('invalid message_thread_id')
    if (link_preview_options !== undefined && (typeof link_preview_options !== 'object' || link_preview_options === null)) return bad('invalid link_preview_options')
    const movedTo = migrated.get(String(chat_id))
    if (movedTo !== undefined) return json(res, 400, { ok: false, error_code: 400, description: 'Bad Request: group chat was upgraded to a supergroup chat', parameters: { migrate_to_chat_id: movedTo } })
    if (kickedFrom.has(String(chat_id))) return json(res, 403, { ok: false, error_code: 403, description: 'Forbidden: bot was kicked from the group chat' })
    if (!chatSet.has(String(chat_id))) return bad('chat not found')
    const parsed = parseTelegramHtml(text)
    if ('error' in parsed) return bad(parsed.error)
    if (parsed.text.trim().length === 0) return bad('message text is empty')
    if (parsed.text.length > 4096) return bad('message is too long')
    sent.push({ chat_id, text, visible: parsed.text, links: parsed.links, parse_mode, link_preview_options, ...(typeof message_thread_id === 'number' ? { message_thread_id } : {}) })
    json(res, 200, { ok: true, result: { message_id: ++messageId, date: 1_790_000_000, chat: { id: chat_id, type: 'supergroup' }, text: parsed.text } })
  })
  return Object.assign(fake, { token, chats: chatSet, kickedFrom, migrated, sent })
}

/** Telegram's flood-control answer. */
export function telegram429(retryAfter: number): { kind: 'answer'; status: number; body: string } {
  return { kind: 'answer', status: 429, body: JSON.stringify({ ok: false, error_code: 429, description: `Too Many Requests: retry after ${retryAfter}`, parameters: { retry_after: retryAfter } }) }
}
