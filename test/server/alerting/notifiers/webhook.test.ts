import { createHmac, timingSafeEqual } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebhookChannel } from '../../../../protocol'
import { buildWebhookBody, webhook } from '../../../../server/alerting/notifiers/webhook'
import { json, listenFake, refusedPort, type FakeHttp, type FakeRequest } from '../../../helpers/fake-http'
import { NOW_MS, makeCtx, runNotifierContract, sampleMessage, sendFailure } from './contract.case'

// Standard Webhooks: "whsec_" + base64 of the key bytes.
const KEY = Buffer.from('xanh-standard-webhooks-test-key-32b!')
const SECRET = `whsec_${KEY.toString('base64')}`
const TOLERANCE_SECONDS = 5 * 60

/**
 * A receiver verifying as the Standard Webhooks spec says (written here, independently of the
 * notifier): the signed content is `${id}.${timestamp}.${body}`, the key the base64-decoded
 * secret after "whsec_", the header a space-separated list of `v1,<base64>`, compared in
 * constant time, and a timestamp within ±5 minutes.
 */
function verifyStandardWebhook(req: FakeRequest, secret: string, nowSeconds: number): string | undefined {
  const id = req.headers['webhook-id']
  const ts = req.headers['webhook-timestamp']
  const sig = req.headers['webhook-signature']
  if (typeof id !== 'string' || typeof ts !== 'string' || typeof sig !== 'string') return 'missing headers'
  if (!/^\d+$/.test(ts) || Math.abs(nowSeconds - Number(ts)) > TOLERANCE_SECONDS) return 'timestamp outside tolerance'
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64')
  const expected = createHmac('sha256', key).update(`${id}.${ts}.${req.body}`, 'utf8').digest()
  for (const part of sig.split(' ')) {
    const [version, value] = part.split(',', 2)
    if (version !== 'v1' || value === undefined) continue
    const got = Buffer.from(value, 'base64')
    if (got.length === expected.length && timingSafeEqual(got, expected)) return undefined
  }
  return 'no matching signature'
}

/** A receiver that accepts only correctly signed Alertmanager v4 bodies. */
async function startReceiver(): Promise<FakeHttp & { accepted: FakeRequest[] }> {
  const accepted: FakeRequest[] = []
  const fake = await listenFake((req, res) => {
    if (req.path !== '/hooks/xanh') return json(res, 404, { error: 'no such hook' })
    const problem = verifyStandardWebhook(req, SECRET, Math.floor(NOW_MS / 1000))
    if (problem !== undefined) return json(res, 401, { error: problem })
    accepted.push(req)
    res.writeHead(204).end()
  })
  return Object.assign(fake, { accepted })
}

/** `secret: null` for an unsigned webhook. */
function channel(url: string, secret: string | null = SECRET): WebhookChannel {
  return WebhookChannel.parse({ type: 'webhook', url, ...(secret !== null ? { secret } : {}) })
}

runNotifierContract('webhook', async () => {
  const fake = await startReceiver()
  const port = await refusedPort()
  return {
    notifier: webhook.create(channel(`${fake.url}/hooks/xanh`)),
    refused: webhook.create(channel(`${fake.url}/hooks/xanh`, `whsec_${Buffer.from('a-different-key-entirely').toString('base64')}`)),
    unreachable: webhook.create(channel(`http://127.0.0.1:${port}/hooks/xanh`)),
    secrets: [SECRET, KEY.toString('base64')],
    delivered: () => fake.accepted.length,
    contacts: () => fake.requests.length,
    failNext: () => fake.next.push({ kind: 'answer', status: 500, body: '{"error":"db down"}' }),
    hangNext: () => fake.next.push({ kind: 'hang' }),
    reset: () => {
      fake.next.length = 0
    },
    close: () => fake.close(),
  }
})

describe('webhook: Alertmanager v4 body and Standard Webhooks signature', () => {
  let fake: Awaited<ReturnType<typeof startReceiver>>
  beforeAll(async () => {
    fake = await startReceiver()
  })
  afterAll(async () => {
    await fake.close()
  })

  it('sends a signed v4 body the receiver verifies on its own', async () => {
    const m = sampleMessage()
    await webhook.create(channel(`${fake.url}/hooks/xanh`)).send(m, makeCtx())
    const req = fake.accepted.at(-1)
    expect(req?.headers['content-type']).toBe('application/json')
    // The id is ASCII whatever the names in the key (here "Tổ hỗ trợ Kỳ Sơn", "Cụm Kỳ Sơn")…
    expect(m.idempotencyKey).toMatch(/Kỳ Sơn/)
    expect(req?.headers['webhook-id']).toMatch(/^msg_[A-Za-z0-9_-]{32}$/)
    expect(req?.headers['webhook-timestamp']).toBe(String(Math.floor(NOW_MS / 1000)))
    expect(req?.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/)
    expect(JSON.parse(req?.body ?? '')).toEqual({
      version: '4',
      groupKey: m.groupKey,
      truncatedAlerts: 0,
      status: 'firing',
      receiver: m.receiver,
      groupLabels: m.groupLabels,
      commonLabels: m.commonLabels,
      // Alertmanager's rule: the annotations every alert shares (here the one alert's).
      commonAnnotations: m.alerts[0]?.annotations,
      externalURL: 'https://xanh.example.vn',
      alerts: m.alerts,
    })
  })

  it('keeps the webhook-id of a retried message and gives another message another id', async () => {
    const n = webhook.create(channel(`${fake.url}/hooks/xanh`))
    const m = sampleMessage()
    await n.send(m, makeCtx())
    await n.send(m, makeCtx({ now: NOW_MS + 60_000 }))
    await n.send(sampleMessage({ idempotencyKey: `${m.idempotencyKey.slice(0, -1)}1` }), makeCtx())
    const ids = fake.accepted.slice(-3).map((r) => r.headers['webhook-id'])
    expect(ids[0]).toBe(ids[1])
    expect(ids[2]).not.toBe(ids[0])
  })

  it('sends the credentials of a URL (fetch refuses them there) as HTTP Basic, UTF-8', async () => {
    const plain = await listenFake((_req, res) => res.writeHead(204).end())
    try {
      const port = new URL(plain.url).port
      await webhook.create(channel(`http://t%E1%BB%95-ky-son:m%E1%BA%ADt-kh%E1%BA%A9u@127.0.0.1:${port}/x`, null)).send(sampleMessage(), makeCtx())
      const auth = plain.requests.at(-1)?.headers.authorization
      expect(typeof auth === 'string' ? Buffer.from(auth.replace(/^Basic /, ''), 'base64').toString('utf8') : auth).toBe('tổ-ky-son:mật-khẩu')
    } finally {
      await plain.close()
    }
  })

  it('computes commonAnnotations as Alertmanager does: the pairs every alert shares', () => {
    const a = sampleMessage().alerts[0] as (typeof sampleMessage extends () => { alerts: Array<infer A> } ? A : never)
    const m = sampleMessage({
      alerts: [
        { ...a, annotations: { summary: 'Mất kết nối', runbook: 'https://wiki.example.vn/xanh/mat-ket-noi', cluster_note: 'Cụm Kỳ Sơn' } },
        { ...a, fingerprint: 'f2', annotations: { summary: 'Suy giảm', runbook: 'https://wiki.example.vn/xanh/mat-ket-noi', cluster_note: 'Cụm Kỳ Sơn' } },
      ],
    })
    expect(buildWebhookBody(m).commonAnnotations).toEqual({ runbook: 'https://wiki.example.vn/xanh/mat-ket-noi', cluster_note: 'Cụm Kỳ Sơn' })
  })

  it('410 Gone: not retried, and the channel is to be disabled (Standard Webhooks)', async () => {
    fake.next.push({ kind: 'answer', status: 410, body: '{"error":"hook removed"}' })
    const err = await sendFailure(webhook.create(channel(`${fake.url}/hooks/xanh`)), makeCtx())
    expect(err).toMatchObject({ retryable: false, disable: true, code: 'gone', action: 'admin', status: 410 })
  })

  it('the test receiver itself refuses an altered body and a stale timestamp', () => {
    const good = { method: 'POST', path: '/hooks/xanh', body: '{"a":1}', headers: {} as FakeRequest['headers'] }
    // A second, unknown signature first: receivers must accept any one that matches (key rotation).
    const ts = Math.floor(NOW_MS / 1000)
    const id = 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W'
    const sig = `v1,${createHmac('sha256', KEY).update(`${id}.${ts}.${good.body}`).digest('base64')}`
    good.headers = { 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': `v1,bm9wZQ== ${sig}` }
    expect(verifyStandardWebhook(good, SECRET, ts)).toBeUndefined()
    expect(verifyStandardWebhook({ ...good, body: '{"a":2}' }, SECRET, ts)).toBe('no matching signature')
    expect(verifyStandardWebhook(good, SECRET, ts + 301)).toBe('timestamp outside tolerance')
  })

  it('sends no signature headers without a secret, and a resolved group as resolved', async () => {
    const plain = await listenFake((_req, res) => res.writeHead(200).end('ok'))
    try {
      const m = sampleMessage({ status: 'resolved', link: undefined, alerts: sampleMessage().alerts.map((a) => ({ ...a, status: 'resolved' as const, endsAt: '2026-11-24T03:10:00Z' })) })
      await webhook.create(channel(`${plain.url}/x`, null)).send(m, makeCtx())
      const req = plain.requests.at(-1)
      expect(req?.headers).not.toHaveProperty('webhook-signature')
      expect(req?.headers).not.toHaveProperty('webhook-id')
      const body = JSON.parse(req?.body ?? '') as { status: string; externalURL: string; alerts: { endsAt: string }[] }
      expect(body.status).toBe('resolved')
      expect(body.externalURL).toBe('')
      expect(body.alerts[0]?.endsAt).toBe('2026-11-24T03:10:00Z')
    } finally {
      await plain.close()
    }
  })

  it.each([
    [429, { 'retry-after': '30' }, true, 30],
    [503, { 'retry-after': 'Tue, 24 Nov 2026 03:02:00 GMT' }, true, 120],
    [408, {}, true, undefined],
    [400, { 'retry-after': '30' }, false, undefined],
    [410, {}, false, undefined],
  ] as const)('maps HTTP %i to retryable=%s (Retry-After honoured)', async (status, headers, retryable, retryAfter) => {
    fake.next.push({ kind: 'answer', status, body: '{"error":"nope"}', headers })
    const err = await sendFailure(webhook.create(channel(`${fake.url}/hooks/xanh`)), makeCtx())
    expect(err).toMatchObject({ retryable, status, retryAfterSeconds: retryAfter })
    expect(err.message).toBe(`webhook ${fake.url}: ${retryable ? 'failed' : 'refused'}: HTTP ${status} {"error":"nope"}`)
  })

  it('does not follow a redirect (a POST would become a GET) and does not retry it', async () => {
    fake.next.push({ kind: 'answer', status: 301, body: '', headers: { location: 'http://elsewhere.invalid/' } })
    const err = await sendFailure(webhook.create(channel(`${fake.url}/hooks/xanh`)), makeCtx())
    expect(err).toMatchObject({ retryable: false, status: 301 })
  })

  it('shows only the origin as destination, never the path', () => {
    expect(webhook.create(channel('https://hooks.example.vn/t/s3cr3t-path-token')).destination).toBe('webhook https://hooks.example.vn')
  })
})
