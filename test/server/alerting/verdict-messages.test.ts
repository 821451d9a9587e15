/**
 * Alerts carry the figure and the threshold (issue 10): a throughput below contract pages with
 * "Tải xuống 57 Mbit/s < 80 Mbit/s (0,8 × hợp đồng 100 Mbit/s)", incidents name their target and
 * check kind, and follow the target's current state (down → degraded renames the incident).
 * Real runtime (engine, SQLite incidents, dispatcher, outbox) and a real HTTP receiver.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { commune, makeTestServer, udpTarget, type TestServer } from '../../helpers/server'
import { startRecordServer, type RecordServer } from '../../helpers/record-server'

let s: TestServer
let hook: RecordServer
const MBIT = 1e6 / 8

beforeEach(async () => {
  hook = await startRecordServer()
  s = makeTestServer({
    communes: [commune('KS-ML', { name: 'Xã Mường Lống', districtCluster: 'Cụm Kỳ Sơn', contractedMbps: 100 })],
    targets: [
      udpTarget('ml-line', 'KS-ML', 'line', { name: 'Đường truyền Mường Lống' }),
      udpTarget('ml-speed', 'KS-ML', 'line', { kind: 'throughput', name: 'Đo tốc độ Mường Lống', intervalSeconds: 6 * 3600, timeoutSeconds: 60, options: {} }),
      udpTarget('ml-sip', 'KS-ML', 'mcu', { kind: 'sip', port: 5060, name: 'Điểm cầu Mường Lống (SIP)', intervalSeconds: 15, parents: ['ml-line'], options: {} }),
      udpTarget('ml-h323', 'KS-ML', 'mcu', { kind: 'h323', port: 1720, name: 'Điểm cầu Mường Lống (H.323)', intervalSeconds: 15, parents: ['ml-line'], options: {} }),
    ],
  })
  s.runtime.store.supportGroups.create({ name: 'Tổ hỗ trợ Kỳ Sơn', channels: [{ type: 'webhook', url: `${hook.url}/hook` }], communes: [], clusters: ['Cụm Kỳ Sơn'], escalation: [] })
  s.runtime.reloadInventory()
})
afterEach(async () => {
  s.close()
  await hook.close()
})

type Hook = { alerts: Array<{ labels: Record<string, string>; annotations: Record<string, string> }> }

async function rounds(n: number, results: (at: number) => Array<{ targetId: string; ok: boolean; measurements: Record<string, number> }>): Promise<void> {
  for (let i = 0; i < n; i++) {
    s.clock.now += 15_000
    s.runtime.engine.ingest(results(s.clock.now).map((r) => ({ ...r, observedAt: s.clock.now, error: r.ok ? null : `timeout after 5s waiting for 127.0.0.1 (${r.targetId})` })))
    for (let k = 0; k < 3; k++) {
      s.clock.now += 5_000
      s.runtime.tick()
      await s.runtime.alerting.outbox.deliverDue()
    }
    s.clock.now -= 15_000
  }
}
const line = { targetId: 'ml-line', ok: true, measurements: { rtt_median_seconds: 0.005, sent: 50, received: 50, jitter_seconds: 0.001 } }

describe('alerts say value vs threshold and name the check', () => {
  it('a line at 57 Mbit/s of a 100 Mbit/s contract pages the cluster group with the figure', async () => {
    let first = true
    await rounds(4, () => {
      const out = [line]
      if (first) out.push({ targetId: 'ml-speed', ok: true, measurements: { download_bytes_per_second: 57.1 * MBIT, upload_bytes_per_second: 57.2 * MBIT } } as never)
      first = false
      return out
    })
    const body = hook.requests.at(-1)?.body as Hook
    expect(body).toBeDefined()
    const alert = body.alerts.find((a) => a.labels.target === 'ml-speed')
    expect(alert?.labels).toMatchObject({ target_name: 'Đo tốc độ Mường Lống', kind: 'throughput', cluster: 'Cụm Kỳ Sơn', severity: 'warning' })
    expect(alert?.annotations).toMatchObject({ rule: 'throughput', part: 'download', unit: 'bytes_per_second', threshold: String(80 * MBIT) })
    expect(Number(alert?.annotations.value)).toBeCloseTo(57.1 * MBIT, 0)
    expect(alert?.annotations.summary).toContain('Tải xuống 57 Mbit/s < 80 Mbit/s (0,8 × hợp đồng 100 Mbit/s)')
    expect(alert?.annotations.summary).toContain('[đo tốc độ]')
    const [incident] = s.runtime.alerting.list('open', 10)
    expect(incident).toMatchObject({ targetName: 'Đo tốc độ Mường Lống', kind: 'throughput', reason: 'throughput', alertname: 'XanhTargetDegraded' })
    expect(incident?.verdict).toMatchObject({ rule: 'throughput', state: 'warning', threshold: 80 * MBIT })
    expect(incident?.summary).toContain('Download 57 Mbit/s < 80 Mbit/s')
  })

  it("a commune's two MCU incidents are told apart by target name and check kind", async () => {
    await rounds(5, () => [line, { targetId: 'ml-sip', ok: false, measurements: {} }, { targetId: 'ml-h323', ok: false, measurements: {} }])
    const mcu = s.runtime.alerting.list('open', 10).filter((i) => i.role === 'mcu')
    expect(mcu.map((i) => [i.targetName, i.kind]).sort()).toEqual([
      ['Điểm cầu Mường Lống (H.323)', 'h323'],
      ['Điểm cầu Mường Lống (SIP)', 'sip'],
    ])
    expect(new Set(mcu.map((i) => i.summary)).size).toBe(2)
  })

  it('an incident follows its target from down to a latency warning: name, severity and summary change', async () => {
    await rounds(4, () => [{ targetId: 'ml-line', ok: false, measurements: { sent: 50, received: 0 } }])
    const [down] = s.runtime.alerting.list('open', 10)
    expect(down).toMatchObject({ alertname: 'XanhTargetDown', severity: 'critical', reason: 'down' })
    await rounds(3, () => [{ targetId: 'ml-line', ok: true, measurements: { rtt_median_seconds: 0.07, sent: 50, received: 50, jitter_seconds: 0.001 } }])
    const [now] = s.runtime.alerting.list('open', 10)
    expect(now?.id).toBe(down?.id)
    expect(now).toMatchObject({ alertname: 'XanhTargetDegraded', severity: 'warning', reason: 'rtt' })
    expect(now?.summary).toContain('warning (rtt)')
    expect(now?.summary).not.toContain(': down')
    const timeline = s.runtime.alerting.get(now?.id as number).timeline ?? []
    expect(timeline.some((e) => e.type === 'severity' && e.detail === 'down → warning (rtt)')).toBe(true)
  })
})
