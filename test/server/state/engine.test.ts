import { describe, expect, it } from 'vitest'
import { StateConfig, Thresholds } from '../../../server/config'
import { StateEngine, type CommuneMeta, type ResultFact, type TargetMeta } from '../../../server/state/engine'
import type { State } from '../../../protocol'

const T0 = Date.parse('2026-11-24T00:00:00Z')

function setup(targets: Array<Partial<TargetMeta> & { id: string }> = [{ id: 'line' }]) {
  const clock = { now: T0 }
  const engine = new StateEngine(StateConfig.parse({}), Thresholds.parse({}), () => clock.now)
  const communes: CommuneMeta[] = [
    { code: 'C1', name: 'Xã Một', kind: 'xa', cluster: 'A', lat: 19, lon: 105, contractedMbps: 100, priority: 0, notes: '', openGaps: 0 },
  ]
  engine.setInventory(
    communes,
    targets.map((t) => ({
      communeCode: 'C1',
      name: null,
      kind: 'udp_echo',
      role: 'line',
      host: '127.0.0.1',
      port: 8620,
      intervalSeconds: 15,
      parents: [],
      enabled: true,
      ...t,
    })),
  )
  return { engine, clock }
}

const round = (targetId: string, t: number, ok: boolean, m: Record<string, number> = {}): ResultFact => ({
  targetId,
  observedAt: t,
  ok,
  error: ok ? null : 'timeout after 5s waiting for 127.0.0.1:8620',
  measurements: ok ? { rtt_median_seconds: 0.01, sent: 50, received: 50, jitter_seconds: 0.001, ...m } : { sent: 50, received: 0, loss_ratio: 1, ...m },
})

/** Feeds rounds at 15 s spacing, advancing the clock. Pattern: "+" success, "-" failure. */
function feed(engine: StateEngine, clock: { now: number }, pattern: string, m: Record<string, number> = {}): string[] {
  const states: string[] = []
  for (const ch of pattern) {
    clock.now += 15_000
    engine.ingest([round('line', clock.now, ch === '+', m)])
    states.push(engine.targetStatus('line')?.state ?? '?')
  }
  return states
}

describe('StateEngine hysteresis', () => {
  it.each([
    ['no data yet is unknown', '', []],
    ['one good round is ok', '+', ['ok']],
    ['down only after 3 consecutive failures', '+---', ['ok', 'warning', 'warning', 'down']],
    ['two failures then success never goes down', '+--+', ['ok', 'warning', 'warning', 'ok']],
    ['up again only after 2 successes', '+---++', ['ok', 'warning', 'warning', 'down', 'down', 'ok']],
    ['a success between failures resets the count', '+--+--+', ['ok', 'warning', 'warning', 'ok', 'warning', 'warning', 'ok']],
  ])('%s', (_name, pattern, expected) => {
    const { engine, clock } = setup()
    expect(feed(engine, clock, pattern)).toEqual(expected)
    if (pattern === '') expect(engine.targetStatus('line')?.state).toBe('unknown')
  })
})

describe('StateEngine data gaps', () => {
  it('goes unknown after 3 × interval without a result, and back on the next result', () => {
    const { engine, clock } = setup()
    feed(engine, clock, '++')
    clock.now += 45_000
    engine.tick()
    expect(engine.targetStatus('line')?.state).toBe('ok')
    clock.now += 1
    engine.tick()
    expect(engine.targetStatus('line')?.state).toBe('unknown')
    expect(engine.targetStatus('line')?.reason).toBe('silent')
    expect(engine.communeSummary('C1')?.state).toBe('unknown')
    feed(engine, clock, '+')
    expect(engine.targetStatus('line')?.state).toBe('ok')
  })

  it('a late replay fills the window but does not rewrite hysteresis', () => {
    const { engine, clock } = setup()
    feed(engine, clock, '++')
    engine.ingest([round('line', clock.now - 60_000, false)])
    expect(engine.targetStatus('line')?.consecutiveFailures).toBe(0)
    expect(engine.targetStatus('line')?.state).toBe('ok')
  })

  it.each([
    ['good rounds replayed behind a down target leave it down', '+---', true, 'down'],
    ['failed rounds replayed behind a healthy target leave it ok', '+++', false, 'ok'],
  ])('%s, with lastResultAt where it was (issue 12: a spool replayed after an outage)', (_name, pattern, lateOk, state) => {
    const { engine, clock } = setup()
    feed(engine, clock, pattern)
    const before = engine.targetStatus('line')
    expect(before?.state).toBe(state)
    // A whole batch of older rounds, as a spool delivers it, more than enough to flip the state.
    engine.ingest([5, 4, 3, 2].map((k) => round('line', clock.now - k * 15_000 - 7_000, lateOk)))
    const after = engine.targetStatus('line')
    expect(after).toMatchObject({ state, lastResultAt: before?.lastResultAt, consecutiveFailures: before?.consecutiveFailures, since: before?.since })
  })
})

describe('StateEngine degradation', () => {
  it.each([
    ['RTT 40 ms is ok', { rtt_median_seconds: 0.04 }, 'ok', 'ok'],
    ['RTT 60 ms is a warning', { rtt_median_seconds: 0.06 }, 'warning', 'rtt'],
    ['RTT 120 ms is critical', { rtt_median_seconds: 0.12 }, 'critical', 'rtt'],
    ['jitter 15 ms on a line is a warning', { jitter_seconds: 0.015 }, 'warning', 'jitter'],
    ['jitter 40 ms on a line is critical', { jitter_seconds: 0.04 }, 'critical', 'jitter'],
  ])('%s', (_name, m, state, reason) => {
    const { engine, clock } = setup()
    feed(engine, clock, '+++', m)
    expect(engine.targetStatus('line')?.state).toBe(state)
    expect(engine.targetStatus('line')?.reason).toBe(reason)
  })

  it('judges loss only over ≥ 1000 packets', () => {
    const { engine, clock } = setup()
    // 2 % loss: 49 of 50 received per round.
    const states = feed(engine, clock, '+'.repeat(21), { received: 49 })
    expect(states[18]).toBe('ok') // 950 packets: not enough to judge 0.1 %
    expect(states[19]).toBe('critical') // 1000 packets
    expect(engine.targetStatus('line')?.reason).toBe('loss')
    expect(engine.targetStatus('line')?.window.lossRatio).toBeCloseTo(0.02)
  })

  it('0.4 % loss is a warning', () => {
    const { engine, clock } = setup()
    feed(engine, clock, '+'.repeat(25), { sent: 250, received: 249 })
    expect(engine.targetStatus('line')?.state).toBe('warning')
  })

  it('the RTT median is over the window, so one slow round does not flip the state', () => {
    const { engine, clock } = setup()
    feed(engine, clock, '++++')
    feed(engine, clock, '+', { rtt_median_seconds: 0.3 })
    expect(engine.targetStatus('line')?.state).toBe('ok')
  })

  it('a video (mcu) target uses the looser video jitter thresholds', () => {
    const { engine, clock } = setup([{ id: 'line' }, { id: 'mcu', role: 'mcu' }])
    for (let i = 0; i < 3; i++) {
      clock.now += 15_000
      engine.ingest([round('line', clock.now, true), round('mcu', clock.now, true, { jitter_seconds: 0.015 })])
    }
    expect(engine.targetStatus('mcu')?.state).toBe('ok')
  })
})

describe('StateEngine commune roll-up', () => {
  function both(line: boolean, mcu: boolean, rounds: number, clock: { now: number }, engine: StateEngine) {
    for (let i = 0; i < rounds; i++) {
      clock.now += 15_000
      engine.ingest([round('line', clock.now, line), round('mcu', clock.now, mcu)])
    }
  }

  it('line down → commune down, named by the line; the MCU behind it is unreachable', () => {
    const { engine, clock } = setup([{ id: 'line' }, { id: 'mcu', role: 'mcu', kind: 'h323', parents: ['line'] }])
    both(false, false, 3, clock, engine)
    const c = engine.communeSummary('C1')
    expect(c?.state).toBe('down')
    expect(c?.reason).toBe('line:down')
    expect(c?.lineState).toBe('down')
    expect(engine.targetStatus('mcu')?.unreachable).toBe(true)
  })

  it('MCU down with the line up → commune down, named by the MCU', () => {
    const { engine, clock } = setup([{ id: 'line' }, { id: 'mcu', role: 'mcu', kind: 'h323', parents: ['line'] }])
    both(true, false, 3, clock, engine)
    const c = engine.communeSummary('C1')
    expect(c?.state).toBe('down')
    expect(c?.reason).toBe('mcu:down')
    expect(engine.targetStatus('mcu')?.unreachable).toBe(false)
  })

  it('line silent → commune unknown even if the MCU answers', () => {
    const { engine, clock } = setup([{ id: 'line' }, { id: 'mcu', role: 'mcu', kind: 'h323', intervalSeconds: 300 }])
    both(true, true, 1, clock, engine)
    clock.now += 60_000
    engine.ingest([round('mcu', clock.now, true)])
    engine.tick()
    expect(engine.communeSummary('C1')?.state).toBe('unknown')
  })

  it('counts and drained changes follow the state', () => {
    const { engine, clock } = setup()
    engine.drainChanges()
    feed(engine, clock, '+')
    expect(engine.counts()).toEqual({ ok: 1, warning: 0, critical: 0, down: 0, unknown: 0 })
    const changes = engine.drainChanges()
    expect(changes.communes.map((c) => c.code)).toEqual(['C1'])
    expect(changes.targets.map((t) => t.id)).toEqual(['line'])
    expect(engine.drainChanges()).toEqual({ communes: [], targets: [] })
  })

  it('holds figures-only changes until asked for them, and sends state changes first', () => {
    const { engine, clock } = setup([{ id: 'a' }, { id: 'b' }, { id: 'c' }])
    // a and b slow (a warning whose value is the window's RTT median), c fast.
    const roundOf = (id: string, ok: boolean, rtt = 0.01): void => engine.ingest([round(id, clock.now, ok, { rtt_median_seconds: rtt })])
    clock.now += 15_000
    roundOf('a', true, 0.06)
    roundOf('b', true, 0.06)
    roundOf('c', true)
    engine.drainChanges()
    // Slower still: only the warning's value moves (figures). c fails: its state moves.
    clock.now += 15_000
    roundOf('a', true, 0.08)
    roundOf('b', true, 0.08)
    roundOf('c', false)
    const stateOnly = engine.drainChanges({ figures: false })
    expect(stateOnly.targets.map((t) => [t.id, t.state])).toEqual([['c', 'warning']])
    // The held ones come with the next drain that takes figures, with their latest view.
    clock.now += 15_000
    roundOf('a', true, 0.09)
    const next = engine.drainChanges({ figures: true })
    expect(next.targets.map((t) => [t.id, t.lastResultAt])).toEqual([
      ['a', new Date(clock.now).toISOString()],
      ['b', new Date(clock.now - 15_000).toISOString()],
    ])
    expect(engine.drainChanges()).toEqual({ communes: [], targets: [] })
  })

  it('bounds a delta to maxEntries, state changes first (communes, then targets), the rest left for the next drains', () => {
    const ids = Array.from({ length: 5 }, (_, i) => `t${i}`)
    const { engine, clock } = setup(ids.map((id) => ({ id })))
    clock.now += 15_000
    engine.ingest(ids.map((id) => round(id, clock.now, true, { rtt_median_seconds: id === 't4' ? 0.01 : 0.06 })))
    engine.drainChanges()
    clock.now += 15_000
    // t0..t3 slow down further (their warning's value moves: figures); t4 fails (a state change), last in order yet first out.
    engine.ingest(ids.map((id) => round(id, clock.now, id !== 't4', { rtt_median_seconds: 0.08 })))
    // t4 is the one state change; the commune stays warning (only its figures moved), so the
    // figures go two a drain, communes and targets in turn: C1 and t0, then t1 and t2, then t3.
    const drain = (): { communes: string[]; targets: string[] } => {
      const c = engine.drainChanges({ maxEntries: 2, maxFigures: 2 })
      return { communes: c.communes.map((x) => x.code), targets: c.targets.map((x) => x.id) }
    }
    expect(drain()).toEqual({ communes: ['C1'], targets: ['t4', 't0'] })
    expect(drain()).toEqual({ communes: [], targets: ['t1', 't2'] })
    expect(drain()).toEqual({ communes: [], targets: ['t3'] })
    expect(drain()).toEqual({ communes: [], targets: [] })
  })
})

describe('StateEngine live budget', () => {
  it('sends communes whose state moved first, within maxEntries; the rest wait for the next drains', () => {
    const clock = { now: T0 }
    const engine = new StateEngine(StateConfig.parse({}), Thresholds.parse({}), () => clock.now)
    const codes = ['C1', 'C2', 'C3']
    engine.setInventory(
      codes.map((code) => ({ code, name: `Xã ${code}`, kind: 'xa', cluster: 'A', lat: 19, lon: 105, contractedMbps: 100, priority: 0, notes: '', openGaps: 0 })),
      codes.map((code) => ({ id: `${code}-line`, communeCode: code, name: null, kind: 'udp_echo', role: 'line', host: '127.0.0.1', port: 8620, intervalSeconds: 15, parents: [], enabled: true })),
    )
    engine.drainChanges()
    clock.now += 15_000
    engine.ingest(codes.map((code) => round(`${code}-line`, clock.now, true)))
    const first = engine.drainChanges({ maxEntries: 2 })
    expect(first.communes.map((c) => [c.code, c.state])).toEqual([
      ['C1', 'ok'],
      ['C2', 'ok'],
    ])
    expect(first.targets).toEqual([])
    const second = engine.drainChanges({ maxEntries: 2 })
    expect(second.communes.map((c) => c.code)).toEqual(['C3'])
    expect(second.targets.map((t) => t.id)).toEqual(['C1-line'])
    expect(engine.drainChanges({ maxEntries: 2 }).targets.map((t) => t.id)).toEqual(['C2-line', 'C3-line'])
    // Slow lines (warnings), then slower: only figures move, for communes and targets alike;
    // a small budget takes them in turn, so neither kind starves the other.
    clock.now += 15_000
    engine.ingest(codes.map((code) => round(`${code}-line`, clock.now, true, { rtt_median_seconds: 0.2 })))
    engine.drainChanges()
    clock.now += 15_000
    engine.ingest(codes.map((code) => round(`${code}-line`, clock.now, true, { rtt_median_seconds: 0.3 })))
    const turns = [0, 1, 2].map(() => {
      const c = engine.drainChanges({ maxEntries: 1, maxFigures: 2 })
      return [...c.communes.map((x) => x.code), ...c.targets.map((x) => x.id)]
    })
    expect(turns).toEqual([
      ['C1', 'C1-line'],
      ['C2', 'C2-line'],
      ['C3', 'C3-line'],
    ])
  })
})

describe('StateEngine window bound', () => {
  it('keeps at most 4 × the rounds the interval puts in the window, the latest ones, however fast results come', () => {
    const { engine, clock } = setup()
    // 15 s interval, 900 s window: 60 rounds expected, 240 kept. 300 rounds a second apart.
    for (let i = 0; i < 300; i++) {
      clock.now += 1000
      engine.ingest([round('line', clock.now, true, { rtt_median_seconds: i < 60 ? 0.2 : 0.01 })])
    }
    const w = engine.targetStatus('line')?.window
    expect(w?.packets).toBe(240 * 50)
    // The 60 slow rounds were the oldest: dropped, so the median is the fast rounds'.
    expect(w?.rttMedianSeconds).toBe(0.01)
  })
})

describe('StateEngine flapping (weighted change ratio over 21 rounds, enter 30 %, leave 20 %)', () => {
  it.each([
    ['a stable target never flaps', '+'.repeat(30), false],
    ['one outage is not flapping', '+'.repeat(10) + '---' + '++' + '+'.repeat(10), false],
    ['alternating good and warning rounds flap', '+-'.repeat(12), true],
  ])('%s', (_name, pattern, flapping) => {
    const { engine, clock } = setup()
    feed(engine, clock, pattern)
    expect(engine.targetStatus('line')?.flapping).toBe(flapping)
  })

  it('enters at ≥ 30 % and leaves only below 20 % (hysteresis)', () => {
    const { engine, clock } = setup()
    let entered = -1
    const pattern = '+-'.repeat(10)
    for (let i = 0; i < pattern.length; i++) {
      feed(engine, clock, pattern[i] as string)
      if (entered < 0 && engine.targetStatus('line')?.flapping) entered = i
    }
    expect(entered).toBeGreaterThan(3)
    // Calm down: changes age out of the window one by one; it must stay flapping for a while.
    const after: boolean[] = []
    for (let i = 0; i < 21; i++) {
      feed(engine, clock, '+')
      after.push(engine.targetStatus('line')?.flapping ?? false)
    }
    expect(after[0]).toBe(true)
    expect(after.at(-1)).toBe(false)
    const left = after.indexOf(false)
    expect(left).toBeGreaterThan(0)
  })

  it('flapRatio weights recent changes more and ignores unknown', async () => {
    const { flapRatio } = await import('../../../server/state/engine')
    const { STATE_INITIAL } = await import('../../../server/state/flapping')
    const h = (states: State[]): string => states.map((s) => STATE_INITIAL[s]).join('')
    expect(flapRatio(h(['ok', 'ok', 'ok']), 21)).toBe(0)
    const oldChange = flapRatio(h(['ok', 'down', ...Array<State>(19).fill('down')]), 21)
    const newChange = flapRatio(h([...Array<State>(20).fill('ok'), 'down']), 21)
    expect(newChange).toBeGreaterThan(oldChange)
    expect(flapRatio(h(['unknown', 'ok', 'unknown', 'ok']), 21)).toBe(0)
  })

  it('flapRatio weighs each change by its slot, the oldest 0.75 and the newest 1.25', async () => {
    const { flapRatio } = await import('../../../server/state/engine')
    // Three rounds, two slots: ok → down (0.75) and down → ok (1.25) over 2 slots.
    expect(flapRatio('odo', 3)).toBe(1)
    // One change in the newest slot of a full window of 5: 1.25 / 4.
    expect(flapRatio('ooood', 5)).toBe(1.25 / 4)
    // Changes to and from unknown are gaps, not flaps.
    expect(flapRatio('udu', 3)).toBe(0)
  })
})
