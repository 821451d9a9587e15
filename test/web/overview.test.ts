import { effect } from '@preact/signals'
import { describe, expect, it } from 'vitest'
import type { CommuneSummary, LiveMessage, Overview } from '../../protocol'
import type { Api, ApiResult } from '../../web/src/api'
import { OverviewModel } from '../../web/src/models/overview'
import { FakeClock, commune, countStates, overview, stubApi } from './fakes'

/** An Api whose overview() answers are released by the test. */
function controlledApi() {
  const waiting: ((r: ApiResult<Overview>) => void)[] = []
  let calls = 0
  const api: Api = stubApi({
    overview: () => {
      calls++
      return new Promise((resolve) => waiting.push(resolve))
    },
  })
  return {
    api,
    get calls() {
      return calls
    },
    answer(r: ApiResult<Overview>) {
      const next = waiting.shift()
      if (!next) throw new Error('no request pending')
      next(r)
    },
  }
}

function delta(at: string, communes: CommuneSummary[], all: CommuneSummary[]): LiveMessage {
  return { type: 'delta', at, counts: countStates(all), communes, targets: [] }
}

const flush = () => new Promise((r) => setTimeout(r, 0))

describe('OverviewModel', () => {
  const rows = [commune('A'), commune('B', { state: 'warning' }), commune('C')]

  it('loads, then merges deltas by code and takes the full counts', async () => {
    const ctl = controlledApi()
    const m = new OverviewModel({ api: ctl.api })
    const loading = m.load()
    expect(m.status.value).toBe('loading')
    ctl.answer({ ok: true, data: overview(rows) })
    await loading
    expect(m.status.value).toBe('ready')
    expect(m.counts.value).toMatchObject({ ok: 2, warning: 1 })

    const changed = commune('C', { state: 'down', since: '2025-07-01T03:00:05Z' })
    m.applyLive(delta('2025-07-01T03:00:05Z', [changed], [rows[0]!, rows[1]!, changed]))
    expect(m.communes.value.map((c) => `${c.code}:${c.state}`)).toEqual(['A:ok', 'B:warning', 'C:down'])
    expect(m.counts.value).toMatchObject({ ok: 1, warning: 1, down: 1 })
    expect(m.attention.value.map((c) => c.code)).toEqual(['C', 'B'])
    expect(m.dataTime.value).toBe(Date.parse('2025-07-01T03:00:05Z'))
  })

  it('buffers deltas that arrive during a load and replays only the newer ones', async () => {
    const ctl = controlledApi()
    const m = new OverviewModel({ api: ctl.api })
    const loading = m.load()
    m.applyLive(delta('2025-07-01T02:59:00Z', [commune('A', { state: 'critical' })], rows)) // older than snapshot
    m.applyLive(delta('2025-07-01T03:00:10Z', [commune('B', { state: 'ok' })], rows))
    ctl.answer({ ok: true, data: overview(rows, '2025-07-01T03:00:00Z') })
    await loading
    expect(m.communes.value.map((c) => c.state)).toEqual(['ok', 'ok', 'ok'])
  })

  it('ignores deltas before the first load and shows a load failure as state', async () => {
    const ctl = controlledApi()
    const m = new OverviewModel({ api: ctl.api })
    m.applyLive(delta('2025-07-01T03:00:10Z', [commune('A')], rows))
    expect(m.overview.value).toBeNull()
    const loading = m.load()
    ctl.answer({ ok: false, error: { code: 'E_PARSE', message: 'Invalid option', path: 'communes.0.state' } })
    await loading
    expect(m.status.value).toBe('error')
    expect(m.error.value?.code).toBe('E_PARSE')
  })

  it('refetches on reload, and on a hello newer than the snapshot (reconnect)', async () => {
    const ctl = controlledApi()
    const m = new OverviewModel({ api: ctl.api })
    const first = m.load()
    m.applyLive({ type: 'hello', serverTime: '2025-07-01T02:59:59Z', demo: true }) // during load: wait for it
    expect(ctl.calls).toBe(1)
    ctl.answer({ ok: true, data: overview(rows, '2025-07-01T03:00:00Z') })
    await first
    expect(ctl.calls).toBe(1) // snapshot is newer than the hello: complete
    m.applyLive({ type: 'hello', serverTime: '2025-07-01T03:05:00Z', demo: true })
    expect(ctl.calls).toBe(2)
    ctl.answer({ ok: true, data: overview([...rows, commune('D')], '2025-07-01T03:05:01Z') })
    await flush()
    expect(m.communes.value).toHaveLength(4)
    m.applyLive({ type: 'reload', at: '2025-07-01T03:06:00Z' })
    expect(ctl.calls).toBe(3)
  })

  it('reloads once more when the first snapshot predates the socket hello', async () => {
    const ctl = controlledApi()
    const m = new OverviewModel({ api: ctl.api })
    const first = m.load()
    m.applyLive({ type: 'hello', serverTime: '2025-07-01T03:00:02Z', demo: true })
    ctl.answer({ ok: true, data: overview(rows, '2025-07-01T03:00:00Z') })
    await first
    expect(ctl.calls).toBe(2)
    ctl.answer({ ok: true, data: overview(rows, '2025-07-01T03:00:03Z') })
    await flush()
    expect(ctl.calls).toBe(2)
    expect(m.status.value).toBe('ready')
  })

  it('a newer load supersedes an older one still in flight', async () => {
    const ctl = controlledApi()
    const m = new OverviewModel({ api: ctl.api })
    const a = m.load()
    const b = m.load()
    ctl.answer({ ok: true, data: overview([commune('OLD')]) })
    ctl.answer({ ok: true, data: overview([commune('NEW')]) })
    await Promise.all([a, b])
    expect(m.communes.value.map((c) => c.code)).toEqual(['NEW'])
  })

  it('coalesces deltas that arrive within the window into one update', async () => {
    const ctl = controlledApi()
    const clock = new FakeClock()
    const m = new OverviewModel({ api: ctl.api, clock, coalesceMs: 250 })
    const loading = m.load()
    ctl.answer({ ok: true, data: overview(rows) })
    await loading
    let updates = 0
    const stop = effect(() => {
      void m.communes.value
      updates++
    })
    const a = commune('A', { state: 'down' })
    const c = commune('C', { state: 'critical' })
    m.applyLive(delta('2025-07-01T03:00:05Z', [a], [a, rows[1]!, rows[2]!]))
    m.applyLive(delta('2025-07-01T03:00:06Z', [c], [a, rows[1]!, c]))
    expect(m.communes.value.map((x) => x.state)).toEqual(['ok', 'warning', 'ok'])
    clock.advance(250)
    expect(m.communes.value.map((x) => x.state)).toEqual(['down', 'warning', 'critical'])
    expect(m.counts.value).toMatchObject({ down: 1, critical: 1, warning: 1 })
    expect(m.dataTime.value).toBe(Date.parse('2025-07-01T03:00:06Z'))
    expect(updates).toBe(2) // the initial read, then one update for both deltas
    stop()
    m[Symbol.dispose]()
    expect(clock.pending).toBe(0)
  })
})
