/**
 * Verdicts: what a grading rule concluded about one figure of one target, with the figure and
 * the threshold it was judged against (SPEC §4). The server's rules produce them; the API, the
 * dashboard, alert messages and `/metrics` show them, so a person always sees *why* a commune
 * is not green, in numbers.
 * @module
 */
import { z } from 'zod'

const IsoTime = z.iso.datetime({ offset: true })

/**
 * Every grading rule, in the order that names the cause when two verdicts are equally bad:
 * what provinces report first (a line below its contract, congestion, a broken meeting), the
 * raw network figures last.
 */
export const RuleName = z.enum(['throughput', 'utilization', 'sip', 'mos', 'one_way_delay', 'loss', 'rtt', 'jitter'])
export type RuleName = z.infer<typeof RuleName>

/** `stale`: the rule has a figure but it is too old to judge (no recent throughput test). */
export const VerdictState = z.enum(['ok', 'warning', 'critical', 'stale'])
export type VerdictState = z.infer<typeof VerdictState>

export const VerdictUnit = z.enum(['seconds', 'ratio', 'bytes_per_second', 'mos', 'status_code'])
export type VerdictUnit = z.infer<typeof VerdictUnit>

/** Which figure of a rule that judges several: a throughput direction, an interface direction, a SIP aspect. */
export const VerdictPart = z.enum(['download', 'upload', 'in', 'out', 'status', 'response'])
export type VerdictPart = z.infer<typeof VerdictPart>

export const Verdict = z.strictObject({
  rule: RuleName,
  part: VerdictPart.optional(),
  state: VerdictState,
  /** The judged figure in `unit` (a median, a window ratio, a sustained minimum…); null when there is none. */
  value: z.number().nullable(),
  /** The limit the value crossed (warning or critical), or the warning limit while ok. */
  threshold: z.number(),
  unit: VerdictUnit,
  /** Which side of the threshold is bad: `above` (RTT, loss) or `below` (throughput, MOS); `not` for a status code that must be 2xx. */
  bad: z.enum(['above', 'below', 'not']),
  /** Ratio thresholds of a contracted rate: the rate (bytes/s) and the factor, e.g. 0.8 × 12.5 MB/s. */
  contracted: z.number().optional(),
  factor: z.number().optional(),
  /** How many rounds, tests or packets the value stands for. */
  samples: z.number().int().nonnegative().optional(),
  /** Sustained conditions: how long the value has held, and how long it must (utilization: 15 min). */
  heldSeconds: z.number().nonnegative().optional(),
  forSeconds: z.number().nonnegative().optional(),
  /** When the newest figure behind the value was observed. */
  at: IsoTime.nullable(),
})
export type Verdict = z.infer<typeof Verdict>

/** Rank of verdict states for "worst wins" (stale is not a degradation: it is shown apart). */
export const VERDICT_RANK: Readonly<Record<VerdictState, number>> = { stale: -1, ok: 0, warning: 1, critical: 2 }

/**
 * The verdict that names a target's cause: the worst, and on equal severity the first rule in
 * {@link RuleName} order, then the first part. Stale and ok verdicts never win over a degradation.
 */
export function primaryVerdict(verdicts: readonly Verdict[]): Verdict | null {
  let best: Verdict | null = null
  for (const v of verdicts) {
    if (v.state === 'ok' || v.state === 'stale') continue
    if (!best || VERDICT_RANK[v.state] > VERDICT_RANK[best.state]) best = v
    else if (VERDICT_RANK[v.state] === VERDICT_RANK[best.state] && RuleName.options.indexOf(v.rule) < RuleName.options.indexOf(best.rule)) best = v
  }
  return best
}
