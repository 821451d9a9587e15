/**
 * Topology holds whatever order rounds arrive in (issue 10): a line (15 s rounds) with a SIP
 * and an H.323 endpoint behind it (30 s rounds). Results are fed with the server's own clock
 * through the whole runtime (engine → alerts → incidents in SQLite); the testbed test drives
 * the same with real sockets and the real agent.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { commune, makeTestServer, udpTarget, type TestServer } from '../../helpers/server'

let s: TestServer
beforeEach(() => {
  s = makeTestServer({
    communes: [commune('KS-ML', { name: 'Xã Mường Lống', districtCluster: 'Cụm Kỳ Sơn' })],
    targets: [
      udpTarget('ml-line', 'KS-ML', 'line'),
      udpTarget('ml-sip', 'KS-ML', 'mcu', { kind: 'sip', port: 5060, intervalSeconds: 30, parents: ['ml-line'], options: {} }),
      udpTarget('ml-h323', 'KS-ML', 'mcu', { kind: 'h323', port: 1720, intervalSeconds: 30, parents: ['ml-line'], options: {} }),
    ],
  })
})
afterEach(() => s.close())

const ok = (id: string): Record<string, number> =>
  id === 'ml-line' ? { rtt_median_seconds: 0.01, sent: 50, received: 50, jitter_seconds: 0.001 } : id === 'ml-sip' ? { status_code: 200, response_seconds: 0.01 } : { connect_seconds: 0.01 }

/** Feeds one result of `id` observed at `at` (s after the start), then ticks the runtime. */
function result(id: string, at: number, good: boolean): void {
  s.clock.now = T0 + at * 1000
  s.runtime.engine.ingest([{ targetId: id, observedAt: s.clock.now, ok: good, error: good ? null : `timeout after 5s waiting for 127.0.0.1 (${id})`, measurements: good ? ok(id) : {} }])
  s.runtime.tick()
}
let T0 = 0

/** Runs a script of `[seconds, target, ok]` rounds in time order, ticking every second between them. */
function play(script: ReadonlyArray<readonly [number, string, boolean]>): void {
  const sorted = [...script].sort((a, b) => a[0] - b[0])
  let t = (s.clock.now - T0) / 1000
  for (const [at, id, good] of sorted) {
    for (; t < at; t++) {
      s.clock.now = T0 + t * 1000
      s.runtime.tick()
    }
    result(id, at, good)
  }
}

const childIncidents = () => s.runtime.alerting.list('all', 100).filter((i) => i.targetId !== 'ml-line')
const lineIncidents = () => s.runtime.alerting.list('all', 100).filter((i) => i.targetId === 'ml-line')

/** Every round of a target between two times (s), at its interval and phase, with one outcome. */
function rounds(id: string, from: number, to: number, every: number, good: (t: number) => boolean): Array<[number, string, boolean]> {
  const out: Array<[number, string, boolean]> = []
  for (let t = from; t < to; t += every) out.push([t, id, good(t)])
  return out
}

describe('topology whatever the order of rounds', () => {
  beforeEach(() => {
    T0 = s.clock.now
    play([...rounds('ml-line', 0, 60, 15, () => true), ...rounds('ml-sip', 1, 60, 30, () => true), ...rounds('ml-h323', 2, 60, 30, () => true)])
  })

  it("a child's third failure before its parent's third opens no child incident", () => {
    // Outage from t=60. The children's phase puts their failures first; the line's rounds land late.
    const cut = (t: number) => t < 60
    play([
      ...rounds('ml-sip', 61, 160, 20, cut), // a fast child: failures at 61, 81, 101 → down at 101
      ...rounds('ml-h323', 62, 160, 20, cut),
      ...rounds('ml-line', 95, 160, 15, cut), // line failures at 95, 110, 125 → down at 125
    ])
    expect(s.runtime.engine.targetStatus('ml-line')?.state).toBe('down')
    expect(s.runtime.engine.targetStatus('ml-sip')).toMatchObject({ state: 'down', unreachable: true })
    expect(lineIncidents()).toHaveLength(1)
    expect(childIncidents()).toEqual([])
  })

  it('when the line comes back, its children stay unreachable until they have rounds of their own, and recover quietly', () => {
    const cut = (t: number) => t < 60 || t >= 200
    play([...rounds('ml-line', 60, 230, 15, cut), ...rounds('ml-sip', 61, 200, 30, cut), ...rounds('ml-h323', 62, 200, 30, cut)])
    // The line is up again (2 good rounds at 210, 225); the children are still down from the outage.
    expect(s.runtime.engine.targetStatus('ml-line')?.state).toBe('ok')
    expect(s.runtime.engine.targetStatus('ml-sip')).toMatchObject({ state: 'down', unreachable: true })
    expect(childIncidents()).toEqual([])
    // Their own rounds (re-checked at once by the agent) succeed: up after two, no incident ever.
    play([...rounds('ml-sip', 231, 300, 30, () => true), ...rounds('ml-h323', 232, 300, 30, () => true), ...rounds('ml-line', 240, 300, 15, () => true)])
    expect(s.runtime.engine.targetStatus('ml-sip')).toMatchObject({ state: 'ok', unreachable: false })
    expect(childIncidents()).toEqual([])
    expect(lineIncidents().every((i) => i.state === 'resolved')).toBe(true)
  })

  it('a child that keeps failing on its own after the line is back opens its incident then, not before', () => {
    const lineCut = (t: number) => t < 60 || t >= 200
    play([...rounds('ml-line', 60, 230, 15, lineCut), ...rounds('ml-sip', 61, 230, 30, (t) => t < 60), ...rounds('ml-h323', 62, 230, 30, lineCut)])
    expect(childIncidents()).toEqual([])
    // Failures of its own, observed after the line's return: 241, 271 → still held; 301 → its own.
    play(rounds('ml-sip', 241, 310, 30, () => false))
    const mine = childIncidents()
    expect(mine.map((i) => i.targetId)).toEqual(['ml-sip'])
    expect(Date.parse(mine[0]?.openedAt as string)).toBeGreaterThanOrEqual(T0 + 301_000)
  })

  it('a child failing with its parent answering pages after a bounded wait for the parent', () => {
    play([...rounds('ml-line', 60, 200, 15, () => true), ...rounds('ml-sip', 61, 200, 30, (t) => t < 60)])
    expect(s.runtime.engine.targetStatus('ml-sip')).toMatchObject({ state: 'down', unreachable: false, awaitingParents: false })
    expect(childIncidents().map((i) => i.targetId)).toEqual(['ml-sip'])
  })
})

describe('a degraded video path behind a line in trouble (seen in a 10-minute demo run)', () => {
  let v: TestServer
  let t0 = 0
  beforeEach(() => {
    v = makeTestServer({
      communes: [commune('KS-QQ', { name: 'Xã Quỳnh Quang', districtCluster: 'Cụm Quỳnh Lưu' })],
      targets: [udpTarget('qq-line', 'KS-QQ', 'line'), udpTarget('qq-video', 'KS-QQ', 'mcu', { parents: ['qq-line'] })],
    })
    t0 = v.clock.now
  })
  afterEach(() => v.close())

  /** One round of each at `at` s: the line and the video path answer with `lineLoss`/`videoLoss` of 200 packets, or not at all. */
  function round(at: number, line: number | null, video: number | null): void {
    v.clock.now = t0 + at * 1000
    const m = (loss: number) => ({ rtt_median_seconds: 0.02, jitter_seconds: 0.002, sent: 200, received: Math.round(200 * (1 - loss)) })
    v.runtime.engine.ingest([
      { targetId: 'qq-line', observedAt: v.clock.now, ok: line !== null, error: line === null ? '100% loss to 127.78.0.86:8621 (50 sent)' : null, measurements: line === null ? { sent: 50, received: 0 } : m(line) },
      { targetId: 'qq-video', observedAt: v.clock.now + 1, ok: video !== null, error: video === null ? 'timeout' : null, measurements: video === null ? { sent: 200, received: 0 } : m(video) },
    ])
    v.runtime.tick()
  }
  const videoIncidents = () => v.runtime.alerting.list('all', 50).filter((i) => i.targetId === 'qq-video')

  it('the loss of a line going down degrades its video path: no video incident during the outage nor from its window after it', () => {
    for (let t = 0; t < 300; t += 15) round(t, 0, 0)
    // The line fails; the video path's rounds, a moment later on the dying line, still get some
    // answers back: its MOS falls while the line is failing but not yet down.
    round(300, null, 0.1)
    round(315, null, 0.12)
    expect(v.runtime.engine.targetStatus('qq-video')?.state).toMatch(/warning|critical/)
    for (let t = 330; t < 420; t += 15) round(t, null, null)
    expect(v.runtime.engine.targetStatus('qq-line')?.state).toBe('down')
    expect(videoIncidents().map((i) => `${i.alertname}@${(Date.parse(i.openedAt) - t0) / 1000}`)).toEqual([])
    // Back; the video path's window still holds the lossy rounds for 15 minutes.
    for (let t = 420; t < 700; t += 15) round(t, 0, 0)
    expect(v.runtime.engine.targetStatus('qq-line')?.state).toBe('ok')
    expect(videoIncidents()).toEqual([])
  })

  it('a lossy line and its video path equally lossy: one incident, the line\'s', () => {
    for (let t = 0; t < 300; t += 15) round(t, 0, 0)
    for (let t = 300; t < 500; t += 15) round(t, 0.05, 0.05)
    expect(v.runtime.engine.targetStatus('qq-line')?.state).toMatch(/warning|critical/)
    expect(v.runtime.engine.targetStatus('qq-video')?.state).toMatch(/warning|critical/)
    expect(v.runtime.alerting.list('all', 50).map((i) => `${i.targetId}:${i.alertname}`)).toEqual(['qq-line:XanhTargetDegraded'])
  })

  it('a line and its video path both slow, then the line falls silent (its probe lost power): no video incident for a window', () => {
    for (let t = 0; t < 120; t += 15) round(t, 0, 0)
    const slow = (at: number, which: 'both' | 'video') => {
      v.clock.now = t0 + at * 1000
      const m = { rtt_median_seconds: 0.082, jitter_seconds: 0.002, sent: 200, received: 200 }
      v.runtime.engine.ingest([
        ...(which === 'both' ? [{ targetId: 'qq-line', observedAt: v.clock.now, ok: true, error: null, measurements: m }] : []),
        { targetId: 'qq-video', observedAt: v.clock.now + 1, ok: true, error: null, measurements: m },
      ])
      v.runtime.tick()
    }
    for (let t = 120; t < 300; t += 15) slow(t, 'both')
    expect(v.runtime.engine.targetStatus('qq-line')?.state).toBe('warning')
    expect(videoIncidents()).toEqual([])
    // The line's results stop (unknown after 3 intervals); the video path is still measured, still slow.
    for (let t = 300; t < 600; t += 15) slow(t, 'video')
    expect(v.runtime.engine.targetStatus('qq-line')?.state).toBe('unknown')
    expect(videoIncidents()).toEqual([])
    // A window (15 min) after the line fell silent the video path's own degradation pages.
    for (let t = 600; t < 1400; t += 15) slow(t, 'video')
    expect(videoIncidents().map((i) => i.alertname)).toEqual(['XanhTargetDegraded'])
  })

  it('a video path degrading on its own, with its line up, pages', () => {
    for (let t = 0; t < 300; t += 15) round(t, 0, 0)
    for (let t = 300; t < 400; t += 15) round(t, 0, 0.08)
    expect(videoIncidents().map((i) => i.alertname)).toEqual(['XanhTargetDegraded'])
  })
})
