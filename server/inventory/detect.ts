/**
 * Guessing what an inventory file holds when the user did not say: format from the extension
 * (or the first line), kind from the columns (or the file name).
 * @module
 */
import { isMap, isScalar, isSeq, parseDocument } from 'yaml'
import { parseCsv } from './csv'
import { InventoryKind, normalizeHeader, resolveHeader, type InventoryFormat } from './fields'

/**
 * Format of a file: `.csv`/`.tsv`/`.txt` → csv, `.yaml`/`.yml` → yaml; otherwise yaml when the
 * first meaningful line looks like YAML (`- …`, `key:`), else csv.
 */
export function detectFormat(fileName: string, text: string): InventoryFormat {
  const ext = /\.([A-Za-z0-9]+)$/.exec(fileName)?.[1]?.toLowerCase()
  if (ext === 'csv' || ext === 'tsv' || ext === 'txt') return 'csv'
  if (ext === 'yaml' || ext === 'yml') return 'yaml'
  const first = text
    .replace(/^\uFEFF/, '')
    .split(/\r\n|\r|\n/)
    .find((l) => l.trim() !== '' && !l.startsWith('#') && l.trim() !== '---')
  return first !== undefined && (/^-(\s|$)/.test(first) || /^[\p{L}\w]+:(\s|$)/u.test(first)) ? 'yaml' : 'csv'
}

const NAME_HINTS: Record<InventoryKind, readonly string[]> = {
  communes: ['communes', 'commune', 'xa', 'phuong', 'danhsachxa'],
  targets: ['targets', 'target', 'muctieu', 'thietbi'],
  gaps: ['gaps', 'gap', 'coverage', 'vunglom', 'lom'],
}

function kindFromName(fileName: string): InventoryKind | undefined {
  const base = fileName.split(/[\\/]/).pop() ?? ''
  const tokens = new Set(
    base
      .replace(/\.[^.]*$/, '')
      .split(/[^\p{L}\p{N}]+/u)
      .map(normalizeHeader),
  )
  const folded = normalizeHeader(base.replace(/\.[^.]*$/, ''))
  // Short hints ("xa", "gap") must be whole words; longer ones may span words ("muc-tieu").
  const matches = InventoryKind.options.filter((k) => NAME_HINTS[k].some((h) => tokens.has(h) || (h.length >= 5 && folded.includes(h))))
  return matches.length === 1 ? matches[0] : undefined
}

function headersOf(text: string, format: InventoryFormat): { headers: string[]; kindKey?: InventoryKind } {
  if (format === 'csv') {
    const rec = parseCsv(text).records.find((r) => r.fields.some((f) => f.trim() !== ''))
    return { headers: (rec?.fields ?? []).map((f) => f.trim()).filter((f) => f !== '') }
  }
  const doc = parseDocument(text)
  let list: unknown = doc.contents
  if (isMap(list)) {
    const key = list.items.map((p) => (isScalar(p.key) ? p.key.value : undefined)).find((k) => InventoryKind.safeParse(k).success)
    const parsed = InventoryKind.safeParse(key)
    if (parsed.success) return { headers: [], kindKey: parsed.data }
  }
  const headers = new Set<string>()
  if (isSeq(list)) {
    for (const item of list.items) {
      if (!isMap(item)) continue
      for (const p of item.items) if (isScalar(p.key)) headers.add(String(p.key.value))
    }
  }
  return { headers: [...headers] }
}

/**
 * Kind of an inventory file: a YAML `communes:`/`targets:`/`gaps:` key; else the one kind whose
 * columns all the headers (or YAML keys) name; else a word in the file name (`communes.csv`,
 * `muc-tieu.csv`, `vung-lom.yaml`).
 * @returns undefined when the file does not tell (the caller asks for `--kind`)
 */
export function detectKind(fileName: string, text: string, format: InventoryFormat): InventoryKind | undefined {
  let found: { headers: string[]; kindKey?: InventoryKind }
  try {
    found = headersOf(text, format)
  } catch {
    found = { headers: [] }
  }
  if (found.kindKey) return found.kindKey
  const byName = kindFromName(fileName)
  if (found.headers.length > 0) {
    const fits = InventoryKind.options.filter((k) => found.headers.every((h) => resolveHeader(k, h) !== undefined))
    if (fits.length === 1) return fits[0]
    if (byName && fits.includes(byName)) return byName
  }
  return byName
}
