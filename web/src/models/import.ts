/**
 * A file import in two steps (SPEC §2): the file is first checked on the server with a dry run
 * that writes nothing and reports every bad row with its line; only a clean check can be
 * imported. The import itself is again all-or-nothing on the server.
 * @module
 */
import { createModel, signal, type ReadonlySignal } from '@preact/signals'
import type { ErrorIssue } from '../../../protocol'
import type { Api, ApiError, ImportFormat, ImportKind } from '../api'
import { formatNumber } from '../format'
import { isMessageKey, type Lang, type MessageKey, type Translate } from '../i18n'
import type { ImportReport } from '../wire'

/** Where an import stands. */
export type ImportStep =
  | { step: 'idle' }
  | { step: 'checking'; file: string }
  /** The dry run passed: `report` says what the import would change. */
  | { step: 'checked'; file: string; report: ImportReport }
  /** The dry run found problems: nothing was written. */
  | { step: 'invalid'; file: string; issues: ErrorIssue[]; message: string }
  | { step: 'importing'; file: string; report: ImportReport }
  | { step: 'done'; file: string; report: ImportReport }
  | { step: 'failed'; file: string; error: ApiError }

/** Import state plus actions. */
export interface ImportState {
  kind: ReadonlySignal<ImportKind>
  state: ReadonlySignal<ImportStep>
  setKind: (kind: ImportKind) => void
  /** Checks a file (dry run). The format follows the file name (.yaml/.yml, else CSV). */
  check: (fileName: string, text: string) => Promise<void>
  /** Imports the checked file. No-op unless the last check passed. */
  commit: () => Promise<void>
  reset: () => void
}

/** Format of a file by its name. */
export function formatOfFile(name: string): ImportFormat {
  return /\.ya?ml$/i.test(name) ? 'yaml' : 'csv'
}

/** Import model for one kind (the settings page can switch kinds). */
export const ImportModel = createModel((deps: { api: Api; kind: ImportKind; onImported?: () => void; onUnauthorized?: () => void }): ImportState => {
  const kind = signal<ImportKind>(deps.kind, { name: 'import-kind' })
  const state = signal<ImportStep>({ step: 'idle' }, { name: 'import-state' })
  let text = ''
  let format: ImportFormat = 'csv'

  async function check(file: string, body: string): Promise<void> {
    text = body
    format = formatOfFile(file)
    state.value = { step: 'checking', file }
    const r = await deps.api.checkImport(kind.peek(), format, body)
    if (r.ok) {
      const c = r.data
      state.value = c.valid
        ? { step: 'checked', file, report: { kind: c.kind, rows: c.rows, created: c.created, updated: c.updated, unchanged: c.unchanged } }
        : { step: 'invalid', file, issues: c.issues, message: c.message }
    } else if (r.error.code === 'E_VALIDATION') {
      state.value = { step: 'invalid', file, issues: r.error.issues ?? [], message: r.error.message }
    } else {
      if (r.error.code === 'E_UNAUTHORIZED') deps.onUnauthorized?.()
      state.value = { step: 'failed', file, error: r.error }
    }
  }

  async function commit(): Promise<void> {
    const s = state.peek()
    if (s.step !== 'checked') return
    state.value = { step: 'importing', file: s.file, report: s.report }
    const r = await deps.api.importFile(kind.peek(), format, text)
    if (r.ok) {
      state.value = { step: 'done', file: s.file, report: r.data }
      text = ''
      deps.onImported?.()
    } else if (r.error.code === 'E_IMPORT_INVALID') {
      // Someone changed the inventory between the check and the import.
      state.value = { step: 'invalid', file: s.file, issues: r.error.issues ?? [], message: r.error.message }
    } else {
      if (r.error.code === 'E_UNAUTHORIZED') deps.onUnauthorized?.()
      state.value = { step: 'failed', file: s.file, error: r.error }
    }
  }

  return {
    kind,
    state,
    setKind: (k) => {
      kind.value = k
      state.value = { step: 'idle' }
      text = ''
    },
    check,
    commit,
    reset: () => {
      state.value = { step: 'idle' }
      text = ''
    },
  }
})

/** An instance of {@link ImportModel}. */
export type ImportModel = InstanceType<typeof ImportModel>

/** The dictionary key of an issue kind, refined by its params (strict limits, empty text, regex hints). */
function issueKey(i: ErrorIssue): string {
  const p = i.params ?? {}
  switch (i.code) {
    case 'too_big':
    case 'too_small':
      return p.inclusive === 0 ? `import.issue.${i.code}.strict` : `import.issue.${i.code}`
    case 'too_short':
      return p.min === 1 ? 'import.issue.too_short.empty' : 'import.issue.too_short'
    case 'invalid_pattern':
      return `import.issue.invalid_pattern.${String(p.hint ?? 'other')}`
    default:
      return `import.issue.${i.code ?? ''}`
  }
}

/**
 * An import problem in the reader's language: the server's stable `code` and `params` worded by
 * the dictionary (numbers with the language's decimal mark), and the file's own header when it
 * differs from the column. An issue without a known code (an older server) keeps its message.
 */
export function importIssueText(i: ErrorIssue, t: Translate, lang: Lang): string {
  const key = issueKey(i)
  if (!i.code || !isMessageKey(key)) return i.message
  const params: Record<string, string> = {}
  for (const [k, v] of Object.entries(i.params ?? {})) params[k] = typeof v === 'number' ? formatNumber(v, lang, 6) : v
  if (i.code === 'invalid_type' && params.expected !== undefined) {
    const typeKey = `import.issue.type.${params.expected}`
    if (isMessageKey(typeKey)) params.expected = t(typeKey)
  }
  // Line numbers and cell counts are not quantities to group ("dòng 1.234" reads as a decimal).
  for (const k of ['first', 'cells', 'columns', 'column']) {
    const v = i.params?.[k]
    if (typeof v === 'number') params[k] = String(v)
  }
  const text = t(key as MessageKey, params)
  return params.header === undefined ? text : t('import.issue.inColumn', { text, header: params.header })
}
