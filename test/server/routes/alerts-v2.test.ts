/**
 * `POST /api/v2/alerts` through the real app (`app.request()`, no port) on a manual clock:
 * Alertmanager's handling (prometheus/alertmanager api/v2/api.go postAlertsHandler) — a batch
 * with bad alerts stores the good ones and answers 400 naming the bad ones by index, Go's zero
 * time means unset, UTF-8 label names pass — plus what Prometheus sends (long generatorURLs) and
 * what Xanh adds (commune name and cluster from the inventory).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { EXTERNAL_ALERT_LIMITS, type IncidentView } from '../../../protocol'
import { ensureFirstAdmin } from '../../../server/auth'
import { commune, makeTestServer, type TestServer } from '../../helpers/server'

const TOKEN = 'prometheus-token-0123456789'
const PASSWORD = 'a-long-admin-password'
const bearer = { authorization: `Bearer ${TOKEN}` }
const admin = { authorization: `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}` }
const GO_ZERO_TIME = '0001-01-01T00:00:00Z'

let s: TestServer

beforeEach(() => {
  s = makeTestServer({
    communes: [
      commune('KS-ML', { name: 'Xã Mường Lống', districtCluster: 'Cụm Kỳ Sơn' }),
      commune('KS-HK', { name: 'Xã Hữu Kiệm', districtCluster: 'Cụm Kỳ Sơn' }),
    ],
    env: { XANH_ALERTS_TOKEN: TOKEN },
  })
  ensureFirstAdmin(s.runtime.store, PASSWORD)
})
afterEach(() => s.close())

function post(body: unknown, headers: Record<string, string> = bearer, raw = false): Promise<Response> {
  return Promise.resolve(
    s.runtime.app.request('/api/v2/alerts', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: raw ? (body as string) : JSON.stringify(body) }),
  )
}

interface ErrorAnswer {
  error: { code: string; message: string; path?: string; issues?: Array<{ path: string; message: string }> }
}

async function incidents(state: 'open' | 'all' = 'all'): Promise<IncidentView[]> {
  const res = await s.runtime.app.request(`/api/v1/alerts?state=${state}`, { headers: s.as('viewer') })
  return ((await res.json()) as { incidents: IncidentView[] }).incidents
}

async function only(alertname: string): Promise<IncidentView> {
  const found = (await incidents()).filter((i) => i.alertname === alertname)
  expect(found).toHaveLength(1)
  return found[0] as IncidentView
}

const annotationsOf = (id: number): Record<string, string> => s.runtime.alerting.incidents.get(id)?.annotations ?? {}

const iso = (ms: number): string => new Date(ms).toISOString()

describe('POST /api/v2/alerts', () => {
  it('stores the valid alerts of a batch and answers 400 naming the invalid ones by index', async () => {
    const res = await post([
      { labels: { alertname: 'A', commune_code: 'KS-ML' } },
      { labels: {} },
      { labels: { alertname: 'B' }, startsAt: 'yesterday' },
      { labels: { alertname: 'C', '': 'no name' } },
      { labels: { alertname: 'D' }, startsAt: iso(s.clock.now), endsAt: iso(s.clock.now - 60_000) },
      { labels: { alertname: 'E', instance: '' } },
    ])
    expect(res.status).toBe(400)
    const { error } = (await res.json()) as ErrorAnswer
    expect(error.code).toBe('E_VALIDATION')
    expect(error.issues?.map((i) => i.path)).toEqual(['1.labels', '2.startsAt', '3.labels', '4.endsAt'])
    // Alertmanager's own words (alert/alert.go Validate), which its clients already log.
    expect(error.issues?.[0]?.message).toBe('at least one label pair required')
    expect(error.issues?.[3]?.message).toBe('start time must be before end time')
    const stored = await incidents()
    expect(stored.map((i) => i.alertname).sort()).toEqual(['A', 'E'])
    // Empty label values are dropped before anything else, as Alertmanager's removeEmptyLabels does.
    expect((await only('E')).labels).toEqual({ alertname: 'E' })
  })

  it('accepts an empty batch, and refuses a body that is not an array whole', async () => {
    expect(await (await post([])).json()).toEqual({ accepted: 0 })
    const notArray = await post({ labels: { alertname: 'A' } })
    expect(notArray.status).toBe(422)
    expect(((await notArray.json()) as ErrorAnswer).error.code).toBe('E_VALIDATION')
    const badJson = await post('[{"labels":', bearer, true)
    expect(badJson.status).toBe(400)
    expect(((await badJson.json()) as ErrorAnswer).error.code).toBe('E_BAD_JSON')
    expect((await post([{ labels: { alertname: 'A' } }], {})).status).toBe(401)
    expect((await post([{ labels: { alertname: 'A' } }], { authorization: 'Bearer wrong-token-0123456789' })).status).toBe(401)
    expect((await post([{ labels: { alertname: 'A' } }], admin)).status).toBe(200)
    expect(await incidents()).toHaveLength(1)
  })

  it("takes Go's zero time as unset: endsAt gets the resolve timeout, startsAt is now", async () => {
    const res = await post([{ labels: { alertname: 'Relayed', commune_code: 'KS-ML' }, startsAt: GO_ZERO_TIME, endsAt: GO_ZERO_TIME }])
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ accepted: 1 })
    const opened = await only('Relayed')
    expect(opened.state).toBe('open')
    expect(opened.openedAt).toBe(iso(s.clock.now))
    // Alertmanager's resolve_timeout (5 min) from the last time it was sent.
    s.clock.now += 5 * 60_000 - 1000
    s.runtime.tick()
    expect((await only('Relayed')).state).toBe('open')
    s.clock.now += 2000
    s.runtime.tick()
    expect((await only('Relayed')).state).toBe('resolved')
  })

  it('a re-send before the end keeps the incident open; a past endsAt resolves it', async () => {
    const alert = { labels: { alertname: 'LineDown', commune_code: 'KS-HK', severity: 'critical' }, startsAt: iso(s.clock.now - 30_000) }
    expect((await post([{ ...alert, endsAt: iso(s.clock.now + 4000) }])).status).toBe(200)
    s.clock.now += 3000
    expect((await post([{ ...alert, endsAt: iso(s.clock.now + 4000) }])).status).toBe(200)
    s.clock.now += 3000
    s.runtime.tick()
    const open = await only('LineDown')
    expect(open).toMatchObject({ state: 'open', severity: 'critical', openedAt: iso(Date.parse(alert.startsAt)) })
    // Prometheus sends a resolved alert with endsAt = the evaluation that found it gone.
    expect((await post([{ ...alert, endsAt: iso(s.clock.now - 500) }])).status).toBe(200)
    const resolved = await only('LineDown')
    expect(resolved.state).toBe('resolved')
    expect(resolved.resolvedAt).toBe(iso(s.clock.now))
  })

  it.each([5000, 20_000])('keeps a %i-character generatorURL as the generator_url annotation', async (length) => {
    const base = 'http://prometheus.so-tt.nghean.gov.vn:9090/graph?g0.expr='
    const generatorURL = base + 'x'.repeat(length - base.length)
    const res = await post([{ labels: { alertname: 'LongExpr' }, generatorURL }])
    expect(res.status).toBe(200)
    const stored = annotationsOf((await only('LongExpr')).id).generator_url
    expect(stored?.length).toBe(length)
    expect(stored).toBe(generatorURL)
  })

  it('keeps the alert but not a link that is too long or not http(s)', async () => {
    const tooLong = `http://prometheus:9090/graph?g0.expr=${'y'.repeat(EXTERNAL_ALERT_LIMITS.generatorUrlChars)}`
    const res = await post([
      { labels: { alertname: 'TooLong' }, generatorURL: tooLong },
      { labels: { alertname: 'Script' }, generatorURL: 'javascript:alert(1)' },
      { labels: { alertname: 'Relative' }, generatorURL: '/graph?g0.expr=up' },
    ])
    expect(res.status).toBe(200)
    for (const name of ['TooLong', 'Script', 'Relative']) expect(annotationsOf((await only(name)).id).generator_url).toBeUndefined()
  })

  it('accepts UTF-8 label names (Prometheus 3, Alertmanager ≥ 0.27) and refuses what is not UTF-8', async () => {
    const res = await post([
      { labels: { alertname: 'Utf8', tỉnh: 'Nghệ An', 'service.name': 'mcu' }, annotations: { 'mô tả': 'Mất kết nối' } },
      { labels: { alertname: 'Lone', 'a\ud800': 'x' } },
      { labels: { alertname: 'LoneValue', job: 'b\udc00' } },
    ])
    expect(res.status).toBe(400)
    const { error } = (await res.json()) as ErrorAnswer
    expect(error.issues?.map((i) => i.path)).toEqual(['1.labels', '2.labels.job'])
    const stored = await only('Utf8')
    expect(stored.labels).toMatchObject({ tỉnh: 'Nghệ An', 'service.name': 'mcu' })
    expect(annotationsOf(stored.id)['mô tả']).toBe('Mất kết nối')
  })

  it('allows label and annotation values of 16 KiB; refuses a longer label value and cuts a longer annotation', async () => {
    const max = EXTERNAL_ALERT_LIMITS.labelValueChars
    const res = await post([
      { labels: { alertname: 'LongValue', query: 'q'.repeat(max) }, annotations: { description: 'd'.repeat(max) } },
      { labels: { alertname: 'TooLongValue', query: 'q'.repeat(max + 1) } },
      { labels: { alertname: 'LongNote' }, annotations: { description: 'đ'.repeat(max + 100) } },
    ])
    expect(res.status).toBe(400)
    const { error } = (await res.json()) as ErrorAnswer
    expect(error.issues?.map((i) => i.path)).toEqual(['1.labels.query'])
    expect((await only('LongValue')).labels.query).toHaveLength(max)
    expect(annotationsOf((await only('LongValue')).id).description).toHaveLength(max)
    const cut = annotationsOf((await only('LongNote')).id).description ?? ''
    expect(cut).toHaveLength(EXTERNAL_ALERT_LIMITS.annotationValueChars)
    expect(cut.endsWith('…')).toBe(true)
  })

  it('fills the commune name and cluster from the inventory, by commune_code or a code in commune', async () => {
    const res = await post([
      { labels: { alertname: 'ByCode', commune_code: 'KS-ML' } },
      { labels: { alertname: 'ByCommune', commune: 'KS-HK' } },
      // A Prometheus external label `cluster` (its Kubernetes cluster) must not steal the routing key.
      { labels: { alertname: 'ClusterClash', commune_code: 'KS-ML', cluster: 'k8s-prod' } },
      { labels: { alertname: 'Unknown', commune_code: 'XX-99' } },
    ])
    expect(res.status).toBe(200)
    expect(await only('ByCode')).toMatchObject({ communeCode: 'KS-ML', communeName: 'Xã Mường Lống', cluster: 'Cụm Kỳ Sơn' })
    const byCommune = await only('ByCommune')
    expect(byCommune).toMatchObject({ communeCode: 'KS-HK', communeName: 'Xã Hữu Kiệm', cluster: 'Cụm Kỳ Sơn' })
    expect(byCommune.labels).toMatchObject({ commune_code: 'KS-HK', commune: 'Xã Hữu Kiệm' })
    const clash = await only('ClusterClash')
    expect(clash.labels).toMatchObject({ cluster: 'Cụm Kỳ Sơn', exported_cluster: 'k8s-prod' })
    expect(await only('Unknown')).toMatchObject({ communeCode: 'XX-99', communeName: null, cluster: null })
    // The same labels re-sent are the same incident: identity is what the sender sent.
    expect((await post([{ labels: { alertname: 'ByCommune', commune: 'KS-HK' } }])).status).toBe(200)
    expect(await incidents()).toHaveLength(4)
  })

  it('knows a commune created a moment ago, before the debounced inventory reload', async () => {
    const created = await s.runtime.app.request('/api/v1/communes', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...admin },
      body: JSON.stringify(commune('KS-NC', { name: 'Xã Na Ngoi', districtCluster: 'Cụm Kỳ Sơn' })),
    })
    expect(created.status).toBe(201)
    expect((await post([{ labels: { alertname: 'NewCommune', commune_code: 'KS-NC' } }])).status).toBe(200)
    expect(await only('NewCommune')).toMatchObject({ communeName: 'Xã Na Ngoi', cluster: 'Cụm Kỳ Sơn' })
  })
})
