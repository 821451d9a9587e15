import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TelegramChannel } from '../../../../protocol'
import { telegram } from '../../../../server/alerting/notifiers/telegram'
import { refusedPort } from '../../../helpers/fake-http'
import { startFakeTelegram, telegram429, type FakeTelegram } from '../../../helpers/fake-telegram'
import { makeCtx, runNotifierContract, sampleMessage, sendFailure } from './contract.case'

const TOKEN = '7012345678:AAHd1xTeStToKeN-vi3tN4m_QwErTy123'
const CHAT = -1001234567890

function channel(baseUrl: string, extra: Partial<TelegramChannel> = {}): TelegramChannel {
  return TelegramChannel.parse({ type: 'telegram', baseUrl, botToken: TOKEN, chatId: CHAT, ...extra })
}

runNotifierContract('telegram', async () => {
  const fake = await startFakeTelegram(TOKEN, [CHAT])
  const port = await refusedPort()
  return {
    notifier: telegram.create(channel(fake.url)),
    refused: telegram.create(channel(fake.url, { chatId: -100999 })),
    unreachable: telegram.create(channel(`http://127.0.0.1:${port}`)),
    secrets: [TOKEN],
    delivered: () => fake.sent.length,
    contacts: () => fake.requests.length,
    failNext: () => fake.next.push({ kind: 'answer', status: 502, body: '<html><body>502 Bad Gateway</body></html>' }),
    hangNext: () => fake.next.push({ kind: 'hang' }),
    reset: () => {
      fake.next.length = 0
    },
    close: () => fake.close(),
  }
})

describe('telegram: Bot API specifics', () => {
  let fake: FakeTelegram
  beforeAll(async () => {
    fake = await startFakeTelegram(TOKEN, [CHAT, '@xanh_bac_ninh'])
  })
  afterAll(async () => {
    await fake.close()
  })

  it('posts sendMessage with HTML, the topic and no link preview, and returns message_id', async () => {
    const n = telegram.create(channel(fake.url, { messageThreadId: 42 }))
    const res = await n.send(sampleMessage(), makeCtx())
    const req = fake.requests.at(-1)
    expect(req?.path).toBe(`/bot${TOKEN}/sendMessage`)
    const sent = fake.sent.at(-1)
    expect(sent).toMatchObject({ chat_id: CHAT, parse_mode: 'HTML', message_thread_id: 42, link_preview_options: { is_disabled: true } })
    expect(sent?.text).toBe(sampleMessage().html)
    expect(sent?.visible).toContain('mất gói 100% (ngưỡng 20%) & trễ > 500 ms')
    expect(res.providerMessageId).toMatch(/^\d+$/)
    expect(n.destination).toBe(`telegram chat ${CHAT} topic 42`)
  })

  it('omits message_thread_id without a topic and accepts an @username chat', async () => {
    await telegram.create(channel(fake.url, { chatId: '@xanh_bac_ninh' })).send(sampleMessage(), makeCtx())
    const body = JSON.parse(fake.requests.at(-1)?.body ?? '{}') as Record<string, unknown>
    expect(body).not.toHaveProperty('message_thread_id')
    expect(body.chat_id).toBe('@xanh_bac_ninh')
  })

  it('maps 429 to retryable with retry_after', async () => {
    fake.next.push(telegram429(2))
    const err = await sendFailure(telegram.create(channel(fake.url)), makeCtx())
    expect(err.retryable).toBe(true)
    expect(err.retryAfterSeconds).toBe(2)
    expect(err.status).toBe(429)
    expect(err.message).toContain('Too Many Requests: retry after 2')
    // Once only: the next attempt goes through.
    await expect(telegram.create(channel(fake.url)).send(sampleMessage(), makeCtx())).resolves.toHaveProperty('providerMessageId')
  })

  it.each([
    ['chat not found (400)', { chatId: -100555 }, 'Bad Request: chat not found', 400],
    ['a wrong token (401)', { botToken: '1:wrong-token-value' }, 'Unauthorized', 401],
  ] as const)('maps %s to non-retryable with the description', async (_name, extra, description, status) => {
    const err = await sendFailure(telegram.create(channel(fake.url, extra)), makeCtx())
    expect(err).toMatchObject({ retryable: false, status })
    expect(err.message).toContain(description)
    expect(err.message).not.toContain('wrong-token-value')
  })

  it('maps "bot was kicked" (403) to non-retryable', async () => {
    fake.kickedFrom.add(String(CHAT))
    try {
      const err = await sendFailure(telegram.create(channel(fake.url)), makeCtx())
      expect(err).toMatchObject({ retryable: false, status: 403 })
      expect(err.message).toBe(`telegram chat ${CHAT}: refused: Forbidden: bot was kicked from the group chat`)
    } finally {
      fake.kickedFrom.clear()
    }
  })

  it('a group upgraded to a supergroup: delivered to the new chat in the same attempt, and the outcome asks the config to follow', async () => {
    fake.migrated.set('-4071234567', -1009876543210)
    fake.chats.add('-1009876543210')
    const res = await telegram.create(channel(fake.url, { chatId: -4071234567 })).send(sampleMessage(), makeCtx())
    expect(fake.requests.slice(-2).map((r) => (JSON.parse(r.body) as { chat_id: number }).chat_id)).toEqual([-4071234567, -1009876543210])
    expect(fake.sent.at(-1)?.chat_id).toBe(-1009876543210)
    expect(res.channelUpdate).toMatchObject({ field: 'chatId', value: -1009876543210 })
    expect(res.providerMessageId).toBeDefined()
  })

  it('shows the URL itself when its host has no dot (Telegram would drop the link and leave "Mở trang")', async () => {
    const local = 'http://xanh-noc:8080/#/commune/26734'
    await telegram.create(channel(fake.url)).send(sampleMessage({ html: `<b>Mất kết nối</b>\n<a href="${local}">Mở trang xã</a>`, link: local }), makeCtx())
    expect(fake.sent.at(-1)?.visible).toContain(local)
    expect(fake.sent.at(-1)?.visible).not.toContain('Mở trang xã')
    // A dotted host keeps its link.
    await telegram.create(channel(fake.url)).send(sampleMessage(), makeCtx())
    expect(fake.sent.at(-1)?.links).toEqual([sampleMessage().link])
  })

  it('truncates long Vietnamese HTML to ≤ 4096 characters of valid HTML that Telegram accepts, keeping the link', async () => {
    const link = 'https://xanh.example.vn/#/commune/26734'
    const rows = Array.from({ length: 400 }, (_, i) => `<b>Xã Tân Phú ${i}</b>: <i>mất kết nối</i> &amp; trễ &gt; 500&#160;ms <code>ngưỡng 20%</code>`)
    const html = `<b>🔴 Mất kết nối 400 xã</b>\n${rows.join('\n')}\n<a href="${link}">Mở trang</a>`
    await telegram.create(channel(fake.url)).send(sampleMessage({ html, link }), makeCtx())
    const sent = fake.sent.at(-1)
    expect(sent).toBeDefined()
    expect(sent?.visible.length).toBeLessThanOrEqual(4096)
    expect(sent?.visible.length).toBeGreaterThan(3900)
    expect(sent?.visible).toContain('…')
    expect(sent?.text.endsWith(`\n<a href="${link}">${link}</a>`)).toBe(true)
  })

  it('rejects (like Telegram) HTML over the limit, which is why the notifier cuts it', async () => {
    const res = await fetch(`${fake.url}/bot${TOKEN}/sendMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ chat_id: CHAT, text: `<b>${'ư'.repeat(4097)}</b>`, parse_mode: 'HTML' }),
    })
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ ok: false, description: 'Bad Request: message is too long' })
  })
})
