/**
 * Builds grading-rule inputs for the table-driven rule tests: samples from measurement records,
 * figures computed the way the engine computes them.
 * @module
 */
import { DEFAULT_THRESHOLDS, type CheckKind, type TargetRole, type Thresholds } from '../../../../protocol'
import { toSample, windowFigures, type RuleInput, type Sample } from '../../../../server/state/rules/index'

export const T0 = Date.parse('2026-12-01T08:00:00Z')
/** 100 Mbit/s in bytes per second. */
export const CONTRACT_100 = 100e6 / 8
export const mbit = (n: number): number => (n * 1e6) / 8

/** Samples at `everySeconds` spacing ending at T0, oldest first. */
export function samples(measurements: ReadonlyArray<Record<string, number>>, everySeconds = 15): Sample[] {
  const n = measurements.length
  return measurements.map((m, i) => toSample(T0 - (n - 1 - i) * everySeconds * 1000, m))
}

export function input(over: {
  kind: CheckKind
  role?: TargetRole
  intervalSeconds?: number
  window?: Sample[]
  recent?: Sample[]
  thresholds?: Partial<Thresholds>
  contracted?: number
  now?: number
}): RuleInput {
  const window = over.window ?? []
  return {
    kind: over.kind,
    role: over.role ?? 'line',
    intervalSeconds: over.intervalSeconds ?? 15,
    window,
    figures: windowFigures(window),
    recent: over.recent ?? [],
    thresholds: { ...DEFAULT_THRESHOLDS, ...over.thresholds },
    contractedBytesPerSecond: over.contracted ?? CONTRACT_100,
    now: over.now ?? T0,
  }
}

/** `n` copies of a measurement record. */
export const times = (n: number, m: Record<string, number>): Array<Record<string, number>> => Array.from({ length: n }, () => ({ ...m }))
