/**
 * Debian's real Prometheus alerting through Xanh (issue 11, done-when 3). Prometheus scrapes a
 * tiny exposition (two commune lines down) every second, evaluates two alerting rules every
 * second and posts to a running Xanh's `POST /api/v2/alerts` with the alerts token, as it would
 * post to Alertmanager (api_version v2). Rule B's expression is long enough that Prometheus's
 * generatorURL passes 5,000 characters. Both incidents must open with the commune's name and
 * cluster from the inventory, the cluster's support group must get a webhook naming both, and
 * when the lines come back Prometheus's resolved alerts (endsAt = the resolving evaluation) must
 * resolve both incidents. Loopback only; every wait has a deadline.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { serve } from '@hono/node-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { IncidentView } from '../../protocol'
import { ensureFirstAdmin } from '../../server/auth'
import { json, listenFake, type FakeHttp } from '../helpers/fake-http'
import { commune, makeTestServer, type TestServer } from '../helpers/server'
import { freePort, pollUntil } from '../helpers/poll'
import { toolOrSkip } from '../helpers/system-tool'

const prometheusBin = toolOrSkip('prometheus', 'the real-Prometheus alert input test')
const TOKEN = 'prometheus-alerts-token-0123456789'
const PASSWORD = 'a-long-admin-password'
const admin = { authorization: `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}` }
/** Alternatives that match no series: they only make rule B's expression (and so its generatorURL) long. */
const FILLER = Array.from({ length: 600 }, (_, i) => `KS-X${String(i).padStart(4, '0')}`).join('|')

let s: TestServer | undefined
let xanh: Server | undefined
let ticker: NodeJS.Timeout | undefined
let exposition: FakeHttp | undefined
let receiver: FakeHttp | undefined
let prom: ChildProcess | undefined
let promUrl = ''
let dir = ''
let lineDown = 1
/** Status of every `POST /api/v2/alerts` Xanh answered. */
const posts: number[] = []
const promLog: string[] = []

const until = <T>(what: string, fn: () => T | undefined | Promise<T | undefined>, ms = 20_000): Promise<T> =>
  pollUntil(what, fn, { timeoutMs: ms, everyMs: 200, context: () => `posts: ${posts.join(',')}\n${promLog.join('').slice(-3000)}` })

interface WebhookBody {
  status: string
  alerts: Array<{ status: string; labels: Record<string, string>; annotations: Record<string, string> }>
}
const webhooks = (): WebhookBody[] => (receiver?.requests ?? []).map((r) => JSON.parse(r.body) as WebhookBody)

const ours = (rows: IncidentView[]): IncidentView[] => rows.filter((i) => i.alertname.startsWith('XanhTestLineDown'))

beforeAll(async () => {
  if (!prometheusBin) return
  s = makeTestServer({
    communes: [
      commune('KS-ML', { name: 'Xã Mường Lống', districtCluster: 'Cụm Kỳ Sơn' }),
      commune('KS-HK', { name: 'Xã Hữu Kiệm', districtCluster: 'Cụm Kỳ Sơn' }),
    ],
    env: { XANH_ALERTS_TOKEN: TOKEN },
    realTime: true,
    // The first message and the resolution go out at the next tick instead of 30 s / 5 min later.
    configYaml: 'alerting:\n  groupWaitSeconds: 0\n  groupIntervalSeconds: 1\n',
  })
  ensureFirstAdmin(s.runtime.store, PASSWORD)
  receiver = await listenFake((_req, res) => json(res, 200, { ok: true }))
  const group = await s.runtime.app.request('/api/v1/groups', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...admin },
    body: JSON.stringify({ name: 'Tổ hỗ trợ Kỳ Sơn', clusters: ['Cụm Kỳ Sơn'], channels: [{ type: 'webhook', url: `${receiver.url}/xanh` }] }),
  })
  expect(group.status).toBe(201)
  s.runtime.reloadInventory()

  const app = s.runtime.app
  xanh = await new Promise<Server>((resolve) => {
    const srv = serve(
      {
        fetch: async (req: Request) => {
          const res = await app.fetch(req)
          if (new URL(req.url).pathname === '/api/v2/alerts') posts.push(res.status)
          return res
        },
        port: 0,
        hostname: '127.0.0.1',
      },
      () => resolve(srv as Server),
    )
  })
  // As main.ts does: the runtime is ticked every second.
  ticker = setInterval(() => s?.runtime.tick(), 1000)

  exposition = await listenFake((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' })
    res.end(['# TYPE xanh_test_line_down gauge', `xanh_test_line_down{commune_code="KS-ML"} ${lineDown}`, `xanh_test_line_down{commune_code="KS-HK"} ${lineDown}`, ''].join('\n'))
  })

  dir = mkdtempSync(join(tmpdir(), 'xanh-prometheus-alerts-'))
  const port = await freePort()
  promUrl = `http://127.0.0.1:${port}`
  const rules = join(dir, 'rules.yml')
  writeFileSync(
    rules,
    [
      'groups:',
      '  - name: xanh-test',
      '    interval: 1s',
      '    rules:',
      '      - alert: XanhTestLineDown',
      `        expr: ${JSON.stringify('xanh_test_line_down{commune_code="KS-ML"} == 1')}`,
      '        for: 0s',
      '        labels: { severity: critical }',
      `        annotations: { summary: ${JSON.stringify('Đường truyền {{ $labels.commune_code }} mất kết nối')} }`,
      '      - alert: XanhTestLineDownLongRule',
      `        expr: ${JSON.stringify(`xanh_test_line_down{commune_code=~"${FILLER}|KS-HK"} == 1`)}`,
      '        for: 0s',
      '        labels: { severity: critical }',
      '',
    ].join('\n'),
  )
  const config = join(dir, 'prometheus.yml')
  writeFileSync(
    config,
    [
      'global:',
      '  scrape_interval: 1s',
      '  scrape_timeout: 1s',
      '  evaluation_interval: 1s',
      `rule_files: [${JSON.stringify(rules)}]`,
      'alerting:',
      '  alertmanagers:',
      '    - api_version: v2',
      '      authorization:',
      `        credentials: ${TOKEN}`,
      '      static_configs:',
      `        - targets: [${JSON.stringify(new URL(`http://127.0.0.1:${(xanh.address() as AddressInfo).port}`).host)}]`,
      'scrape_configs:',
      '  - job_name: commune-lines',
      '    static_configs:',
      `      - targets: [${JSON.stringify(new URL(exposition.url).host)}]`,
      '',
    ].join('\n'),
  )
  prom = spawn(
    prometheusBin,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--web.external-url=${promUrl}/`,
      '--rules.alert.resend-delay=1s',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  prom.stdout?.on('data', (d: Buffer) => promLog.push(d.toString()))
  prom.stderr?.on('data', (d: Buffer) => promLog.push(d.toString()))
  await until('Prometheus to be ready', async () => ((await fetch(`${promUrl}/-/ready`)).ok ? true : undefined))
}, 60_000)

afterAll(async () => {
  if (ticker) clearInterval(ticker)
  if (prom && prom.exitCode === null) {
    const exited = new Promise((r) => prom?.once('exit', r))
    prom.kill('SIGTERM')
    const timer = setTimeout(() => prom?.kill('SIGKILL'), 5000)
    await exited
    clearTimeout(timer)
  }
  if (xanh) await new Promise((r) => xanh?.close(r))
  await exposition?.close()
  await receiver?.close()
  s?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe.skipIf(!prometheusBin)('a real Prometheus alerting through Xanh', () => {
  it('opens both incidents with the commune name and cluster, and tells the cluster’s group', async () => {
    const server = s as TestServer
    const open = await until('both incidents to open', () => {
      const rows = ours(server.runtime.alerting.list('open', 100))
      return rows.length === 2 ? rows : undefined
    })
    const byCommune = Object.fromEntries(open.map((i) => [i.communeCode, i]))
    expect(byCommune['KS-ML']).toMatchObject({ alertname: 'XanhTestLineDown', severity: 'critical', communeName: 'Xã Mường Lống', cluster: 'Cụm Kỳ Sơn' })
    expect(byCommune['KS-ML']?.summary).toBe('Đường truyền KS-ML mất kết nối')
    expect(byCommune['KS-HK']).toMatchObject({ alertname: 'XanhTestLineDownLongRule', severity: 'critical', communeName: 'Xã Hữu Kiệm', cluster: 'Cụm Kỳ Sơn' })

    // Prometheus's generatorURL (external URL + /graph?g0.expr=<the escaped expression>) arrived whole.
    const link = server.runtime.alerting.incidents.get(byCommune['KS-HK']?.id ?? -1)?.annotations.generator_url ?? ''
    expect(link.length).toBeGreaterThan(5000)
    expect(link.startsWith(`${promUrl}/graph?g0.expr=`)).toBe(true)
    expect(decodeURIComponent(new URL(link).searchParams.get('g0.expr') ?? '')).toContain('KS-X0599|KS-HK')
    expect(posts.length).toBeGreaterThan(0)
    expect(posts.every((status) => status === 200)).toBe(true)

    const named = await until('a webhook naming both communes', () => {
      const firing = webhooks().flatMap((b) => b.alerts.filter((a) => a.status === 'firing'))
      const communes = new Set(firing.map((a) => a.labels.commune))
      return communes.has('Xã Mường Lống') && communes.has('Xã Hữu Kiệm') ? firing : undefined
    })
    expect(named.every((a) => a.labels.cluster === 'Cụm Kỳ Sơn')).toBe(true)
    const long = named.find((a) => a.labels.alertname === 'XanhTestLineDownLongRule')
    expect(long?.annotations.generator_url).toBe(link)
  }, 60_000)

  it('resolves both incidents when Prometheus sends them resolved', async () => {
    const server = s as TestServer
    lineDown = 0
    const resolved = await until('both incidents to resolve', () => {
      const rows = ours(server.runtime.alerting.list('all', 100))
      return rows.length === 2 && rows.every((i) => i.state === 'resolved') ? rows : undefined
    })
    // Resolved by the alert Prometheus sent (endsAt = the evaluation that found the line up), not by
    // the end of its last firing alert passing (4 × resend delay later).
    for (const i of resolved) {
      const timeline = server.runtime.alerting.get(i.id).timeline ?? []
      expect(timeline.find((e) => e.type === 'resolved')?.detail).toBe('resolved by the sender')
    }
    await until('a resolved webhook for both', () => {
      const done = webhooks().flatMap((b) => b.alerts.filter((a) => a.status === 'resolved'))
      const communes = new Set(done.map((a) => a.labels.commune))
      return communes.has('Xã Mường Lống') && communes.has('Xã Hữu Kiệm') ? true : undefined
    })
    expect(posts.every((status) => status === 200)).toBe(true)
  }, 60_000)
})
