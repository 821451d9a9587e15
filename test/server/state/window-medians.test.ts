/**
 * The engine takes each window's RTT and jitter medians from the window's rows (a selection in a
 * scratch copy, see SampleWindow.median): they must stay those of the samples in the window,
 * whatever the order of arrival (late replays), the failed rounds in between and the trimming.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { StateConfig, Thresholds } from '../../../server/config'
import { StateEngine } from '../../../server/state/engine'
import { median } from '../../../server/state/rules/index'
import { FIELD, SampleWindow } from '../../../server/state/window'

const T0 = Date.parse('2026-12-01T00:00:00Z')
const r0 = (v: number | undefined): number => v ?? 0
const WINDOW_S = 60

describe('SampleWindow.median', () => {
  it('is the median of the values the rows measured, rows without the field skipped, after drops', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({
          // Whole seconds, or nanosecond resolution (integer nanoseconds in the window while every value fits).
          rtt: fc.option(fc.oneof(fc.integer({ min: -5, max: 20 }), fc.integer({ min: -2e9, max: 2e9 }).map((n) => n / 1e9)), { nil: undefined }),
          jitter: fc.option(fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 1e9 }).map((n) => n / 1e9)), { nil: undefined }),
        }), { maxLength: 90 }),
        fc.nat({ max: 30 }),
        (rows, drop) => {
          const w = new SampleWindow(4)
          rows.forEach((r, i) => {
            const m: Record<string, number> = { sent: 1, received: 1 }
            if (r.rtt !== undefined) m.rtt_median_seconds = r.rtt
            if (r.jitter !== undefined) m.jitter_seconds = r.jitter
            w.insert(T0 + i * 1000, m)
          })
          w.dropOldest(drop)
          const kept = rows.slice(Math.min(drop, rows.length))
          expect(w.median(FIELD.rtt)).toBe(median(kept.flatMap((r) => (r.rtt === undefined ? [] : [r.rtt]))))
          expect(w.median(FIELD.jitter)).toBe(median(kept.flatMap((r) => (r.jitter === undefined ? [] : [r.jitter]))))
        },
      ),
    )
  })

  it('is null for an empty window and for a field no row measured', () => {
    const w = new SampleWindow(4)
    expect(w.median(FIELD.rtt)).toBeNull()
    w.insert(T0, { sent: 10, received: 10 })
    expect(w.median(FIELD.rtt)).toBeNull()
    w.insert(T0 + 1000, { rtt_median_seconds: 0.02, sent: 10, received: 9 })
    w.insert(T0 + 2000, { rtt_median_seconds: 0.01, sent: 10, received: 10 })
    expect(w.median(FIELD.rtt)).toBe(0.015)
  })
})

describe('engine: window medians', () => {
  const round = fc.record({
    offsetS: fc.integer({ min: 0, max: 200 }),
    ok: fc.boolean(),
    rttMs: fc.option(fc.integer({ min: 1, max: 40 }), { nil: undefined }),
    jitterMs: fc.option(fc.integer({ min: 0, max: 9 }), { nil: undefined }),
    // Mostly whole packets; a fractional count makes the engine sum in window order instead.
    sent: fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 0, max: 50 }) }, { weight: 1, arbitrary: fc.constantFrom(0.1, 2.5) }),
    lost: fc.integer({ min: 0, max: 3 }),
  })

  it('and its packet counts are those of the successful rounds inside the window, after any arrival order and clock steps', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ rounds: fc.array(round, { maxLength: 6 }), advanceS: fc.integer({ min: 0, max: 40 }) }), { minLength: 1, maxLength: 25 }), (steps) => {
        const clock = { now: T0 + 200_000 }
        const engine = new StateEngine(StateConfig.parse({ windowSeconds: WINDOW_S }), Thresholds.parse({}), () => clock.now)
        engine.setInventory(
          [{ code: 'KS', name: 'KS', kind: 'xa', cluster: '', lat: 0, lon: 0, contractedMbps: 100, priority: 0, notes: '', openGaps: 0 }],
          [{ id: 'line', communeCode: 'KS', name: null, kind: 'udp_echo', role: 'line', host: 'h', port: null, intervalSeconds: 15, parents: [], enabled: true }],
        )
        const seen: Array<{ t: number; rtt?: number; jitter?: number; sent: number; received: number }> = []
        for (const step of steps) {
          const facts = step.rounds.map((r) => {
            const measurements: Record<string, number> = { sent: r.sent, received: Math.max(0, r.sent - r.lost) }
            if (r.rttMs !== undefined) measurements.rtt_median_seconds = r.rttMs / 1000
            if (r.jitterMs !== undefined) measurements.jitter_seconds = r.jitterMs / 1000
            return { targetId: 'line', observedAt: clock.now - r.offsetS * 1000, ok: r.ok, error: r.ok ? null : 'timeout', measurements }
          })
          engine.ingest(facts)
          for (const f of facts) if (f.ok) seen.push({ t: f.observedAt, rtt: f.measurements.rtt_median_seconds, jitter: f.measurements.jitter_seconds, sent: r0(f.measurements.sent), received: r0(f.measurements.received) })
          clock.now += step.advanceS * 1000
          engine.tick()
          // The window as of the last evaluation (the tick): samples not older than its horizon.
          const inWindow = seen.filter((s) => s.t >= clock.now - WINDOW_S * 1000)
          const rtts = inWindow.flatMap((s) => (s.rtt === undefined ? [] : [s.rtt]))
          const jitters = inWindow.flatMap((s) => (s.jitter === undefined ? [] : [s.jitter]))
          // Summed in time order (arrival order breaks ties), as windowFigures does over the window.
          const ordered = inWindow.map((s, i) => ({ s, i })).sort((x, y) => x.s.t - y.s.t || x.i - y.i)
          let sent = 0
          let received = 0
          for (const { s } of ordered) {
            sent += s.sent
            received += s.received
          }
          const status = engine.targetStatus('line')
          expect(status?.window.packets).toBe(sent)
          expect(status?.window.lossRatio).toBe(sent > 0 ? Math.max(0, (sent - received) / sent) : null)
          expect(status?.window.rttMedianSeconds).toBe(median(rtts))
          expect(status?.verdicts.find((v) => v.rule === 'jitter')?.value ?? null).toBe(median(jitters))
        }
      }),
    )
  })
})
