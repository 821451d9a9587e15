import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SlackChannel } from '../../../../protocol'
import { slack, slackText, SLACK_MAX_TEXT } from '../../../../server/alerting/notifiers/slack'
import { listenFake, refusedPort, type FakeHttp } from '../../../helpers/fake-http'
import { makeCtx, runNotifierContract, sampleMessage, sendFailure } from './contract.case'

const HOOK_PATH = '/services/T0XANH/B0ALERTS/s3cr3tH00kT0ken9876'

/** A Slack-like incoming webhook: 200 "ok" for `{text}`, Slack's plain-text errors otherwise. */
async function startSlack(): Promise<FakeHttp & { posted: Record<string, unknown>[] }> {
  const posted: Record<string, unknown>[] = []
  const fake = await listenFake((req, res) => {
    if (req.path !== HOOK_PATH) return res.writeHead(404, { 'content-type': 'text/plain' }).end('no_service')
    let body: unknown
    try {
      body = JSON.parse(req.body)
    } catch {
      return res.writeHead(400, { 'content-type': 'text/plain' }).end('invalid_payload')
    }
    if (typeof body !== 'object' || body === null || typeof (body as { text?: unknown }).text !== 'string') {
      return res.writeHead(400, { 'content-type': 'text/plain' }).end('no_text')
    }
    posted.push(body as Record<string, unknown>)
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok')
  })
  return Object.assign(fake, { posted })
}

function channel(url: string, extra: Partial<SlackChannel> = {}): SlackChannel {
  return SlackChannel.parse({ type: 'slack', url, ...extra })
}

for (const flavor of ['slack', 'mattermost'] as const) {
  runNotifierContract(flavor, async () => {
    const fake = await startSlack()
    const port = await refusedPort()
    return {
      notifier: slack.create(channel(`${fake.url}${HOOK_PATH}`, { flavor })),
      refused: slack.create(channel(`${fake.url}/services/T0XANH/B0ALERTS/revokedT0ken`, { flavor })),
      unreachable: slack.create(channel(`http://127.0.0.1:${port}${HOOK_PATH}`, { flavor })),
      secrets: [HOOK_PATH, 's3cr3tH00kT0ken9876'],
      delivered: () => fake.posted.length,
      contacts: () => fake.requests.length,
      failNext: () => fake.next.push({ kind: 'answer', status: 500, body: 'rollup_error' }),
      hangNext: () => fake.next.push({ kind: 'hang' }),
      reset: () => {
        fake.next.length = 0
      },
      close: () => fake.close(),
    }
  })
}

describe('slack / mattermost: payload', () => {
  let fake: Awaited<ReturnType<typeof startSlack>>
  beforeAll(async () => {
    fake = await startSlack()
  })
  afterAll(async () => {
    await fake.close()
  })

  it('sends Slack mrkdwn: bold title, escaped text, <link>; no channel field', async () => {
    const m = sampleMessage({ text: 'Trễ > 500 ms & mất gói <100%> <!channel>' })
    await slack.create(channel(`${fake.url}${HOOK_PATH}`, { channel: '#ignored' })).send(m, makeCtx())
    expect(fake.posted.at(-1)).toEqual({
      text: `*${m.title}*\nTrễ &gt; 500 ms &amp; mất gói &lt;100%&gt; &lt;!channel&gt;\n<${m.link}>`,
    })
  })

  it('sends Mattermost Markdown with the channel, escaping what would format or mention', async () => {
    const m = sampleMessage({ text: 'xã_tân_phú *mất* @channel [x](y)' })
    const n = slack.create(channel(`${fake.url}${HOOK_PATH}`, { flavor: 'mattermost', channel: 'town-square' }))
    await n.send(m, makeCtx())
    expect(fake.posted.at(-1)).toEqual({
      text: `**${m.title}**\nxã\\_tân\\_phú \\*mất\\* \\@channel \\[x\\](y)\n${m.link}`,
      channel: 'town-square',
    })
    expect(n.destination).toBe(`mattermost ${new URL(fake.url).host} channel town-square`)
  })

  it('keeps the whole text within the limit with title and link', () => {
    const m = sampleMessage({ text: 'Xã Tân Phú & Xã Tân Lập <mất kết nối> '.repeat(300) })
    for (const flavor of ['slack', 'mattermost'] as const) {
      const text = slackText(m, flavor)
      expect(text.length).toBeLessThanOrEqual(SLACK_MAX_TEXT)
      expect(text).toMatch(/…\n/)
      expect(text.endsWith(flavor === 'slack' ? `<${m.link}>` : `${m.link}`)).toBe(true)
      expect(text).not.toMatch(/&[a-z]{0,3}…/)
    }
  })

  it('maps 429 to retryable with Retry-After, and other 4xx to refusals', async () => {
    fake.next.push({ kind: 'answer', status: 429, body: 'rate_limited', headers: { 'retry-after': '5' } })
    const n = slack.create(channel(`${fake.url}${HOOK_PATH}`))
    expect(await sendFailure(n, makeCtx())).toMatchObject({ retryable: true, retryAfterSeconds: 5, status: 429 })
    fake.next.push({ kind: 'answer', status: 410, body: 'channel_is_archived' })
    const err = await sendFailure(n, makeCtx())
    expect(err).toMatchObject({ retryable: false, status: 410 })
    expect(err.message).toBe(`slack ${new URL(fake.url).host}: refused: HTTP 410 channel_is_archived`)
  })
})
