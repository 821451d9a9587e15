/**
 * Zalo, built from Zalo's own documentation (docs/alerting-channels.md lists the pages):
 *
 * - `bot` (Zalo Bot Platform): `POST {base}/bot<token>/sendMessage {chat_id, text ≤ 2000}`,
 *   answered `{ok, result: {message_id}}` / `{ok: false, error_code, description}`. Bots cannot
 *   join groups (`getMe` says `can_join_groups: false`), so a bot reaches one person; the chat id
 *   is learnt from `getUpdates` ({@link listZaloBotChats}).
 * - `oa` (Official Account Open API v3, header `access_token`): a GMF group message
 *   `POST {base}/v3.0/oa/group/message {recipient: {group_id}, message: {text}}` (verified OA
 *   with a GMF package, groups the OA created), or a consultation message
 *   `POST {base}/v3.0/oa/message/cs {recipient: {user_id}, …}` (the user interacted with the OA
 *   within 7 days). Answers are HTTP 200 with `{error: 0, data: {message_id}}`, or `error ≠ 0`
 *   and a `message`.
 * - OA tokens: the access token lives 25 h; `POST {oauth}/v4/oa/access_token` (form
 *   `refresh_token`, `app_id`, `grant_type=refresh_token`, header `secret_key`) answers a new
 *   `access_token`, a new `refresh_token` (the old one is dead: single-use, 3 months) and
 *   `expires_in` (seconds, a string). The new pair is saved before it is used, refreshed an hour
 *   before expiry and on the expiry errors (-216, -220), once per attempt.
 *
 * Zalo shows plain text only: the title, a newline and the text, at most 2000 characters.
 * @module
 */
import { createHash } from 'node:crypto'
import type { ChannelErrorCode, FailureAction, ZaloBotChat, ZaloBotChatsAnswer, ZaloChannel } from '../../../protocol'
import { NotifierError, type Notifier, type NotifierContext, type NotifierDefinition, type OutgoingMessage, type SendOutcome } from '../notifier'
import { readBotAnswer } from './bot-api'
import { detail, failure, isRecord, isRetryableStatus, parseJson, parseRetryAfter, postOnce, statusCause, type HttpAnswer, type Target } from './http'
import { truncatePlain } from './truncate'

/** Zalo's `sendMessage` and OA text limit. */
export const ZALO_MAX_TEXT = 2000
const BOT_BASE_URL = 'https://bot-api.zaloplatforms.com'
const OA_BASE_URL = 'https://openapi.zalo.me'
const OAUTH_BASE_URL = 'https://oauth.zaloapp.com'
/** Refresh this long before the access token's announced expiry. */
const REFRESH_MARGIN_MS = 60 * 60_000
/** OA errors meaning the access token is invalid (-216) or expired/removed (-220). */
const TOKEN_ERRORS: ReadonlySet<number> = new Set([-216, -220])

/**
 * The documented OA error codes (developers.zalo.me "Mã lỗi" table) and what each needs. Codes
 * not listed are a refusal of this message (`provider_error`).
 */
interface OaErrorMeaning {
  code: ChannelErrorCode
  action: FailureAction
  retryAfter?: number
}
const OA_ERRORS: ReadonlyMap<number, OaErrorMeaning> = new Map<number, OaErrorMeaning>([
  // -32: the app or OA reached its request rate (4,000 a minute per app): wait and retry.
  [-32, { code: 'rate_limited', action: 'retry', retryAfter: 60 }],
  // -200 "Send message failed": Zalo's own failure, worth another try.
  [-200, { code: 'server_error', action: 'retry' }],
  [-216, { code: 'zalo_token_expired', action: 'admin' }],
  [-220, { code: 'zalo_token_expired', action: 'admin' }],
  [-211, { code: 'zalo_quota', action: 'admin' }],
  [-218, { code: 'zalo_quota', action: 'admin' }],
  [-213, { code: 'zalo_not_follower', action: 'admin' }],
  [-217, { code: 'zalo_not_follower', action: 'admin' }],
  [-227, { code: 'zalo_not_follower', action: 'admin' }],
  [-230, { code: 'zalo_not_follower', action: 'admin' }],
  [-232, { code: 'zalo_not_follower', action: 'admin' }],
  [-244, { code: 'zalo_not_follower', action: 'admin' }],
  ...[-204, -205, -209, -212, -219, -221, -223, -224, -235, -320, -321].map((c): [number, OaErrorMeaning] => [c, { code: 'zalo_oa_not_allowed', action: 'admin' }]),
  [-237, { code: 'zalo_group_unavailable', action: 'admin' }],
  [-238, { code: 'zalo_group_unavailable', action: 'admin' }],
  [-241, { code: 'zalo_group_unavailable', action: 'admin' }],
  [-403, { code: 'zalo_group_unavailable', action: 'admin' }],
  [-201, { code: 'zalo_bad_request', action: 'permanent' }],
  [-210, { code: 'zalo_bad_request', action: 'permanent' }],
  [-233, { code: 'zalo_bad_request', action: 'permanent' }],
])

/** The problem with a Zalo config that the schema cannot see, or undefined when it is usable. */
export function zaloConfigProblem(config: ZaloChannel): string | undefined {
  if (config.mode === 'bot' && config.chatId === undefined) return 'zalo bot mode needs chatId'
  if (config.mode === 'oa' && (config.userId === undefined) === (config.groupId === undefined)) return 'zalo oa mode needs exactly one of groupId or userId'
  return undefined
}

/** The plain text Zalo shows: title, newline, text; cut to 2000 with the link kept. */
export function zaloText(message: Pick<OutgoingMessage, 'title' | 'text' | 'link'>): string {
  return truncatePlain(`${message.title}\n${message.text}`, ZALO_MAX_TEXT, message.link)
}

/**
 * Sends to a Zalo bot chat (bot) or to an OA group or follower (oa). Throws from `create` when
 * the mode's recipient is missing (see {@link zaloConfigProblem}).
 */
export const zalo: NotifierDefinition<ZaloChannel> = {
  type: 'zalo',
  // No documented per-chat limit; treated like Telegram (alerting.md §5.2).
  perMinute: 20,
  maxTextLength: ZALO_MAX_TEXT,
  create(config) {
    const problem = zaloConfigProblem(config)
    if (problem !== undefined) throw new Error(problem)
    return config.mode === 'oa' ? createOa(config) : createBot(config)
  },
}

const trimBase = (url: string | undefined, fallback: string): string => (url ?? fallback).replace(/\/+$/, '')

function createBot(config: ZaloChannel): Notifier {
  const chatId = config.chatId ?? ''
  const destination = `zalo bot chat ${chatId}`
  const target: Target = { destination, secrets: [config.token] }
  const url = `${trimBase(config.baseUrl, BOT_BASE_URL)}/bot${config.token}/sendMessage`
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

/** The OA token pair Xanh keeps for a channel, with the config refresh token it grew from. */
interface TokenPair {
  accessToken: string
  refreshToken: string | null
  /** Epoch ms; null when unknown (the pair typed into the config). */
  expiresAt: number | null
}

const seedOf = (config: ZaloChannel): string => createHash('sha256').update(`${config.appId ?? ''}\0${config.refreshToken ?? ''}\0${config.token}`).digest('base64url')

/** The pair to use: the one Xanh saved for this config, else the config's own. */
function currentPair(config: ZaloChannel, ctx: NotifierContext): TokenPair {
  const saved = ctx.credentials?.load()
  if (saved && saved.seed === seedOf(config) && typeof saved.accessToken === 'string') {
    return {
      accessToken: saved.accessToken,
      refreshToken: typeof saved.refreshToken === 'string' ? saved.refreshToken : null,
      expiresAt: typeof saved.expiresAt === 'number' ? saved.expiresAt : null,
    }
  }
  return { accessToken: config.token, refreshToken: config.refreshToken ?? null, expiresAt: null }
}

function createOa(config: ZaloChannel): Notifier {
  const toGroup = config.groupId !== undefined
  const recipient = toGroup ? { group_id: config.groupId } : { user_id: config.userId }
  const destination = toGroup ? `zalo oa group ${config.groupId}` : `zalo oa user ${config.userId}`
  const base = trimBase(config.baseUrl, OA_BASE_URL)
  const url = `${base}${toGroup ? '/v3.0/oa/group/message' : '/v3.0/oa/message/cs'}`
  const tokenUrl = `${trimBase(config.oauthBaseUrl, OAUTH_BASE_URL)}/v4/oa/access_token`
  const canRefresh = config.appId !== undefined && config.secretKey !== undefined && config.refreshToken !== undefined
  const staticSecrets = [config.token, config.secretKey, config.refreshToken].filter((s): s is string => s !== undefined)

  return {
    type: 'zalo',
    destination,
    async send(message, ctx) {
      let pair = currentPair(config, ctx)
      // Every token ever used for this channel stays out of errors and logs.
      const target = (): Target => ({ destination, secrets: [...staticSecrets, pair.accessToken, pair.refreshToken ?? ''].filter((s) => s.length > 0) })
      let refreshed = false
      if (canRefresh && pair.refreshToken !== null && pair.expiresAt !== null && pair.expiresAt - ctx.now() < REFRESH_MARGIN_MS) {
        pair = await refresh(pair, ctx, target())
        refreshed = true
      }
      const body = JSON.stringify({ recipient, message: { text: zaloText(message) } })
      for (;;) {
        const answer = await postOnce(ctx, target(), url, body, { 'content-type': 'application/json', access_token: pair.accessToken })
        const read = readOaAnswer(answer, target(), ctx)
        if (!(read instanceof NotifierError)) return read
        const expired = read.status === 200 && TOKEN_ERRORS.has(oaErrorOf(answer) ?? 0)
        if (!expired || refreshed || !canRefresh || pair.refreshToken === null) throw read
        ctx.log.info({ destination }, 'zalo oa access token refused as expired: refreshing it')
        pair = await refresh(pair, ctx, target())
        refreshed = true
      }
    },
  }

  /**
   * Trades the refresh token for a new pair and saves it before returning it (the old refresh
   * token is dead from this moment). A refusal needs an admin: a new authorization.
   */
  async function refresh(pair: TokenPair, ctx: NotifierContext, target: Target): Promise<TokenPair> {
    const form = new URLSearchParams({ refresh_token: pair.refreshToken ?? '', app_id: config.appId ?? '', grant_type: 'refresh_token' })
    const answer = await postOnce(ctx, target, tokenUrl, form.toString(), { 'content-type': 'application/x-www-form-urlencoded', secret_key: config.secretKey ?? '' })
    if (answer.status < 200 || answer.status >= 300) {
      const retryable = isRetryableStatus(answer.status)
      throw failure(target, `token refresh ${retryable ? 'failed' : 'refused'}: HTTP ${answer.status} ${detail(answer.text)}`.trimEnd(), {
        retryable,
        status: answer.status,
        code: retryable ? 'server_error' : 'zalo_refresh_failed',
        action: retryable ? 'retry' : 'admin',
      })
    }
    const body = parseJson(answer.text)
    const access = isRecord(body) ? body.access_token : undefined
    const next = isRecord(body) ? body.refresh_token : undefined
    // Zalo sends expires_in as a string of seconds ("90000"); some clients saw a number.
    const expiresIn = isRecord(body) ? Number(body.expires_in) : Number.NaN
    if (typeof access !== 'string' || access === '' || typeof next !== 'string' || next === '') {
      // An error body ({error: -14014, error_name…}) or an empty 200 (a refresh token already used).
      const said = isRecord(body) ? [body.error, body.error_name, body.error_description].filter((v) => v !== undefined && v !== '').join(' ') : detail(answer.text)
      throw failure(target, `token refresh refused: ${said || 'no new token pair in the answer'}`, { retryable: false, status: answer.status, code: 'zalo_refresh_failed', action: 'admin' })
    }
    const fresh: TokenPair = { accessToken: access, refreshToken: next, expiresAt: ctx.now() + (Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : 25 * 3600) * 1000 }
    ctx.credentials?.save({ seed: seedOf(config), accessToken: fresh.accessToken, refreshToken: fresh.refreshToken, expiresAt: fresh.expiresAt, refreshedAt: ctx.now() })
    ctx.log.info({ destination, expiresAt: new Date(fresh.expiresAt ?? 0).toISOString() }, 'zalo oa token pair refreshed and saved')
    return fresh
  }
}

/** The OA `error` of an answer, when it is one. */
function oaErrorOf(answer: HttpAnswer): number | undefined {
  const body = parseJson(answer.text)
  return isRecord(body) && typeof body.error === 'number' ? body.error : undefined
}

function readOaAnswer(answer: HttpAnswer, target: Target, ctx: NotifierContext): SendOutcome | NotifierError {
  const { status, text, headers } = answer
  const retryAfter = parseRetryAfter(headers.get('retry-after'), ctx.now())
  if (status < 200 || status >= 300) {
    const retryable = isRetryableStatus(status)
    return failure(target, `${retryable ? 'failed' : 'refused'}: HTTP ${status} ${detail(text)}`.trimEnd(), {
      retryable,
      status,
      ...statusCause(status),
      ...(retryable && retryAfter !== undefined ? { retryAfterSeconds: retryAfter } : {}),
    })
  }
  const body = parseJson(text)
  if (!isRecord(body) || typeof body.error !== 'number') {
    return failure(target, `unexpected answer: ${detail(text) || 'empty body'}`, { retryable: true, status, code: 'provider_error' })
  }
  if (body.error === 0) {
    const id = isRecord(body.data) ? body.data.message_id : undefined
    return typeof id === 'string' || typeof id === 'number' ? { providerMessageId: String(id) } : {}
  }
  const known = OA_ERRORS.get(body.error) ?? { code: 'provider_error' as const, action: 'permanent' as const }
  const said = typeof body.message === 'string' ? detail(body.message) : 'no message'
  const retryable = known.action === 'retry'
  return failure(target, `${retryable ? 'failed' : 'refused'}: ${said} (error ${body.error})`, {
    retryable,
    status,
    code: known.code,
    action: known.action,
    ...(retryable ? { retryAfterSeconds: retryAfter ?? known.retryAfter } : {}),
  })
}

/**
 * The chats that recently wrote to a Zalo bot, to find the `chatId` of a bot channel: `getMe`
 * (the bot, and whether it can join groups), then `getUpdates` up to `maxUpdates` times — each
 * call hands over one pending update, or none when its short timeout passes. Fails when the bot
 * has a webhook set (getUpdates is then refused) with the provider's words.
 */
export async function listZaloBotChats(
  input: { token: string; baseUrl?: string | undefined },
  ctx: NotifierContext,
  opts: { maxUpdates?: number; pollSeconds?: number } = {},
): Promise<ZaloBotChatsAnswer> {
  const base = `${trimBase(input.baseUrl, BOT_BASE_URL)}/bot${input.token}`
  const target: Target = { destination: 'zalo bot', secrets: [input.token] }
  const call = async (method: string, body: Record<string, unknown>): Promise<Record<string, unknown> | undefined> => {
    const answer = await postOnce(ctx, target, `${base}/${method}`, JSON.stringify(body), { 'content-type': 'application/json' })
    const parsed = parseJson(answer.text)
    if (isRecord(parsed) && parsed.ok === true) return isRecord(parsed.result) ? parsed.result : undefined
    // 408 on getUpdates: the long poll ended without an update.
    if (isRecord(parsed) && parsed.error_code === 408) return undefined
    const said = isRecord(parsed) && typeof parsed.description === 'string' ? parsed.description : detail(answer.text)
    throw failure(target, `${method} refused: ${said || `HTTP ${answer.status}`}`, { retryable: false, status: answer.status, ...statusCause(answer.status === 200 ? 400 : answer.status) })
  }
  const me = await call('getMe', {})
  const chats = new Map<string, ZaloBotChat>()
  for (let i = 0; i < (opts.maxUpdates ?? 20); i++) {
    const update = await call('getUpdates', { timeout: String(opts.pollSeconds ?? 1) })
    const msg = update && isRecord(update.message) ? update.message : undefined
    if (!msg) break
    const chat = isRecord(msg.chat) ? msg.chat : {}
    const from = isRecord(msg.from) ? msg.from : {}
    const id = typeof chat.id === 'string' ? chat.id : typeof chat.id === 'number' ? String(chat.id) : undefined
    if (id === undefined) continue
    const name = [from.display_name, from.first_name, from.last_name].filter((v): v is string => typeof v === 'string' && v !== '').join(' ')
    chats.set(id, {
      chatId: id,
      chatType: typeof chat.chat_type === 'string' ? chat.chat_type : null,
      name: name || null,
      lastText: typeof msg.text === 'string' ? msg.text.slice(0, 200) : null,
      at: typeof msg.date === 'number' ? new Date(msg.date).toISOString() : null,
    })
  }
  return {
    bot: {
      id: me && (typeof me.id === 'string' || typeof me.id === 'number') ? String(me.id) : null,
      name: me && typeof me.account_name === 'string' ? me.account_name : null,
      canJoinGroups: me && typeof me.can_join_groups === 'boolean' ? me.can_join_groups : null,
    },
    chats: [...chats.values()],
  }
}
