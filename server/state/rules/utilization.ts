/**
 * `utilization`: congestion of a commune's link, from SNMP interface traffic ÷ the contracted
 * rate, per direction: above 70 % for 15 minutes warning, above 90 % for 15 minutes critical
 * (SPEC §4). "For 15 minutes" means every sample of the last 15 minutes above the limit: each
 * sample stands for the interval before it (a counter delta), so a run of samples from `t₀` to
 * `tₙ` covers `tₙ − t₀ + interval`. The value shown is the lowest ratio over the run that held
 * (the sustained level), or the latest ratio while nothing held long enough.
 * @module
 */
import { isoTime, type GradingRule, type RuleVerdict, type SampleField } from './rule'

const DIRECTIONS = [
  ['in', 'inBps'],
  ['out', 'outBps'],
] as const satisfies ReadonlyArray<readonly [string, SampleField]>

/** How long (ms) the newest samples have all been above `limit`, and the lowest ratio among them. */
function heldAbove(ratios: ReadonlyArray<{ t: number; r: number }>, limit: number, intervalMs: number): { heldMs: number; min: number } {
  const newest = ratios[ratios.length - 1]
  if (!newest || newest.r <= limit) return { heldMs: 0, min: Infinity }
  let min = newest.r
  let oldest = newest.t
  for (let i = ratios.length - 2; i >= 0; i--) {
    const s = ratios[i] as { t: number; r: number }
    // A hole longer than two intervals (a lost poll, an outage) breaks the run.
    if (oldest - s.t > 2 * intervalMs || s.r <= limit) break
    oldest = s.t
    min = Math.min(min, s.r)
  }
  return { heldMs: newest.t - oldest + intervalMs, min }
}

export const utilizationRule: GradingRule = {
  summary: 'SNMP in/out traffic ÷ contracted rate, sustained for utilizationForSeconds (snmp)',
  thresholds: ['utilizationWarningRatio', 'utilizationCriticalRatio', 'utilizationForSeconds'],
  appliesTo: ({ kind }) => kind === 'snmp',
  grade({ window, thresholds: th, contractedBytesPerSecond: contracted, intervalSeconds }) {
    const out: RuleVerdict[] = []
    const intervalMs = intervalSeconds * 1000
    const forMs = th.utilizationForSeconds * 1000
    for (const [part, field] of DIRECTIONS) {
      const ratios: Array<{ t: number; r: number }> = []
      for (let i = 0; i < window.length; i++) {
        const v = window.value(i, field)
        if (v !== undefined) ratios.push({ t: window.at(i), r: v / contracted })
      }
      const latest = ratios[ratios.length - 1]
      if (!latest) continue
      const base = { part, unit: 'ratio', contracted, forSeconds: th.utilizationForSeconds } as const
      const crit = heldAbove(ratios, th.utilizationCriticalRatio, intervalMs)
      const warn = heldAbove(ratios, th.utilizationWarningRatio, intervalMs)
      const at = isoTime(latest.t)
      let v: RuleVerdict
      if (crit.heldMs >= forMs) v = { ...base, state: 'critical', value: crit.min, threshold: th.utilizationCriticalRatio, bad: 'above', heldSeconds: crit.heldMs / 1000, at }
      else if (warn.heldMs >= forMs) v = { ...base, state: 'warning', value: warn.min, threshold: th.utilizationWarningRatio, bad: 'above', heldSeconds: warn.heldMs / 1000, at }
      else v = { ...base, state: 'ok', value: latest.r, threshold: th.utilizationWarningRatio, bad: 'above', heldSeconds: warn.heldMs / 1000, at }
      v.samples = ratios.length
      out.push(v)
    }
    return out
  },
}
