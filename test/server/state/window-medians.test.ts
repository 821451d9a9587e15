/**
 * The engine keeps each window's RTTs and jitters sorted as results arrive and age out, instead
 * of sorting per round: its medians must stay those of the samples in the window, whatever the
 * order of arrival (late replays), the failed rounds in between and the trimming.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { StateConfig, Thresholds } from '../../../server/config'
import { StateEngine } from '../../../server/state/engine'
import { insertSorted, median, medianOfSorted, removeSorted } from '../../../server/state/rules/index'

const T0 = Date.parse('2026-12-01T00:00:00Z')
const r0 = (v: number | undefined): number => v ?? 0
const WINDOW_S = 60

describe('sorted helpers', () => {
  it('insertSorted and removeSorted keep an ascending array whose median is the median of the values', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ add: fc.boolean(), v: fc.integer({ min: 0, max: 20 }) }), { maxLength: 80 }), (ops) => {
        const sorted: number[] = []
        const bag: number[] = []
        for (const { add, v } of ops) {
          if (add || bag.length === 0) {
            insertSorted(sorted, v)
            bag.push(v)
          } else {
            const old = bag[v % bag.length] as number
            removeSorted(sorted, old)
            bag.splice(bag.indexOf(old), 1)
          }
          expect(sorted).toEqual([...bag].sort((a, b) => a - b))
          expect(medianOfSorted(sorted)).toBe(median(bag))
        }
      }),
    )
  })

  it('removeSorted leaves the array alone when the value is absent', () => {
    const sorted = [1, 2, 4]
    removeSorted(sorted, 3)
    removeSorted(sorted, 5)
    expect(sorted).toEqual([1, 2, 4])
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
