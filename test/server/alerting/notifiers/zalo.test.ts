import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ZaloChannel } from '../../../../protocol'
import { zalo, zaloConfigProblem, zaloText } from '../../../../server/alerting/notifiers/zalo'
import { refusedPort } from '../../../helpers/fake-http'
import { startFakeZaloBot, startFakeZaloOa, type FakeZaloBot, type FakeZaloOa } from '../../../helpers/fake-zalo'
import { makeCtx, runNotifierContract, sampleMessage, sendFailure } from './contract.case'

const BOT_TOKEN = '1234567890123456789:zALoBoTsEcReTaCcEsStOkEnVaLuE'
const OA_TOKEN = 'oa-access-token-Xyz0123456789abcdefSECRET'
const CHAT = 'f2a7c91e0b3d4a55'
const USER = '8412345678901234567'

function bot(baseUrl: string, extra: Partial<ZaloChannel> = {}): ZaloChannel {
  return ZaloChannel.parse({ type: 'zalo', baseUrl, token: BOT_TOKEN, chatId: CHAT, ...extra })
}
function oa(baseUrl: string, extra: Partial<ZaloChannel> = {}): ZaloChannel {
  return ZaloChannel.parse({ type: 'zalo', mode: 'oa', baseUrl, token: OA_TOKEN, userId: USER, ...extra })
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

runNotifierContract('zalo oa', async () => {
  const fake = await startFakeZaloOa(OA_TOKEN, [USER])
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

  it('maps a rate limit to retryable and a refusal to non-retryable', async () => {
    fake.next.push({ kind: 'answer', status: 429, body: JSON.stringify({ ok: false, error_code: 429, description: 'Too Many Requests' }), headers: { 'retry-after': '7' } })
    const limited = await sendFailure(zalo.create(bot(fake.url)), makeCtx())
    expect(limited).toMatchObject({ retryable: true, retryAfterSeconds: 7, status: 429 })
    const wrongToken = await sendFailure(zalo.create(bot(fake.url, { token: '1:another-secret-token' })), makeCtx())
    expect(wrongToken).toMatchObject({ retryable: false, status: 401 })
    expect(wrongToken.message).toBe(`zalo bot chat ${CHAT}: refused: Unauthorized`)
  })
})

describe('zalo: OA mode', () => {
  let fake: FakeZaloOa
  beforeAll(async () => {
    fake = await startFakeZaloOa(OA_TOKEN, [USER])
  })
  afterAll(async () => {
    await fake.close()
  })

  it('posts /v3.0/oa/message/cs with the access_token header and recipient/message body', async () => {
    const res = await zalo.create(oa(fake.url)).send(sampleMessage(), makeCtx())
    const req = fake.requests.at(-1)
    expect(req?.path).toBe('/v3.0/oa/message/cs')
    expect(req?.headers.access_token).toBe(OA_TOKEN)
    expect(JSON.parse(req?.body ?? '')).toEqual({ recipient: { user_id: USER }, message: { text: zaloText(sampleMessage()) } })
    expect(res).toEqual({ providerMessageId: 'oa-1' })
  })

  it('maps error -32 (rate limit) to retryable and -216 (bad token) to non-retryable', async () => {
    fake.next.push({ kind: 'answer', status: 200, body: JSON.stringify({ error: -32, message: 'The application has exceeded the request limit' }) })
    const limited = await sendFailure(zalo.create(oa(fake.url)), makeCtx())
    expect(limited).toMatchObject({ retryable: true, retryAfterSeconds: 60 })
    expect(limited.message).toContain('(error -32)')
    const badToken = await sendFailure(zalo.create(oa(fake.url, { token: 'expired-oa-token-123' })), makeCtx())
    expect(badToken.retryable).toBe(false)
    expect(badToken.message).toBe(`zalo oa user ${USER}: refused: Access token is invalid (error -216)`)
  })
})

describe('zalo: config', () => {
  it('says what is missing for each mode, and create() refuses it', () => {
    const noChat = ZaloChannel.parse({ type: 'zalo', token: 't' })
    const noUser = ZaloChannel.parse({ type: 'zalo', mode: 'oa', token: 't' })
    expect(zaloConfigProblem(noChat)).toBe('zalo bot mode needs chatId')
    expect(zaloConfigProblem(noUser)).toBe('zalo oa mode needs userId')
    expect(zaloConfigProblem(ZaloChannel.parse({ type: 'zalo', token: 't', chatId: 'c' }))).toBeUndefined()
    expect(() => zalo.create(noChat)).toThrow('zalo bot mode needs chatId')
  })
})
