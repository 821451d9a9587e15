import { useSignal } from '@preact/signals'
import type { ApiError } from '../../api'
import { useModels, useI18n } from '../../context'
import { toMs } from '../../format'
import { formatInputDateTime } from '../../datetime-input'
import type { MessageKey } from '../../i18n'
import type { MaintenanceView as Window } from '../../wire'
import { FormError } from '../../components/FormError'
import { LoadError } from '../../components/LoadError'
import { MaintenanceForm } from './MaintenanceForm'

/** The maintenance tab: the windows (with delete) beside the form for a new one. */
export function MaintenanceView() {
  const { alerts, live } = useModels()
  const { t } = useI18n()
  const list = alerts.maintenance.value
  const nowMs = live.now.value
  return (
    <div class="two-col">
      <section class="card" aria-labelledby="maint-title">
        <div class="card__head">
          <h2 id="maint-title" class="card__title">
            {t('maintenance.title')}
            <span class="count-pill">{list.data?.length ?? 0}</span>
          </h2>
        </div>
        {list.error && !list.data ? (
          <LoadError error={list.error} onRetry={() => void alerts.loadSchedules()} />
        ) : (list.data ?? []).length === 0 ? (
          <p class="card__empty">{t('maintenance.none')}</p>
        ) : (
          <ul class="schedule-list">
            {(list.data ?? []).map((w) => (
              <MaintenanceRow key={w.id} w={w} nowMs={nowMs} />
            ))}
          </ul>
        )}
      </section>
      <MaintenanceForm />
    </div>
  )
}

function MaintenanceRow({ w, nowMs }: { w: Window; nowMs: number }) {
  const { alerts } = useModels()
  const { t } = useI18n()
  const error = useSignal<ApiError | null>(null)
  const start = toMs(w.startsAt) ?? 0
  const end = toMs(w.endsAt) ?? 0
  // Windows are planned weeks ahead: the full date, written as it was typed.
  const scope = [...w.scope.communes, ...w.scope.clusters, ...w.scope.targets]
  return (
    <li class="schedule" data-maintenance-id={w.id}>
      <div class="schedule__main">
        <span class={`pill pill--${w.activeNow ? 'active' : end < nowMs ? 'expired' : 'pending'}`}>
          {w.activeNow ? t('maintenance.activeNow') : end < nowMs ? t('maintenance.ended') : t('maintenance.scheduled')}
        </span>
        <span class="schedule__scope">
          {scope.slice(0, 6).join(', ')}
          {scope.length > 6 ? ` +${scope.length - 6}` : ''}
        </span>
        <span class="muted small schedule__times">
          {formatInputDateTime(start)} → {formatInputDateTime(end)}
          {w.recurrence && ` · ${w.recurrence.weekdays.map((d) => t(`weekday.${d}` as MessageKey)).join(', ')} ${w.recurrence.start}–${w.recurrence.end}`} · {w.createdBy}
        </span>
        <span class="schedule__comment">{w.reason}</span>
        <FormError error={error.value} />
      </div>
      <button
        type="button"
        class="btn btn--danger-ghost"
        onClick={async () => {
          const r = await alerts.deleteMaintenance(w.id)
          error.value = r.ok ? null : r.error
        }}
      >
        {t('maintenance.delete')}
      </button>
    </li>
  )
}
