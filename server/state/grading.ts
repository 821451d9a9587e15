/**
 * Runs every applicable grading rule over one target's facts, in rule order (the order that
 * names the cause on a tie, see protocol `primaryVerdict`).
 * @module
 */
import type { CheckKind, TargetRole, Verdict } from '../../protocol'
import { RULE_ORDER, RULES, type RuleInput } from './rules/index'

/** Every rule's verdicts about the input, stamped with the rule's name. */
export function gradeTarget(input: RuleInput): Verdict[] {
  const out: Verdict[] = []
  for (const name of RULE_ORDER) {
    const rule = RULES[name]
    if (!rule.appliesTo(input)) continue
    // Stamped in place: a rule's verdicts are fresh objects made for this call (see rules/rule.ts).
    for (const v of rule.grade(input)) {
      v.rule = name
      out.push(v as Verdict)
    }
  }
  return out
}

/** Whether some applicable rule can change its verdict with time alone (the engine re-grades those on every tick). */
export function gradesWithTime(target: { kind: CheckKind; role: TargetRole }): boolean {
  return RULE_ORDER.some((name) => {
    const rule = RULES[name]
    return rule.timeDependent === true && rule.appliesTo(target)
  })
}
