/**
 * What Settings shows of probes and how a target edit reaches its probe (issue 13, Build 6):
 * GET /api/v1/probes says online / silent / never by the same count of missed contacts that
 * makes a target silent, with version, last seen, clock offset and spool depth (null when an
 * old agent does not report it); PUT /api/v1/targets/:id changes the probe's config (new ETag,
 * new interval) at once.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ProbeConfig, type ResultBatch } from '../../../protocol'
import { ensureFirstAdmin } from '../../../server/auth'
import { commune, makeTestServer, result, udpTarget, type TestServer } from '../../helpers/server'

const PASSWORD = 'a-long-admin-password'
const admin = { authorization: `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}` }

interface ProbeRow {
  id: string
  contact: string
  silentAfterSeconds: number
  version: string | null
  lastSeenAt: string | null
  spoolBatches: number | null
  clockOffsetSeconds: number | null
}

let s: TestServer
beforeEach(() => {
  s = makeTestServer({ communes: [commune('C1')], targets: [udpTarget('c1-line', 'C1', 'line', { intervalSeconds: 10 })] })
  ensureFirstAdmin(s.runtime.store, PASSWORD)
})
afterEach(() => s.close())

async function probe(): Promise<ProbeRow> {
  const res = await s.runtime.app.request('/api/v1/probes', { headers: admin })
  expect(res.status).toBe(200)
  const row = ((await res.json()) as { probes: ProbeRow[] }).probes.find((p) => p.id === s.probeId)
  if (!row) throw new Error('test probe missing')
  return row
}

async function ingest(batch: Omit<ResultBatch, 'protocolVersion' | 'probeId'>): Promise<void> {
  const body: ResultBatch = { protocolVersion: 1, probeId: s.probeId, ...batch }
  const res = await s.runtime.app.request('/api/v1/ingest', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${s.token}` }, body: JSON.stringify(body) })
  expect(res.status).toBe(202)
}

describe('GET /api/v1/probes: contact, version, spool depth', () => {
  const silentInGaps = async (): Promise<boolean> => {
    const res = await s.runtime.app.request('/api/v1/gaps', { headers: admin })
    return ((await res.json()) as { silentProbes: Array<{ id: string }> }).silentProbes.some((p) => p.id === s.probeId)
  }

  it('is never before contact, online after a batch, silent after the overview’s limit (≥ 60 s) — exactly when /gaps lists it — and online after the next', async () => {
    expect(await probe()).toMatchObject({ contact: 'never', lastSeenAt: null, spoolBatches: null, version: null, silentAfterSeconds: 60 })
    const status = { version: '1.4.2', spoolBatches: 7, spoolBytes: 9000, droppedBatches: 0, overruns: 0, unavailable: [] }
    await ingest({ sentAt: new Date(s.clock.now - 2000).toISOString(), status, results: [result('c1-line', s.clock.now - 3000)] })
    const seenAt = new Date(s.clock.now).toISOString()
    expect(await probe()).toMatchObject({ contact: 'online', lastSeenAt: seenAt, version: '1.4.2', spoolBatches: 7, clockOffsetSeconds: -2 })
    s.clock.now += 60_000
    expect((await probe()).contact).toBe('online')
    expect(await silentInGaps()).toBe(false)
    s.clock.now += 1
    expect(await probe()).toMatchObject({ contact: 'silent', lastSeenAt: seenAt })
    expect(await silentInGaps()).toBe(true)
    // An old agent sends no status: its spool depth is unknown, not zero.
    await ingest({ sentAt: new Date(s.clock.now).toISOString(), results: [] })
    expect(await probe()).toMatchObject({ contact: 'online', spoolBatches: null, version: '1.4.2' })
  })

  it('the limit is state.unknownAfterIntervals of the probe’s shortest interval when that is longer than a minute', async () => {
    s.close()
    s = makeTestServer({ communes: [commune('C1')], targets: [udpTarget('c1-line', 'C1', 'line', { intervalSeconds: 30 }), udpTarget('c1-slow', 'C1', 'router', { intervalSeconds: 300 })], configYaml: 'state:\n  unknownAfterIntervals: 5\n' })
    ensureFirstAdmin(s.runtime.store, PASSWORD)
    expect((await probe()).silentAfterSeconds).toBe(150)
  })
})

describe('PUT /api/v1/targets/:id reaches the probe config', () => {
  it('a new interval (and name) changes the config ETag and the interval the probe gets', async () => {
    const config = async (etag?: string): Promise<{ status: number; etag: string | null; body: ProbeConfig | null }> => {
      const res = await s.runtime.app.request('/api/v1/probe/config', { headers: { authorization: `Bearer ${s.token}`, ...(etag && { 'if-none-match': etag }) } })
      return { status: res.status, etag: res.headers.get('etag'), body: res.status === 200 ? ProbeConfig.parse(await res.json()) : null }
    }
    const first = await config()
    expect(first.body?.targets.find((t) => t.id === 'c1-line')?.intervalSeconds).toBe(10)
    expect((await config(first.etag ?? '')).status).toBe(304)
    const row = s.runtime.store.getTarget('c1-line')
    const res = await s.runtime.app.request('/api/v1/targets/c1-line', {
      method: 'PUT',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'c1-line', communeCode: 'C1', name: 'Cáp quang Xã Châu Khê', kind: 'udp_echo', host: row?.host, port: row?.port ?? undefined, role: 'line', intervalSeconds: 4, timeoutSeconds: 2, parents: [], options: row?.options ?? {}, probeId: s.probeId, enabled: true }),
    })
    expect(res.status).toBe(200)
    const after = await config(first.etag ?? '')
    expect(after.status).toBe(200)
    expect(after.etag).not.toBe(first.etag)
    expect(after.body?.targets.find((t) => t.id === 'c1-line')).toMatchObject({ intervalSeconds: 4, timeoutSeconds: 2, name: 'Cáp quang Xã Châu Khê' })
  })
})

describe('target writes: each problem with its kind, for the Settings form', () => {
  it('a port too big and a bad host (422), and an unknown commune, carry code and params; the English message stays', async () => {
    const put = async (body: Record<string, unknown>) => {
      const res = await s.runtime.app.request('/api/v1/targets/c1-line', { method: 'PUT', headers: { ...admin, 'content-type': 'application/json' }, body: JSON.stringify(body) })
      return { status: res.status, body: (await res.json()) as { error: { code: string; message: string; issues: unknown[] } } }
    }
    const base = { id: 'c1-line', communeCode: 'C1', kind: 'udp_echo', host: '10.0.0.1', role: 'line', parents: [], options: {}, probeId: null, enabled: true }
    const bad = await put({ ...base, port: 70000, host: 'máy chủ' })
    expect(bad.status).toBe(422)
    expect(bad.body.error).toMatchObject({ code: 'E_VALIDATION', message: 'host: a host name or an IP address' })
    expect(bad.body.error.issues).toEqual([
      { path: 'host', message: 'a host name or an IP address', code: 'invalid_pattern', params: { hint: 'host' } },
      { path: 'port', message: 'Too big: expected number to be <=65535', code: 'too_big', params: { max: 65535, inclusive: 1 } },
    ])
    const unknown = await put({ ...base, communeCode: 'KHONGCO' })
    expect(unknown.status).toBe(422)
    expect(unknown.body.error.issues).toEqual([{ path: 'communeCode', message: 'unknown commune KHONGCO', code: 'unknown_commune', params: { code: 'KHONGCO' } }])
  })
})
