import { describe, expect, it } from 'vitest'
import { RuleName } from '../../../../protocol'
import { RULE_ORDER, RULES } from '../../../../server/state/rules/index'

describe('grading rule registry', () => {
  it('has one rule per wire-contract rule name, in tie-break order', () => {
    expect(Object.keys(RULES)).toEqual(RuleName.options)
    expect(RULE_ORDER).toEqual(RuleName.options)
  })

  it('every rule documents itself and names thresholds that exist', async () => {
    const { DEFAULT_THRESHOLDS } = await import('../../../../protocol')
    for (const [name, rule] of Object.entries(RULES)) {
      expect(rule.summary.length, name).toBeGreaterThan(10)
      expect(rule.thresholds.length, name).toBeGreaterThan(0)
      for (const key of rule.thresholds) expect(DEFAULT_THRESHOLDS, `${name}.${key}`).toHaveProperty(key)
    }
  })
})
