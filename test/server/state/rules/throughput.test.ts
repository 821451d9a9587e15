import { describe, expect, it } from 'vitest'
import { throughputRule } from '../../../../server/state/rules/throughput'
import { CONTRACT_100, T0, input, mbit, samples } from './input'

const HOUR = 3600
const tests = (mbits: ReadonlyArray<readonly [number, number]>) =>
  samples(
    mbits.map(([d, u]) => ({ download_bytes_per_second: mbit(d), upload_bytes_per_second: mbit(u) })),
    6 * HOUR,
  )

describe('rule throughput: median of the last 3 tests per direction vs contracted (< 0.8 × warning, < 0.5 × critical)', () => {
  it.each([
    ['95 / 94 Mbit/s on 100', [[95, 94]], 'ok', 'ok'],
    ['57 / 57 on 100', [[57, 57]], 'warning', 'warning'],
    ['40 down, 90 up', [[40, 90]], 'critical', 'ok'],
    ['median of three: 30, 90, 95 → 90', [[30, 90], [90, 90], [95, 90]], 'ok', 'ok'],
    ['only the last three count', [[10, 10], [90, 90], [60, 60], [60, 60]], 'warning', 'warning'],
  ] as const)('%s → %s / %s', (_name, rows, down, up) => {
    const recent = tests(rows)
    const verdicts = throughputRule.grade(input({ kind: 'throughput', intervalSeconds: 6 * HOUR, recent }))
    expect(verdicts.map((v) => [v.part, v.state])).toEqual([
      ['download', down],
      ['upload', up],
    ])
    const d = verdicts[0]
    expect(d?.contracted).toBe(CONTRACT_100)
    expect(d?.threshold).toBe(down === 'critical' ? 0.5 * CONTRACT_100 : 0.8 * CONTRACT_100)
    expect(d?.factor).toBe(down === 'critical' ? 0.5 : 0.8)
    expect(d?.unit).toBe('bytes_per_second')
    expect(d?.samples).toBe(Math.min(3, rows.length))
  })

  it('a contract of 200 Mbit/s moves the limits (160 / 100 Mbit/s)', () => {
    const [d] = throughputRule.grade(input({ kind: 'throughput', intervalSeconds: 6 * HOUR, recent: tests([[150, 150]]), contracted: mbit(200) }))
    expect(d).toMatchObject({ state: 'warning', threshold: mbit(160) })
  })

  it('is stale without a test within 2 × its interval, and says when the figure was true', () => {
    const recent = tests([[95, 95]])
    const fresh = throughputRule.grade(input({ kind: 'throughput', intervalSeconds: 6 * HOUR, recent, now: T0 + 12 * HOUR * 1000 }))
    expect(fresh[0]?.state).toBe('ok')
    const stale = throughputRule.grade(input({ kind: 'throughput', intervalSeconds: 6 * HOUR, recent, now: T0 + 12 * HOUR * 1000 + 1 }))
    expect(stale.map((v) => v.state)).toEqual(['stale', 'stale'])
    expect(stale[0]?.value).toBe(mbit(95))
    expect(stale[0]?.at).toBe(new Date(T0).toISOString())
    expect(throughputRule.timeDependent).toBe(true)
  })

  it('nothing to judge before the first successful test', () => {
    expect(throughputRule.grade(input({ kind: 'throughput', recent: [] }))).toEqual([])
  })
})
