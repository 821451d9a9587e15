/**
 * Probe tokens are scoped (issue 12, parts 3 and 4): a probe ingests only for its own targets,
 * reads only its own config and run-now requests, uses the speedtest only with a throughput
 * target; a rotated token keeps working for the grace, a revoked one stops at once; results
 * dated in the future are refused, the probe's clock offset is shown, and late (replayed)
 * results are history that never moves a target's state back.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ErrorBody, type CheckResult, type ResultBatch, type TargetStatus } from '../../../protocol'
import { createIngestClient } from '../../../probes/ship/client'
import { createMemorySpool } from '../../../probes/ship/memory-spool'
import { createShipper } from '../../../probes/ship/shipper'
import { ensureFirstAdmin } from '../../../server/auth'
import { silentLog } from '../../helpers/probe-fixtures'
import { giveThroughputTarget } from '../../helpers/probe-targets'
import { commune, makeTestServer, result, udpTarget, type TestServer } from '../../helpers/server'

const PASSWORD = 'a-long-admin-password'
/** Admin over HTTP Basic: enough for every read and write these tests make. */
const admin = { authorization: `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}` }
const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` })

let s: TestServer
/** A second remote probe, owner of `c2-line`. */
let b: { id: string; token: string }

beforeEach(() => {
  s = makeTestServer({ communes: [commune('C1'), commune('C2')], targets: [udpTarget('c1-line', 'C1')] })
  ensureFirstAdmin(s.runtime.store, PASSWORD)
  const created = s.runtime.store.createProbe('probe-b', 'UBND xã C2')
  b = { id: created.probe.id, token: created.token }
  s.runtime.store.upsertTarget({ ...udpTarget('c2-line', 'C2'), probeId: b.id })
  s.runtime.reloadInventory()
})
afterEach(() => s.close())

const batchOf = (probeId: string, results: CheckResult[], sentAtMs = s.clock.now): ResultBatch => ({ protocolVersion: 1, probeId, sentAt: new Date(sentAtMs).toISOString(), results })

const ingest = (token: string, batch: ResultBatch): Promise<Response> =>
  Promise.resolve(s.runtime.app.request('/api/v1/ingest', { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(token) }, body: JSON.stringify(batch) }))

const get = (path: string, headers: Record<string, string> = admin): Promise<Response> => Promise.resolve(s.runtime.app.request(path, { headers }))

async function errorOf(res: Response): Promise<ErrorBody['error']> {
  return ErrorBody.parse(await res.json()).error
}

async function statusOf(targetId: string): Promise<TargetStatus> {
  const res = await get(`/api/v1/targets/${targetId}/status`)
  expect(res.status).toBe(200)
  return (await res.json()) as TargetStatus
}

/** The raw series of the last 15 minutes, one point per minute. */
async function seriesOf(targetId: string, metric = 'rtt_median_seconds'): Promise<Array<[number, number | null]>> {
  const q = new URLSearchParams({ metric, from: new Date(s.clock.now - 15 * 60_000).toISOString(), to: new Date(s.clock.now + 60_000).toISOString(), step: '60' })
  const res = await get(`/api/v1/targets/${targetId}/series?${q}`)
  expect(res.status).toBe(200)
  return ((await res.json()) as { points: Array<[number, number | null]> }).points
}

async function metricsText(): Promise<string> {
  // The probes' facts reach /metrics through the runtime's probe cache, refreshed on a tick.
  s.clock.now += 6000
  s.runtime.tick()
  return (await s.runtime.app.request('/metrics')).text()
}

/** What ingest is asked to prove did not change: the target's view, its series and the stored rows. */
async function snapshot(targetId: string): Promise<unknown> {
  const st = await statusOf(targetId)
  return { state: st.state, lastResultAt: st.lastResultAt, consecutiveFailures: st.consecutiveFailures, series: await seriesOf(targetId), rows: s.runtime.store.countResults() }
}

describe('ingest is scoped to the probe of the token', () => {
  it('a result sent with another probe’s token is refused whole (403 E_PROBE_SCOPE naming the target); its state, lastResultAt and series do not change', async () => {
    expect((await ingest(b.token, batchOf(b.id, [result('c2-line', s.clock.now - 1000)]))).status).toBe(202)
    expect((await ingest(s.token, batchOf(s.probeId, [result('c1-line', s.clock.now - 1000)]))).status).toBe(202)
    const before = await snapshot('c2-line')
    const ownBefore = await snapshot('c1-line')
    expect(before).toMatchObject({ state: 'ok', rows: 2 })

    // Probe A's token (leaked, or misused) reports c2-line down, next to a result of its own.
    const foreign = [0, 1, 2].map((i) => result('c2-line', s.clock.now + i, { ok: false, error: 'timeout', m: { sent: 50, received: 0, loss_ratio: 1, rtt_median_seconds: 9 } }))
    const res = await ingest(s.token, batchOf(s.probeId, [result('c1-line', s.clock.now), ...foreign]))
    expect(res.status).toBe(403)
    const err = await errorOf(res)
    expect(err.code).toBe('E_PROBE_SCOPE')
    expect(err.message).toContain('c2-line')
    // One issue per foreign target, at its first result.
    expect(err.issues).toEqual([{ path: 'results.1.targetId', message: 'target c2-line is not assigned to this probe' }])

    s.runtime.tick()
    expect(await snapshot('c2-line')).toEqual(before)
    // A rejected batch stores nothing: not even the probe's own result in it.
    expect(await snapshot('c1-line')).toEqual(ownBefore)

    const text = await metricsText()
    expect(text).toContain('xanh_ingest_rejected_results_total{reason="scope"} 4')
    expect(text).toContain('xanh_ingest_rejected_results_total{reason="clock_skew"} 0')
    expect(text).toContain('xanh_ingest_results_total{result="rejected"} 4')
    expect(text).toContain('xanh_ingest_batches_total{result="rejected"} 1')
  })

  it('a result for no target at all is out of scope too', async () => {
    const res = await ingest(s.token, batchOf(s.probeId, [result('c1-line', s.clock.now), result('nowhere', s.clock.now)]))
    expect(res.status).toBe(403)
    expect((await errorOf(res)).issues).toEqual([{ path: 'results.1.targetId', message: 'no target nowhere' }])
    expect(s.runtime.store.countResults()).toBe(0)
  })

  it('a target assigned to no probe belongs to the embedded probe: only its token may report it', async () => {
    s.runtime.store.upsertTarget({ ...udpTarget('c2-sip', 'C2', 'mcu'), probeId: null })
    s.runtime.reloadInventory()
    const embedded = s.runtime.store.createProbe('embedded', 'server (embedded)', true)
    expect((await ingest(s.token, batchOf(s.probeId, [result('c2-sip', s.clock.now)]))).status).toBe(403)
    expect((await ingest(b.token, batchOf(b.id, [result('c2-sip', s.clock.now)]))).status).toBe(403)
    expect((await ingest(embedded.token, batchOf(embedded.probe.id, [result('c2-sip', s.clock.now)]))).status).toBe(202)
    // …and a disabled target still belongs to its probe: late results for it are history.
    s.runtime.store.upsertTarget({ ...udpTarget('c1-line', 'C1'), probeId: s.probeId, enabled: false })
    expect((await ingest(s.token, batchOf(s.probeId, [result('c1-line', s.clock.now)]))).status).toBe(202)
  })

  it('a probe reads only its own config', async () => {
    const mine = (await (await get('/api/v1/probe/config', bearer(s.token))).json()) as { probeId: string; targets: Array<{ id: string }> }
    const theirs = (await (await get('/api/v1/probe/config', bearer(b.token))).json()) as { probeId: string; targets: Array<{ id: string }> }
    expect(mine).toMatchObject({ probeId: s.probeId, targets: [{ id: 'c1-line' }] })
    expect(theirs).toMatchObject({ probeId: b.id, targets: [{ id: 'c2-line' }] })
  })

  it('a probe takes only its own run-now requests', async () => {
    const started = await s.runtime.app.request('/api/v1/communes/C2/test-runs', { method: 'POST', headers: admin })
    expect(started.status).toBe(201)
    const poll = async (token: string): Promise<unknown> => (await (await get('/api/v1/probe/run-now?waitSeconds=0', bearer(token))).json()) as unknown
    expect(await poll(s.token)).toEqual({ requests: [] })
    expect(await poll(b.token)).toMatchObject({ requests: [{ targetId: 'c2-line' }] })
  })

  it('the speedtest serves only a probe that runs a throughput target (else 403 E_PROBE_SCOPE)', async () => {
    const download = (): Promise<Response> => get('/api/v1/speedtest/download?bytes=1000', bearer(s.token))
    const upload = (): Promise<Response> =>
      Promise.resolve(s.runtime.app.request('/api/v1/speedtest/upload', { method: 'POST', headers: { ...bearer(s.token), 'content-type': 'application/octet-stream' }, body: new Uint8Array(1000) }))
    for (const res of [await download(), await upload()]) {
      expect(res.status).toBe(403)
      expect((await errorOf(res)).code).toBe('E_PROBE_SCOPE')
    }
    const target = giveThroughputTarget(s.runtime.store, s.probeId, 'TP')
    const ok = await download()
    expect(ok.status).toBe(200)
    expect((await ok.arrayBuffer()).byteLength).toBe(1000)
    expect((await upload()).status).toBe(200)
    // A disabled throughput target is not run, so it does not count.
    s.runtime.store.upsertTarget({ id: target, communeCode: 'TP', kind: 'throughput', host: '127.0.0.1', role: 'line', parents: [], options: {}, probeId: s.probeId, enabled: false })
    expect((await download()).status).toBe(403)
  })

  it('a target moved to another probe while its results waited in the agent’s spool: the agent leaves them out and delivers the rest', async () => {
    const spool = createMemorySpool({ maxBytes: 1e6, maxBatches: 100 })
    const waiting = [result('c1-line', s.clock.now - 3000), result('c1-moved', s.clock.now - 2000), result('c1-line', s.clock.now - 1000)]
    s.runtime.store.upsertTarget({ ...udpTarget('c1-moved', 'C1', 'mcu'), probeId: b.id })
    await spool.append(batchOf(s.probeId, waiting))
    const shipper = createShipper({
      // The real app, without a socket: the client's fetch is app.request.
      client: createIngestClient({ serverUrl: 'http://xanh.test', token: s.token, timeoutMs: 5000, fetch: (url, init) => Promise.resolve(s.runtime.app.request(String(url), init)) }),
      spool,
      log: silentLog(),
      probeId: () => s.probeId,
      agentStatus: () => ({ version: 'test', overruns: 0, unavailable: [] }),
      batchMaxResults: 1000,
      batchMaxWaitMs: 10,
      heartbeatSeconds: 0,
      backoffBaseMs: 10,
      backoffMaxMs: 50,
      maxRetryAfterMs: 1000,
    })
    shipper.start()
    await shipper.whenIdle()
    await shipper.stop()
    // Results are stored by (target, observed time), not by the probe's id.
    const stored = s.runtime.store.recentResults(0).map((r) => [r.targetId, new Date(r.observedAt).toISOString()])
    expect(stored).toEqual([waiting[0], waiting[2]].map((r) => [r?.targetId, new Date(Date.parse(r?.observedAt ?? '')).toISOString()]))
    expect(shipper.stats()).toMatchObject({ deliveredResults: 2, deadLetteredBatches: 1 })
    expect(await spool.size()).toMatchObject({ batches: 0 })
  })
})

describe('rotation grace and revocation', () => {
  const rotate = async (id: string, query = ''): Promise<{ token: string; previousTokenValidUntil: string | null }> => {
    const res = await s.runtime.app.request(`/api/v1/probes/${id}/rotate${query}`, { method: 'POST', headers: admin })
    expect(res.status).toBe(200)
    return (await res.json()) as { token: string; previousTokenValidUntil: string | null }
  }
  const works = async (token: string): Promise<boolean> => {
    const config = (await get('/api/v1/probe/config', bearer(token))).status
    const stored = (await ingest(token, batchOf(s.probeId, [result('c1-line', s.clock.now)]))).status
    expect(config === 200).toBe(stored === 202)
    return config === 200
  }

  it('both tokens work during the grace (probes.rotationGraceSeconds, default 24 h); after it only the new one', async () => {
    const old = s.token
    const rotated = await rotate(s.probeId)
    expect(rotated.previousTokenValidUntil).toBe(new Date(s.clock.now + 86_400_000).toISOString())
    expect(await works(old)).toBe(true)
    expect(await works(rotated.token)).toBe(true)
    const listed = (await (await get('/api/v1/probes')).json()) as { probes: Array<{ id: string; previousTokenValidUntil: string | null }> }
    expect(listed.probes.find((p) => p.id === s.probeId)?.previousTokenValidUntil).toBe(rotated.previousTokenValidUntil)

    s.clock.now += 86_400_000
    expect(await works(old)).toBe(false)
    expect(await works(rotated.token)).toBe(true)
  })

  it('takes the grace from the config, or from ?graceSeconds (0: the old token stops now); a second rotation ends the first grace', async () => {
    s.close()
    s = makeTestServer({ communes: [commune('C1')], targets: [udpTarget('c1-line', 'C1')], configYaml: 'probes: { rotationGraceSeconds: 600 }\n' })
    ensureFirstAdmin(s.runtime.store, PASSWORD)
    const first = s.token
    const second = await rotate(s.probeId)
    expect(second.previousTokenValidUntil).toBe(new Date(s.clock.now + 600_000).toISOString())
    const third = await rotate(s.probeId, '?graceSeconds=30')
    expect(await works(first)).toBe(false)
    expect(await works(second.token)).toBe(true)
    const fourth = await rotate(s.probeId, '?graceSeconds=0')
    expect(fourth.previousTokenValidUntil).toBeNull()
    expect(await works(third.token)).toBe(false)
    expect(await works(fourth.token)).toBe(true)
    const bad = await s.runtime.app.request(`/api/v1/probes/${s.probeId}/rotate?graceSeconds=-1`, { method: 'POST', headers: admin })
    expect(bad.status).toBe(422)
  })

  it('revocation stops both tokens at once, on every probe route; a new rotation never revives them', async () => {
    giveThroughputTarget(s.runtime.store, s.probeId)
    const old = s.token
    const rotated = await rotate(s.probeId)
    s.runtime.store.revokeProbe(s.probeId)
    for (const token of [old, rotated.token]) {
      expect(await works(token)).toBe(false)
      for (const path of ['/api/v1/probe/run-now?waitSeconds=0', '/api/v1/speedtest/download?bytes=10']) {
        const res = await get(path, bearer(token))
        expect(res.status, path).toBe(401)
        expect((await errorOf(res)).code).toBe('E_UNAUTHORIZED')
      }
    }
    const revived = await rotate(s.probeId)
    expect(revived.previousTokenValidUntil).toBeNull()
    expect(await works(revived.token)).toBe(true)
    expect(await works(old)).toBe(false)
    expect(await works(rotated.token)).toBe(false)
  })

  it('a run-now long poll held when its probe is revoked answers 401', async () => {
    // The route records the poll (touchProbe) just before it parks: revoke only once it is held.
    const store = s.runtime.store
    const touch = store.touchProbe.bind(store)
    let parked: () => void = () => {}
    const polling = new Promise<void>((r) => (parked = r))
    vi.spyOn(store, 'touchProbe').mockImplementation((...args) => {
      touch(...args)
      parked()
    })
    const held = get('/api/v1/probe/run-now?waitSeconds=20', bearer(s.token))
    await polling
    store.revokeProbe(s.probeId)
    // An operator's request for the probe wakes the poll (no waiting on a timer).
    const { run } = s.runtime.testRuns.start('C1', [{ id: 'c1-line', kind: 'udp_echo', probeId: s.probeId, timeoutSeconds: 5 }], 'test')
    const res = await held
    expect(res.status).toBe(401)
    // It was held and woken (it claimed the request), not refused before it parked.
    expect(s.runtime.testRuns.get(run.id)?.targets[0]?.state).toBe('sent')
  })

  it('the embedded probe’s token cannot be rotated (the server makes one at every start)', async () => {
    const embedded = s.runtime.store.createProbe('embedded', 'server (embedded)', true)
    const res = await s.runtime.app.request(`/api/v1/probes/${embedded.probe.id}/rotate`, { method: 'POST', headers: admin })
    expect(res.status).toBe(409)
    expect((await get('/api/v1/probe/config', bearer(embedded.token))).status).toBe(200)
  })
})

describe('clock sanity at ingest', () => {
  it('a result dated 10 minutes ahead is refused (422 E_CLOCK_SKEW naming its index and time); state, lastResultAt and series do not change', async () => {
    expect((await ingest(s.token, batchOf(s.probeId, [result('c1-line', s.clock.now - 1000)]))).status).toBe(202)
    const before = await snapshot('c1-line')
    const ahead = new Date(s.clock.now + 600_000).toISOString()
    const res = await ingest(s.token, batchOf(s.probeId, [result('c1-line', s.clock.now), { ...result('c1-line', s.clock.now), observedAt: ahead, ok: false }]))
    expect(res.status).toBe(422)
    const err = await errorOf(res)
    expect(err.code).toBe('E_CLOCK_SKEW')
    expect(err.path).toBe('results.1.observedAt')
    expect(err.message).toContain(`result 1 was observed at ${ahead}, 600 s after the server's clock`)
    expect(err.issues).toEqual([{ path: 'results.1.observedAt', message: `${ahead} is 600 s ahead of the server's clock` }])
    s.runtime.tick()
    expect(await snapshot('c1-line')).toEqual(before)
    expect(await metricsText()).toContain('xanh_ingest_rejected_results_total{reason="clock_skew"} 2')
  })

  it('allows up to ingest.maxClockSkewSeconds (120 s) ahead, and takes the limit from the config', async () => {
    const at = (ms: number): CheckResult => ({ ...result('c1-line', 0), observedAt: new Date(s.clock.now + ms).toISOString() })
    expect((await ingest(s.token, batchOf(s.probeId, [at(120_000)]))).status).toBe(202)
    expect((await ingest(s.token, batchOf(s.probeId, [at(120_001)]))).status).toBe(422)
    s.close()
    s = makeTestServer({ communes: [commune('C1')], targets: [udpTarget('c1-line', 'C1')], configYaml: 'ingest: { maxClockSkewSeconds: 5 }\n' })
    expect((await ingest(s.token, batchOf(s.probeId, [at(5000)]))).status).toBe(202)
    expect((await ingest(s.token, batchOf(s.probeId, [at(6000)]))).status).toBe(422)
  })

  it('a skewed agent’s clock offset (sentAt − arrival) shows in GET /api/v1/probes and /metrics, refused batches included', async () => {
    const offsetOf = async (): Promise<{ clockOffsetSeconds: number | null; clockOffsetAt: string | null }> => {
      const body = (await (await get('/api/v1/probes')).json()) as { probes: Array<{ id: string; clockOffsetSeconds: number | null; clockOffsetAt: string | null }> }
      const p = body.probes.find((x) => x.id === s.probeId)
      return { clockOffsetSeconds: p?.clockOffsetSeconds ?? null, clockOffsetAt: p?.clockOffsetAt ?? null }
    }
    expect(await offsetOf()).toEqual({ clockOffsetSeconds: null, clockOffsetAt: null })
    // An agent 10 minutes ahead: its results are refused, and its offset says why.
    const skewed = { ...result('c1-line', 0), observedAt: new Date(s.clock.now + 600_000).toISOString() }
    expect((await ingest(s.token, batchOf(s.probeId, [skewed], s.clock.now + 600_250))).status).toBe(422)
    expect(await offsetOf()).toEqual({ clockOffsetSeconds: 600.25, clockOffsetAt: new Date(s.clock.now).toISOString() })
    expect(await metricsText()).toContain('xanh_probe_clock_offset_seconds{probe="test-probe"} 600.25')
    // Fixed (NTP), a little behind now; a heartbeat (no results) measures it too.
    expect((await ingest(s.token, batchOf(s.probeId, [], s.clock.now - 1500))).status).toBe(202)
    expect((await offsetOf()).clockOffsetSeconds).toBe(-1.5)
    expect(await metricsText()).toContain('xanh_probe_clock_offset_seconds{probe="test-probe"} -1.5')
  })

  it('late results (a spool replayed after an outage) are stored as history but never move the state or lastResultAt back', async () => {
    const t = s.clock.now
    expect((await ingest(s.token, batchOf(s.probeId, [result('c1-line', t - 30_000), result('c1-line', t - 15_000), result('c1-line', t)]))).status).toBe(202)
    const before = await statusOf('c1-line')
    expect(before).toMatchObject({ state: 'ok', lastResultAt: new Date(t).toISOString(), consecutiveFailures: 0 })
    // Three failed rounds from 10 minutes ago arrive now: enough to be down, were they new.
    const late = [600_000, 585_000, 570_000].map((ago) => result('c1-line', t - ago, { ok: false, error: 'timeout', m: { sent: 50, received: 0, loss_ratio: 1 } }))
    const res = await ingest(s.token, batchOf(s.probeId, late))
    expect(res.status).toBe(202)
    expect(await res.json()).toEqual({ accepted: 3, duplicates: 0 })
    s.runtime.tick()
    const after = await statusOf('c1-line')
    expect(after).toMatchObject({ state: 'ok', lastResultAt: before.lastResultAt, consecutiveFailures: 0 })
    // Stored as history: the series shows the loss where it was observed.
    const loss = await seriesOf('c1-line', 'loss_ratio')
    const minuteOf = (ms: number): number => Math.round(ms / 1000 / 60) * 60
    expect(loss.find(([sec]) => sec === minuteOf(t - 600_000))?.[1]).toBe(1)
    expect(s.runtime.store.countResults()).toBe(6)
  })
})
