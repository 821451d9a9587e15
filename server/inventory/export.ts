/**
 * Inventory export: the same columns import reads, so export → edit in Excel → import is a
 * round trip (names byte-identical, numbers unchanged, nothing rewritten when nothing changed).
 * @module
 */
import { stringify } from 'yaml'
import type { Store } from '../store/store'
import { writeCsv } from './csv'
import { COLUMNS, writeCell, type ColumnDef, type InventoryFormat, type InventoryKind } from './fields'

/** Stored entities shaped as protocol inputs (keyed by field), in a stable order. */
function entities(store: Store, kind: InventoryKind): Array<Record<string, unknown>> {
  switch (kind) {
    case 'communes':
      return store.listCommunes().map((c) => ({
        code: c.code,
        name: c.name,
        kind: c.kind,
        districtCluster: c.districtCluster,
        lat: c.lat,
        lon: c.lon,
        contractedMbps: c.contractedMbps,
        priority: c.priority,
        notes: c.notes,
        thresholds: c.thresholds ?? null,
      }))
    case 'targets':
      return store.listTargets().map((t) => ({
        id: t.id,
        communeCode: t.communeCode,
        name: t.name,
        kind: t.kind,
        host: t.host,
        port: t.port,
        role: t.role,
        intervalSeconds: t.intervalS,
        timeoutSeconds: t.timeoutS,
        parents: t.parents,
        options: t.options,
        probeId: t.probeId,
        enabled: t.enabled,
        thresholds: t.thresholds ?? null,
      }))
    case 'gaps':
      return store
        .listGaps()
        .sort((a, b) => cmp(a.communeCode, b.communeCode) || cmp(a.hamlet, b.hamlet) || cmp(a.kind, b.kind))
        .map((g) => ({
          communeCode: g.communeCode,
          hamlet: g.hamlet,
          kind: g.kind,
          population: g.population,
          households: g.households,
          since: g.since,
          plannedFix: g.plannedFix,
          fixedAt: g.fixedAt,
          source: g.source,
        }))
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * Exports one inventory table. CSV: UTF-8 with BOM, CRLF, English headers (see `fields.ts`),
 * one row per entity. YAML: a list of mappings with the same keys, nulls left out.
 * Communes are ordered by code, targets by id, gaps by commune, hamlet and kind.
 */
export function exportInventory(store: Store, kind: InventoryKind, format: InventoryFormat): string {
  const cols: ReadonlyArray<ColumnDef> = COLUMNS[kind]
  const list = entities(store, kind)
  if (format === 'csv') {
    return writeCsv([cols.map((c) => c.name), ...list.map((e) => cols.map((c) => writeCell(c, e[c.field])))])
  }
  const items = list.map((e) => {
    const item: Record<string, unknown> = {}
    for (const c of cols) {
      const v = e[c.field]
      if (v !== null && v !== undefined) item[c.name] = v
    }
    return item
  })
  // No line folding: long notes stay on one line, as the admin wrote them.
  return stringify(items, { lineWidth: 0 })
}
