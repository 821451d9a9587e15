/**
 * Local stand-ins for Zalo's APIs, built from Zalo's published documentation (the pages and the
 * copies they were read from are listed in docs/alerting-channels.md):
 *
 * - **Zalo Bot Platform** (`docs.zaloplatforms.com/docs/BOT/apis/*`): `POST /bot<token>/<method>`
 *   with JSON; envelope `{ok: true, result}` or `{ok: false, error_code, description}`.
 *   `getMe` → `{id, account_name, account_type, can_join_groups: false}`; `getUpdates
 *   {timeout}` → ONE update `{message: {chat: {id, chat_type}, from, text, message_id, date}}`
 *   per call (no offset); `sendMessage {chat_id, text 1–2000}` → `{message_id, date}`.
 * - **OA Open API v3** (`developers.zalo.me/docs/official-account/…`, header `access_token`):
 *   every answer is HTTP 200 with `{error, message, data?}` ("Mã lỗi" table): `-216` "Access
 *   token is invalid", `-220` "access_token is expired or removed", `-211` "Out of quota",
 *   `-230` "User has not interacted with the OA in the past 7 days", `-201` "… is invalid!",
 *   `-237` "The group is disabled", `-403` "OA is not in group". Consultation message
 *   `POST /v3.0/oa/message/cs {recipient: {user_id}, message: {text}}` → `{data: {message_id,
 *   user_id, sent_time}, error: 0, message: "Success"}`; GMF group message
 *   `POST /v3.0/oa/group/message {recipient: {group_id}, …}` → `{data: {message_id, group_id}, error: 0}`.
 * - **OA OAuth v4** (`…/OA/bat-dau/xac-thuc-va-uy-quyen-cho-ung-dung-new`):
 *   `POST /v4/oa/access_token` form `refresh_token, app_id, grant_type=refresh_token`, header
 *   `secret_key` → `{access_token, refresh_token, expires_in: "90000"}`; the refresh token works
 *   once and the previous access token stops working. Its errors are HTTP 200 with `error`,
 *   `error_name`, `error_description` (the invalid-refresh-token code −14014 and "Invalid secret
 *   key" −14004 are from client code and reports, not from Zalo's table).
 * @module
 */
import { json, listenFake, type FakeHttp, type FakeRequest } from './fake-http'

export interface ZaloBotSent {
  chat_id: string
  text: string
}

/** One update a user's message to the bot produces. */
export interface ZaloBotUpdate {
  chatId: string
  chatType?: 'PRIVATE' | 'GROUP'
  fromName: string
  text: string
}

export interface FakeZaloBot extends FakeHttp {
  token: string
  chats: Set<string>
  sent: ZaloBotSent[]
  /** Updates waiting for `getUpdates`, oldest first. */
  updates: ZaloBotUpdate[]
}

/** A Zalo bot with `token` that `chats` have written to. */
export async function startFakeZaloBot(token: string, chats: string[]): Promise<FakeZaloBot> {
  const sent: ZaloBotSent[] = []
  const chatSet = new Set(chats)
  const updates: ZaloBotUpdate[] = []
  let id = 0
  const fake = await listenFake((req, res) => {
    const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(req.path)
    if (req.method !== 'POST' || !m) return json(res, 404, { ok: false, error_code: 404, description: 'Not Found' })
    if (m[1] !== token) return json(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' })
    let body: Record<string, unknown>
    try {
      body = req.body === '' ? {} : (JSON.parse(req.body) as Record<string, unknown>)
    } catch {
      return json(res, 400, { ok: false, error_code: 400, description: 'Bad Request: invalid JSON' })
    }
    if (m[2] === 'getMe') return json(res, 200, { ok: true, result: { id: '1459232241454765289', account_name: 'bot.XanhKySon', account_type: 'BASIC', can_join_groups: false } })
    if (m[2] === 'getUpdates') {
      const u = updates.shift()
      // No update pending: the long poll ends (shortened here to keep tests fast).
      if (!u) return json(res, 200, { ok: false, error_code: 408, description: 'Request timeout' })
      chatSet.add(u.chatId)
      return json(res, 200, {
        ok: true,
        result: {
          message: {
            from: { id: u.chatId, display_name: u.fromName, is_bot: false },
            chat: { id: u.chatId, chat_type: u.chatType ?? 'PRIVATE' },
            text: u.text,
            message_id: `in-${++id}`,
            date: 1_796_515_000_000 + id,
          },
          event_name: 'message.text.received',
        },
      })
    }
    if (m[2] !== 'sendMessage') return json(res, 404, { ok: false, error_code: 404, description: 'Not Found' })
    const { chat_id, text } = body
    if (typeof chat_id !== 'string' || chat_id.length === 0) return json(res, 400, { ok: false, error_code: 400, description: 'Bad Request: chat_id is required' })
    if (typeof text !== 'string' || text.length < 1 || text.length > 2000) return json(res, 400, { ok: false, error_code: 400, description: 'Bad Request: text must be 1-2000 characters' })
    if (!chatSet.has(chat_id)) return json(res, 400, { ok: false, error_code: 400, description: 'Bad Request: chat not found' })
    sent.push({ chat_id, text })
    json(res, 200, { ok: true, result: { message_id: `zmsg-${++id}`, date: 1_790_000_000 } })
  })
  return Object.assign(fake, { token, chats: chatSet, sent, updates })
}

export interface ZaloOaSent {
  /** `user:<id>` for a consultation message, `group:<id>` for a GMF group message. */
  to: string
  text: string
  /** The access token the message was sent with. */
  accessToken: string
}

export interface FakeZaloOa extends FakeHttp {
  appId: string
  secretKey: string
  /** The one access token that works now ('' after it expired). */
  accessToken: string
  /** The one refresh token that works now (single use). */
  refreshToken: string
  /** Users who interacted with the OA within 7 days (others get -230). */
  users: Set<string>
  /** GMF groups the OA created, and whether each is enabled (a disabled one gets -237). */
  groups: Map<string, boolean>
  /** Consultation messages left before -211 "Out of quota" (Infinity: no limit). */
  quota: number
  sent: ZaloOaSent[]
  /** Refreshes served, with the refresh token each consumed. */
  refreshes: string[]
  /** Makes the current access token answer -220 "access_token is expired or removed". */
  expireAccessToken(): void
}

const OA_ERROR = {
  invalidToken: { error: -216, message: 'Access token is invalid' },
  expiredToken: { error: -220, message: 'access_token is expired or removed' },
  invalidParam: (field: string) => ({ error: -201, message: `${field} is invalid!` }),
  quota: { error: -211, message: 'Out of quota' },
  notInteracted: { error: -230, message: 'User has not interacted with the OA in the past 7 days' },
  groupDisabled: { error: -237, message: 'The group is disabled' },
  notInGroup: { error: -403, message: 'OA is not in group' },
} as const

/** A Zalo OA (and its OAuth endpoint) on one local server; the first token pair is `pair`. */
export async function startFakeZaloOa(opts: { appId?: string; secretKey?: string; accessToken: string; refreshToken?: string; users?: string[]; groups?: Record<string, boolean> }): Promise<FakeZaloOa> {
  const sent: ZaloOaSent[] = []
  const refreshes: string[] = []
  let expired = ''
  let serial = 0
  const state = {
    appId: opts.appId ?? '4318390000000000001',
    secretKey: opts.secretKey ?? 'oa-secret-key-0123456789',
    accessToken: opts.accessToken,
    refreshToken: opts.refreshToken ?? 'rt-initial',
    users: new Set(opts.users ?? []),
    groups: new Map(Object.entries(opts.groups ?? {})),
    quota: Number.POSITIVE_INFINITY,
  }
  const oauth = (req: FakeRequest): object => {
    const form = new URLSearchParams(req.body)
    if (form.get('app_id') !== state.appId) return { error: -14002, error_name: 'Invalid appId', error_reason: '', error_description: 'app_id is invalid' }
    if (req.headers.secret_key !== state.secretKey) return { error: -14004, error_name: 'Invalid secret key', error_reason: '', error_description: 'secret_key is invalid' }
    if (form.get('grant_type') !== 'refresh_token') return { error: -14001, error_name: 'Invalid grant type', error_reason: '', error_description: 'grant_type is invalid' }
    const rt = form.get('refresh_token') ?? ''
    if (rt !== state.refreshToken) return { error: -14014, error_name: 'Invalid refresh token.', error_reason: '', error_description: 'refresh_token is invalid or was already used' }
    refreshes.push(rt)
    serial++
    state.accessToken = `at-${serial}-${'x'.repeat(20)}`
    state.refreshToken = `rt-${serial}-${'y'.repeat(20)}`
    expired = ''
    return { access_token: state.accessToken, refresh_token: state.refreshToken, expires_in: '90000' }
  }
  const fake = await listenFake((req, res) => {
    if (req.method === 'POST' && req.path === '/v4/oa/access_token') return json(res, 200, oauth(req))
    const group = req.path === '/v3.0/oa/group/message'
    if (req.method !== 'POST' || (!group && req.path !== '/v3.0/oa/message/cs')) return json(res, 404, { error: 404, message: 'Not Found' })
    const token = req.headers.access_token
    if (typeof token === 'string' && token !== '' && token === expired) return json(res, 200, OA_ERROR.expiredToken)
    if (token !== state.accessToken) return json(res, 200, OA_ERROR.invalidToken)
    let body: { recipient?: { user_id?: unknown; group_id?: unknown }; message?: { text?: unknown } }
    try {
      body = JSON.parse(req.body) as typeof body
    } catch {
      return json(res, 200, OA_ERROR.invalidParam('body'))
    }
    const text = body.message?.text
    if (typeof text !== 'string' || text.length < 1 || text.length > 2000) return json(res, 200, OA_ERROR.invalidParam('text'))
    serial++
    if (group) {
      const gid = body.recipient?.group_id
      if (typeof gid !== 'string') return json(res, 200, OA_ERROR.invalidParam('group_id'))
      const enabled = state.groups.get(gid)
      if (enabled === undefined) return json(res, 200, OA_ERROR.notInGroup)
      if (!enabled) return json(res, 200, OA_ERROR.groupDisabled)
      sent.push({ to: `group:${gid}`, text, accessToken: token })
      return json(res, 200, { data: { message_id: `gmf-${serial}`, group_id: gid }, error: 0, message: 'Success' })
    }
    const uid = body.recipient?.user_id
    if (typeof uid !== 'string') return json(res, 200, OA_ERROR.invalidParam('user_id'))
    if (!state.users.has(uid)) return json(res, 200, OA_ERROR.notInteracted)
    if (state.quota <= 0) return json(res, 200, OA_ERROR.quota)
    state.quota--
    sent.push({ to: `user:${uid}`, text, accessToken: token })
    json(res, 200, { data: { message_id: `cs-${serial}`, user_id: uid, sent_time: String(1_796_515_000_000 + serial) }, error: 0, message: 'Success' })
  })
  const oa = Object.assign(fake, {
    sent,
    refreshes,
    expireAccessToken() {
      expired = state.accessToken
      state.accessToken = ''
    },
  })
  // Live views of the state, so tests read and change what the fake answers with.
  for (const key of ['appId', 'secretKey', 'accessToken', 'refreshToken', 'users', 'groups', 'quota'] as const) {
    Object.defineProperty(oa, key, {
      get: () => state[key],
      set: (v: never) => {
        state[key] = v
      },
      enumerable: true,
    })
  }
  return oa as FakeZaloOa
}
