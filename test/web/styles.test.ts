/**
 * The stylesheet is plain CSS: rules at the top level or inside one at-rule. Vite's CSS pipeline
 * accepts nesting, so a block left unclosed (as a merge once left one) silently nested every
 * later rule under it and the build still passed, with the incident bands unstyled.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const CSS = readFileSync(join(import.meta.dirname, '..', '..', 'web', 'src', 'styles.css'), 'utf8')

/** Opening lines of blocks nested deeper than an at-rule allows, and blocks left open. */
function nestingProblems(css: string): string[] {
  const text = css.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' '))
  const open: Array<{ line: number; atRule: boolean }> = []
  const problems: string[] = []
  let line = 1
  let head = ''
  for (const ch of text) {
    if (ch === '\n') line++
    if (ch === '{') {
      const atRule = head.trim().startsWith('@')
      const parent = open.at(-1)
      if (parent && !parent.atRule) problems.push(`line ${line}: a rule nested inside the rule opened on line ${parent.line}`)
      open.push({ line, atRule })
      head = ''
    } else if (ch === '}') {
      if (!open.pop()) problems.push(`line ${line}: a closing brace without its block`)
      head = ''
    } else if (ch === ';') {
      head = ''
    } else {
      head += ch
    }
  }
  for (const o of open) problems.push(`line ${o.line}: a block never closed`)
  return problems
}

describe('styles.css', () => {
  it('has no rule nested in a rule and no block left open', () => {
    expect(nestingProblems(CSS)).toEqual([])
  })

  it('sees the nesting a lost closing brace makes', () => {
    expect(nestingProblems('.a {\n  color: red;\n.b { color: blue; }\n')).toEqual(['line 3: a rule nested inside the rule opened on line 1', 'line 1: a block never closed'])
  })
})
