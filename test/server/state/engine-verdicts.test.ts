import { describe, expect, it } from 'vitest'
import { StateConfig, Thresholds } from '../../../server/config'
import { StateEngine, type CommuneMeta, type TargetMeta } from '../../../server/state/engine'

const T0 = Date.parse('2026-12-01T00:00:00Z')
const MBIT = 1e6 / 8

function setup(targets: Array<Partial<TargetMeta> & { id: string }>, commune: Partial<CommuneMeta> = {}) {
  const clock = { now: T0 }
  const engine = new StateEngine(StateConfig.parse({}), Thresholds.parse({}), () => clock.now)
  const communes: CommuneMeta[] = [
    { code: 'KS', name: 'Xã Mường Lống', kind: 'xa', cluster: 'Cụm Kỳ Sơn', lat: 19.4, lon: 104.2, contractedMbps: 100, priority: 0, notes: '', openGaps: 0, ...commune },
  ]
  engine.setInventory(
    communes,
    targets.map((t) => ({ communeCode: 'KS', name: null, kind: 'udp_echo', role: 'line', host: '127.0.0.1', port: 8620, intervalSeconds: 15, parents: [], enabled: true, ...t })),
  )
  return { engine, clock }
}

const echo = (at: number, rtt = 0.005) => ({ targetId: 'line', observedAt: at, ok: true, error: null, measurements: { rtt_median_seconds: rtt, sent: 50, received: 50, jitter_seconds: 0.001 } })
const speed = (at: number, downMbit: number, upMbit: number) => ({
  targetId: 'tp',
  observedAt: at,
  ok: true,
  error: null,
  measurements: { download_bytes_per_second: downMbit * MBIT, upload_bytes_per_second: upMbit * MBIT },
})

describe('engine: throughput against the contract', () => {
  const targets = [{ id: 'line' }, { id: 'tp', kind: 'throughput' as const, intervalSeconds: 6 * 3600 }]

  it('a line at 57 % of its contract is warning, with the figure and the threshold in the target and the commune', () => {
    const { engine, clock } = setup(targets)
    clock.now += 1000
    engine.ingest([echo(clock.now), speed(clock.now, 57.1, 57.2)])
    const tp = engine.targetStatus('tp')
    expect(tp?.state).toBe('warning')
    expect(tp?.reason).toBe('throughput')
    expect(tp?.verdict).toMatchObject({ rule: 'throughput', part: 'download', state: 'warning', threshold: 80 * MBIT, factor: 0.8, contracted: 100 * MBIT })
    expect(tp?.verdict?.value).toBeCloseTo(57.1 * MBIT, 3)
    const c = engine.communeSummary('KS')
    expect(c).toMatchObject({ state: 'warning', reason: 'line:throughput' })
    expect(c?.verdict?.rule).toBe('throughput')
    expect(c?.throughput).toMatchObject({ state: 'warning', contractedBytesPerSecond: 100 * MBIT })
    expect(c?.throughput?.downloadBytesPerSecond).toBeCloseTo(57.1 * MBIT, 3)
  })

  it('40 Mbit/s is critical; 95 is ok', () => {
    const a = setup(targets)
    a.clock.now += 1000
    a.engine.ingest([echo(a.clock.now), speed(a.clock.now, 40, 95)])
    expect(a.engine.communeSummary('KS')).toMatchObject({ state: 'critical', reason: 'line:throughput' })
    const b = setup(targets)
    b.clock.now += 1000
    b.engine.ingest([echo(b.clock.now), speed(b.clock.now, 95, 95)])
    expect(b.engine.communeSummary('KS')).toMatchObject({ state: 'ok' })
    expect(b.engine.communeSummary('KS')?.throughput?.state).toBe('ok')
  })

  it('a per-commune override (0.9 × on a priority commune) and a 200 Mbit/s contract are applied', () => {
    const { engine, clock } = setup(targets, { contractedMbps: 200, thresholds: { throughputWarningRatio: 0.9 } })
    clock.now += 1000
    engine.ingest([echo(clock.now), speed(clock.now, 175, 190)])
    expect(engine.targetStatus('tp')?.verdict).toMatchObject({ state: 'warning', threshold: 180 * MBIT, factor: 0.9 })
  })

  it('with no test for 2 × its interval the throughput target is unknown (stale), never silently ok; the commune shows it stale', () => {
    const { engine, clock } = setup(targets)
    clock.now += 1000
    engine.ingest([speed(clock.now, 95, 95)])
    for (let i = 0; i < 12 * 240 + 5; i++) {
      clock.now += 15_000
      engine.ingest([echo(clock.now)])
    }
    engine.tick()
    const tp = engine.targetStatus('tp')
    expect(tp?.state).toBe('unknown')
    expect(tp?.reason).toBe('stale')
    expect(tp?.verdicts.map((v) => v.state)).toEqual(['stale', 'stale'])
    expect(engine.communeSummary('KS')?.throughput?.state).toBe('stale')
    expect(engine.communeSummary('KS')?.state).toBe('ok') // the line itself answers
  })
})

describe('engine: no stale figures on a down line', () => {
  it('RTT and loss disappear from the commune summary while the line is down; the target says when its window figures were true', () => {
    const { engine, clock } = setup([{ id: 'line' }])
    for (let i = 0; i < 4; i++) {
      clock.now += 15_000
      engine.ingest([echo(clock.now)])
    }
    const lastGood = clock.now
    expect(engine.communeSummary('KS')?.rttSeconds).toBeCloseTo(0.005, 9)
    for (let i = 0; i < 3; i++) {
      clock.now += 15_000
      engine.ingest([{ targetId: 'line', observedAt: clock.now, ok: false, error: 'timeout', measurements: { sent: 50, received: 0 } }])
    }
    expect(engine.communeSummary('KS')).toMatchObject({ state: 'down', rttSeconds: null, lossRatio: null })
    expect(engine.targetStatus('line')?.window.asOf).toBe(new Date(lastGood).toISOString())
    expect(engine.targetStatus('line')?.verdict).toBeNull()
  })
})

describe('engine: video path verdicts', () => {
  it('MOS below 3.6 on an mcu udp_echo path is critical with reason mos (named before loss on the tie)', () => {
    const { engine, clock } = setup([{ id: 'line' }, { id: 'video', role: 'mcu' }])
    for (let i = 0; i < 25; i++) {
      clock.now += 15_000
      engine.ingest([echo(clock.now), { targetId: 'video', observedAt: clock.now, ok: true, error: null, measurements: { rtt_median_seconds: 0.002, jitter_seconds: 0.0005, sent: 400, received: 361 } }])
    }
    const v = engine.targetStatus('video')
    expect(v?.state).toBe('critical')
    expect(v?.reason).toBe('mos')
    expect(v?.verdicts.find((x) => x.rule === 'loss')?.state).toBe('critical')
    expect(engine.communeSummary('KS')?.mos).toBeLessThan(3.6)
    expect(engine.communeSummary('KS')?.reason).toBe('mcu:mos')
  })
})
