/**
 * Zalo notifier against local stand-ins built from Zalo's documentation (test/helpers/fake-zalo.ts):
 * bot chats, OA consultation messages, GMF group messages, the OA token pair refreshed before
 * expiry and on the expiry error with the new pair saved (and persisted in SQLite through the
 * channel-state repository), and every documented error mapped to retry / admin / permanent.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { ZaloChannel } from '../../../../protocol'
import type { CredentialStore } from '../../../../server/alerting/notifier'
import { listZaloBotChats, zalo, zaloText } from '../../../../server/alerting/notifiers/zalo'
import { openDatabase, type OpenedDb } from '../../../../server/store/db'
import { Store } from '../../../../server/store/store'
import { refusedPort } from '../../../helpers/fake-http'
import { startFakeZaloBot, startFakeZaloOa, type FakeZaloBot, type FakeZaloOa } from '../../../helpers/fake-zalo'
import { NOW_MS, makeCtx, runNotifierContract, sampleMessage, sendFailure } from './contract.case'

const BOT_TOKEN = '1234567890123456789:zALoBoTsEcReTaCcEsStOkEnVaLuE'
const OA_TOKEN = 'oa-access-token-Xyz0123456789abcdefSECRET'
const CHAT = 'f2a7c91e0b3d4a55'
const USER = '8412345678901234567'
const GROUP = 'f414c8f76fa586fbdfb4'
const APP_ID = '4318390000000000001'
const SECRET_KEY = 'oa-secret-key-0123456789'

function bot(baseUrl: string, extra: Partial<ZaloChannel> = {}): ZaloChannel {
  return ZaloChannel.parse({ type: 'zalo', baseUrl, token: BOT_TOKEN, chatId: CHAT, ...extra })
}
function oa(baseUrl: string, extra: Record<string, unknown> = {}): ZaloChannel {
  return ZaloChannel.parse({ type: 'zalo', mode: 'oa', baseUrl, token: OA_TOKEN, userId: USER, ...extra })
}
/** An OA group channel with the token pair, both APIs on the fake. */
function oaGroup(fake: FakeZaloOa, extra: Record<string, unknown> = {}): ZaloChannel {
  return ZaloChannel.parse({ type: 'zalo', mode: 'oa', baseUrl: fake.url, oauthBaseUrl: fake.url, token: OA_TOKEN, groupId: GROUP, appId: APP_ID, secretKey: SECRET_KEY, refreshToken: 'rt-initial', ...extra })
}

/** A credential store in memory, counting saves. */
function memoryCredentials(): CredentialStore & { saved: Array<Record<string, unknown>> } {
  const saved: Array<Record<string, unknown>> = []
  return { saved, load: () => saved.at(-1), save: (v) => saved.push(v) }
}

runNotifierContract('zalo bot', async () => {
  const fake = await startFakeZaloBot(BOT_TOKEN, [CHAT])
  const port = await refusedPort()
  return {
    notifier: zalo.create(bot(fake.url)),
    refused: zalo.create(bot(fake.url, { chatId: 'unknown-chat' })),
    unreachable: zalo.create(bot(`http://127.0.0.1:${port}`)),
    secrets: [BOT_TOKEN],
    delivered: () => fake.sent.length,
    contacts: () => fake.requests.length,
    failNext: () => fake.next.push({ kind: 'answer', status: 500, body: JSON.stringify({ ok: false, error_code: 500, description: 'Internal Server Error' }) }),
    hangNext: () => fake.next.push({ kind: 'hang' }),
    reset: () => {
      fake.next.length = 0
    },
    close: () => fake.close(),
  }
})

runNotifierContract('zalo oa (consultation message)', async () => {
  const fake = await startFakeZaloOa({ accessToken: OA_TOKEN, users: [USER] })
  const port = await refusedPort()
  return {
    notifier: zalo.create(oa(fake.url)),
    refused: zalo.create(oa(fake.url, { userId: '999' })),
    unreachable: zalo.create(oa(`http://127.0.0.1:${port}`)),
    secrets: [OA_TOKEN],
    delivered: () => fake.sent.length,
    contacts: () => fake.requests.length,
    failNext: () => fake.next.push({ kind: 'answer', status: 503, body: 'Service Unavailable' }),
    hangNext: () => fake.next.push({ kind: 'hang' }),
    reset: () => {
      fake.next.length = 0
    },
    close: () => fake.close(),
  }
})

runNotifierContract('zalo oa (GMF group message)', async () => {
  const fake = await startFakeZaloOa({ accessToken: OA_TOKEN, groups: { [GROUP]: true } })
  const port = await refusedPort()
  return {
    notifier: zalo.create(oa(fake.url, { userId: undefined, groupId: GROUP })),
    refused: zalo.create(oa(fake.url, { userId: undefined, groupId: 'not-our-group' })),
    unreachable: zalo.create(oa(`http://127.0.0.1:${port}`, { userId: undefined, groupId: GROUP })),
    secrets: [OA_TOKEN],
    delivered: () => fake.sent.length,
    contacts: () => fake.requests.length,
    failNext: () => fake.next.push({ kind: 'answer', status: 502, body: 'Bad Gateway' }),
    hangNext: () => fake.next.push({ kind: 'hang' }),
    reset: () => {
      fake.next.length = 0
    },
    close: () => fake.close(),
  }
})

describe('zalo: bot mode', () => {
  let fake: FakeZaloBot
  beforeAll(async () => {
    fake = await startFakeZaloBot(BOT_TOKEN, [CHAT])
  })
  afterAll(async () => {
    await fake.close()
  })

  it('posts /bot<token>/sendMessage with chat_id and the title + text as plain text', async () => {
    const res = await zalo.create(bot(fake.url)).send(sampleMessage(), makeCtx())
    expect(fake.requests.at(-1)?.path).toBe(`/bot${BOT_TOKEN}/sendMessage`)
    const m = sampleMessage()
    expect(fake.sent.at(-1)).toEqual({ chat_id: CHAT, text: `${m.title}\n${m.text}` })
    expect(res.providerMessageId).toMatch(/^zmsg-/)
  })

  it('cuts long Vietnamese text to ≤ 2000 characters with an ellipsis and keeps the link', async () => {
    const m = sampleMessage()
    const text = `${'Xã Tân Phú: mất kết nối, trễ 500 ms. '.repeat(120)}\nMở: ${m.link}`
    await zalo.create(bot(fake.url)).send(sampleMessage({ text }), makeCtx())
    const sent = fake.sent.at(-1)?.text ?? ''
    expect(sent.length).toBeLessThanOrEqual(2000)
    expect(sent.startsWith(`${m.title}\nXã Tân Phú`)).toBe(true)
    expect(sent.endsWith(`…\n${m.link}`)).toBe(true)
  })

  it('maps a rate limit to retryable and a refusal to what it needs', async () => {
    fake.next.push({ kind: 'answer', status: 429, body: JSON.stringify({ ok: false, error_code: 429, description: 'Too Many Requests' }), headers: { 'retry-after': '7' } })
    const limited = await sendFailure(zalo.create(bot(fake.url)), makeCtx())
    expect(limited).toMatchObject({ retryable: true, retryAfterSeconds: 7, status: 429, code: 'rate_limited', action: 'retry' })
    const wrongToken = await sendFailure(zalo.create(bot(fake.url, { token: '1:another-secret-token' })), makeCtx())
    expect(wrongToken).toMatchObject({ retryable: false, status: 401, code: 'unauthorized', action: 'admin' })
    expect(wrongToken.message).toBe(`zalo bot chat ${CHAT}: refused: Unauthorized`)
    const unknownChat = await sendFailure(zalo.create(bot(fake.url, { chatId: 'ai-do-chua-nhan' })), makeCtx())
    expect(unknownChat).toMatchObject({ code: 'chat_not_found', action: 'admin' })
  })

  it('lists the chats that wrote to the bot (getUpdates), to find a chat id; says the bot cannot join groups', async () => {
    fake.updates.push({ chatId: 'c-tran-thi-lan', fromName: 'Trần Thị Lan', text: 'Chào bot Xanh' }, { chatId: 'c-nguyen-van-hung', fromName: 'Nguyễn Văn Hùng', text: 'Đăng ký nhận cảnh báo' }, { chatId: 'c-tran-thi-lan', fromName: 'Trần Thị Lan', text: 'Lần nữa' })
    const answer = await listZaloBotChats({ token: BOT_TOKEN, baseUrl: fake.url }, makeCtx(), { pollSeconds: 0 })
    expect(answer.bot).toEqual({ id: '1459232241454765289', name: 'bot.XanhKySon', canJoinGroups: false })
    expect(answer.chats.map((c) => [c.chatId, c.name, c.lastText])).toEqual([
      ['c-tran-thi-lan', 'Trần Thị Lan', 'Lần nữa'],
      ['c-nguyen-van-hung', 'Nguyễn Văn Hùng', 'Đăng ký nhận cảnh báo'],
    ])
    // The chat id found is one the bot can send to.
    await zalo.create(bot(fake.url, { chatId: 'c-nguyen-van-hung' })).send(sampleMessage(), makeCtx())
    expect(fake.sent.at(-1)?.chat_id).toBe('c-nguyen-van-hung')
  })
})

describe('zalo: OA mode', () => {
  let fake: FakeZaloOa
  beforeEach(async () => {
    fake = await startFakeZaloOa({ accessToken: OA_TOKEN, users: [USER], groups: { [GROUP]: true, 'nhom-het-goi': false } })
  })
  afterEach(async () => {
    await fake.close()
  })

  it('posts a consultation message to /v3.0/oa/message/cs with the access_token header', async () => {
    const res = await zalo.create(oa(fake.url)).send(sampleMessage(), makeCtx())
    const req = fake.requests.at(-1)
    expect(req?.path).toBe('/v3.0/oa/message/cs')
    expect(req?.headers.access_token).toBe(OA_TOKEN)
    expect(JSON.parse(req?.body ?? '')).toEqual({ recipient: { user_id: USER }, message: { text: zaloText(sampleMessage()) } })
    expect(res.providerMessageId).toMatch(/^cs-/)
  })

  it('posts a GMF group message to /v3.0/oa/group/message with the group_id', async () => {
    const res = await zalo.create(oa(fake.url, { userId: undefined, groupId: GROUP })).send(sampleMessage(), makeCtx())
    const req = fake.requests.at(-1)
    expect(req?.path).toBe('/v3.0/oa/group/message')
    expect(JSON.parse(req?.body ?? '')).toEqual({ recipient: { group_id: GROUP }, message: { text: zaloText(sampleMessage()) } })
    expect(fake.sent.at(-1)).toMatchObject({ to: `group:${GROUP}` })
    expect(fake.sent.at(-1)?.text).toContain('Cụm Kỳ Sơn')
    expect(res.providerMessageId).toMatch(/^gmf-/)
  })

  it.each([
    ['-32 rate limit', { error: -32, message: 'Your application reached limit call api' }, { retryable: true, action: 'retry', code: 'rate_limited', retryAfterSeconds: 60 }],
    ['-211 quota', { error: -211, message: 'Out of quota' }, { retryable: false, action: 'admin', code: 'zalo_quota' }],
    ['-230 no interaction in 7 days', { error: -230, message: 'User has not interacted with the OA in the past 7 days' }, { retryable: false, action: 'admin', code: 'zalo_not_follower' }],
    ['-221 OA not verified', { error: -221, message: 'The OA needs to be verified to use this feature' }, { retryable: false, action: 'admin', code: 'zalo_oa_not_allowed' }],
    ['-237 group disabled', { error: -237, message: 'The group is disabled' }, { retryable: false, action: 'admin', code: 'zalo_group_unavailable' }],
    ['-201 invalid parameter', { error: -201, message: 'user_id is invalid!' }, { retryable: false, action: 'permanent', code: 'zalo_bad_request' }],
    ['-216 invalid token, no refresh pair', { error: -216, message: 'Access token is invalid' }, { retryable: false, action: 'admin', code: 'zalo_token_expired' }],
  ] as const)('maps documented error %s (HTTP 200) to what it needs', async (_name, body, expected) => {
    fake.next.push({ kind: 'answer', status: 200, body: JSON.stringify(body) })
    const err = await sendFailure(zalo.create(oa(fake.url)), makeCtx())
    expect(err).toMatchObject(expected)
    expect(err.message).toBe(`zalo oa user ${USER}: ${expected.retryable ? 'failed' : 'refused'}: ${body.message} (error ${body.error})`)
  })

  it('a quota answered by the fake itself: needs an admin, nothing sent', async () => {
    fake.quota = 0
    const err = await sendFailure(zalo.create(oa(fake.url)), makeCtx())
    expect(err).toMatchObject({ code: 'zalo_quota', action: 'admin', retryable: false })
    expect(fake.sent).toHaveLength(0)
  })

  it('expired token → refresh with the single-use refresh token → delivered with the new token; the new pair is saved first', async () => {
    const creds = memoryCredentials()
    const n = zalo.create(oaGroup(fake))
    await n.send(sampleMessage(), makeCtx({ credentials: creds }))
    expect(fake.refreshes).toEqual([])
    fake.expireAccessToken()
    const res = await n.send(sampleMessage(), makeCtx({ credentials: creds }))
    expect(res.providerMessageId).toMatch(/^gmf-/)
    // One refresh, with the form and header the docs give.
    const refresh = fake.requests.find((r) => r.path === '/v4/oa/access_token')
    expect(refresh?.headers.secret_key).toBe(SECRET_KEY)
    expect(refresh?.headers['content-type']).toBe('application/x-www-form-urlencoded')
    expect(Object.fromEntries(new URLSearchParams(refresh?.body ?? ''))).toEqual({ refresh_token: 'rt-initial', app_id: APP_ID, grant_type: 'refresh_token' })
    expect(fake.refreshes).toEqual(['rt-initial'])
    expect(fake.sent.at(-1)?.accessToken).toBe(fake.accessToken)
    expect(creds.saved).toHaveLength(1)
    expect(creds.saved[0]).toMatchObject({ accessToken: fake.accessToken, refreshToken: fake.refreshToken, expiresAt: NOW_MS + 90_000_000 })
    // The next message uses the saved pair, without refreshing again.
    await n.send(sampleMessage(), makeCtx({ credentials: creds }))
    expect(fake.refreshes).toHaveLength(1)
  })

  it('refreshes an hour before the announced expiry, rotating the refresh token each time', async () => {
    const creds = memoryCredentials()
    const n = zalo.create(oaGroup(fake))
    fake.expireAccessToken()
    await n.send(sampleMessage(), makeCtx({ credentials: creds }))
    const first = creds.saved.at(-1)
    // 24.5 h later: inside the one-hour margin of the 25 h token, refreshed before sending.
    await n.send(sampleMessage(), makeCtx({ credentials: creds, now: NOW_MS + 24.5 * 3600_000 }))
    expect(fake.refreshes).toEqual(['rt-initial', first?.refreshToken])
    expect(creds.saved.at(-1)?.refreshToken).toBe(fake.refreshToken)
    expect(fake.requests.filter((r) => r.path === '/v3.0/oa/group/message').at(-1)?.headers.access_token).toBe(fake.accessToken)
  })

  it('a refresh token already used (or wrong secret) needs an admin, with Zalo\'s words, and saves nothing', async () => {
    const creds = memoryCredentials()
    fake.refreshToken = 'rt-someone-else-used-ours'
    fake.expireAccessToken()
    const err = await sendFailure(zalo.create(oaGroup(fake)), makeCtx({ credentials: creds }))
    expect(err).toMatchObject({ retryable: false, action: 'admin', code: 'zalo_refresh_failed' })
    expect(err.message).toBe(`zalo oa group ${GROUP}: token refresh refused: -14014 Invalid refresh token. refresh_token is invalid or was already used`)
    expect(creds.saved).toEqual([])
    // An empty 200 (reported for an already-consumed refresh token) is a failed refresh too.
    fake.refreshToken = 'rt-initial'
    fake.next.push({ kind: 'answer', status: 200, body: JSON.stringify({ error: -220, message: 'access_token is expired or removed' }) }, { kind: 'answer', status: 200, body: '' })
    const empty = await sendFailure(zalo.create(oaGroup(fake)), makeCtx({ credentials: creds }))
    expect(empty).toMatchObject({ code: 'zalo_refresh_failed', action: 'admin' })
  })

  it('never shows the tokens or the secret key in errors', async () => {
    fake.secretKey = 'a-different-secret'
    fake.expireAccessToken()
    const err = await sendFailure(zalo.create(oaGroup(fake)), makeCtx({ credentials: memoryCredentials() }))
    for (const secret of [OA_TOKEN, SECRET_KEY, 'rt-initial']) expect(err.message).not.toContain(secret)
    expect(err.message).toContain('Invalid secret key')
  })
})

describe('zalo: the rotated pair survives in SQLite (channel_state)', () => {
  let dir = ''
  let opened: OpenedDb
  let fake: FakeZaloOa
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'xanh-zalo-'))
    opened = openDatabase(join(dir, 'xanh.db'))
    fake = await startFakeZaloOa({ accessToken: OA_TOKEN, groups: { [GROUP]: true } })
  })
  afterAll(async () => {
    await fake.close()
    opened.sqlite.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('a restart (a new store on the same file) sends with the refreshed token, not the dead one in the config', async () => {
    const groupId = Number(opened.sqlite.prepare("INSERT INTO support_groups (name, channels, communes, clusters, escalation) VALUES ('Tổ hỗ trợ Kỳ Sơn', '[]', '[]', '[\"Cụm Kỳ Sơn\"]', '[]') RETURNING id").pluck().get())
    const credentialsOf = (store: Store): CredentialStore => ({ load: () => store.channels.credentials(groupId, 0), save: (v) => store.channels.saveCredentials(groupId, 0, 'h', v, NOW_MS) })
    const config = oaGroup(fake)
    fake.expireAccessToken()
    await zalo.create(config).send(sampleMessage(), makeCtx({ credentials: credentialsOf(new Store(opened.sqlite, opened.db)) }))
    const rotated = fake.refreshToken
    const reopened = openDatabase(join(dir, 'xanh.db'))
    try {
      const store = new Store(reopened.sqlite, reopened.db)
      expect(store.channels.credentials(groupId, 0)).toMatchObject({ refreshToken: rotated, accessToken: fake.accessToken })
      await zalo.create(config).send(sampleMessage(), makeCtx({ credentials: credentialsOf(store) }))
      expect(fake.refreshes).toHaveLength(1)
      expect(fake.sent.at(-1)?.accessToken).toBe(fake.accessToken)
    } finally {
      reopened.sqlite.close()
    }
  })
})

describe('zalo: config', () => {
  it('says what is missing for each mode', () => {
    expect(ZaloChannel.safeParse({ type: 'zalo', token: 't' }).error?.issues[0]?.message).toBe('zalo bot mode needs chatId')
    expect(ZaloChannel.safeParse({ type: 'zalo', mode: 'oa', token: 't' }).error?.issues[0]?.message).toBe('zalo oa mode needs exactly one of groupId (GMF group) or userId')
    expect(ZaloChannel.safeParse({ type: 'zalo', mode: 'oa', token: 't', groupId: 'g', appId: 'a' }).error?.issues[0]?.message).toBe('token refresh needs appId, secretKey and refreshToken together')
    expect(ZaloChannel.safeParse({ type: 'zalo', token: 't', chatId: 'c' }).success).toBe(true)
  })
})
