/**
 * Inventory import (SPEC §2): a CSV or YAML file of communes, targets or coverage gaps is
 * validated as a whole (every row, then rows against each other and against the database) and
 * written in one transaction, or not at all. Every problem is reported with its file line.
 * @module
 */
import { isMap, isNode, isPair, isScalar, isSeq, LineCounter, parseDocument } from 'yaml'
import type { z } from 'zod'
import { CommuneInput, CoverageGapInput, TargetInput, TargetSpec, type CoverageGapView, type ErrorIssue } from '../../protocol'
import { AppError } from '../errors'
import { targetSpecCandidate, targetSpecFromInput, type Store } from '../store/store'
import type { CommuneRow, TargetRow } from '../store/types'
import { parseCsv } from './csv'
import { issue, zodIssueKind } from './issues'
import {
  COLUMNS,
  columnOfField,
  readCell,
  resolveHeader,
  type CellContext,
  type ColumnDef,
  type InventoryFormat,
  type InventoryKind,
} from './fields'

/** One valid row and where it came from. */
export interface InventoryRow<T> {
  /** 1-based file line of the record (CSV) or list item (YAML). */
  line: number
  /** Line of each column's value, by column name (differs from `line` in YAML). */
  lines: Readonly<Record<string, number>>
  input: T
}

/** A parsed file, discriminated by kind. */
export type ParsedInventory =
  | { kind: 'communes'; rows: Array<InventoryRow<CommuneInput>> }
  | { kind: 'targets'; rows: Array<InventoryRow<TargetInput>> }
  | { kind: 'gaps'; rows: Array<InventoryRow<CoverageGapInput>> }

/** Outcome of {@link parseInventory}: every row valid, or every problem found. */
export type ParseOutcome = { ok: true; inventory: ParsedInventory } | { ok: false; issues: ErrorIssue[] }

export interface ParseOptions {
  kind: InventoryKind
  format: InventoryFormat
}

export interface ImportOptions extends ParseOptions {
  /** Who imports, for the audit log (`admin:alice`, `cli:root`). */
  actor: string
  /** Called every {@link PROGRESS_EVERY} rows written, and at the end if the last call was not. */
  onProgress?: (done: number, total: number) => void
  /** Check everything and count what would change, but write nothing. */
  dryRun?: boolean
}

/** What an import did. `unchanged` rows matched the database already and were not rewritten. */
export interface ImportReport {
  kind: InventoryKind
  rows: number
  created: number
  updated: number
  unchanged: number
}

/** Rows between two progress callbacks. */
export const PROGRESS_EVERY = 1000

/** A row before validation: each present column's raw value, its line, and the header used. */
interface RawRow {
  line: number
  cells: Map<ColumnDef, { value: unknown; line: number; header: string }>
}

interface RawFile {
  rows: RawRow[]
  issues: ErrorIssue[]
  ctx: CellContext
}

// ---- reading files ----

function readCsvFile(kind: InventoryKind, text: string): RawFile {
  const { records, problems, delimiter } = parseCsv(text)
  const issues: ErrorIssue[] = problems.map((p) => issue(p.line, '(file)', 'file_syntax', p.message, { detail: p.message }))
  const ctx: CellContext = { decimalComma: delimiter === ';' }
  const isBlank = (fields: string[]): boolean => fields.every((f) => f.trim() === '')
  const header = records.find((r) => !isBlank(r.fields))
  if (!header) {
    issues.push(issue(1, '(file)', 'empty_file', 'the file is empty: expected a header row'))
    return { rows: [], issues, ctx }
  }
  const data = records.filter((r) => r.line > header.line && !isBlank(r.fields))

  const columns: Array<ColumnDef | undefined> = []
  const seen = new Map<ColumnDef, string>()
  header.fields.forEach((raw, i) => {
    const h = raw.trim()
    if (h === '') {
      // Excel leaves trailing empty columns; an unnamed column with data is a mistake.
      if (data.some((r) => (r.fields[i] ?? '').trim() !== '')) {
        issues.push(issue(header.line, `column ${i + 1}`, 'unnamed_column', 'this column has data but no header', { column: i + 1 }))
      }
      columns.push(undefined)
      return
    }
    const col = resolveHeader(kind, h)
    if (!col) {
      const known = COLUMNS[kind].map((c) => c.name).join(', ')
      issues.push(issue(header.line, h, 'unknown_column', `unknown column for ${kind} (expected: ${known})`, { column: h, kind, expected: known }))
    } else if (seen.has(col)) {
      const first = seen.get(col) ?? ''
      issues.push(issue(header.line, col.name, 'duplicate_column', `"${h}" and "${first}" both name column ${col.name}`, { column: col.name, first, second: h }))
    } else {
      seen.set(col, h)
    }
    columns.push(col)
  })
  // Without a sound header every row would fail the same way; report the header alone.
  if (issues.length > 0) return { rows: [], issues, ctx }

  const rows: RawRow[] = []
  for (const rec of data) {
    const extra = rec.fields.slice(columns.length).filter((f) => f.trim() !== '')
    if (extra.length > 0) {
      issues.push(
        issue(rec.line, '(row)', 'extra_cells', `${rec.fields.length} cells but the header has ${columns.length} (an unquoted comma in a value?)`, {
          cells: rec.fields.length,
          columns: columns.length,
        }),
      )
      continue
    }
    const cells: RawRow['cells'] = new Map()
    columns.forEach((col, i) => {
      if (col) cells.set(col, { value: rec.fields[i] ?? '', line: rec.line, header: header.fields[i]?.trim() ?? col.name })
    })
    rows.push({ line: rec.line, cells })
  }
  return { rows, issues, ctx }
}

function yamlValue(col: ColumnDef, node: unknown): unknown {
  if (isScalar(node)) {
    // Text columns keep the source as written: `code: 01234` is "01234", not the number 1234.
    if ((col.type === 'string' || col.type === 'enum') && node.value !== null && typeof node.value !== 'string' && node.source !== undefined) {
      return node.source
    }
    return node.value
  }
  return isNode(node) ? node.toJSON() : (node ?? null)
}

/**
 * Deepest nesting a YAML inventory file may have (its rows are two or three levels deep). The
 * YAML composer recurses per level: about 1,000 levels overflow the stack, and V8 then aborts the
 * whole process when it compiles a regular expression at the stack's edge ("RegExpCompiler
 * Allocation failed"; two 2 KB imports of nested `[` did it). Deeper files are refused unparsed.
 */
export const MAX_YAML_NESTING = 100

/**
 * The line where `text` nests deeper than `max`, if it does: flow brackets (quoted ones counted
 * too: an over-estimate), or a line's indentation and compact `- `, `? `, `: ` indicators.
 */
function yamlTooDeep(text: string, max: number): number | undefined {
  let depth = 0
  let line = 1
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]
    if (ch === '[' || ch === '{') {
      if (++depth > max) return line
    } else if (ch === ']' || ch === '}') {
      if (depth > 0) depth--
    } else if (ch === '\n') {
      line++
    }
  }
  const lines = text.split(/\r\n|\r|\n/)
  for (let i = 0; i < lines.length; i++) {
    const prefix = /^(?:[ \t]|[-?:](?=[ \t]))*/.exec(lines[i] ?? '')?.[0] ?? ''
    if (prefix.length > 2 * max) return i + 1
  }
  return undefined
}

function readYamlFile(kind: InventoryKind, text: string): RawFile {
  const ctx: CellContext = { decimalComma: false }
  const deep = yamlTooDeep(text, MAX_YAML_NESTING)
  if (deep !== undefined) return { rows: [], issues: [issue(deep, '(file)', 'too_deep', `nested more than ${MAX_YAML_NESTING} levels deep`, { max: MAX_YAML_NESTING })], ctx }
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, prettyErrors: false })
  const lineOf = (node: unknown, fallback: number): number => {
    if (node && typeof node === 'object' && 'range' in node && Array.isArray(node.range) && typeof node.range[0] === 'number') {
      return lineCounter.linePos(node.range[0]).line
    }
    return fallback
  }
  const lastLine = Math.max(1, text.replace(/(\r\n|\r|\n)$/, '').split(/\r\n|\r|\n/).length)
  if (doc.errors.length > 0) {
    return {
      rows: [],
      // An error at end of input sits past the last line break; report the file's last line.
      issues: doc.errors.map((e) => issue(Math.min(lineCounter.linePos(e.pos[0]).line, lastLine), '(file)', 'file_syntax', e.message, { detail: e.message })),
      ctx,
    }
  }

  let list: unknown = doc.contents
  if (isMap(list)) {
    // `{ communes: [...] }` is accepted; the key must name the kind being imported.
    const pair = list.items.find((p) => isScalar(p.key) && p.key.value === kind)
    if (!pair) {
      const keys = list.items.map((p) => (isScalar(p.key) ? String(p.key.value) : '?')).join(', ')
      return { rows: [], issues: [issue(lineOf(list, 1), '(file)', 'not_a_list', `expected a list or a "${kind}:" key, found ${keys}`, { kind, keys })], ctx }
    }
    list = pair.value
  }
  if (list === null || (isScalar(list) && list.value === null)) {
    return { rows: [], issues: [issue(1, '(file)', 'empty_file', `the file is empty: expected a list of ${kind}`, { kind })], ctx }
  }
  if (!isSeq(list)) {
    return { rows: [], issues: [issue(lineOf(list, 1), '(file)', 'not_a_list', `expected a list of ${kind}`, { kind })], ctx }
  }

  const issues: ErrorIssue[] = []
  const rows: RawRow[] = []
  for (const item of list.items) {
    const line = lineOf(item, 1)
    if (!isMap(item)) {
      issues.push(issue(line, '(row)', 'not_a_mapping', 'expected a mapping of field: value'))
      continue
    }
    const cells: RawRow['cells'] = new Map()
    for (const pair of item.items) {
      if (!isPair(pair)) continue
      const key = isScalar(pair.key) ? String(pair.key.value) : ''
      const keyLine = lineOf(pair.key, line)
      const col = resolveHeader(kind, key)
      if (!col) {
        const expected = COLUMNS[kind].map((c) => c.name).join(', ')
        issues.push(issue(keyLine, key, 'unknown_column', `unknown field for ${kind} (expected: ${expected})`, { column: key, kind, expected }))
      } else if (cells.has(col)) {
        issues.push(issue(keyLine, col.name, 'field_twice', 'field given twice'))
      } else {
        cells.set(col, { value: yamlValue(col, pair.value), line: lineOf(pair.value, keyLine), header: key })
      }
    }
    rows.push({ line, cells })
  }
  return { rows, issues, ctx }
}

// ---- validating rows ----

/** Maps a protocol path (`contractedMbps`, `options.packets`) to a column path (`contracted_mbps`, `options.packets`). */
function columnPath(kind: InventoryKind, path: ReadonlyArray<PropertyKey>): { path: string; col: ColumnDef | undefined } {
  const [head, ...rest] = path.map(String)
  if (head === undefined) return { path: '(row)', col: undefined }
  const col = columnOfField(kind, head)
  return { path: [col?.name ?? head, ...rest].join('.'), col }
}

function validateRow<S extends z.ZodType>(
  kind: InventoryKind,
  schema: S,
  raw: RawRow,
  ctx: CellContext,
  issues: ErrorIssue[],
): InventoryRow<z.output<S>> | undefined {
  const candidate: Record<string, unknown> = {}
  const lines: Record<string, number> = {}
  // Columns whose cell could not be read: the schema's view of them would only repeat the problem.
  const unreadable = new Set<ColumnDef>()
  const where = (col: ColumnDef | undefined): { line: number; suffix: string; header?: { header: string } } => {
    const cell = col ? raw.cells.get(col) : undefined
    if (!cell || !col) return { line: raw.line, suffix: '' }
    // Name the file's own header when it differs, so "Vĩ độ" users find their column.
    return cell.header !== col.name ? { line: cell.line, suffix: ` (column "${cell.header}")`, header: { header: cell.header } } : { line: cell.line, suffix: '' }
  }
  for (const [col, cell] of raw.cells) {
    lines[col.name] = cell.line
    const r = readCell(col, cell.value, ctx)
    if (!r.ok) {
      const w = where(col)
      issues.push(issue(w.line, col.name, r.code, r.message + w.suffix, { ...r.params, ...w.header }))
      unreadable.add(col)
    } else if (!('empty' in r)) {
      candidate[col.field] = r.value
    }
  }
  const parsed = schema.safeParse(candidate)
  if (!parsed.success) {
    for (const zi of parsed.error.issues) {
      const { path, col } = columnPath(kind, zi.path)
      if (col && unreadable.has(col)) continue
      const w = where(col)
      const missing = col !== undefined && zi.path.length === 1 && candidate[col.field] === undefined
      if (missing) issues.push(issue(w.line, path, 'required', 'required' + w.suffix, w.header))
      else {
        const k = zodIssueKind(zi, col?.name ?? path)
        issues.push(issue(w.line, path, k.code, zi.message + w.suffix, k.params || w.header ? { ...k.params, ...w.header } : undefined))
      }
    }
    return undefined
  }
  return unreadable.size > 0 ? undefined : { line: raw.line, lines, input: parsed.data }
}

/** Reports the second and later rows that repeat a key, pointing at the first. */
function checkDuplicates<T>(
  rows: Array<InventoryRow<T>>,
  path: string,
  keyOf: (input: T) => string,
  label: (input: T) => { text: string; key: string },
  issues: ErrorIssue[],
): void {
  const first = new Map<string, number>()
  for (const row of rows) {
    const key = keyOf(row.input)
    const at = first.get(key)
    if (at === undefined) first.set(key, row.line)
    else {
      const l = label(row.input)
      issues.push(issue(row.lines[path] ?? row.line, path, 'duplicate', `duplicate ${l.text} (first at line ${at})`, { key: l.key, first: at }))
    }
  }
}

/** Natural key of a coverage gap: one gap per commune, hamlet and kind. */
export function gapKey(g: { communeCode: string; hamlet: string; kind: string }): string {
  return `${g.communeCode}\u0000${g.hamlet}\u0000${g.kind}`
}

function sortIssues(issues: ErrorIssue[]): ErrorIssue[] {
  return issues.map((issue, i) => ({ issue, i })).sort((a, b) => (a.issue.line ?? 0) - (b.issue.line ?? 0) || a.i - b.i).map((x) => x.issue)
}

/**
 * Parses and validates an inventory file without touching any database: every row against the
 * protocol schema (targets also against their kind's options), and rows against each other
 * (duplicate codes, ids, or gap keys). Pure; the API uses it for a dry-run preview.
 * @returns every valid row, or every issue (each with `line`, a column `path` and a message), sorted by line
 */
export function parseInventory(text: string, opts: ParseOptions): ParseOutcome {
  const file = opts.format === 'csv' ? readCsvFile(opts.kind, text) : readYamlFile(opts.kind, text)
  const issues = [...file.issues]
  const fail = (): ParseOutcome => ({ ok: false, issues: sortIssues(issues) })

  switch (opts.kind) {
    case 'communes': {
      const rows = file.rows.map((r) => validateRow('communes', CommuneInput, r, file.ctx, issues)).filter((r) => r !== undefined)
      checkDuplicates(rows, 'code', (c) => c.code, (c) => ({ text: `code ${c.code}`, key: c.code }), issues)
      return issues.length > 0 ? fail() : { ok: true, inventory: { kind: 'communes', rows } }
    }
    case 'targets': {
      const rows: Array<InventoryRow<TargetInput>> = []
      for (const raw of file.rows) {
        const row = validateRow('targets', TargetInput, raw, file.ctx, issues)
        if (!row) continue
        // Kind-specific options and per-kind defaults: the same check the store applies on write.
        const spec = TargetSpec.safeParse(targetSpecCandidate(row.input))
        if (!spec.success) {
          for (const zi of spec.error.issues) {
            const { path, col } = columnPath('targets', zi.path)
            const k = zodIssueKind(zi, col?.name ?? path)
            issues.push(issue((col && row.lines[col.name]) ?? row.line, path, k.code, zi.message, k.params))
          }
          continue
        }
        rows.push(row)
      }
      checkDuplicates(rows, 'id', (t) => t.id, (t) => ({ text: `id ${t.id}`, key: t.id }), issues)
      return issues.length > 0 ? fail() : { ok: true, inventory: { kind: 'targets', rows } }
    }
    case 'gaps': {
      const rows = file.rows.map((r) => validateRow('gaps', CoverageGapInput, r, file.ctx, issues)).filter((r) => r !== undefined)
      checkDuplicates(rows, 'hamlet', gapKey, (g) => ({ text: `gap ${g.kind} for ${g.hamlet} in ${g.communeCode}`, key: `${g.hamlet} (${g.kind}, ${g.communeCode})` }), issues)
      return issues.length > 0 ? fail() : { ok: true, inventory: { kind: 'gaps', rows } }
    }
  }
}

// ---- checks against the database, and writing ----

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => sameJson(v, b[i]))
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const ea = Object.entries(a)
    const eb = new Map(Object.entries(b))
    return ea.length === eb.size && ea.every(([k, v]) => eb.has(k) && sameJson(v, eb.get(k)))
  }
  return false
}

function communeUnchanged(row: CommuneRow, c: CommuneInput): boolean {
  // An imported commune is real: a demo row with the same fields still gets rewritten.
  return (
    !row.demo &&
    row.name === c.name &&
    row.kind === c.kind &&
    row.districtCluster === c.districtCluster &&
    row.lat === c.lat &&
    row.lon === c.lon &&
    row.contractedMbps === c.contractedMbps &&
    row.priority === c.priority &&
    row.notes === c.notes &&
    (c.thresholds === undefined || sameJson(row.thresholds ?? null, c.thresholds))
  )
}

function targetUnchanged(row: TargetRow, t: TargetInput): boolean {
  const spec = targetSpecFromInput(t)
  return (
    row.communeCode === spec.communeCode &&
    row.name === (spec.name ?? null) &&
    row.kind === spec.kind &&
    row.host === spec.host &&
    row.port === (spec.port ?? null) &&
    row.role === spec.role &&
    row.intervalS === spec.intervalSeconds &&
    row.timeoutS === spec.timeoutSeconds &&
    sameJson(row.parents, spec.parents) &&
    sameJson(row.options, spec.options) &&
    row.probeId === t.probeId &&
    row.enabled === t.enabled &&
    (t.thresholds === undefined || sameJson(row.thresholds ?? null, t.thresholds))
  )
}

function gapUnchanged(v: CoverageGapView, g: CoverageGapInput): boolean {
  return (
    v.population === g.population &&
    v.households === g.households &&
    v.since === g.since &&
    v.plannedFix === g.plannedFix &&
    v.fixedAt === g.fixedAt &&
    v.source === g.source
  )
}

/** Checks a parsed file against the database: communes, probes and parents referenced must exist. */
function checkReferences(store: Store, inv: ParsedInventory): ErrorIssue[] {
  const issues: ErrorIssue[] = []
  const at = (row: InventoryRow<unknown>, col: string): number => row.lines[col] ?? row.line
  if (inv.kind === 'targets') {
    const communes = new Set(store.listCommunes().map((c) => c.code))
    const probes = new Set(store.listProbes().map((p) => p.id))
    const ids = new Set([...store.listTargets().map((t) => t.id), ...inv.rows.map((r) => r.input.id)])
    for (const row of inv.rows) {
      const t = row.input
      if (!communes.has(t.communeCode)) {
        issues.push(issue(at(row, 'commune_code'), 'commune_code', 'unknown_commune', `unknown commune ${t.communeCode} (import communes first)`, { code: t.communeCode }))
      }
      if (t.probeId !== null && !probes.has(t.probeId)) {
        issues.push(issue(at(row, 'probe_id'), 'probe_id', 'unknown_probe', `unknown probe ${t.probeId} (see "xanh probe list")`, { probe: t.probeId }))
      }
      for (const p of t.parents) {
        if (p === t.id) issues.push(issue(at(row, 'parents'), 'parents', 'own_parent', 'a target cannot be its own parent'))
        else if (!ids.has(p)) issues.push(issue(at(row, 'parents'), 'parents', 'unknown_parent', `unknown parent target ${p}`, { parent: p }))
      }
    }
  } else if (inv.kind === 'gaps') {
    const communes = new Set(store.listCommunes().map((c) => c.code))
    for (const row of inv.rows) {
      if (!communes.has(row.input.communeCode)) {
        issues.push(issue(at(row, 'commune_code'), 'commune_code', 'unknown_commune', `unknown commune ${row.input.communeCode} (import communes first)`, { code: row.input.communeCode }))
      }
    }
  }
  return issues
}

/** Builds the error an invalid file throws: one issue per problem, the message counting bad rows. */
export function importInvalid(issues: ErrorIssue[]): AppError {
  const bad = new Set(issues.map((i) => i.line ?? 0)).size
  return new AppError('E_IMPORT_INVALID', `${bad} bad row${bad === 1 ? '' : 's'}`, sortIssues(issues))
}

/**
 * Imports an inventory file: {@link parseInventory}, then checks references against the
 * database (targets: commune and probe exist, parents exist in the database or the file; gaps:
 * commune exists), then writes every row in one transaction. Communes upsert by code, targets by
 * id, gaps by commune + hamlet + kind. Rows equal to what is stored are left alone; each created
 * or updated entity is audited as `import`.
 * @throws AppError `E_IMPORT_INVALID` listing every issue with its file line when any row is bad;
 *   nothing is written then
 */
export function importInventory(store: Store, text: string, opts: ImportOptions): ImportReport {
  const parsed = parseInventory(text, opts)
  if (!parsed.ok) throw importInvalid(parsed.issues)
  const inv = parsed.inventory
  const refIssues = checkReferences(store, inv)
  if (refIssues.length > 0) throw importInvalid(refIssues)

  const report: ImportReport = { kind: opts.kind, rows: inv.rows.length, created: 0, updated: 0, unchanged: 0 }
  const total = inv.rows.length
  let done = 0
  const step = (outcome: 'created' | 'updated' | 'unchanged'): void => {
    report[outcome]++
    done++
    if (opts.onProgress && done % PROGRESS_EVERY === 0) opts.onProgress(done, total)
  }

  store.transaction(() => {
    switch (inv.kind) {
      case 'communes': {
        const existing = new Map(store.listCommunes().map((c) => [c.code, c]))
        for (const { input } of inv.rows) {
          const row = existing.get(input.code)
          if (row && communeUnchanged(row, input)) {
            step('unchanged')
            continue
          }
          if (!opts.dryRun) {
            store.upsertCommune(input)
            store.audit(opts.actor, 'import', 'commune', input.code)
          }
          step(row ? 'updated' : 'created')
        }
        break
      }
      case 'targets': {
        const existing = new Map(store.listTargets().map((t) => [t.id, t]))
        for (const { input, line } of inv.rows) {
          const row = existing.get(input.id)
          if (row && targetUnchanged(row, input)) {
            step('unchanged')
            continue
          }
          if (!opts.dryRun) {
            try {
              store.upsertTarget(input)
            } catch (e) {
              // Checked above, so only a concurrent change gets here; the transaction rolls back.
              if (!(e instanceof AppError)) throw e
              throw importInvalid((e.issues ?? [{ path: '(row)', message: e.message }]).map((i) => ({ ...i, line })))
            }
            store.audit(opts.actor, 'import', 'target', input.id)
          }
          step(row ? 'updated' : 'created')
        }
        break
      }
      case 'gaps': {
        const existing = new Map(store.listGaps().map((g) => [gapKey(g), g]))
        for (const { input } of inv.rows) {
          const view = existing.get(gapKey(input))
          if (view && gapUnchanged(view, input)) {
            step('unchanged')
            continue
          }
          if (!opts.dryRun) {
            const id = view ? store.updateGap(view.id, input).id : store.addGap(input).id
            store.audit(opts.actor, 'import', 'gap', String(id))
          }
          step(view ? 'updated' : 'created')
        }
        break
      }
    }
  })
  if (done % PROGRESS_EVERY !== 0) opts.onProgress?.(done, total)
  return report
}
