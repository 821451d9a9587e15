/**
 * The tick evaluates only targets due (StateEngine.tick, TargetRuntime.dueAt): a differential
 * test against the engine evaluating every target on every tick, as it did before. Two engines
 * get the same inventory (every kind of rule, a line with endpoints behind it, two communes) and
 * the same two hours of rounds — good, lossy, slow, failing, silent for minutes (long enough for
 * a speed test to go stale and then silent), late replays —
 * with a tick every second; the reference re-evaluates everything after each tick. After every
 * tick both must publish the same statuses, commune summaries and transitions.
 */
import { describe, expect, it } from 'vitest'
import { StateConfig, Thresholds } from '../../../server/config'
import { StateEngine, type CommuneMeta, type ResultFact, type TargetMeta } from '../../../server/state/engine'
import { prng } from '../../helpers/prng'

const T0 = Date.parse('2026-11-24T00:00:00Z')
const MBIT = 1e6 / 8

const communes: CommuneMeta[] = [
  { code: 'ML', name: 'Xã Mường Lống', kind: 'xa', cluster: 'A', lat: 19.3, lon: 104.5, contractedMbps: 100, priority: 0, notes: '', openGaps: 0 },
  { code: 'HK', name: 'Xã Hữu Kiệm', kind: 'xa', cluster: 'A', lat: 19.4, lon: 104.6, contractedMbps: 100, priority: 0, notes: '', openGaps: 0 },
]
const base = { name: null, host: '127.0.0.1', port: null, parents: [] as string[], enabled: true }
const targets: TargetMeta[] = [
  { ...base, id: 'ml-line', communeCode: 'ML', kind: 'udp_echo', role: 'line', intervalSeconds: 15 },
  { ...base, id: 'ml-icmp', communeCode: 'ML', kind: 'icmp', role: 'line', intervalSeconds: 30 },
  { ...base, id: 'ml-sip', communeCode: 'ML', kind: 'sip', role: 'mcu', intervalSeconds: 30, parents: ['ml-line'] },
  { ...base, id: 'ml-speed', communeCode: 'ML', kind: 'throughput', role: 'line', intervalSeconds: 300 },
  { ...base, id: 'ml-snmp', communeCode: 'ML', kind: 'snmp', role: 'line', intervalSeconds: 60, contractedBytesPerSecond: 40 * MBIT },
  { ...base, id: 'hk-line', communeCode: 'HK', kind: 'udp_echo', role: 'line', intervalSeconds: 15 },
  { ...base, id: 'hk-tcp', communeCode: 'HK', kind: 'tcp', role: 'mcu', intervalSeconds: 20, parents: ['hk-line'] },
]

/** A round of `t` at `at`: mostly good, sometimes lossy, slow or failed. */
function round(t: TargetMeta, at: number, r: () => number): ResultFact {
  const ok = r() > 0.08
  const bad = r() < 0.25
  const m: Record<string, number> = {}
  if (t.kind === 'udp_echo' || t.kind === 'icmp') {
    const sent = 50
    m.sent = sent
    m.received = ok ? sent - (bad ? Math.floor(r() * 10) : 0) : 0
    if (ok) {
      m.rtt_median_seconds = bad ? 0.15 + r() * 0.2 : 0.01 + r() * 0.02
      m.jitter_seconds = bad ? 0.03 + r() * 0.05 : 0.001
    }
  } else if (t.kind === 'throughput') {
    m.download_bytes_per_second = (bad ? 40 + r() * 30 : 90 + r() * 10) * MBIT
    m.upload_bytes_per_second = (bad ? 40 + r() * 30 : 90 + r() * 10) * MBIT
  } else if (t.kind === 'snmp') {
    m.in_bytes_per_second = (bad ? 0.75 + r() * 0.2 : 0.2 + r() * 0.3) * 40 * MBIT
    m.out_bytes_per_second = (bad ? 0.75 + r() * 0.2 : 0.2 + r() * 0.3) * 40 * MBIT
  } else {
    m.connect_seconds = bad ? 0.4 + r() * 0.5 : 0.02 + r() * 0.02
    if (t.kind === 'sip') m.status_code = 200
  }
  return { targetId: t.id, observedAt: at, ok, error: ok ? null : 'hết thời gian chờ (timeout)', measurements: m }
}

/** What an operator and alerting see of the engine, to compare two engines by. */
function published(e: StateEngine): unknown {
  return { targets: e.targetStatuses(), communes: e.communeSummaries(), counts: e.counts() }
}

describe('StateEngine.tick evaluates only targets due', () => {
  it.each([1, 2, 3])('publishes what evaluating every target every second publishes (seed %i, 2 hours)', (seed) => {
    const r = prng(seed)
    const clock = { now: T0 }
    const config = StateConfig.parse({})
    const lazy = new StateEngine(config, Thresholds.parse({}), () => clock.now)
    const full = new StateEngine(config, Thresholds.parse({}), () => clock.now)
    for (const e of [lazy, full]) e.setInventory(communes, targets)
    // Each target's next round, and minutes when it is silent (a cut, a dead agent).
    const next = new Map(targets.map((t) => [t.id, T0 + Math.floor(r() * t.intervalSeconds * 1000)]))
    const silentUntil = new Map<string, number>()
    // Besides the random ones, one long silence each (the speed test's long enough to go stale,
    // then silent): from 40 minutes in, 10 to 40 minutes long.
    const longSilence = new Map(targets.map((t, i) => [t.id, { from: T0 + 40 * 60_000 + i * 60_000, to: T0 + (50 + 5 * i) * 60_000 }]))
    const pending: ResultFact[] = []
    let compared = 0
    for (let s = 1; s <= 2 * 3600; s++) {
      clock.now = T0 + s * 1000
      const batch: ResultFact[] = []
      for (const t of targets) {
        const due = next.get(t.id) as number
        if (due > clock.now) continue
        next.set(t.id, due + t.intervalSeconds * 1000)
        const long = longSilence.get(t.id)
        if ((silentUntil.get(t.id) ?? 0) > clock.now || (long !== undefined && long.from <= clock.now && clock.now < long.to)) {
          // Kept by the agent: sent late, after the silence (a spool replay).
          if (r() < 0.5) pending.push(round(t, due, r))
          continue
        }
        if (r() < 0.01) silentUntil.set(t.id, clock.now + (2 + Math.floor(r() * 20)) * 60_000)
        batch.push(round(t, due, r))
      }
      if (pending.length > 0 && r() < 0.02) batch.push(...pending.splice(0))
      if (batch.length > 0) for (const e of [lazy, full]) e.ingest(batch)
      lazy.tick()
      full.tick()
      full.setInventory(communes, targets)
      expect(published(lazy), `at ${s} s`).toEqual(published(full))
      expect(lazy.drainTransitions(), `transitions at ${s} s`).toEqual(full.drainTransitions())
      compared++
    }
    expect(compared).toBe(7200)
  })
})
