/**
 * `throughput`: per direction, the median of the latest `throughputTests` (3) successful tests
 * against the contracted rate (SPEC §4, QCVN 34:2022/BTTTT: at least 0.8 of nominal): below
 * 0.8 × contracted warning, below 0.5 × critical. Without a successful test within
 * `throughputStaleIntervals` (2) × the target's interval the figures are **stale**: shown with
 * their age, never taken as ok.
 * @module
 */
import { median, below, isoTime, type GradingRule, type RuleVerdict, type SampleField } from './rule'

const DIRECTIONS = [
  ['download', 'download'],
  ['upload', 'upload'],
] as const satisfies ReadonlyArray<readonly [string, SampleField]>

export const throughputRule: GradingRule = {
  summary: 'median of the last throughputTests tests per direction vs the contracted rate; stale without a test within throughputStaleIntervals × interval (throughput)',
  thresholds: ['throughputWarningRatio', 'throughputCriticalRatio', 'throughputTests', 'throughputStaleIntervals'],
  timeDependent: true,
  appliesTo: ({ kind }) => kind === 'throughput',
  grade({ recent, thresholds: th, contractedBytesPerSecond: contracted, intervalSeconds, now }) {
    // The latest throughputTests rounds: rows first..recent.length - 1.
    const first = Math.max(0, recent.length - th.throughputTests)
    if (recent.length === 0) return []
    const newestAt = recent.at(recent.length - 1)
    const stale = now - newestAt > th.throughputStaleIntervals * intervalSeconds * 1000
    const out: RuleVerdict[] = []
    for (const [part, field] of DIRECTIONS) {
      const values: number[] = []
      for (let i = first; i < recent.length; i++) {
        const v = recent.value(i, field)
        if (v !== undefined) values.push(v)
      }
      const value = median(values)
      if (value === null) continue
      const v = below(value, th.throughputWarningRatio * contracted, th.throughputCriticalRatio * contracted, 'bytes_per_second', values.length, newestAt, { part, contracted })
      v.factor = v.threshold / contracted
      if (stale) {
        v.state = 'stale'
        v.threshold = th.throughputWarningRatio * contracted
        v.factor = th.throughputWarningRatio
        v.at = isoTime(newestAt)
      }
      out.push(v)
    }
    return out
  },
}
