/**
 * Every metric name that the shipped rules and dashboards query exists on a live Xanh's
 * /metrics (or is a recording rule they ship, or Prometheus's own `up`): a renamed metric
 * cannot silently blank a panel or disarm an alert.
 */
import { spawnSync } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startMetricsFixture, type MetricsFixture } from '../helpers/metrics-fixture'
import { metricNamesIn, shippedDashboardExprs, shippedRules } from '../helpers/promql'
import { toolOrSkip } from '../helpers/system-tool'

const promtool = toolOrSkip('promtool', 'promtool check metrics on the full exposition')

/** Series Prometheus makes itself for every scrape. */
const PROMETHEUS_SERIES = new Set(['up'])

let f: MetricsFixture
let text = ''
const exported = new Set<string>()
const sampled = new Set<string>()

beforeAll(async () => {
  f = await startMetricsFixture()
  text = await (await fetch(`${f.url}/metrics`)).text()
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) /.exec(line)
    if (type?.[1]) exported.add(type[1])
    else if (line && !line.startsWith('#')) {
      exported.add(line.slice(0, line.search(/[{ ]/)))
      sampled.add(line.slice(0, line.search(/[{ ]/)))
    }
  }
})
afterAll(() => f?.close())

describe('PromQL in deploy/ against a live /metrics', () => {
  const { exprs: ruleExprs, recorded } = shippedRules()
  const dashboardExprs = shippedDashboardExprs()

  it('finds the expressions (rules and dashboard panels and variables)', () => {
    expect(ruleExprs.length).toBe(20)
    expect(recorded.size).toBe(7)
    expect(dashboardExprs.length).toBeGreaterThan(20)
  })

  it.each([...ruleExprs, ...dashboardExprs].map((e) => [e.where, e.expr] as const))('%s', (_where, expr) => {
    const names = metricNamesIn(expr)
    expect(names.length).toBeGreaterThan(0)
    for (const name of names) {
      const known = exported.has(name) || recorded.has(name) || PROMETHEUS_SERIES.has(name)
      expect(known, `${name} is neither on /metrics nor a shipped recording rule`).toBe(true)
    }
  })

  it.skipIf(!promtool)('promtool check metrics is clean on an exposition with every check kind', () => {
    const r = spawnSync(promtool as string, ['check', 'metrics'], { input: text, encoding: 'utf8' })
    expect(r.stdout + r.stderr).toBe('')
    expect(r.status).toBe(0)
  })

  it('the exposition has samples for the families the alerts are about', () => {
    for (const name of ['xanh_target_up', 'xanh_target_unreachable', 'xanh_throughput_bytes_per_second', 'xanh_link_contracted_bytes_per_second', 'xanh_throughput_last_test_timestamp_seconds', 'xanh_packets_sent_total', 'xanh_packets_received_total', 'xanh_mos_estimate', 'xanh_probe_last_seen_timestamp_seconds', 'xanh_commune_state', 'xanh_commune_info', 'xanh_rtt_seconds', 'xanh_packet_loss_ratio', 'probe_success', 'xanh_link_utilization_ratio']) {
      expect(sampled.has(name), name).toBe(true)
    }
  })
})
