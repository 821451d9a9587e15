/**
 * Alerts that arrive, or say why not (issue 11): a support group "Tổ hỗ trợ Kỳ Sơn" covering
 * "Cụm Kỳ Sơn" with one channel of each troublesome kind, a commune line that goes down, and
 * the whole runtime (engine → incidents → dispatcher → outbox → notifiers → local stand-ins of
 * the services) on an injected clock:
 * - a Telegram group upgraded to a supergroup gets the alert at its new id; the channel's chat id
 *   follows (persisted, audited);
 * - a Zalo OA GMF group with an expired access token: refreshed, delivered, pair persisted;
 * - a Zalo OA follower channel out of quota: needs an admin, in the health and /metrics;
 * - a webhook answering 410: disabled, nothing more attempted until re-enabled;
 * - a webhook answering 503: retried, and past `overdueSeconds` surfaced in the incident
 *   timeline, the health and /metrics.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { GroupTestAnswer } from '../../../protocol'
import { listenFake, json, type FakeHttp } from '../../helpers/fake-http'
import { startFakeTelegram, telegram429, type FakeTelegram } from '../../helpers/fake-telegram'
import { startFakeZaloOa, type FakeZaloOa } from '../../helpers/fake-zalo'
import { commune, makeTestServer, udpTarget, type TestServer } from '../../helpers/server'

const TG_TOKEN = '7012345678:AAH-telegram-test-token-xyz'
const OLD_CHAT = -4071234567
const NEW_CHAT = -1009876543210
const APP_ID = '4318390000000000001'
const SECRET_KEY = 'oa-secret-key-0123456789'
const GROUP = 'f414c8f76fa586fbdfb4'
const ADMIN = { authorization: `Basic ${Buffer.from('admin:mat-khau-quan-tri-vien').toString('base64')}` }

let s: TestServer
let tg: FakeTelegram
let oa: FakeZaloOa
/** A second OA (another province office's) reached with a static token; it is out of quota. */
let oa2: FakeZaloOa
let gone: FakeHttp
let broken: FakeHttp
let groupId = 0

beforeEach(async () => {
  tg = await startFakeTelegram(TG_TOKEN, [NEW_CHAT])
  tg.migrated.set(String(OLD_CHAT), NEW_CHAT)
  oa = await startFakeZaloOa({ appId: APP_ID, secretKey: SECRET_KEY, accessToken: 'at-config', refreshToken: 'rt-config', users: ['8412345678901234567'], groups: { [GROUP]: true } })
  oa.expireAccessToken()
  oa2 = await startFakeZaloOa({ accessToken: 'at-static-oa2', users: ['8412345678901234567'] })
  oa2.quota = 0
  gone = await listenFake((_req, res) => json(res, 410, { error: 'this hook was removed' }))
  broken = await listenFake((_req, res) => json(res, 503, { error: 'maintenance' }))
  s = makeTestServer({
    communes: [commune('KS-ML', { name: 'Xã Mường Lống', districtCluster: 'Cụm Kỳ Sơn' })],
    targets: [udpTarget('ml-line', 'KS-ML', 'line', { name: 'Đường truyền Mường Lống' })],
    configYaml: 'alerting:\n  groupWaitSeconds: 0\n  overdueSeconds: 600\n  backoffBaseSeconds: 30\n',
  })
  const { hashPassword } = await import('../../../server/auth')
  s.runtime.store.users.create({ username: 'admin', displayName: '', passwordHash: hashPassword('mat-khau-quan-tri-vien'), role: 'admin' }, s.clock.now)
  groupId = s.runtime.store.supportGroups.create({
    name: 'Tổ hỗ trợ Kỳ Sơn',
    channels: [
      { type: 'telegram', baseUrl: tg.url, botToken: TG_TOKEN, chatId: OLD_CHAT },
      { type: 'zalo', mode: 'oa', baseUrl: oa.url, oauthBaseUrl: oa.url, token: 'at-config', groupId: GROUP, appId: APP_ID, secretKey: SECRET_KEY, refreshToken: 'rt-config' },
      { type: 'zalo', mode: 'oa', baseUrl: oa2.url, token: 'at-static-oa2', userId: '8412345678901234567' },
      { type: 'webhook', url: `${gone.url}/hook` },
      { type: 'webhook', url: `${broken.url}/hook` },
    ],
    communes: [],
    clusters: ['Cụm Kỳ Sơn'],
    escalation: [],
  }).id
  s.runtime.reloadInventory()
})

afterEach(async () => {
  s.close()
  await Promise.all([tg.close(), oa.close(), oa2.close(), gone.close(), broken.close()])
})

/** Rounds of the line every 15 s, ticking and delivering after each. */
async function rounds(n: number, ok: boolean): Promise<void> {
  for (let i = 0; i < n; i++) {
    s.clock.now += 15_000
    s.runtime.engine.ingest([{ targetId: 'ml-line', observedAt: s.clock.now, ok, error: ok ? null : 'timeout after 5s waiting for 10.0.0.2:8620', measurements: ok ? { rtt_median_seconds: 0.01, sent: 50, received: 50 } : { sent: 50, received: 0 } }])
    s.runtime.tick()
    await s.runtime.alerting.outbox.deliverDue()
  }
}

const health = () => s.runtime.alerting.channelHealth(groupId)
async function metrics(): Promise<string> {
  s.clock.now += 60_000 // past the metrics cache
  return (await s.runtime.app.request('/metrics')).text()
}

describe('channel health through the whole runtime', () => {
  it('each channel delivers, follows its provider, or says what it needs — everywhere a person or a tool looks', async () => {
    await rounds(2, true)
    await rounds(3, false)
    const incident = s.runtime.alerting.list('open', 10).find((i) => i.targetId === 'ml-line')
    expect(incident).toMatchObject({ communeName: 'Xã Mường Lống', cluster: 'Cụm Kỳ Sơn' })

    // Telegram: the supergroup got it; the config now holds the new chat id, audited as Xanh's doing.
    expect(tg.sent.map((m) => m.chat_id)).toEqual([NEW_CHAT])
    expect(tg.sent[0]?.visible).toContain('Xã Mường Lống')
    const channels = s.runtime.store.supportGroups.list()[0]?.channels as Array<Record<string, unknown>>
    expect(channels[0]?.chatId).toBe(NEW_CHAT)
    const audit = s.runtime.store.sqlite.prepare("SELECT actor, action, detail FROM audit_log WHERE action = 'channel-update'").all() as Array<{ actor: string; detail: string }>
    expect(audit).toHaveLength(1)
    expect(JSON.parse(audit[0]?.detail ?? '{}')).toMatchObject({ before: OLD_CHAT, after: NEW_CHAT })

    // Zalo OA GMF: refreshed (once), delivered with the new token, the new pair persisted.
    expect(oa.refreshes).toEqual(['rt-config'])
    expect(oa.sent.filter((m) => m.to === `group:${GROUP}`)).toHaveLength(1)
    expect(s.runtime.store.channels.credentials(groupId, 1)).toMatchObject({ accessToken: oa.accessToken, refreshToken: oa.refreshToken })

    const h = health()
    expect(h.map((x) => x.status)).toEqual(['ok', 'ok', 'needs_admin', 'disabled', 'failing'])
    expect(h[2]).toMatchObject({ lastErrorCode: 'zalo_quota', lastErrorAction: 'admin', consecutiveFailures: 1 })
    expect(h[3]).toMatchObject({ lastErrorCode: 'gone' })
    expect(h[3]?.disabledReason).toMatch(/HTTP 410/)
    expect(h[4]).toMatchObject({ lastErrorCode: 'server_error', lastErrorAction: 'retry', pending: 1, overdue: false })
    expect(h[4]?.nextRetryAt).not.toBeNull()

    // The API shows the same (secrets hidden), and /metrics with bounded labels.
    const groups = (await (await s.runtime.app.request('/api/v1/groups', { headers: ADMIN })).json()) as { groups: Array<{ channels: Array<Record<string, unknown>>; health: Array<{ status: string }> }> }
    expect(groups.groups[0]?.health.map((x) => x.status)).toEqual(['ok', 'ok', 'needs_admin', 'disabled', 'failing'])
    expect(JSON.stringify(groups.groups[0]?.channels)).not.toMatch(/rt-config|oa-secret-key|AAH-telegram/)
    let text = await metrics()
    expect(text).toContain(`xanh_alert_channel_info{channel_id="${groupId}-0",channel_type="telegram",group="Tổ hỗ trợ Kỳ Sơn"} 1`)
    expect(text).toContain(`xanh_alert_channel_disabled{channel_id="${groupId}-3",channel_type="webhook"} 1`)
    expect(text).toContain(`xanh_alert_channel_healthy{channel_id="${groupId}-2",channel_type="zalo"} 0`)
    expect(text).toContain(`xanh_alert_channel_healthy{channel_id="${groupId}-1",channel_type="zalo"} 1`)

    // The disabled webhook is not contacted again; the failing one keeps being retried, and
    // after overdueSeconds its message is surfaced in the incident's timeline.
    const goneContacts = gone.requests.length
    for (let i = 0; i < 12; i++) {
      s.clock.now += 60_000
      s.runtime.tick()
      await s.runtime.alerting.outbox.deliverDue()
    }
    expect(gone.requests.length).toBe(goneContacts)
    expect(broken.requests.length).toBeGreaterThan(1)
    expect(health()[4]).toMatchObject({ status: 'failing', overdue: true })
    const timeline = s.runtime.alerting.get(incident?.id as number).timeline ?? []
    const overdue = timeline.filter((e) => e.type === 'notify_overdue')
    expect(overdue).toHaveLength(1)
    expect(overdue[0]?.detail).toMatch(/^Tổ hỗ trợ Kỳ Sơn#4: 1\d min — webhook http:\/\/127\.0\.0\.1:\d+: failed: HTTP 503/)
    text = await metrics()
    const age = Number(new RegExp(`xanh_alert_channel_oldest_pending_age_seconds\\{channel_id="${groupId}-4",channel_type="webhook"\\} (\\d+)`).exec(text)?.[1])
    expect(age).toBeGreaterThan(600)

    // Re-enabled by an admin (audited): the webhook is tried again with the next message.
    const res = await s.runtime.app.request(`/api/v1/groups/${groupId}/channels/3/enable`, { method: 'POST', headers: ADMIN })
    expect(res.status).toBe(200)
    expect(health()[3]?.status).not.toBe('disabled')
  })

  it('a test send shows each service\'s real answer within the send deadline', async () => {
    const started = Date.now()
    const res = await s.runtime.app.request(`/api/v1/groups/${groupId}/test`, { method: 'POST', headers: ADMIN })
    expect(res.status).toBe(200)
    const { results } = GroupTestAnswer.parse(await res.json())
    expect(Date.now() - started).toBeLessThan(s.config.alerting.sendTimeoutSeconds * 1000)
    expect(results.map((r) => [r.type, r.ok, r.errorCode])).toEqual([
      ['telegram', true, null],
      ['zalo', true, null],
      ['zalo', false, 'zalo_quota'],
      ['webhook', false, 'gone'],
      ['webhook', false, 'server_error'],
    ])
    expect(results[0]?.providerMessageId).toMatch(/^\d+$/)
    expect(results[2]?.error).toBe('zalo oa user 8412345678901234567: refused: Out of quota (error -211)')
    // It counts in the health too.
    expect(health()[2]).toMatchObject({ status: 'needs_admin', lastErrorCode: 'zalo_quota' })
  })

  it("Telegram's 429 retry_after is honoured: nothing sent to it before, delivered after", async () => {
    await rounds(2, true)
    tg.next.push(telegram429(37))
    await rounds(3, false)
    const limitedAt = s.clock.now
    expect(tg.requests).toHaveLength(1)
    expect(health()[0]).toMatchObject({ status: 'failing', lastErrorCode: 'rate_limited' })
    while (s.clock.now < limitedAt + 35_000) {
      s.clock.now += 5_000
      s.runtime.tick()
      await s.runtime.alerting.outbox.deliverDue()
      expect(tg.requests).toHaveLength(1)
    }
    s.clock.now = limitedAt + 38_000
    s.runtime.tick()
    await s.runtime.alerting.outbox.deliverDue()
    // The retried message hits the old chat id, follows the migration, and lands.
    expect(tg.sent.map((m) => m.chat_id)).toEqual([NEW_CHAT])
    expect(health()[0]?.status).toBe('ok')
  })
})
