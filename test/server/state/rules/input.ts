/**
 * Builds grading-rule inputs for the table-driven rule tests: windows stored as the engine stores
 * them, from measurement records; figures computed from scratch.
 * @module
 */
import { DEFAULT_THRESHOLDS, type CheckKind, type TargetRole, type Thresholds } from '../../../../protocol'
import { windowFigures, type RuleInput } from '../../../../server/state/rules/index'
import { SampleWindow } from '../../../../server/state/window'

export const T0 = Date.parse('2026-12-01T08:00:00Z')
/** 100 Mbit/s in bytes per second. */
export const CONTRACT_100 = 100e6 / 8
export const mbit = (n: number): number => (n * 1e6) / 8

/** A successful round: when it was observed and its measurements. */
export interface Round {
  t: number
  m: Record<string, number>
}

/** Rounds at `everySeconds` spacing ending at T0, oldest first. */
export function samples(measurements: ReadonlyArray<Record<string, number>>, everySeconds = 15): Round[] {
  const n = measurements.length
  return measurements.map((m, i) => ({ t: T0 - (n - 1 - i) * everySeconds * 1000, m }))
}

/** The rounds stored as the engine stores a window (./window.ts rows). */
function windowOf(rounds: readonly Round[]): SampleWindow {
  const w = new SampleWindow()
  for (const r of rounds) w.insert(r.t, r.m)
  return w
}

export function input(over: {
  kind: CheckKind
  role?: TargetRole
  intervalSeconds?: number
  window?: Round[]
  recent?: Round[]
  thresholds?: Partial<Thresholds>
  contracted?: number
  now?: number
}): RuleInput {
  const window = windowOf(over.window ?? [])
  return {
    kind: over.kind,
    role: over.role ?? 'line',
    intervalSeconds: over.intervalSeconds ?? 15,
    window,
    figures: windowFigures(window),
    recent: windowOf(over.recent ?? []),
    thresholds: { ...DEFAULT_THRESHOLDS, ...over.thresholds },
    contractedBytesPerSecond: over.contracted ?? CONTRACT_100,
    now: over.now ?? T0,
  }
}

/** `n` copies of a measurement record. */
export const times = (n: number, m: Record<string, number>): Array<Record<string, number>> => Array.from({ length: n }, () => ({ ...m }))
