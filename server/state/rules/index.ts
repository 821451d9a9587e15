/**
 * The grading rules, one file each, in one typed registry (SPEC §4). The keys are the rule
 * names of the wire contract (`protocol` RuleName), so a rule named there and missing here, or
 * the other way round, fails to compile. The engine composes their verdicts: worst wins; on a
 * tie the earlier rule in {@link RULE_ORDER} names the cause.
 * @module
 */
import { RuleName } from '../../../protocol'
import { jitterRule } from './jitter'
import { lossRule } from './loss'
import { mosRule } from './mos'
import { oneWayDelayRule } from './one-way-delay'
import type { GradingRule } from './rule'
import { rttRule } from './rtt'
import { sipRule } from './sip'
import { throughputRule } from './throughput'
import { utilizationRule } from './utilization'

export const RULES = {
  throughput: throughputRule,
  utilization: utilizationRule,
  sip: sipRule,
  mos: mosRule,
  one_way_delay: oneWayDelayRule,
  loss: lossRule,
  rtt: rttRule,
  jitter: jitterRule,
} as const satisfies Record<RuleName, GradingRule>

/** Rule names in tie-break order (the wire contract's order). */
export const RULE_ORDER: readonly RuleName[] = RuleName.options

export type { GradingRule, RuleInput, RuleVerdict, SampleField, WindowFigures, WindowView } from './rule'
export { windowFigures, median, VIDEO_ROLES } from './rule'
