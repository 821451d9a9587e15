/**
 * Metric names referenced by a PromQL expression, for checking shipped rules and dashboards
 * against a live /metrics. A small lexer, not a parser: strings, label matchers, ranges,
 * grouping label lists, Grafana variables and function names are removed; what is left that
 * looks like a name is a metric (or a recording rule).
 */
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { parse as parseYaml } from 'yaml'

const KEYWORDS = new Set(['and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset', 'inf', 'nan'])

/** Metric names in one expression (Grafana's `label_values(metric…, label)` is understood too). */
export function metricNamesIn(expr: string): string[] {
  let e = expr.replace(/label_values\(\s*([^,]*),[^)]*\)/g, '$1')
  e = e.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
  e = e.replace(/\$\{[^}]*\}|\$\w+/g, ' ')
  e = e.replace(/\{[^}]*\}/g, ' ')
  e = e.replace(/\[[^\]]*\]/g, ' ')
  e = e.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
  e = e.replace(/\boffset\s+-?\d+[smhdwy]+/g, ' ')
  const names = new Set<string>()
  for (const m of e.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const before = e[(m.index ?? 0) - 1] ?? ' '
    if (/[0-9.]/.test(before)) continue // the exponent of 1e-9
    if (e.slice((m.index ?? 0) + m[0].length).trimStart().startsWith('(')) continue // a function or aggregation
    if (KEYWORDS.has(m[0].toLowerCase())) continue
    names.add(m[0])
  }
  return [...names]
}

export interface ShippedExpr {
  where: string
  expr: string
}

export const DEPLOY = join(import.meta.dirname, '..', '..', 'deploy')

/** Every rule of deploy/prometheus/rules/*.yml: alert and recording expressions, recorded names. */
export function shippedRules(): { exprs: ShippedExpr[]; recorded: Set<string> } {
  const dir = join(DEPLOY, 'prometheus', 'rules')
  const exprs: ShippedExpr[] = []
  const recorded = new Set<string>()
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yml'))) {
    const doc = parseYaml(readFileSync(join(dir, file), 'utf8')) as { groups: Array<{ rules: Array<{ alert?: string; record?: string; expr: string }> }> }
    for (const g of doc.groups)
      for (const r of g.rules) {
        exprs.push({ where: `${file}: ${r.alert ?? r.record}`, expr: r.expr })
        if (r.record) recorded.add(r.record)
      }
  }
  return { exprs, recorded }
}

/** Every PromQL string of the Grafana dashboards: panel targets and template variable queries. */
export function shippedDashboardExprs(): ShippedExpr[] {
  const dir = join(DEPLOY, 'grafana', 'dashboards')
  const out: ShippedExpr[] = []
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const d = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
      panels: Array<{ title: string; targets?: Array<{ expr: string }> }>
      templating: { list: Array<{ name: string; type: string; query?: string | { query: string } }> }
    }
    for (const p of d.panels) for (const t of p.targets ?? []) out.push({ where: `${file}: ${p.title}`, expr: t.expr })
    for (const v of d.templating.list) {
      if (v.type !== 'query' || v.query === undefined) continue
      out.push({ where: `${file}: $${v.name}`, expr: typeof v.query === 'string' ? v.query : v.query.query })
    }
  }
  return out
}
