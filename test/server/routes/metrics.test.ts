import { spawnSync } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildDemoInventory } from '../../../server/demo/province'
import { batch, makeTestServer, result, type TestServer } from '../../helpers/server'
import { toolOrSkip } from '../../helpers/system-tool'

const promtool = toolOrSkip('promtool', '/metrics format check')
let s: TestServer
let text = ''
const demo = buildDemoInventory(77)

beforeAll(async () => {
  s = makeTestServer({ communes: demo.communes, targets: demo.targets.map((t) => ({ ...t, probeId: null })) })
  const first = demo.targets[0]
  if (!first) throw new Error('demo has no targets')
  // The test probe does not own the demo targets (probeId null) but may still report for them.
  await s.runtime.app.request('/api/v1/ingest', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${s.token}` },
    body: JSON.stringify(batch(s.probeId, [result(first.id, s.clock.now)])),
  })
  const res = await s.runtime.app.request('/metrics')
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/)
  text = await res.text()
})
afterAll(() => s.close())

describe('GET /metrics', () => {
  it('has every commune in xanh_commune_info and a full state-set in xanh_commune_state', () => {
    for (const c of demo.communes) {
      expect(text).toContain(`xanh_commune_info{commune_code="${c.code}",commune="${c.name}"`)
      for (const st of ['ok', 'warning', 'critical', 'down', 'unknown']) expect(text).toContain(`xanh_commune_state{commune_code="${c.code}",state="${st}"}`)
    }
    const ones = text.split('\n').filter((l) => l.startsWith('xanh_commune_state{') && l.endsWith(' 1'))
    expect(ones).toHaveLength(demo.communes.length)
  })

  it('exports the measured target and the ingest counter', () => {
    const first = demo.targets[0]
    expect(text).toMatch(new RegExp(`probe_success\\{target="${first?.id}",[^}]*\\} 1`))
    expect(text).toMatch(new RegExp(`xanh_rtt_seconds\\{target="${first?.id}",[^}]*\\} 0.01`))
    expect(text).toContain('xanh_ingest_results_total{result="accepted"} 1')
    expect(text).toContain('process_cpu_seconds_total')
  })

  it.skipIf(!promtool)('passes promtool check metrics', () => {
    const r = spawnSync(promtool as string, ['check', 'metrics'], { input: text, encoding: 'utf8' })
    expect(r.stdout + r.stderr).toBe('')
    expect(r.status).toBe(0)
  })
})
