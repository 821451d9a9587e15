/**
 * Alerting reads the engine's runtime objects as alert views (getters over the live state)
 * instead of building every target's full status each second: they must show exactly what the
 * statuses show, through outages, parents going down and up, degradation, silence and inventory
 * edits.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { StateConfig, Thresholds } from '../../../server/config'
import { StateEngine, type ResultFact, type TargetAlertView, type TargetMeta } from '../../../server/state/engine'

const T0 = Date.parse('2026-12-01T00:00:00Z')
const KEYS = ['id', 'communeCode', 'name', 'kind', 'role', 'state', 'reason', 'since', 'lastError', 'flapping', 'unreachable', 'awaitingParents', 'verdict'] as const

/** The fields alerting reads (an alert view's are getters on its prototype as well as fields). */
const pick = (s: TargetAlertView): Record<string, unknown> => Object.fromEntries(KEYS.map((k) => [k, s[k]]))

function inventory(childName: string | null): TargetMeta[] {
  const base = { communeCode: 'C1', host: 'h', port: null, intervalSeconds: 15, enabled: true } as const
  return [
    { ...base, id: 'core', name: 'core', kind: 'icmp', role: 'line', parents: [] },
    { ...base, id: 'line', name: childName, kind: 'udp_echo', role: 'line', parents: ['core'] },
    { ...base, id: 'mcu', name: null, kind: 'udp_echo', role: 'mcu', parents: ['line'] },
  ]
}

describe('StateEngine.alertTargets', () => {
  const step = fc.record({
    rounds: fc.array(fc.record({ target: fc.constantFrom('core', 'line', 'mcu'), ok: fc.boolean(), rttMs: fc.integer({ min: 1, max: 200 }) }), { maxLength: 4 }),
    advanceS: fc.constantFrom(0, 5, 15, 60, 200),
    rename: fc.boolean(),
  })

  it('equal the statuses in every field alerting reads, after any rounds, ticks and edits', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 30 }), (steps) => {
        const clock = { now: T0 }
        const engine = new StateEngine(StateConfig.parse({}), Thresholds.parse({}), () => clock.now)
        const communes = [{ code: 'C1', name: 'Xã Một', kind: 'xa' as const, cluster: 'A', lat: 19, lon: 105, contractedMbps: 100, priority: 0, notes: '', openGaps: 0 }]
        engine.setInventory(communes, inventory(null))
        for (const s of steps) {
          clock.now += s.advanceS * 1000
          engine.ingest(
            s.rounds.map((r, i): ResultFact => ({
              targetId: r.target,
              observedAt: clock.now - i,
              ok: r.ok,
              error: r.ok ? null : 'timeout',
              measurements: r.ok ? { rtt_median_seconds: r.rttMs / 1000, sent: 50, received: 50, jitter_seconds: 0.001 } : { sent: 50, received: 0 },
            })),
          )
          if (s.rename) engine.setInventory(communes, inventory(`line ${clock.now}`))
          engine.tick()
          expect(engine.alertTargets().map(pick)).toEqual(engine.targetStatuses().map(pick))
        }
      }),
    )
  })
})
