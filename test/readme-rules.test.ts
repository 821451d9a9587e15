/**
 * The README's state section lists every grading rule with its thresholds and their defaults
 * (issue 10, done-when 7): a rule added to the registry, a threshold renamed or a default changed
 * without the README following fails here.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DEFAULT_THRESHOLDS } from '../protocol'
import { RULES } from '../server/state/rules/index'

const README = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8')

/** The rows of the rule table: `| \`name\` | … | thresholds |`, keyed by rule name. */
function ruleRows(): Map<string, string[]> {
  const start = README.indexOf('| rule | judges | warning | critical | thresholds (default) |')
  expect(start, 'the README has the rule table').toBeGreaterThan(0)
  const rows = new Map<string, string[]>()
  for (const line of README.slice(start).split('\n').slice(2)) {
    if (!line.startsWith('|')) break
    const cells = line.split('|').slice(1, -1).map((c) => c.trim())
    const name = /^`([a-z_]+)`$/.exec(cells[0] ?? '')?.[1]
    if (name) rows.set(name, cells)
  }
  return rows
}

describe("README's state section", () => {
  it('lists exactly the registered rules, in the registry order (the tie-break order)', () => {
    expect([...ruleRows().keys()]).toEqual(Object.keys(RULES))
  })

  it("names every rule's thresholds with their defaults, and nothing else", () => {
    for (const [name, cells] of ruleRows()) {
      const rule = RULES[name as keyof typeof RULES]
      const listed = [...(cells[4] ?? '').matchAll(/`(\w+)` ([\d.]+)/g)].map((m) => [m[1], Number(m[2])])
      expect(listed.map(([k]) => k), name).toEqual([...rule.thresholds])
      for (const [key, value] of listed) expect(value, `${name}.${key}`).toBe(DEFAULT_THRESHOLDS[key as keyof typeof DEFAULT_THRESHOLDS])
    }
  })
})
