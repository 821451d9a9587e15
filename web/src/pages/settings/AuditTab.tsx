/**
 * Settings → audit log (admin): every write — who, in which role, when, from where, what, and
 * the entity before → after — newest first, filtered by person, action, kind and dates, and
 * exported as CSV for Excel (UTF-8 with BOM).
 * @module
 */
import { useSignal } from '@preact/signals'
import { useEffect } from 'preact/hooks'
import type { AuditEntry } from '../../../../protocol'
import { DateTimeField } from '../../components/DateTimeField'
import { LoadError } from '../../components/LoadError'
import { useModels, useI18n } from '../../context'
import { formatShortDateTime, toMs } from '../../format'
import { AUDIT_PAGE, auditQuery, type AuditFilters } from '../../models/users'

/** One-line JSON of a before/after value, shortened for the table (the CSV has it whole). */
function brief(v: unknown): string {
  if (v === null || v === undefined) return ''
  const s = typeof v === 'string' ? v : JSON.stringify(v)
  return s.length > 160 ? `${s.slice(0, 160)}…` : s
}

/** The audit tab. */
export function AuditTab() {
  const { users } = useModels()
  const { t, lang } = useI18n()
  const list = users.audit.value
  const draft = useSignal<AuditFilters>(users.auditFilters.peek())
  useEffect(() => {
    void users.loadAudit()
  }, [])
  const field = (key: keyof AuditFilters, label: string) => (
    <label class="form-field">
      <span>{label}</span>
      <input name={`audit-${key}`} value={draft.value[key]} onInput={(e) => (draft.value = { ...draft.value, [key]: e.currentTarget.value })} />
    </label>
  )
  const csv = `/api/v1/audit?${auditQuery(users.auditFilters.value, { format: 'csv', lang, limit: '10000' })}`
  return (
    <section class="card" aria-labelledby="audit-title">
      <div class="card__head">
        <h2 id="audit-title" class="card__title">
          {t('settings.tab.audit')}
        </h2>
        <a class="btn btn--small" href={csv} download>
          {t('audit.csv')}
        </a>
      </div>
      <form
        class="filters audit-filters"
        onSubmit={(e) => {
          e.preventDefault()
          users.setAuditFilters(draft.value)
        }}
      >
        {field('actor', t('audit.actor'))}
        {field('action', t('audit.action'))}
        {field('entity', t('audit.entity'))}
        {/* Typed dd/MM/yyyy: a date picker follows the browser's language and order. */}
        <DateTimeField id="audit-from" kind="date" optional label={t('audit.from')} value={draft.value.from} onInput={(v) => (draft.value = { ...draft.value, from: v })} />
        <DateTimeField id="audit-to" kind="date" optional label={t('audit.to')} value={draft.value.to} onInput={(v) => (draft.value = { ...draft.value, to: v })} />
        <button type="submit" class="btn btn--primary">
          {t('audit.filter')}
        </button>
      </form>
      {list.error && !list.data ? (
        <LoadError error={list.error} onRetry={() => void users.loadAudit()} />
      ) : (list.data ?? []).length === 0 ? (
        <p class="card__empty">{t('audit.none')}</p>
      ) : (
        <div class="hscroll" tabIndex={0} role="region" aria-labelledby="audit-title">
          <table class="simple audit">
            <thead>
              <tr>
                <th scope="col">{t('audit.at')}</th>
                <th scope="col">{t('audit.actor')}</th>
                <th scope="col">{t('audit.action')}</th>
                <th scope="col">{t('audit.entity')}</th>
                <th scope="col">{t('audit.change')}</th>
                <th scope="col">{t('audit.address')}</th>
              </tr>
            </thead>
            <tbody>
              {(list.data ?? []).map((e: AuditEntry) => (
                <tr key={e.id} data-action={e.action} data-entity={e.entity}>
                  <td>{formatShortDateTime(toMs(e.at) ?? 0, Date.now())}</td>
                  <td>
                    {e.actor}
                    {e.role && <span class="muted small"> ({e.role})</span>}
                  </td>
                  <td class="mono">{e.action}</td>
                  <td>
                    {e.entity}
                    {e.entityId && <span class="mono"> {e.entityId}</span>}
                  </td>
                  <td class="small mono audit__change">
                    {e.before !== null && <div>− {brief(e.before)}</div>}
                    {e.after !== null && <div>+ {brief(e.after)}</div>}
                    {e.before === null && e.after === null && brief(e.detail)}
                  </td>
                  <td class="mono small">{e.address ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {(list.data ?? []).length % AUDIT_PAGE === 0 && (
            <p class="card__foot">
              <button type="button" class="btn btn--small" onClick={() => void users.loadOlderAudit()}>
                {t('audit.older')}
              </button>
            </p>
          )}
        </div>
      )}
    </section>
  )
}
