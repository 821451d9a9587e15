import { useSignal } from '@preact/signals'
import type { ApiError } from '../../api'
import { useModels, useI18n } from '../../context'
import { formatInputDateTime, parseInputDateTime, parseInputTime } from '../../datetime-input'
import type { MessageKey } from '../../i18n'
import { DateTimeField } from '../../components/DateTimeField'
import { FormError } from '../../components/FormError'

const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7] as const

/**
 * A new maintenance window for communes or a cluster: from / until typed as dd/MM/yyyy HH:mm and
 * the weekly hours as HH:mm, all in Vietnam time whatever the browser's locale.
 */
export function MaintenanceForm() {
  const { alerts, live, overview } = useModels()
  const { t } = useI18n()
  const nextHour = Math.ceil(live.now.peek() / 3600_000) * 3600_000
  const scopeKind = useSignal<'communes' | 'clusters'>('communes')
  const scope = useSignal('')
  const start = useSignal(formatInputDateTime(nextHour))
  const end = useSignal(formatInputDateTime(nextHour + 2 * 3600_000))
  const weekly = useSignal(false)
  const days = useSignal<number[]>([6, 7])
  const dayStart = useSignal('22:00')
  const dayEnd = useSignal('02:00')
  const reason = useSignal('')
  const submitted = useSignal(false)
  const error = useSignal<ApiError | null>(null)
  const clusters = [...new Set(overview.communes.value.map((c) => c.cluster).filter(Boolean))].sort()

  async function create(e: Event): Promise<void> {
    e.preventDefault()
    submitted.value = true
    const s = parseInputDateTime(start.value)
    const en = parseInputDateTime(end.value)
    const ds = parseInputTime(dayStart.value)
    const de = parseInputTime(dayEnd.value)
    if (!s.ok || !en.ok || (weekly.value && (!ds.ok || !de.ok))) return
    if (en.value <= s.value) {
      error.value = { code: 'E_VALIDATION', message: t('maintenance.badTimes'), path: 'endsAt' }
      return
    }
    const items = scope.value
      .split(/[\s,;]+/)
      .map((x) => x.trim())
      .filter(Boolean)
    const r = await alerts.createMaintenance({
      scope: { communes: scopeKind.value === 'communes' ? items : [], clusters: scopeKind.value === 'clusters' ? [scope.value] : [], targets: [] },
      startsAt: new Date(s.value).toISOString(),
      endsAt: new Date(en.value).toISOString(),
      recurrence: weekly.value && ds.ok && de.ok ? { weekdays: days.value, start: ds.value, end: de.value } : null,
      reason: reason.value.trim(),
    })
    if (r.ok) {
      scope.value = ''
      reason.value = ''
      submitted.value = false
      error.value = null
    } else error.value = r.error
  }

  return (
    <form class="card form-card" onSubmit={create} aria-labelledby="maint-new-title" noValidate>
      <div class="card__head">
        <h2 id="maint-new-title" class="card__title">
          {t('maintenance.new')}
        </h2>
      </div>
      <div class="form-body">
        <fieldset class="form-fieldset">
          <legend>{t('maintenance.scope')}</legend>
          <label class="radio">
            <input type="radio" name="scope" checked={scopeKind.value === 'communes'} onChange={() => (scopeKind.value = 'communes')} /> {t('maintenance.scope.communes')}
          </label>
          <label class="radio">
            <input type="radio" name="scope" checked={scopeKind.value === 'clusters'} onChange={() => (scopeKind.value = 'clusters')} /> {t('maintenance.scope.cluster')}
          </label>
        </fieldset>
        {scopeKind.value === 'communes' ? (
          <label class="form-field">
            <span>{t('maintenance.codes')}</span>
            <input required name="maintenance-communes" value={scope.value} onInput={(e) => (scope.value = e.currentTarget.value)} placeholder="NA-…, NA-…" />
          </label>
        ) : (
          <label class="form-field">
            <span>{t('col.cluster')}</span>
            <select required value={scope.value} onChange={(e) => (scope.value = e.currentTarget.value)}>
              <option value="">—</option>
              {clusters.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </label>
        )}
        <div class="form-row">
          <DateTimeField id="maint-from" class="form-field--grow" label={t('maintenance.from')} value={start.value} onInput={(v) => (start.value = v)} showProblem={submitted.value} />
          <DateTimeField id="maint-to" class="form-field--grow" label={t('maintenance.to')} value={end.value} onInput={(v) => (end.value = v)} showProblem={submitted.value} />
        </div>
        <p class="muted small">{t('maintenance.tz')}</p>
        <label class="checkbox">
          <input type="checkbox" checked={weekly.value} onChange={(e) => (weekly.value = e.currentTarget.checked)} /> {t('maintenance.weekly')}
        </label>
        {weekly.value && (
          <div class="weekly">
            <fieldset class="form-fieldset weekdays">
              <legend>{t('maintenance.weekdays')}</legend>
              {WEEKDAYS.map((d) => (
                <label key={d} class="checkbox">
                  <input
                    type="checkbox"
                    checked={days.value.includes(d)}
                    onChange={(e) => (days.value = e.currentTarget.checked ? [...days.value, d].sort() : days.value.filter((x) => x !== d))}
                  />{' '}
                  {t(`weekday.${d}` as MessageKey)}
                </label>
              ))}
            </fieldset>
            <div class="form-row">
              <DateTimeField id="maint-day-start" kind="time" label={t('maintenance.dayStart')} value={dayStart.value} onInput={(v) => (dayStart.value = v)} showProblem={submitted.value} />
              <DateTimeField id="maint-day-end" kind="time" label={t('maintenance.dayEnd')} value={dayEnd.value} onInput={(v) => (dayEnd.value = v)} showProblem={submitted.value} />
            </div>
          </div>
        )}
        <label class="form-field">
          <span>{t('form.reason')}</span>
          <textarea rows={2} required value={reason.value} onInput={(e) => (reason.value = e.currentTarget.value)} />
        </label>
        <FormError error={error.value} />
        <div class="form-actions">
          <button type="submit" class="btn btn--primary" disabled={!scope.value.trim() || !reason.value.trim()}>
            {t('maintenance.create')}
          </button>
        </div>
      </div>
    </form>
  )
}
