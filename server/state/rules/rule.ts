/**
 * The grading-rule contract (SPEC §4), modelled on blackbox_exporter's prober registry: one
 * file per rule, one typed map of them (`./index.ts`), and a caller (the state engine) that owns
 * windows, clocks, hysteresis and composition. A rule is a pure function of a target's recent
 * results and its thresholds; it never sees another target, a clock of its own or I/O.
 * @module
 */
import type { CheckKind, TargetRole, Thresholds, Verdict } from '../../../protocol'
import type { WindowView } from '../window'

export type { SampleField, WindowView } from '../window'

/** Aggregates of a window that several rules share (computed once per window change). */
export interface WindowFigures {
  rttMedian: number | null
  jitterMedian: number | null
  sent: number
  received: number
  /** (sent − received) ÷ sent over the window; null without packets. */
  lossRatio: number | null
  /** Observed time of the newest sample; null for an empty window. */
  newestAt: number | null
}

/** Median of numbers (null when empty). Sorts a copy. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null
  const s = [...values].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}

/** The shared aggregates of a window (what the engine keeps incrementally, computed from scratch). */
export function windowFigures(window: WindowView): WindowFigures {
  const rtts: number[] = []
  const jitters: number[] = []
  let sent = 0
  let received = 0
  for (let i = 0; i < window.length; i++) {
    const rtt = window.value(i, 'rtt')
    const jitter = window.value(i, 'jitter')
    if (rtt !== undefined) rtts.push(rtt)
    if (jitter !== undefined) jitters.push(jitter)
    sent += window.value(i, 'sent') as number
    received += window.value(i, 'received') as number
  }
  return {
    rttMedian: median(rtts),
    jitterMedian: median(jitters),
    sent,
    received,
    lossRatio: sent > 0 ? Math.max(0, (sent - received) / sent) : null,
    newestAt: window.length > 0 ? window.at(window.length - 1) : null,
  }
}

/** What a rule is given about one target. */
export interface RuleInput {
  kind: CheckKind
  role: TargetRole
  intervalSeconds: number
  /** Successful rounds inside the engine's window, oldest first (failed rounds are outages, judged by hysteresis). */
  window: WindowView
  /** Aggregates of `window`. */
  figures: WindowFigures
  /** The latest successful rounds whatever their age, oldest first (at most `thresholds.throughputTests`). */
  recent: WindowView
  /** Defaults, then the commune's overrides, then the target's. */
  thresholds: Thresholds
  /** The line's contracted rate (bytes/s): the commune's, or the target's own option when set. */
  contractedBytesPerSecond: number
  now: number
}

/** A verdict before the engine stamps the rule name on it (in place, see `gradeTarget`). */
export type RuleVerdict = Omit<Verdict, 'rule'> & { rule?: Verdict['rule'] }

/** One grading rule. */
export interface GradingRule {
  /** One line for the README's state section: what is judged and against what. */
  readonly summary: string
  /** The thresholds it reads (the README lists their defaults; a test checks the list). */
  readonly thresholds: readonly (keyof Thresholds)[]
  /** Whether the verdict can change with time alone (staleness), so the engine re-grades on every tick. */
  readonly timeDependent?: boolean
  /** Whether it judges this target at all. */
  appliesTo(target: { kind: CheckKind; role: TargetRole }): boolean
  /** Verdicts about the input's figures; empty when there is nothing to judge yet. */
  grade(input: RuleInput): RuleVerdict[]
}

/** Roles whose targets are video paths (SPEC §4 "video" thresholds). */
export const VIDEO_ROLES: ReadonlySet<TargetRole> = new Set(['mcu'])

// One entry of memory: a target's verdicts all carry the time of its newest sample, so the
// formatting (a measurable share of grading) happens once per target instead of once per verdict.
let lastIsoMs = NaN
let lastIso = ''
const iso = (ms: number | null): string | null => {
  if (ms === null) return null
  if (ms !== lastIsoMs) {
    lastIso = new Date(ms).toISOString()
    lastIsoMs = ms
  }
  return lastIso
}

/** What a verdict may carry besides its figure: which part, a contracted rate and factor, how long it held. */
export type VerdictExtra = Pick<RuleVerdict, 'part' | 'contracted' | 'factor' | 'heldSeconds' | 'forSeconds'>

/**
 * The verdict of a graded figure: one new object with its keys in {@link Verdict}'s order, `rule`
 * included for the engine to stamp in place. Two shapes: the common one (rtt, loss, jitter, MOS,
 * one-way delay: no `extra`) has only the keys it uses — verdicts are kept per target until its
 * next round, so every key is memory that outlives the young generation — and one with every
 * optional key (throughput, SIP: a part, a contracted rate). Before stop 29 a rule passed a
 * three-key literal that became the verdict by growing five keys (a property array allocated
 * beside it), and the engine copied it to stamp the rule: ~0.9 KB of young garbage per graded
 * round (issue 14); the unit, samples and time are now arguments, not a literal.
 */
function graded(unit: RuleVerdict['unit'], samples: number, at: number | null, extra: VerdictExtra | undefined, state: RuleVerdict['state'], value: number, threshold: number, bad: RuleVerdict['bad']): RuleVerdict {
  if (extra === undefined) return { rule: undefined, state, value, threshold, unit, bad, samples, at: iso(at) }
  return {
    rule: undefined,
    part: extra.part,
    state,
    value,
    threshold,
    unit,
    bad,
    contracted: extra.contracted,
    factor: extra.factor,
    samples,
    heldSeconds: extra.heldSeconds,
    forSeconds: extra.forSeconds,
    at: iso(at),
  }
}

/**
 * Grades a figure where higher is worse: critical above `critical`, warning above `warning`.
 * The reported threshold is the one crossed (the warning one while ok).
 * @param samples how many rounds, tests or packets the value stands for
 * @param at when the newest figure behind the value was observed (ms), null when unknown
 */
export function above(value: number, warning: number, critical: number, unit: RuleVerdict['unit'], samples: number, at: number | null, extra?: VerdictExtra): RuleVerdict {
  const state = value > critical ? 'critical' : value > warning ? 'warning' : 'ok'
  return graded(unit, samples, at, extra, state, value, state === 'critical' ? critical : warning, 'above')
}

/**
 * Grades a figure where lower is worse: critical below `critical`, warning below `warning`.
 * Arguments as {@link above}.
 */
export function below(value: number, warning: number, critical: number, unit: RuleVerdict['unit'], samples: number, at: number | null, extra?: VerdictExtra): RuleVerdict {
  const state = value < critical ? 'critical' : value < warning ? 'warning' : 'ok'
  return graded(unit, samples, at, extra, state, value, state === 'critical' ? critical : warning, 'below')
}

export { iso as isoTime }
