/**
 * Runs every applicable grading rule over one target's facts, in rule order (the order that
 * names the cause on a tie, see protocol `primaryVerdict`).
 * @module
 */
import type { CheckKind, RuleName, TargetRole, Verdict } from '../../protocol'
import { RULE_ORDER, RULES, type RuleInput } from './rules/index'
import type { RuleVerdict } from './rules/rule'

/** Every rule's verdicts about the input, stamped with the rule's name. */
export function gradeTarget(input: RuleInput): Verdict[] {
  const out: Verdict[] = []
  for (const name of RULE_ORDER) {
    const rule = RULES[name]
    if (!rule.appliesTo(input)) continue
    for (const v of rule.grade(input)) out.push(stamped(name, v))
  }
  return out
}

/**
 * The verdict as the engine keeps it: one literal naming every field (absent ones undefined, which
 * JSON and the API omit as before). Every verdict then has one hidden class with all its fields
 * in the object itself: ~64 B instead of ~168 B for `{ rule, ...v }`, whose spread put the fields
 * after the first into a separate property array (30,000 verdicts at national load, issue 14).
 */
function stamped(rule: RuleName, v: RuleVerdict): Verdict {
  // Every key of Verdict, optional ones included: a field added to the schema fails to compile here.
  const out: { [K in keyof Required<Verdict>]: Verdict[K] } = {
    rule,
    part: v.part,
    state: v.state,
    value: v.value,
    threshold: v.threshold,
    unit: v.unit,
    bad: v.bad,
    contracted: v.contracted,
    factor: v.factor,
    samples: v.samples,
    heldSeconds: v.heldSeconds,
    forSeconds: v.forSeconds,
    at: v.at,
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
