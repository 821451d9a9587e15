/**
 * A Xanh with something to say on /metrics: every check kind, a down commune, an unreachable
 * target, a silent commune and coverage gaps, listening on 127.0.0.1:0 for scrapers.
 */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import type { CheckResult, TargetInput } from '../../protocol'
import { batch, commune, makeTestServer, result, udpTarget, type TestServer } from './server'

export interface MetricsFixture {
  s: TestServer
  url: string
  /** Accept headers of the scrapes served so far. */
  accepts: string[]
  close(): Promise<void>
}

const t = (id: string, code: string, role: TargetInput['role'], over: Partial<TargetInput>): TargetInput => udpTarget(id, code, role, over)

/**
 * Communes OK-1 (all kinds answering), DOWN-2 (line down: 3 failed rounds), UNR-3 (its line
 * depends on DOWN-2's line: unreachable), SIL-4 (never reported: unknown).
 */
export async function startMetricsFixture(env: Record<string, string> = {}): Promise<MetricsFixture> {
  const targets: TargetInput[] = [
    t('ok1-line', 'OK-1', 'line', { kind: 'icmp', port: undefined, intervalSeconds: 15 }),
    t('ok1-udp', 'OK-1', 'line', {}),
    t('ok1-mcu', 'OK-1', 'mcu', { kind: 'sip', port: 5060, intervalSeconds: 60 }),
    t('ok1-h323', 'OK-1', 'mcu', { kind: 'h323', port: 1720, intervalSeconds: 60 }),
    t('ok1-web', 'OK-1', 'service', { kind: 'http', port: 80, intervalSeconds: 60 }),
    t('ok1-tcp', 'OK-1', 'service', { kind: 'tcp', port: 443, intervalSeconds: 60, options: { tls: true } }),
    t('ok1-dns', 'OK-1', 'service', { kind: 'dns', port: 53, intervalSeconds: 60, options: { name: 'dichvucong.gov.vn' } }),
    t('ok1-tput', 'OK-1', 'line', { kind: 'throughput', port: 8080, intervalSeconds: 21600, timeoutSeconds: 30 }),
    t('ok1-snmp', 'OK-1', 'router', { kind: 'snmp', port: 161, intervalSeconds: 60, options: { ifIndex: 2 } }),
    t('down2-line', 'DOWN-2', 'line', {}),
    t('unr3-line', 'UNR-3', 'line', { parents: ['down2-line'] }),
    t('sil4-line', 'SIL-4', 'line', {}),
  ]
  const s = makeTestServer({
    communes: [
      commune('OK-1', { name: 'Xã Yên Thành', districtCluster: 'Cụm Yên Thành' }),
      commune('DOWN-2', { name: 'Xã Kỳ Sơn', districtCluster: 'Cụm Kỳ Sơn', contractedMbps: 200 }),
      commune('UNR-3', { name: 'Xã Mường Típ', districtCluster: 'Cụm Kỳ Sơn' }),
      commune('SIL-4', { name: 'Phường Vinh Tân', kind: 'phuong', districtCluster: 'Cụm Vinh' }),
    ],
    targets,
    env,
  })
  s.runtime.store.addGap({ communeCode: 'DOWN-2', hamlet: 'Bản Huồi Giảng', kind: 'no_mobile', population: 420, households: 96, since: null, plannedFix: null, fixedAt: null, source: '' })
  s.runtime.reloadInventory()
  const now = s.clock.now
  const rs: CheckResult[] = [
    result('ok1-line', now - 2000, { kind: 'icmp', m: { sent: 15, received: 15, mos_estimate: 4.38 } }),
    result('ok1-udp', now - 2000, { m: { duplicates: 0, reordered: 1, mos_estimate: 4.4 } }),
    result('ok1-mcu', now - 2000, { kind: 'sip', measurements: { status_code: 200, response_seconds: 0.012 } }),
    result('ok1-h323', now - 2000, { kind: 'h323', measurements: { connect_seconds: 0.004 } }),
    result('ok1-web', now - 2000, { kind: 'http', measurements: { status_code: 200, http_dns_seconds: 0.001, http_connect_seconds: 0.004, http_ttfb_seconds: 0.03, http_transfer_seconds: 0.002, body_bytes: 5120 } }),
    result('ok1-tcp', now - 2000, { kind: 'tcp', measurements: { connect_seconds: 0.004, tls_seconds: 0.02, cert_expiry_timestamp_seconds: 1_830_000_000 } }),
    result('ok1-dns', now - 2000, { kind: 'dns', measurements: { lookup_seconds: 0.008, answers: 2 } }),
    result('ok1-tput', now - 2000, { kind: 'throughput', measurements: { download_bytes_per_second: 11.2e6, upload_bytes_per_second: 11.0e6, loaded_rtt_seconds: 0.041, download_bytes: 9e7, upload_bytes: 7e7 } }),
    result('ok1-snmp', now - 2000, { kind: 'snmp', measurements: { in_bytes_per_second: 4.1e6, out_bytes_per_second: 0.9e6, utilization_ratio_in: 0.33, utilization_ratio_out: 0.07, oper_status: 1 } }),
    ...[3, 2, 1].flatMap((k) => [
      result('down2-line', now - k * 15_000, { ok: false, error: '100% loss to 127.0.0.1 (50 sent)', m: { received: 0, loss_ratio: 1 } }),
      result('unr3-line', now - k * 15_000, { ok: false, error: '100% loss to 127.0.0.1 (50 sent)', m: { received: 0, loss_ratio: 1 } }),
    ]),
  ]
  const res = await s.runtime.app.request('/api/v1/ingest', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${s.token}` },
    body: JSON.stringify(batch(s.probeId, rs)),
  })
  if (res.status !== 202) throw new Error(`fixture ingest answered ${res.status}: ${await res.text()}`)
  s.runtime.tick()

  const accepts: string[] = []
  const app = s.runtime.app
  const server = await new Promise<Server>((resolve) => {
    const srv = serve(
      {
        fetch: (req: Request) => {
          if (new URL(req.url).pathname === '/metrics') accepts.push(req.headers.get('accept') ?? '')
          return app.fetch(req)
        },
        port: 0,
        hostname: '127.0.0.1',
      },
      () => resolve(srv as Server),
    )
  })
  const { port } = server.address() as AddressInfo
  return {
    s,
    url: `http://127.0.0.1:${port}`,
    accepts,
    async close() {
      server.closeAllConnections()
      await new Promise<void>((r) => server.close(() => r()))
      s.close()
    },
  }
}
