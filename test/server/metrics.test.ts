/**
 * The /metrics exposition beyond the basics of routes/metrics.test.ts: every SPEC §7 family
 * with HELP, pre-initialised series, counters from the engine, OpenMetrics, auth, the
 * per-interval cache, and that a large render lets ingest through.
 */
import { gunzipSync } from 'node:zlib'
import { afterEach, describe, expect, it } from 'vitest'
import type { CheckResult, TargetInput } from '../../protocol'
import { acceptsGzip, negotiateExposition } from '../../server/routes/metrics'
import { batch, commune, makeTestServer, result, udpTarget, type TestServer } from '../helpers/server'

let s: TestServer | undefined
afterEach(() => {
  s?.close()
  s = undefined
})

async function ingest(t: TestServer, results: CheckResult[]): Promise<void> {
  const res = await t.runtime.app.request('/api/v1/ingest', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${t.token}` },
    body: JSON.stringify(batch(t.probeId, results)),
  })
  expect(res.status).toBe(202)
}

async function scrape(t: TestServer, headers: Record<string, string> = {}): Promise<{ status: number; type: string | null; text: string }> {
  const res = await t.runtime.app.request('/metrics', { headers })
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() }
}

/** Value of the one sample whose line starts with `prefix` (name + labels up to the value). */
function valueOf(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue
    const body = line.slice(name.length + 1, line.lastIndexOf('}'))
    if (Object.entries(labels).every(([k, v]) => body.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1))
  }
  return undefined
}

const throughputTarget = (id: string, code: string): TargetInput => udpTarget(id, code, 'line', { kind: 'throughput', port: 8080, intervalSeconds: 21600, timeoutSeconds: 30 })
const snmpTarget = (id: string, code: string): TargetInput => udpTarget(id, code, 'router', { kind: 'snmp', port: 161, intervalSeconds: 60, options: { ifIndex: 2 } })
const sipTarget = (id: string, code: string): TargetInput => udpTarget(id, code, 'mcu', { kind: 'sip', port: 5060, intervalSeconds: 60 })
const httpTarget = (id: string, code: string): TargetInput => udpTarget(id, code, 'service', { kind: 'http', port: 80, intervalSeconds: 60 })

function fullServer(env: Record<string, string> = {}): TestServer {
  return makeTestServer({
    communes: [commune('C1'), commune('C2', { name: 'Xã "Hai"\\Mới', contractedMbps: 200 })],
    targets: [udpTarget('c1-line', 'C1'), throughputTarget('c1-tput', 'C1'), snmpTarget('c1-snmp', 'C1'), sipTarget('c1-mcu', 'C1'), httpTarget('c1-web', 'C1'), udpTarget('c2-line', 'C2')],
    env,
  })
}

describe('exposition content', () => {
  it('has every SPEC §7 family, each with HELP and TYPE', async () => {
    s = fullServer()
    const t0 = s.clock.now
    await ingest(s, [
      result('c1-line', t0 - 1000),
      result('c1-tput', t0 - 1000, { kind: 'throughput', m: { download_bytes_per_second: 11e6, upload_bytes_per_second: 9e6, loaded_rtt_seconds: 0.03, download_bytes: 1e8, upload_bytes: 8e7 } }),
      result('c1-snmp', t0 - 1000, { kind: 'snmp', m: { in_bytes_per_second: 5e6, out_bytes_per_second: 1e6, utilization_ratio_in: 0.4, utilization_ratio_out: 0.08 } }),
      result('c1-mcu', t0 - 1000, { kind: 'sip', measurements: { status_code: 200, response_seconds: 0.02 } }),
      result('c1-web', t0 - 1000, { kind: 'http', measurements: { status_code: 200, http_connect_seconds: 0.01, http_ttfb_seconds: 0.05 } }),
    ])
    const { text } = await scrape(s)
    const families = [
      'xanh_commune_info',
      'xanh_commune_state',
      'xanh_target_up',
      'probe_success',
      'probe_duration_seconds',
      'xanh_rtt_seconds',
      'xanh_packet_loss_ratio',
      'xanh_jitter_seconds',
      'xanh_packets_sent_total',
      'xanh_packets_received_total',
      'xanh_throughput_bytes_per_second',
      'xanh_link_contracted_bytes_per_second',
      'xanh_throughput_last_test_timestamp_seconds',
      'xanh_link_utilization_ratio',
      'xanh_sip_response_seconds',
      'xanh_sip_status_code',
      'xanh_mos_estimate',
      'xanh_coverage_gaps',
      'xanh_data_gap_seconds_total',
      'xanh_probe_last_seen_timestamp_seconds',
      'xanh_probe_spool_batches',
      'xanh_ingest_results_total',
      'xanh_notifications_total',
      'process_cpu_seconds_total',
    ]
    for (const f of families) {
      expect(text, f).toMatch(new RegExp(`^# HELP ${f} \\S`, 'm'))
      expect(text, f).toMatch(new RegExp(`^# TYPE ${f} (gauge|counter)$`, 'm'))
    }
    expect(valueOf(text, 'xanh_throughput_bytes_per_second', { target: 'c1-tput', direction: 'download' })).toBe(11e6)
    expect(valueOf(text, 'xanh_throughput_bytes_per_second', { target: 'c1-tput', direction: 'upload' })).toBe(9e6)
    expect(valueOf(text, 'xanh_throughput_last_test_timestamp_seconds', { target: 'c1-tput' })).toBe((t0 - 1000) / 1000)
    expect(valueOf(text, 'xanh_link_utilization_ratio', { target: 'c1-snmp', direction: 'in' })).toBe(0.4)
    expect(valueOf(text, 'xanh_link_utilization_ratio', { target: 'c1-snmp', direction: 'out' })).toBe(0.08)
    expect(valueOf(text, 'xanh_sip_status_code', { target: 'c1-mcu' })).toBe(200)
    expect(valueOf(text, 'xanh_sip_response_seconds', { target: 'c1-mcu' })).toBe(0.02)
    expect(valueOf(text, 'xanh_link_contracted_bytes_per_second', { commune_code: 'C2' })).toBe(25e6)
    expect(valueOf(text, 'probe_duration_seconds', { target: 'c1-line' })).toBe(2.5)
    // Blackbox pattern: every HTTP phase exists once the target has a result, 0 when it did not happen.
    for (const phase of ['resolve', 'connect', 'tls', 'processing', 'transfer']) expect(valueOf(text, 'probe_http_duration_seconds', { target: 'c1-web', phase })).toBeDefined()
    expect(valueOf(text, 'probe_http_duration_seconds', { target: 'c1-web', phase: 'tls' })).toBe(0)
    expect(valueOf(text, 'probe_http_duration_seconds', { target: 'c1-web', phase: 'processing' })).toBe(0.05)
    // Vietnamese names (and escaping) only in the info metric.
    expect(text).toContain('commune="Xã \\"Hai\\"\\\\Mới"')
    expect(text.split('\n').filter((l) => l.includes('Xã') && !l.startsWith('xanh_commune_info{'))).toEqual([])
  })

  it('pre-initialises series that must exist before the first failure', async () => {
    s = fullServer()
    const { text } = await scrape(s)
    // No result yet: packet counters, coverage gaps per kind, state-sets, delivery and ingest counters are all there at 0.
    expect(valueOf(text, 'xanh_packets_sent_total', { target: 'c1-line' })).toBe(0)
    expect(valueOf(text, 'xanh_packets_received_total', { target: 'c2-line' })).toBe(0)
    for (const kind of ['no_mobile', 'no_power', 'no_internet', 'weak_mobile']) expect(valueOf(text, 'xanh_coverage_gaps', { commune_code: 'C1', kind })).toBe(0)
    for (const state of ['ok', 'warning', 'critical', 'down']) expect(valueOf(text, 'xanh_commune_state', { commune_code: 'C1', state })).toBe(0)
    expect(valueOf(text, 'xanh_commune_state', { commune_code: 'C1', state: 'unknown' })).toBe(1)
    expect(valueOf(text, 'xanh_target_state', { target: 'c1-line', state: 'unknown' })).toBe(1)
    expect(valueOf(text, 'xanh_notifications_total', { channel: 'zalo', result: 'dead' })).toBe(0)
    expect(valueOf(text, 'xanh_ingest_results_total', { result: 'rejected' })).toBe(0)
    // Unknown is neither up nor down: no xanh_target_up, no probe_success yet.
    expect(valueOf(text, 'xanh_target_up', { target: 'c1-line' })).toBeUndefined()
    expect(valueOf(text, 'probe_success', { target: 'c1-line' })).toBeUndefined()
  })

  it('counts packets and open coverage gaps from the inventory', async () => {
    s = fullServer()
    s.runtime.store.addGap({ communeCode: 'C1', hamlet: 'Bản Khe', kind: 'no_mobile', population: 300, households: 80, since: null, plannedFix: null, fixedAt: null, source: '' })
    s.runtime.store.addGap({ communeCode: 'C1', hamlet: 'Bản Na', kind: 'no_mobile', population: null, households: null, since: null, plannedFix: null, fixedAt: null, source: '' })
    s.runtime.store.addGap({ communeCode: 'C1', hamlet: 'Bản Cũ', kind: 'no_power', population: null, households: null, since: null, plannedFix: null, fixedAt: '2026-01-01', source: '' })
    s.runtime.reloadInventory()
    const t0 = s.clock.now
    await ingest(s, [result('c1-line', t0 - 30_000, { m: { sent: 50, received: 48 } }), result('c1-line', t0 - 15_000, { m: { sent: 50, received: 50 } })])
    const { text } = await scrape(s)
    expect(valueOf(text, 'xanh_packets_sent_total', { target: 'c1-line' })).toBe(100)
    expect(valueOf(text, 'xanh_packets_received_total', { target: 'c1-line' })).toBe(98)
    expect(valueOf(text, 'xanh_coverage_gaps', { commune_code: 'C1', kind: 'no_mobile' })).toBe(2)
    expect(valueOf(text, 'xanh_coverage_gaps', { commune_code: 'C1', kind: 'no_power' })).toBe(0)
  })

  it('accumulates data-gap seconds while a target is unknown, and only then', async () => {
    s = makeTestServer({ communes: [commune('C1')], targets: [udpTarget('c1-line', 'C1')] })
    const gap = async (): Promise<number> => valueOf((await scrape(s as TestServer)).text, 'xanh_data_gap_seconds_total', { target: 'c1-line' }) ?? NaN
    // Unknown from the start (never heard of): 60 s of gap.
    s.clock.now += 60_000
    s.runtime.tick()
    expect(await gap()).toBe(60)
    // Results every 15 s for a minute: no gap time added.
    for (let i = 0; i < 4; i++) {
      s.clock.now += 15_000
      await ingest(s, [result('c1-line', s.clock.now)])
      s.runtime.tick()
    }
    expect(await gap()).toBe(75)
    // Silent: unknown after 3 × 15 s, then 100 s more of gap.
    s.clock.now += 46_000
    s.runtime.tick()
    const before = await gap()
    s.clock.now += 100_000
    s.runtime.tick()
    expect(await gap()).toBe(before + 100)
  })
})

describe('formats, auth and cache', () => {
  it('negotiates OpenMetrics from Accept like Prometheus sends it', () => {
    expect(negotiateExposition('application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1')).toBe('openmetrics')
    expect(negotiateExposition('text/plain;version=0.0.4')).toBe('prometheus')
    expect(negotiateExposition('application/openmetrics-text;q=0')).toBe('prometheus')
    expect(negotiateExposition(undefined)).toBe('prometheus')
  })

  it('serves OpenMetrics when asked: counter families without _total, info type, # EOF, no blank line', async () => {
    s = fullServer()
    await ingest(s, [result('c1-line', s.clock.now - 1000)])
    const { status, type, text } = await scrape(s, { accept: 'application/openmetrics-text; version=1.0.0' })
    expect(status).toBe(200)
    expect(type).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8')
    expect(text.endsWith('\n# EOF\n')).toBe(true)
    expect(text).not.toMatch(/\n\n/)
    expect(text).toContain('# TYPE xanh_ingest_results counter\n')
    expect(text).toContain('xanh_ingest_results_total{result="accepted"} 1\n')
    expect(text).toContain('# TYPE xanh_commune info\n')
    expect(text).toMatch(/^xanh_commune_info\{commune_code="C1",/m)
    expect(text).toContain('# TYPE process_cpu_seconds counter\n')
    // Every sample's name belongs to the family declared above it.
    let family = ''
    let type2 = ''
    for (const line of text.split('\n')) {
      const m = /^# TYPE (\S+) (\S+)$/.exec(line)
      if (m) {
        family = m[1] as string
        type2 = m[2] as string
        continue
      }
      if (line === '' || line.startsWith('#')) continue
      const name = line.slice(0, line.search(/[{ ]/))
      const allowed = type2 === 'counter' ? [`${family}_total`] : type2 === 'info' ? [`${family}_info`] : type2 === 'histogram' ? [`${family}_bucket`, `${family}_sum`, `${family}_count`] : [family]
      expect(allowed, line).toContain(name)
    }
  })

  it('with XANH_METRICS_TOKEN: 401 without it, 200 with Bearer or Basic password', async () => {
    const token = 'metrics-token-0123456789'
    s = fullServer({ XANH_METRICS_TOKEN: token })
    const none = await scrape(s)
    expect(none.status).toBe(401)
    expect(JSON.parse(none.text)).toMatchObject({ error: { code: 'E_UNAUTHORIZED' } })
    expect((await scrape(s, { authorization: 'Bearer wrong-token-0123456789' })).status).toBe(401)
    expect((await scrape(s, { authorization: `Bearer ${token}` })).status).toBe(200)
    const basic = Buffer.from(`prometheus:${token}`).toString('base64')
    expect((await scrape(s, { authorization: `Basic ${basic}` })).status).toBe(200)
    const wrongBasic = Buffer.from(`prometheus:nope`).toString('base64')
    expect((await scrape(s, { authorization: `Basic ${wrongBasic}` })).status).toBe(401)
  })

  it('reuses a render within cacheSeconds, renders again after', async () => {
    s = fullServer()
    expect(s.config.metrics.cacheSeconds).toBe(5)
    const first = (await scrape(s)).text
    await ingest(s, [result('c1-line', s.clock.now - 1000)])
    expect((await scrape(s)).text).toBe(first)
    s.clock.now += 5000
    const later = (await scrape(s)).text
    expect(later).not.toBe(first)
    expect(valueOf(later, 'probe_success', { target: 'c1-line' })).toBe(1)
  })

  it("exports the heap policy's mode when one runs (main.ts), and no such family without it", async () => {
    let mode: 'quiet' | 'busy' = 'busy'
    s = makeTestServer({ communes: [commune('KS', { name: 'Xã Mường Lống' })], targets: [udpTarget('ks-line', 'KS')], heapMode: () => mode })
    const busy = (await scrape(s)).text
    expect(busy).toContain('# TYPE xanh_heap_policy_quiet gauge')
    expect(busy.split('\n')).toContain('xanh_heap_policy_quiet 0')
    mode = 'quiet'
    s.clock.now += 5000
    expect((await scrape(s)).text.split('\n')).toContain('xanh_heap_policy_quiet 1')
    s.close()
    s = makeTestServer({ communes: [commune('KS')], targets: [udpTarget('ks-line', 'KS')] })
    expect((await scrape(s)).text).not.toContain('xanh_heap_policy_quiet')
  })

  it('renders ahead of a steady scraper, so its next scrape is answered from memory with current figures', async () => {
    s = fullServer()
    const m = s.runtime.metrics
    await m.scrape('prometheus')
    // Nothing to go by before a second scrape gives the interval.
    s.clock.now += 14_000
    expect(m.prepare()).toBeUndefined()
    s.clock.now += 1_000
    await m.scrape('prometheus')
    await ingest(s, [result('c1-line', s.clock.now - 500)])
    // Long before the next scrape is due: nothing yet.
    s.clock.now += 5_000
    expect(m.prepare()).toBeUndefined()
    // Shortly before it: rendered now, once.
    s.clock.now += 9_500
    const ahead = m.prepare()
    expect(ahead).toBeDefined()
    const prepared = await ahead
    expect(m.prepare()).toBeUndefined()
    s.clock.now += 500
    const served = await m.scrape('prometheus')
    // The cache still holds the render made ahead (a new one would be another gzip).
    expect(await m.scrapeGzip('prometheus')).toBe(prepared)
    expect(served.toString('utf8')).toBe(gunzipSync(prepared as Buffer).toString('utf8'))
    expect(valueOf(served.toString('utf8'), 'probe_success', { target: 'c1-line' })).toBe(1)
    // A scraper that stopped coming is not rendered for.
    s.clock.now += 60_000
    expect(m.prepare()).toBeUndefined()
  })

  it('answers gzip when the scraper accepts it (Prometheus does): the same exposition, compressed once per render', async () => {
    s = fullServer()
    await ingest(s, [result('c1-line', s.clock.now - 1000)])
    const plain = await s.runtime.app.request('/metrics')
    expect(plain.headers.get('content-encoding')).toBeNull()
    const text = await plain.text()
    const zipped = await s.runtime.app.request('/metrics', { headers: { 'accept-encoding': 'gzip' } })
    expect(zipped.headers.get('content-encoding')).toBe('gzip')
    expect(zipped.headers.get('vary')).toBe('Accept-Encoding')
    const bytes = Buffer.from(await zipped.arrayBuffer())
    expect(bytes.length).toBeLessThan(Buffer.byteLength(text) / 3)
    expect(gunzipSync(bytes).toString('utf8')).toBe(text)
    // Within the cache's life the compressed bytes are reused, not compressed again.
    expect(await s.runtime.metrics.scrapeGzip('prometheus')).toBe(await s.runtime.metrics.scrapeGzip('prometheus'))
    expect([acceptsGzip('gzip, deflate'), acceptsGzip('deflate, gzip;q=0'), acceptsGzip('identity'), acceptsGzip(undefined), acceptsGzip('x-gzip;q=0.5')]).toEqual([true, false, false, false, true])
  })

  it('keeps a render gzip\'d and inflates its text only for a plain read, once', async () => {
    s = fullServer()
    await ingest(s, [result('c1-line', s.clock.now - 1000)])
    const m = s.runtime.metrics
    const gz = await m.scrapeGzip('prometheus')
    // The text (~22 MB at 10,000 targets) is never kept for a Prometheus, which asks for gzip only.
    expect(await m.cachedBytes()).toBe(gz.length)
    const plain = await m.scrape('prometheus')
    expect(plain.toString('utf8')).toBe(gunzipSync(gz).toString('utf8'))
    expect(valueOf(plain.toString('utf8'), 'probe_success', { target: 'c1-line' })).toBe(1)
    expect(await m.cachedBytes()).toBe(gz.length + plain.length)
    // The next plain read of the same render is the same text, not another inflate.
    expect(await m.scrape('prometheus')).toBe(plain)
    // A new render: its gzip only, until someone reads it plain.
    s.clock.now += 5000
    const gz2 = await m.scrapeGzip('prometheus')
    expect(gz2).not.toBe(gz)
    expect(await m.cachedBytes()).toBe(gz2.length)
  })

  it('streams a render of thousands of targets through gzip: the same text as an uncompressed render', async () => {
    const communes = Array.from({ length: 400 }, (_, i) => commune(`X${i}`))
    const targets = communes.flatMap((c) => [0, 1, 2, 3].map((j) => udpTarget(`${c.code}-t${j}`, c.code)))
    s = makeTestServer({ communes, targets })
    for (let i = 0; i < targets.length; i += 500) await ingest(s, targets.slice(i, i + 500).map((t) => result(t.id, s!.clock.now - 1000)))
    const m = s.runtime.metrics
    const text = gunzipSync(await m.scrapeGzip('prometheus')).toString('utf8')
    // Several of the writer's 1 MiB pieces, so the stream's seams are crossed.
    expect(text.length).toBeGreaterThan(2.5 * 2 ** 20)
    const direct = (await m.render('prometheus')).toString('utf8')
    // Only the render timing and the process's own figures (CPU, memory) differ between two renders of the same state.
    const ours = (t: string): string => t.slice(0, t.indexOf('# HELP process_')).replace(/^xanh_metrics_render_seconds .*$/m, '')
    expect(text.indexOf('# HELP process_')).toBeGreaterThan(0)
    expect(ours(text)).toBe(ours(direct))
    expect(valueOf(text, 'probe_success', { target: 'X399-t3' })).toBe(1)
  })

  it('shares one render between concurrent scrapes', async () => {
    s = fullServer()
    const [a, b] = await Promise.all([s.runtime.metrics.scrape('prometheus'), s.runtime.metrics.scrape('prometheus')])
    expect(a).toBe(b)
  })
})

describe('a large render does not hold up ingest', () => {
  it('an ingest started during a 6k-target render completes before the render', async () => {
    const communes = Array.from({ length: 1500 }, (_, i) => commune(`X${i}`))
    const targets = communes.flatMap((c) => [0, 1, 2, 3].map((j) => udpTarget(`${c.code}-t${j}`, c.code)))
    s = makeTestServer({ communes, targets })
    const t0 = s.clock.now
    await ingest(s, targets.slice(0, 1000).map((t) => result(t.id, t0 - 1000)))
    let rendered = false
    const render = s.runtime.metrics.render('prometheus').then((bytes) => {
      rendered = true
      return bytes.toString('utf8')
    })
    const started = performance.now()
    await ingest(s, [result('X0-t0', t0)])
    const ingestMs = performance.now() - started
    expect(rendered).toBe(false)
    const text = await render
    const renderMs = performance.now() - started
    expect(text.split('\n').length).toBeGreaterThan(60_000)
    expect(ingestMs).toBeLessThan(renderMs)
  })

  it('stops yielding after metrics.yieldForSeconds: past it the render finishes in one go', async () => {
    const communes = Array.from({ length: 1000 }, (_, i) => commune(`X${i}`))
    const targets = communes.flatMap((c) => [0, 1, 2, 3].map((j) => udpTarget(`${c.code}-t${j}`, c.code)))
    /** How many times other work got the event loop while a render ran. */
    const turnsDuringRender = async (t: TestServer): Promise<number> => {
      let turns = 0
      let done = false
      const tick = (): void => {
        if (done) return
        turns++
        setImmediate(tick)
      }
      setImmediate(tick)
      await t.runtime.metrics.render('prometheus')
      done = true
      return turns
    }
    // (That a render yields before then is the test above: without it the ingest would wait.)
    s = makeTestServer({ communes, targets, configYaml: 'metrics:\n  yieldForSeconds: 0\n' })
    expect(await turnsDuringRender(s)).toBe(0)
  })
})

describe('verdicts on /metrics', () => {
  it('a line below contract exports its reason, the judged median, the threshold and the severity', async () => {
    s = fullServer()
    const t0 = s.clock.now
    await ingest(s, [result('c1-line', t0 - 1000), result('c1-tput', t0 - 1000, { kind: 'throughput', m: { download_bytes_per_second: 57.1e6 / 8, upload_bytes_per_second: 40e6 / 8 } })])
    s.runtime.tick()
    const { text } = await scrape(s)
    const tput = { target: 'c1-tput', commune_code: 'C1', kind: 'throughput', role: 'line' }
    expect(valueOf(text, 'xanh_target_reason', { ...tput, reason: 'throughput' })).toBe(1)
    expect(valueOf(text, 'xanh_verdict_value', { ...tput, rule: 'throughput', part: 'download' })).toBeCloseTo(57.1e6 / 8, 0)
    expect(valueOf(text, 'xanh_verdict_threshold', { ...tput, rule: 'throughput', part: 'download' })).toBe(80e6 / 8)
    expect(valueOf(text, 'xanh_verdict_severity', { ...tput, rule: 'throughput', part: 'download' })).toBe(1)
    expect(valueOf(text, 'xanh_verdict_severity', { ...tput, rule: 'throughput', part: 'upload' })).toBe(2)
    expect(valueOf(text, 'xanh_verdict_threshold', { ...tput, rule: 'throughput', part: 'upload' })).toBe(50e6 / 8)
    expect(valueOf(text, 'xanh_commune_reason', { commune_code: 'C1', role: 'line', reason: 'throughput' })).toBe(1)
    // Reasons are a bounded label set: the line that answers says ok, the silent commune no_data.
    expect(valueOf(text, 'xanh_target_reason', { target: 'c1-line', reason: 'ok' })).toBe(1)
    expect(valueOf(text, 'xanh_commune_reason', { commune_code: 'C2', reason: 'no_data' })).toBe(1)
  })
})
