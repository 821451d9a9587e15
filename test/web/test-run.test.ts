import { describe, expect, it } from 'vitest'
import type { TestRunView } from '../../protocol'
import { TestRunModel } from '../../web/src/models/test-run'
import { sortCommunes } from '../../web/src/models/communes'
import { FakeClock, commune, stubApi } from './fakes'

const flush = () => new Promise((r) => setTimeout(r, 0))
const run = (state: TestRunView['state'], targetState: 'sent' | 'done' = 'sent'): TestRunView => ({
  id: 'r1',
  communeCode: 'KS-ML',
  requestedBy: 'vanhanh',
  requestedAt: '2025-07-01T03:00:00.000Z',
  expiresAt: '2025-07-01T03:02:00.000Z',
  state,
  targets: [{ targetId: 'ml-speed', kind: 'throughput', probeId: 'p', state: targetState, sentAt: null, resultAt: targetState === 'done' ? '2025-07-01T03:00:12.000Z' : null, ok: targetState === 'done' ? true : null, error: null, measurements: targetState === 'done' ? { download_bytes_per_second: 7e6 } : null }],
})

describe('TestRunModel ("Đo ngay")', () => {
  it('starts a run and follows it each second until it is done, then stops', async () => {
    const clock = new FakeClock()
    const answers = [run('running'), run('running'), run('done', 'done')]
    let polls = 0
    const m = new TestRunModel({
      api: stubApi({
        startTestRun: async (code) => ({ ok: true, data: { ...run('running'), communeCode: code } }),
        testRun: async () => ({ ok: true, data: answers[Math.min(polls++, answers.length - 1)] as TestRunView }),
      }),
      clock,
    })
    await m.start('KS-ML')
    expect(m.run.value?.state).toBe('running')
    for (let i = 0; i < 3; i++) {
      clock.advance(1000)
      await flush()
    }
    expect(m.run.value?.state).toBe('done')
    expect(m.run.value?.targets[0]?.measurements).toEqual({ download_bytes_per_second: 7e6 })
    expect(clock.pending).toBe(0)
  })

  it('shows the refusal of a viewer and forgets the run on another commune', async () => {
    const m = new TestRunModel({ api: stubApi({ startTestRun: async () => ({ ok: false, error: { code: 'E_FORBIDDEN', message: 'operator role required', status: 403 } }) }), clock: new FakeClock() })
    await m.start('KS-ML')
    expect(m.error.value?.code).toBe('E_FORBIDDEN')
    m.reset()
    expect(m.error.value).toBeNull()
  })
})

describe('commune table: throughput columns sort by share of the contract', () => {
  it('a 57 Mbit/s line on 100 sorts before 150 on 200; communes without a test go last', () => {
    const MB = 1e6 / 8
    const tp = (down: number, contract: number) => ({ downloadBytesPerSecond: down * MB, uploadBytesPerSecond: down * MB, downloadState: 'ok' as const, uploadState: 'ok' as const, contractedBytesPerSecond: contract * MB, state: 'ok' as const, testedAt: null })
    const rows = [commune('A', { throughput: tp(150, 200) }), commune('B'), commune('C', { throughput: tp(57, 100) })]
    expect(sortCommunes(rows, 'download', 'asc').map((c) => c.code)).toEqual(['C', 'A', 'B'])
    expect(sortCommunes(rows, 'download', 'desc').map((c) => c.code)).toEqual(['A', 'C', 'B'])
  })
})
