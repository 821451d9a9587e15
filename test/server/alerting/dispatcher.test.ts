/**
 * Reminders, acknowledgement and escalation on an injected clock (no sleeps): the pipeline on its
 * own over in-memory and SQLite repositories, then the Alertmanager-compatible input, bad inputs,
 * acknowledgement and silences through the real routes and outbox.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ensureFirstAdmin } from '../../../server/auth'
import { makeAlertingHarness, REPO_KINDS, type AlertingHarness } from '../../helpers/alerting'
import { commune, makeTestServer, udpTarget, type TestServer } from '../../helpers/server'
import { startRecordServer, type RecordServer } from '../../helpers/record-server'

let s: TestServer
let tier1: RecordServer
let tier2: RecordServer
const PASSWORD = 'a-long-admin-password'
const basic = { authorization: `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}` }

async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = basic): Promise<Response> {
  return s.runtime.app.request(path, { method, headers: { 'content-type': 'application/json', ...headers }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })
}

async function advance(seconds: number, step = 5): Promise<void> {
  for (let t = 0; t < seconds; t += step) {
    s.clock.now += step * 1000
    s.runtime.tick()
    await s.runtime.alerting.outbox.deliverDue()
  }
}

/** Three failed rounds of C1's line: down. Keeps it failing while time passes. */
function failC1(rounds = 3): void {
  for (let i = 0; i < rounds; i++) {
    s.clock.now += 15_000
    s.runtime.engine.ingest([{ targetId: 'c1-line', observedAt: s.clock.now, ok: false, error: 'timeout after 5s waiting for 10.9.0.2:8620', measurements: { sent: 50, received: 0 } }])
  }
}

async function keepDown(minutes: number): Promise<void> {
  for (let m = 0; m < minutes * 4; m++) {
    failC1(1)
    s.runtime.tick()
    await s.runtime.alerting.outbox.deliverDue()
  }
}

const statuses = (r: RecordServer) => r.requests.map((q) => (q.body as { status: string }).status)

describe.each(REPO_KINDS)('dispatcher over %s repositories', (kind) => {
  let h: AlertingHarness
  beforeEach(async () => {
    tier1 = await startRecordServer()
    tier2 = await startRecordServer()
    h = makeAlertingHarness(kind, {
      communes: [commune('C1', { name: 'Mường Típ', districtCluster: 'Cụm Kỳ Sơn' }), commune('C2', { districtCluster: 'Cụm Vinh' })],
      targets: [udpTarget('c1-line', 'C1'), udpTarget('c2-line', 'C2')],
    })
    h.store.supportGroups.create({ name: 'Tổ 2', channels: [{ type: 'webhook', url: `${tier2.url}/t2` }], communes: [], clusters: ['Không có'], escalation: [] })
    h.store.supportGroups.create({ name: 'Tổ Kỳ Sơn', channels: [{ type: 'webhook', url: `${tier1.url}/t1` }], communes: [], clusters: ['Cụm Kỳ Sơn'], escalation: [{ afterMinutes: 15, group: 'Tổ 2' }] })
    h.alerting.reload()
  })
  afterEach(async () => {
    h.close()
    await tier1.close()
    await tier2.close()
  })

  async function advance(seconds: number, step = 5): Promise<void> {
    for (let t = 0; t < seconds; t += step) {
      h.clock.now += step * 1000
      h.tick()
      await h.alerting.outbox.deliverDue()
    }
  }

  /** Rounds of C1's line failing: three make it down. */
  function failC1(rounds = 3): void {
    for (let i = 0; i < rounds; i++) {
      h.clock.now += 15_000
      h.engine.ingest([{ targetId: 'c1-line', observedAt: h.clock.now, ok: false, error: 'timeout after 5s waiting for 10.9.0.2:8620', measurements: { sent: 50, received: 0 } }])
    }
  }

  async function keepDown(minutes: number): Promise<void> {
    for (let m = 0; m < minutes * 4; m++) {
      failC1(1)
      h.tick()
      await h.alerting.outbox.deliverDue()
    }
  }

  it('routes by cluster, waits group_wait, then escalates to the next group when nobody acks', async () => {
    failC1()
    await advance(25)
    expect(tier1.requests).toHaveLength(0) // group_wait 30 s not over
    await advance(10)
    expect(statuses(tier1)).toEqual(['firing'])
    expect(tier2.requests).toHaveLength(0)
    await keepDown(15)
    expect(tier2.requests).toHaveLength(1)
    const id = h.alerting.list('open', 10)[0]?.id as number
    expect(h.alerting.get(id).timeline?.map((e) => e.type)).toContain('escalated')
    await keepDown(10)
    expect(tier2.requests).toHaveLength(1) // each step once
  })

  it('without an ack, the group is reminded every repeat interval', async () => {
    failC1()
    await advance(35)
    await keepDown(4 * 60 + 6)
    expect(statuses(tier1)).toEqual(['firing', 'firing'])
  }, 60_000)

  it('a resolved notification carries the latest episode of an incident', async () => {
    failC1()
    await advance(35)
    const recover = (): void => {
      h.clock.now += 15_000
      h.engine.ingest([{ targetId: 'c1-line', observedAt: h.clock.now, ok: true, error: null, measurements: { sent: 50, received: 50, loss_ratio: 0, rtt_median_seconds: 0.01 } }])
    }
    for (let i = 0; i < 4; i++) recover()
    await advance(5 * 60)
    expect(statuses(tier1)).toEqual(['firing', 'resolved'])
    // A second episode of the same target: its resolved message must be about it, not the first.
    failC1()
    await advance(35)
    for (let i = 0; i < 4; i++) recover()
    await advance(5 * 60)
    expect(statuses(tier1)).toEqual(['firing', 'resolved', 'firing', 'resolved'])
    const episodes = h.alerting.list('all', 10)
    expect(episodes).toHaveLength(2)
    const latest = episodes.reduce((a, b) => (a.id > b.id ? a : b))
    const last = tier1.requests[3]?.body as { alerts: Array<{ startsAt: string; endsAt: string }> }
    expect(last.alerts[0]?.startsAt).toBe(latest.openedAt)
    expect(last.alerts[0]?.endsAt).toBe(latest.resolvedAt)
  }, 60_000)
})

describe('dispatcher through the routes', () => {
  beforeEach(async () => {
    tier1 = await startRecordServer()
    tier2 = await startRecordServer()
    s = makeTestServer({
      communes: [commune('C1', { name: 'Mường Típ', districtCluster: 'Cụm Kỳ Sơn' }), commune('C2', { districtCluster: 'Cụm Vinh' })],
      targets: [udpTarget('c1-line', 'C1'), udpTarget('c2-line', 'C2')],
      env: { XANH_ALERTS_TOKEN: 'prometheus-token-0123456789' },
    })
    ensureFirstAdmin(s.runtime.store, PASSWORD)
    expect((await api('POST', '/api/v1/groups', { name: 'Tổ 2', channels: [{ type: 'webhook', url: `${tier2.url}/t2` }], clusters: ['Không có'] })).status).toBe(201)
    const g1 = await api('POST', '/api/v1/groups', {
      name: 'Tổ Kỳ Sơn',
      channels: [{ type: 'webhook', url: `${tier1.url}/t1` }],
      clusters: ['Cụm Kỳ Sơn'],
      escalation: [{ afterMinutes: 15, group: 'Tổ 2' }],
    })
    expect(g1.status).toBe(201)
  })
  afterEach(async () => {
    s.close()
    await tier1.close()
    await tier2.close()
  })

  it('an ack stops reminders and escalation', async () => {
    failC1()
    await advance(35)
    expect(tier1.requests).toHaveLength(1)
    const id = s.runtime.alerting.list('open', 10)[0]?.id as number
    const noComment = await api('POST', `/api/v1/alerts/${id}/ack`, { comment: '' })
    expect(noComment.status).toBe(422)
    const acked = await api('POST', `/api/v1/alerts/${id}/ack`, { comment: 'Đã báo VNPT, đang xử lý cáp quang' })
    expect(acked.status).toBe(200)
    expect(await acked.json()).toMatchObject({ state: 'acknowledged', ackedBy: 'admin' })
    await keepDown(5 * 60) // past escalation (15 min) and repeat (4 h)
    expect(tier2.requests).toHaveLength(0)
    expect(tier1.requests).toHaveLength(1)
  }, 60_000)

  it('a Prometheus alert posted to /api/v2/alerts reaches the routed group, and resolves', async () => {
    const alert = { labels: { alertname: 'LineThroughputLow', severity: 'critical', commune_code: 'C1' }, annotations: { summary: 'Băng thông 43 Mbit/s < 80 % hợp đồng' } }
    const res = await api('POST', '/api/v2/alerts', [alert], { authorization: 'Bearer prometheus-token-0123456789' })
    expect(res.status).toBe(200)
    await advance(35)
    expect(tier1.requests).toHaveLength(1)
    const body = tier1.requests[0]?.body as { alerts: Array<{ labels: Record<string, string> }> }
    expect(body.alerts[0]?.labels).toMatchObject({ alertname: 'LineThroughputLow', cluster: 'Cụm Kỳ Sơn', commune: 'Mường Típ' })
    await api('POST', '/api/v2/alerts', [{ ...alert, endsAt: new Date(s.clock.now - 1000).toISOString() }], { authorization: 'Bearer prometheus-token-0123456789' })
    await advance(300)
    expect(statuses(tier1)).toEqual(['firing', 'resolved'])
  })

  it('bad inputs get 4xx with a code and change nothing', async () => {
    const before = JSON.stringify(s.opened.sqlite.prepare('SELECT count(*) n FROM incidents').get())
    // Alertmanager answers 400 to a batch with invalid alerts (test/server/routes/alerts-v2.test.ts: the valid ones are stored).
    const noLabels = await api('POST', '/api/v2/alerts', [{ labels: {} }, { labels: { alertname: 'B' }, startsAt: 'yesterday' }], { authorization: 'Bearer prometheus-token-0123456789' })
    expect(noLabels.status).toBe(400)
    expect(((await noLabels.json()) as { error: { code: string } }).error.code).toBe('E_VALIDATION')
    expect(JSON.stringify(s.opened.sqlite.prepare('SELECT count(*) n FROM incidents').get())).toBe(before)
    const wrongToken = await api('POST', '/api/v2/alerts', [{ labels: { alertname: 'A' } }], { authorization: 'Bearer nope' })
    expect(wrongToken.status).toBe(401)
    const unknownChannel = await api('POST', '/api/v1/groups', { name: 'X', channels: [{ type: 'pager', url: 'http://127.0.0.1:1/' }] })
    expect(unknownChannel.status).toBe(422)
    const err = ((await unknownChannel.json()) as { error: { code: string; path: string } }).error
    expect(err).toMatchObject({ code: 'E_VALIDATION', path: 'channels.0.type' })
    const badEscalation = await api('POST', '/api/v1/groups', { name: 'Y', channels: [], escalation: [{ afterMinutes: 5, group: 'nobody' }] })
    expect(badEscalation.status).toBe(422)
    const badSilence = await api('POST', '/api/v1/silences', {
      matchers: [{ name: 'commune_code', value: '(a+', isRegex: true }],
      startsAt: new Date(s.clock.now).toISOString(),
      endsAt: new Date(s.clock.now + 3_600_000).toISOString(),
      createdBy: 'admin',
      comment: 'test',
    })
    expect(badSilence.status).toBe(422)
    expect(((await badSilence.json()) as { error: { code: string } }).error.code).toBe('E_VALIDATION')
    const groups = (await (await api('GET', '/api/v1/groups')).json()) as { groups: unknown[] }
    expect(groups.groups).toHaveLength(2)
  })

  it('a silence matching the commune mutes its notifications but the incident is still recorded', async () => {
    const created = await api('POST', '/api/v1/silences', {
      matchers: [{ name: 'commune_code', value: 'C1' }],
      startsAt: new Date(s.clock.now).toISOString(),
      endsAt: new Date(s.clock.now + 3_600_000).toISOString(),
      createdBy: 'admin',
      comment: 'Thay thiết bị',
    })
    expect(created.status).toBe(201)
    s.runtime.alerting.reload()
    failC1()
    await advance(60)
    expect(tier1.requests).toHaveLength(0)
    expect(s.runtime.alerting.list('open', 10)).toHaveLength(1)
  })

  it('group secrets are never returned by the API', async () => {
    await api('POST', '/api/v1/groups', { name: 'TG', channels: [{ type: 'telegram', botToken: '123456:SECRET-TOKEN', chatId: -100123 }] })
    const text = await (await api('GET', '/api/v1/groups')).text()
    expect(text).not.toContain('SECRET-TOKEN')
  })
})
