/**
 * The shipped Prometheus files, with Debian's promtool: the scrape config and rule files are
 * valid, and the rules' unit tests (deploy/prometheus/tests/*.yml) pass.
 */
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { metricNamesIn, DEPLOY } from '../helpers/promql'
import { toolOrSkip } from '../helpers/system-tool'

const promtool = toolOrSkip('promtool', 'promtool check/test of deploy/prometheus')
const dir = join(DEPLOY, 'prometheus')
const files = (sub: string): string[] => readdirSync(join(dir, sub)).filter((f) => f.endsWith('.yml')).map((f) => join(dir, sub, f))

function run(args: string[]): { code: number | null; out: string } {
  const r = spawnSync(promtool as string, args, { cwd: dir, encoding: 'utf8' })
  return { code: r.status, out: r.stdout + r.stderr }
}

describe.skipIf(!promtool)('promtool', () => {
  it('check rules: every rule file is valid', () => {
    const r = run(['check', 'rules', ...files('rules')])
    expect(r.out).toMatch(/SUCCESS: 7 rules found/)
    expect(r.out).toMatch(/SUCCESS: 13 rules found/)
    expect(r.code, r.out).toBe(0)
  })

  it('check config: the example scrape config and the rule files it loads', () => {
    const r = run(['check', 'config', join(dir, 'prometheus.yml')])
    expect(r.code, r.out).toBe(0)
    expect(r.out).toContain('SUCCESS: 2 rule files found')
  })

  it('test rules: the unit tests of the alert and recording rules pass', () => {
    const r = run(['test', 'rules', ...files('tests')])
    expect(r.code, r.out).toBe(0)
    expect(r.out).toContain('SUCCESS')
  })
})

describe('the PromQL lexer used by the name checks', () => {
  it.each([
    ['sum by (state) (xanh_commune_state)', ['xanh_commune_state']],
    ['xanh_a{x=~"a|b"} * on (commune_code) group_left (commune) xanh_b', ['xanh_a', 'xanh_b']],
    ['1 - increase(xanh_r_total[15m]) / increase(xanh_s_total[15m]) > 1e-3', ['xanh_r_total', 'xanh_s_total']],
    ['time() - xanh_t_seconds > 300 and on (target) (xanh:x:y >= 900)', ['xanh_t_seconds', 'xanh:x:y']],
    ['label_values(xanh_commune_info{cluster=~"$cluster"}, commune_code)', ['xanh_commune_info']],
    ['rate(x_total[$__rate_interval]) offset 5m', ['x_total']],
  ])('%s', (expr, names) => {
    expect(metricNamesIn(expr).sort()).toEqual([...names].sort())
  })
})
