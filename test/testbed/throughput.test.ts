/**
 * Throughput accuracy (SPEC §3 `throughput`, §10 "throughput accuracy", §11): a veth capped by
 * `tc tbf` in both directions, the real throughput checker in http mode against the Xanh
 * speedtest endpoint served inside the namespace, and in iperf3 mode against `iperf3 -s` there,
 * in the same run.
 *
 * What the cap means, and what we compare: tbf meters every frame it sends at L2 (IP packet +
 * 14-byte Ethernet header; no preamble/FCS on a veth). The checker reports goodput (TCP payload
 * bytes per second), and iperf3 does too. With the veth's 1500-byte MTU a full segment carries
 * 1448 payload bytes (1500 − 20 IP − 20 TCP − 12 timestamp option) in a 1514-byte frame, so the
 * best possible goodput is 1448/1514 = 95.6 % of the cap (ACKs go the other way and do not
 * count against this direction's tbf). The tests compare against that expected goodput, ±10 %
 * (so "within ±10 % of the cap" is judged at the same layer the checker measures), and the two
 * modes against each other (http / iperf3, ±10 %). Measured on this 2-core machine: plain iperf3
 * reads 95.5–95.7 % of the cap at 100 and 300 Mbit/s and 96–98.5 % at 20 Mbit/s (5 s windows;
 * the tbf's own counter shows it holds the L2 rate); the checker's http mode 91–98.5 %.
 *
 * One file, run sequentially: two rate tests never share the 2 CPUs, and iperf3 serves one test
 * at a time anyway.
 *
 * Then grading (issue 10): a commune contracted at 100 Mbit/s behind caps of 60, 40 and 95
 * Mbit/s. The real checker's result goes through a real Xanh runtime's ingest route; the API and
 * `/metrics` must then say warning / critical / ok with reason `throughput` and the measured
 * figure, and iperf3 in the same test must agree with the checker (±10 %).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkThroughput } from '../../probes/checks/throughput'
import { UNSUPPORTED_KINDS } from '../../probes/checks'
import { makeCtx, makeTarget } from '../helpers/probe-fixtures'
import { toolOrSkip } from '../helpers/system-tool'
import { createCommune, skipUnlessTestbed, type Commune } from './netns'
import { batch, commune as communeInput, makeTestServer, udpTarget, type TestServer } from '../helpers/server'
import { randomUUID } from 'node:crypto'
import type { CommuneDetail } from '../../protocol'
import { startIperf3Server, startSpeedtestServer, type FarService, type FarSpeedtest } from './services'

/** Goodput / tbf rate for full-size TCP segments with timestamps over a 1500-byte-MTU Ethernet veth. */
const GOODPUT_PER_L2_BYTE = 1448 / 1514
const TOLERANCE = 0.1
const CAPS_MBIT = [20, 100, 300] as const
/** Short but past slow start and queue build-up: 1 s warm-up discarded, 5 s measured, per direction. */
const OPTIONS = { streams: 4, warmupSeconds: 1, durationSeconds: 5 }
const TIMEOUT_SECONDS = 30

const gate = skipUnlessTestbed()
const iperf3 = gate.run ? toolOrSkip('iperf3', 'the throughput testbed (iperf3 mode and far-end server)') : undefined
const implemented = !UNSUPPORTED_KINDS.includes('throughput')
if (!implemented) console.warn('skipping throughput testbed: this agent version has no throughput checker yet')

describe.skipIf(!gate.run || !iperf3 || !implemented).sequential('testbed: throughput against tbf caps', () => {
  let commune: Commune
  let speedtest: FarSpeedtest
  let iperf: FarService

  beforeAll(async () => {
    commune = await createCommune()
    ;[speedtest, iperf] = await Promise.all([startSpeedtestServer(commune), startIperf3Server(commune, iperf3 as string)])
  })
  afterAll(async () => {
    await commune?.teardown()
  })

  for (const capMbit of CAPS_MBIT) {
    it(`${capMbit} Mbit/s cap: http and iperf3 read the cap (±10 %) and agree (±10 %)`, { timeout: 60_000 }, async () => {
      await commune.rateLimit(capMbit)
      const before = await commune.counters()

      const started = performance.now()
      const http = await checkThroughput(
        makeTarget('throughput', { host: commune.farAddr, port: speedtest.port, timeoutSeconds: TIMEOUT_SECONDS, options: { mode: 'http', ...OPTIONS } }),
        { ...makeCtx(TIMEOUT_SECONDS), speedtest: { token: speedtest.token } },
      )
      const httpSeconds = (performance.now() - started) / 1000
      const between = await commune.counters()
      const viaIperf = await checkThroughput(
        makeTarget('throughput', { host: commune.farAddr, port: iperf.port, timeoutSeconds: TIMEOUT_SECONDS, options: { mode: 'iperf3', ...OPTIONS } }),
        makeCtx(TIMEOUT_SECONDS, { iperf3 }),
      )
      const iperfSeconds = (performance.now() - started) / 1000 - httpSeconds
      const after = await commune.counters()

      const capBytesPerSecond = (capMbit * 1e6) / 8
      const expected = capBytesPerSecond * GOODPUT_PER_L2_BYTE
      const mbit = (bps: number | undefined) => (((bps ?? NaN) * 8) / 1e6).toFixed(2)
      const pct = (bps: number | undefined) => (((bps ?? NaN) / capBytesPerSecond) * 100).toFixed(1)
      console.info(
        [
          `cap ${capMbit} Mbit/s (expected goodput ${mbit(expected)} Mbit/s):`,
          `  http   down ${mbit(http.measurements.download_bytes_per_second)} (${pct(http.measurements.download_bytes_per_second)} %)` +
            ` up ${mbit(http.measurements.upload_bytes_per_second)} (${pct(http.measurements.upload_bytes_per_second)} %)` +
            ` idle rtt ${((http.measurements.idle_rtt_seconds ?? NaN) * 1e3).toFixed(2)} ms loaded rtt ${((http.measurements.loaded_rtt_seconds ?? NaN) * 1e3).toFixed(1)} ms` +
            ` in ${httpSeconds.toFixed(1)} s${http.error ? ` ERROR ${http.error}` : ''}`,
          `  iperf3 down ${mbit(viaIperf.measurements.download_bytes_per_second)} (${pct(viaIperf.measurements.download_bytes_per_second)} %)` +
            ` up ${mbit(viaIperf.measurements.upload_bytes_per_second)} (${pct(viaIperf.measurements.upload_bytes_per_second)} %)` +
            ` in ${iperfSeconds.toFixed(1)} s${viaIperf.error ? ` ERROR ${viaIperf.error}` : ''}`,
        ].join('\n'),
      )
      expect(http, http.error).toMatchObject({ ok: true })
      expect(viaIperf, viaIperf.error).toMatchObject({ ok: true })

      for (const dir of ['download', 'upload'] as const) {
        const key = `${dir}_bytes_per_second`
        const h = http.measurements[key] ?? NaN
        const i = viaIperf.measurements[key] ?? NaN
        expect(h / expected, `http ${dir} / expected goodput`).toBeGreaterThanOrEqual(1 - TOLERANCE)
        expect(h / expected, `http ${dir} / expected goodput`).toBeLessThanOrEqual(1 + TOLERANCE)
        expect(i / expected, `iperf3 ${dir} / expected goodput`).toBeGreaterThanOrEqual(1 - TOLERANCE)
        expect(i / expected, `iperf3 ${dir} / expected goodput`).toBeLessThanOrEqual(1 + TOLERANCE)
        expect(h / i, `http / iperf3 ${dir}`).toBeGreaterThanOrEqual(1 - TOLERANCE)
        expect(h / i, `http / iperf3 ${dir}`).toBeLessThanOrEqual(1 + TOLERANCE)
      }
      // What each run says it moved went through this veth (L2 bytes ≥ payload bytes): nothing
      // was counted that the line did not carry, and nothing went elsewhere.
      const wire = (a: typeof before, b: typeof before) => ({ up: b.txBytes - a.txBytes, down: b.rxBytes - a.rxBytes })
      const httpWire = wire(before, between)
      const iperfWire = wire(between, after)
      console.info(
        `  veth bytes: http run up ${httpWire.up} / reported ${http.measurements.upload_bytes}, down ${httpWire.down} / reported ${http.measurements.download_bytes};` +
          ` iperf3 run up ${iperfWire.up} / reported ${viaIperf.measurements.upload_bytes}, down ${iperfWire.down} / reported ${viaIperf.measurements.download_bytes}`,
      )
      expect(httpWire.up).toBeGreaterThanOrEqual(http.measurements.upload_bytes ?? Infinity)
      expect(httpWire.down).toBeGreaterThanOrEqual(http.measurements.download_bytes ?? Infinity)
      expect(iperfWire.down).toBeGreaterThanOrEqual(viaIperf.measurements.download_bytes ?? Infinity)
      // Not asserted (known issue in probes/checks/throughput-iperf3.ts): iperf3-mode
      // `upload_bytes` sums the CLIENT's interval bytes, which in upload (non -R) runs are the
      // sender's count (bytes written into socket buffers), not the receiver's; measured here it
      // exceeds what the veth carried by ~2 MB (15 % at 20 Mbit/s, 4 % at 100 Mbit/s). The rate
      // itself (end.sum_received) is right. Assert `iperfWire.up >= upload_bytes` once fixed.
    })
  }

  describe.sequential('grading against a 100 Mbit/s contract', () => {
    let xanh: TestServer
    const GRADE_OPTIONS = { streams: 4, warmupSeconds: 1, durationSeconds: 3 }
    const CASES = [
      { cap: 60, state: 'warning', severity: 1, reason: 'line:throughput' },
      { cap: 40, state: 'critical', severity: 2, reason: 'line:throughput' },
      { cap: 95, state: 'ok', severity: 0, reason: 'line:ok' },
    ] as const
    beforeAll(() => {
      xanh = makeTestServer({
        realTime: true,
        communes: CASES.map((c) => communeInput(`KS-${c.cap}`, { name: `Xã Mường Lống ${c.cap}`, districtCluster: 'Cụm Kỳ Sơn', contractedMbps: 100 })),
        targets: CASES.map((c) =>
          udpTarget(`ks-${c.cap}-speed`, `KS-${c.cap}`, 'line', { kind: 'throughput', host: commune.farAddr, port: speedtest.port, intervalSeconds: 21600, timeoutSeconds: 30, options: { mode: 'http', ...GRADE_OPTIONS } }),
        ),
      })
    })
    afterAll(() => xanh?.close())

    for (const c of CASES) {
      it(`cap ${c.cap} Mbit/s → ${c.state} (reason and figure in the API and /metrics); iperf3 agrees ±10 %`, { timeout: 60_000 }, async () => {
        await commune.rateLimit(c.cap)
        const observedAt = new Date().toISOString()
        const http = await checkThroughput(
          makeTarget('throughput', { host: commune.farAddr, port: speedtest.port, timeoutSeconds: TIMEOUT_SECONDS, options: { mode: 'http', ...GRADE_OPTIONS } }),
          { ...makeCtx(TIMEOUT_SECONDS), speedtest: { token: speedtest.token } },
        )
        const viaIperf = await checkThroughput(
          makeTarget('throughput', { host: commune.farAddr, port: iperf.port, timeoutSeconds: TIMEOUT_SECONDS, options: { mode: 'iperf3', ...GRADE_OPTIONS } }),
          makeCtx(TIMEOUT_SECONDS, { iperf3 }),
        )
        expect(http, http.error).toMatchObject({ ok: true })
        expect(viaIperf, viaIperf.error).toMatchObject({ ok: true })
        const down = http.measurements.download_bytes_per_second ?? NaN
        const up = http.measurements.upload_bytes_per_second ?? NaN
        console.info(
          `grading cap ${c.cap}: http ${((down * 8) / 1e6).toFixed(1)} / ${((up * 8) / 1e6).toFixed(1)} Mbit/s, iperf3 ${(((viaIperf.measurements.download_bytes_per_second ?? NaN) * 8) / 1e6).toFixed(1)} / ${(((viaIperf.measurements.upload_bytes_per_second ?? NaN) * 8) / 1e6).toFixed(1)}`,
        )
        for (const key of ['download_bytes_per_second', 'upload_bytes_per_second'] as const) {
          const ratio = (http.measurements[key] ?? NaN) / (viaIperf.measurements[key] ?? NaN)
          expect(ratio, `http / iperf3 ${key}`).toBeGreaterThanOrEqual(1 - TOLERANCE)
          expect(ratio, `http / iperf3 ${key}`).toBeLessThanOrEqual(1 + TOLERANCE)
        }

        // The measured result goes through Xanh's own ingest, as an agent would ship it.
        const id = `ks-${c.cap}-speed`
        const res = await xanh.runtime.app.request('/api/v1/ingest', {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${xanh.token}` },
          body: JSON.stringify(batch(xanh.probeId, [{ id: randomUUID(), targetId: id, kind: 'throughput', observedAt, durationSeconds: 10, ok: true, measurements: http.measurements }])),
        })
        expect(res.status).toBe(202)
        xanh.runtime.tick()

        const detail = (await (await xanh.runtime.app.request(`/api/v1/communes/KS-${c.cap}`, { headers: xanh.as('viewer') })).json()) as CommuneDetail
        expect(detail.commune.state).toBe(c.state)
        expect(detail.commune.reason).toBe(c.reason)
        const target = detail.targets.find((t) => t.id === id)
        expect(target?.state).toBe(c.state)
        const dl = target?.verdicts.find((v) => v.rule === 'throughput' && v.part === 'download')
        expect(dl?.value).toBeCloseTo(down, 0)
        expect(dl?.contracted).toBe(100e6 / 8)
        if (c.state !== 'ok') {
          expect(detail.commune.verdict).toMatchObject({ rule: 'throughput', state: c.state, threshold: c.state === 'warning' ? 80e6 / 8 : 50e6 / 8 })
          expect(detail.commune.throughput?.state).toBe(c.state)
        }

        const metrics = await (await xanh.runtime.app.request('/metrics')).text()
        const labels = `target="${id}",commune_code="KS-${c.cap}",kind="throughput",role="line"`
        expect(metrics).toContain(`xanh_target_reason{${labels},reason="${c.state === 'ok' ? 'ok' : 'throughput'}"} 1`)
        expect(metrics).toContain(`xanh_commune_reason{commune_code="KS-${c.cap}",role="line",reason="${c.state === 'ok' ? 'ok' : 'throughput'}"} 1`)
        const value = new RegExp(`^xanh_verdict_value\\{${labels.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')},rule="throughput",part="download"\\} (\\S+)$`, 'm').exec(metrics)
        expect(Number(value?.[1])).toBeCloseTo(down, 0)
        const worst = Math.max(...(['download', 'upload'] as const).map((p) => Number(new RegExp(`^xanh_verdict_severity\\{[^}]*target="${id}"[^}]*part="${p}"\\} (\\S+)$`, 'm').exec(metrics)?.[1])))
        expect(worst).toBe(c.severity)
      })
    }
  })
})
