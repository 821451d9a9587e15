/**
 * Debian's real Prometheus scraping a running Xanh (issue 7, done-when 1): a temporary config
 * (1 s scrapes with the metrics token, the shipped rule files), a temporary TSDB, a free port
 * on 127.0.0.1. After two scrapes its HTTP API must agree with the server's own view on
 * `xanh_commune_state{state="down"}` and `probe_success`, every shipped rule must evaluate
 * cleanly, and the line-down alert must be pending for the down commune only.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startMetricsFixture, type MetricsFixture } from '../helpers/metrics-fixture'
import { DEPLOY } from '../helpers/promql'
import { freePort, pollUntil } from '../helpers/poll'
import { toolOrSkip } from '../helpers/system-tool'

const prometheusBin = toolOrSkip('prometheus', 'the real-Prometheus scrape test')
const TOKEN = 'scrape-test-token-0123456789'

let f: MetricsFixture | undefined
let prom: ChildProcess | undefined
let promUrl = ''
let dir = ''
const promLog: string[] = []

interface Sample {
  metric: Record<string, string>
  value: [number, string]
}

async function api<T>(path: string): Promise<T> {
  const res = await fetch(`${promUrl}${path}`)
  const body = (await res.json()) as { status: string; data: T; error?: string }
  if (body.status !== 'success') throw new Error(`${path}: ${body.error ?? res.status}`)
  return body.data
}

const query = async (q: string): Promise<Sample[]> => (await api<{ result: Sample[] }>(`/api/v1/query?query=${encodeURIComponent(q)}`)).result

const until = <T>(what: string, fn: () => Promise<T | undefined>, ms = 30_000): Promise<T> => pollUntil(what, fn, { timeoutMs: ms, everyMs: 250, context: () => promLog.join('').slice(-3000) })

beforeAll(async () => {
  if (!prometheusBin) return
  f = await startMetricsFixture({ XANH_METRICS_TOKEN: TOKEN })
  dir = mkdtempSync(join(tmpdir(), 'xanh-prometheus-'))
  const port = await freePort()
  promUrl = `http://127.0.0.1:${port}`
  const config = join(dir, 'prometheus.yml')
  writeFileSync(
    config,
    [
      'global:',
      '  scrape_interval: 1s',
      '  scrape_timeout: 1s',
      '  evaluation_interval: 1s',
      'rule_files:',
      `  - ${JSON.stringify(join(DEPLOY, 'prometheus', 'rules', '*.yml'))}`,
      'scrape_configs:',
      '  - job_name: xanh',
      '    authorization:',
      '      type: Bearer',
      `      credentials: ${TOKEN}`,
      '    static_configs:',
      `      - targets: [${JSON.stringify(new URL(f.url).host)}]`,
      '',
    ].join('\n'),
  )
  prom = spawn(prometheusBin, [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  prom.stdout?.on('data', (d: Buffer) => promLog.push(d.toString()))
  prom.stderr?.on('data', (d: Buffer) => promLog.push(d.toString()))
  await until('Prometheus to be ready', async () => ((await fetch(`${promUrl}/-/ready`)).ok ? true : undefined))
  // Two scrapes, the last one successful.
  await until('two scrapes', async () => {
    const [n] = await query('count_over_time(up{job="xanh"}[1m])')
    const [up] = await query('up{job="xanh"}')
    return n && Number(n.value[1]) >= 2 && up?.value[1] === '1' ? true : undefined
  })
}, 60_000)

afterAll(async () => {
  if (prom && prom.exitCode === null) {
    const exited = new Promise((r) => prom?.once('exit', r))
    prom.kill('SIGTERM')
    const timer = setTimeout(() => prom?.kill('SIGKILL'), 5000)
    await exited
    clearTimeout(timer)
  }
  await f?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe.skipIf(!prometheusBin)('a real Prometheus scraping Xanh', () => {
  it('negotiated OpenMetrics and sent the token', () => {
    expect(f?.accepts.length).toBeGreaterThanOrEqual(2)
    expect(f?.accepts[0]).toContain('application/openmetrics-text')
  })

  it('sees the same down communes as the server', async () => {
    const engine = (f as MetricsFixture).s.runtime.engine
    const own = Object.fromEntries(engine.communeSummaries().map((c) => [c.code, c.state === 'down' ? '1' : '0']))
    const seen = Object.fromEntries((await query('xanh_commune_state{state="down"}')).map((s) => [s.metric.commune_code, s.value[1]]))
    expect(seen).toEqual(own)
    expect(own).toEqual({ 'OK-1': '0', 'DOWN-2': '1', 'UNR-3': '1', 'SIL-4': '0' })
  })

  it('sees the same probe_success as the server', async () => {
    const engine = (f as MetricsFixture).s.runtime.engine
    const own = Object.fromEntries(engine.targetViews().flatMap((t) => (t.lastOk === null ? [] : [[t.meta.id, t.lastOk ? '1' : '0']])))
    const seen = Object.fromEntries((await query('probe_success')).map((s) => [s.metric.target, s.value[1]]))
    expect(seen).toEqual(own)
    expect(Object.keys(seen)).toHaveLength(11)
    const labels = (await query('probe_success{target="ok1-mcu"}'))[0]?.metric
    expect(labels).toMatchObject({ job: 'xanh', commune_code: 'OK-1', kind: 'sip', role: 'mcu' })
  })

  it('keeps Vietnamese names in xanh_commune_info', async () => {
    const info = await query('xanh_commune_info{commune_code="UNR-3"}')
    expect(info[0]?.metric).toMatchObject({ commune: 'Xã Mường Típ', cluster: 'Cụm Kỳ Sơn', kind: 'xa' })
  })

  it('evaluates every shipped rule without error', async () => {
    const groups = await until('rules to be evaluated', async () => {
      const data = await api<{ groups: Array<{ name: string; rules: Array<{ name: string; health: string; lastError?: string; lastEvaluation: string }> }> }>('/api/v1/rules')
      const rules = data.groups.flatMap((g) => g.rules)
      return rules.length === 20 && rules.every((r) => !r.lastEvaluation.startsWith('0001')) ? data.groups : undefined
    })
    for (const r of groups.flatMap((g) => g.rules)) expect({ rule: r.name, health: r.health, error: r.lastError ?? '' }).toEqual({ rule: r.name, health: 'ok', error: '' })
    const recorded = await until('a recorded sample', async () => {
      const r = await query('xanh:communes:count')
      return r.length > 0 ? r : undefined
    })
    const counts = Object.fromEntries(recorded.map((s) => [s.metric.state, s.value[1]]))
    expect(counts).toEqual({ ok: '1', warning: '0', critical: '0', down: '2', unknown: '1' })
  })

  it('holds the line-down alert pending for the down commune, not for the unreachable one', async () => {
    const alerts = await until('the line-down alert', async () => {
      const data = await api<{ alerts: Array<{ labels: Record<string, string>; state: string }> }>('/api/v1/alerts')
      const down = data.alerts.filter((a) => a.labels.alertname === 'XanhCommuneLineDown')
      return down.length > 0 ? down : undefined
    })
    expect(alerts.map((a) => [a.labels.commune_code, a.labels.target, a.labels.commune, a.state])).toEqual([['DOWN-2', 'down2-line', 'Xã Kỳ Sơn', 'pending']])
  })
})
