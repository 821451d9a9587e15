/**
 * The shipped Grafana dashboard is valid dashboard JSON (the fields Grafana needs to import and
 * provision it), has the province overview, commune drill-down by the cluster and commune
 * variables, throughput vs contracted and the heatmaps; the provisioning files point at it.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { describe, expect, it } from 'vitest'
import { DEPLOY } from '../helpers/promql'

interface Panel {
  id: number
  type: string
  title: string
  gridPos: { x: number; y: number; w: number; h: number }
  datasource?: { type: string; uid: string }
  targets?: Array<{ refId: string; expr: string; datasource?: { uid: string } }>
  fieldConfig?: { defaults: Record<string, unknown>; overrides: unknown[] }
  options?: Record<string, unknown>
}
interface Variable {
  type: string
  name: string
  query?: string | { query: string }
  datasource?: { uid: string }
  includeAll?: boolean
  multi?: boolean
}
interface Dashboard {
  uid: string
  title: string
  schemaVersion: number
  version: number
  tags: string[]
  timezone: string
  time: { from: string; to: string }
  refresh: string
  panels: Panel[]
  templating: { list: Variable[] }
  annotations: { list: unknown[] }
}

const dir = join(DEPLOY, 'grafana')
const files = readdirSync(join(dir, 'dashboards')).filter((f) => f.endsWith('.json'))
const PANEL_TYPES = new Set(['row', 'stat', 'timeseries', 'table', 'bargauge', 'gauge', 'state-timeline', 'status-history', 'heatmap', 'text'])

describe.each(files)('%s', (file) => {
  const d = JSON.parse(readFileSync(join(dir, 'dashboards', file), 'utf8')) as Dashboard
  const queryOf = (v: Variable): string => (typeof v.query === 'string' ? v.query : (v.query?.query ?? ''))

  it('has the dashboard-level fields Grafana requires', () => {
    expect(d.uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/)
    expect(d.title.length).toBeGreaterThan(0)
    expect(Number.isInteger(d.schemaVersion) && d.schemaVersion >= 36).toBe(true)
    expect(Number.isInteger(d.version)).toBe(true)
    expect(d.time).toEqual({ from: expect.any(String), to: 'now' })
    expect(d.refresh).toMatch(/^\d+[smh]$/)
    expect(d.timezone).toBe('Asia/Ho_Chi_Minh')
    expect(Array.isArray(d.annotations.list)).toBe(true)
    expect(d.tags).toContain('xanh')
  })

  it('has panels with unique ids, known types, a 24-column grid and PromQL targets on the datasource variable', () => {
    expect(d.panels.length).toBeGreaterThan(10)
    const ids = d.panels.map((p) => p.id)
    expect(new Set(ids).size).toBe(ids.length)
    for (const p of d.panels) {
      expect(PANEL_TYPES, `${p.title}: type ${p.type}`).toContain(p.type)
      const g = p.gridPos
      for (const k of ['x', 'y', 'w', 'h'] as const) expect(Number.isInteger(g[k]) && g[k] >= 0, `${p.title}.gridPos.${k}`).toBe(true)
      expect(g.x + g.w, p.title).toBeLessThanOrEqual(24)
      if (p.type === 'row') continue
      expect(p.datasource, p.title).toEqual({ type: 'prometheus', uid: '${datasource}' })
      expect(p.targets?.length, p.title).toBeGreaterThan(0)
      const refs = (p.targets ?? []).map((t) => t.refId)
      expect(new Set(refs).size, p.title).toBe(refs.length)
      for (const t of p.targets ?? []) {
        expect(t.expr.trim().length, p.title).toBeGreaterThan(0)
        expect(t.datasource?.uid, p.title).toBe('${datasource}')
      }
      expect(p.fieldConfig?.defaults, p.title).toBeTypeOf('object')
    }
    // Panels do not overlap.
    const cells = new Set<string>()
    for (const p of d.panels)
      for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++)
        for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
          const cell = `${x},${y}`
          expect(cells.has(cell), `${p.title} overlaps at ${cell}`).toBe(false)
          cells.add(cell)
        }
  })

  it('drills down by cluster and commune, the commune list following the cluster', () => {
    const vars = new Map(d.templating.list.map((v) => [v.name, v]))
    expect(vars.get('datasource')).toMatchObject({ type: 'datasource', query: 'prometheus' })
    const cluster = vars.get('cluster') as Variable
    const commune = vars.get('commune') as Variable
    expect(cluster).toMatchObject({ type: 'query', includeAll: true, multi: true, datasource: { uid: '${datasource}' } })
    expect(queryOf(cluster)).toBe('label_values(xanh_commune_info, cluster)')
    expect(commune).toMatchObject({ type: 'query', includeAll: true, multi: true })
    expect(queryOf(commune)).toBe('label_values(xanh_commune_info{cluster=~"$cluster"}, commune_code)')
    const exprs = d.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr))
    expect(exprs.filter((e) => e.includes('$cluster')).length).toBeGreaterThanOrEqual(5)
    expect(exprs.filter((e) => e.includes('commune_code=~"$commune"')).length).toBeGreaterThanOrEqual(8)
  })

  it('has the province overview, throughput vs contracted and the loss and RTT heatmaps', () => {
    const byType = (t: string): Panel[] => d.panels.filter((p) => p.type === t)
    const stats = byType('stat').flatMap((p) => p.targets ?? []).map((t) => t.expr)
    for (const s of ['ok', 'warning', 'critical', 'down', 'unknown']) expect(stats.some((e) => e.includes(`state="${s}"`)), s).toBe(true)
    const tput = d.panels.find((p) => (p.targets ?? []).some((t) => t.expr.includes('xanh_throughput_bytes_per_second')))
    expect(tput?.targets?.some((t) => t.expr.includes('xanh_link_contracted_bytes_per_second'))).toBe(true)
    const heatmaps = byType('heatmap')
    expect(heatmaps.map((p) => p.targets?.[0]?.expr.split('{')[0]).sort()).toEqual(['xanh_packet_loss_ratio', 'xanh_rtt_seconds'])
    for (const h of heatmaps) expect(h.options?.calculate).toBe(true)
  })
})

describe('provisioning', () => {
  it('loads the dashboards folder and a Prometheus data source', () => {
    const dashboards = parseYaml(readFileSync(join(dir, 'provisioning', 'dashboards', 'xanh.yml'), 'utf8')) as {
      apiVersion: number
      providers: Array<{ name: string; type: string; options: { path: string } }>
    }
    expect(dashboards.apiVersion).toBe(1)
    expect(dashboards.providers[0]).toMatchObject({ name: 'xanh', type: 'file', options: { path: expect.stringMatching(/^\//) } })
    const sources = parseYaml(readFileSync(join(dir, 'provisioning', 'datasources', 'prometheus.yml'), 'utf8')) as {
      apiVersion: number
      datasources: Array<{ type: string; url: string; access: string }>
    }
    expect(sources.apiVersion).toBe(1)
    expect(sources.datasources[0]).toMatchObject({ type: 'prometheus', access: 'proxy', url: expect.stringMatching(/^http/) })
  })
})
