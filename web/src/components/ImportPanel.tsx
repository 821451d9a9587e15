import { useRef } from 'preact/hooks'
import type { ImportKind } from '../api'
import { useI18n } from '../context'
import { formatNumber } from '../format'
import type { MessageKey } from '../i18n'
import { importIssueText, type ImportModel } from '../models/import'
import { errorText } from './FormError'

const KINDS: readonly ImportKind[] = ['communes', 'targets', 'gaps']

/**
 * Import of a CSV/YAML file in two steps: choose a file → the server checks all of it (dry
 * run, nothing written) → either every bad row with its line and field, or a summary and an
 * "Import" button. The import is all-or-nothing.
 */
export function ImportPanel({ model, chooseKind = false, idPrefix }: { model: ImportModel; chooseKind?: boolean; idPrefix: string }) {
  const { t, lang } = useI18n()
  const input = useRef<HTMLInputElement>(null)
  const state = model.state.value
  const kind = model.kind.value
  const busy = state.step === 'checking' || state.step === 'importing'

  async function onFile(e: Event): Promise<void> {
    const file = (e.currentTarget as HTMLInputElement).files?.[0]
    if (!file) return
    await model.check(file.name, await file.text())
  }

  return (
    <div class="import">
      <div class="import__controls">
        {chooseKind && (
          <label class="form-field">
            <span>{t('import.kind')}</span>
            <select value={kind} onChange={(e) => model.setKind(e.currentTarget.value as ImportKind)} disabled={busy}>
              {KINDS.map((k) => (
                <option key={k} value={k}>
                  {t(`import.kind.${k}` as MessageKey)}
                </option>
              ))}
            </select>
          </label>
        )}
        <label class="form-field" htmlFor={`${idPrefix}-file`}>
          <span>{t('import.file')}</span>
        </label>
        <input
          id={`${idPrefix}-file`}
          ref={input}
          class="import__file"
          type="file"
          accept=".csv,.yaml,.yml,text/csv,application/yaml"
          disabled={busy}
          onChange={(e) => void onFile(e)}
        />
        <p class="muted small">{t(`import.help.${kind}` as MessageKey)}</p>
      </div>
      <div class="import__result" aria-live="polite">
        {state.step === 'checking' && <p class="muted">{t('import.checking', { file: state.file })}</p>}
        {state.step === 'invalid' && (
          <div class="import-errors" role="alert">
            <p class="import-errors__title">
              <strong>{t('import.invalid', { file: state.file, n: formatNumber(state.issues.length, lang, 0) })}</strong> {t('import.nothingWritten')}
            </p>
            {state.issues.length === 0 ? (
              <p class="mono small">{state.message}</p>
            ) : (
              <div class="hscroll import-errors__table">
                <table class="simple">
                  <thead>
                    <tr>
                      <th scope="col" class="num">
                        {t('import.line')}
                      </th>
                      <th scope="col">{t('import.field')}</th>
                      <th scope="col">{t('import.problem')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {state.issues.map((i, n) => (
                      <tr key={n} data-line={i.line ?? ''}>
                        <td class="num">{i.line ?? t('value.none')}</td>
                        <td class="mono">{i.path}</td>
                        <td class="cell-wrap" title={i.message}>
                          {importIssueText(i, t, lang)}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </div>
        )}
        {(state.step === 'checked' || state.step === 'importing') && (
          <div class="import-ok">
            <p>
              <strong>{t('import.checked', { file: state.file })}</strong>{' '}
              {t('import.summary', {
                rows: formatNumber(state.report.rows, lang, 0),
                created: formatNumber(state.report.created, lang, 0),
                updated: formatNumber(state.report.updated, lang, 0),
                unchanged: formatNumber(state.report.unchanged, lang, 0),
              })}
            </p>
            <div class="form-actions">
              <button type="button" class="btn btn--primary" disabled={busy} onClick={() => void model.commit()}>
                {state.step === 'importing' ? t('import.importing') : t('import.commit', { n: formatNumber(state.report.rows, lang, 0) })}
              </button>
              <button
                type="button"
                class="btn"
                disabled={busy}
                onClick={() => {
                  model.reset()
                  if (input.current) input.current.value = ''
                }}
              >
                {t('form.cancel')}
              </button>
            </div>
          </div>
        )}
        {state.step === 'done' && (
          <p class="import-done" role="status">
            {t('import.done', {
              file: state.file,
              created: formatNumber(state.report.created, lang, 0),
              updated: formatNumber(state.report.updated, lang, 0),
            })}
          </p>
        )}
        {state.step === 'failed' && (
          <p class="form-error" role="alert">
            {errorText(state.error, t)}
          </p>
        )}
      </div>
    </div>
  )
}
