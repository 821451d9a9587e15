import { useSignal } from '@preact/signals'
import { useModels, useI18n } from '../../context'
import { formatNumber } from '../../format'
import { LoadError } from '../../components/LoadError'
import { SearchField } from '../../components/SearchField'
import { orderOpenIncidents, type OpenFilters } from '../../models/alerts'
import { IncidentCard } from './IncidentCard'

/** Cards rendered at once; a province-wide outage is narrowed with the filters. */
const OPEN_SHOWN = 100

/** The open incidents card: filters and one {@link IncidentCard} per incident. */
export function OpenIncidents({ operator }: { operator: boolean }) {
  const { alerts } = useModels()
  const { t, lang } = useI18n()
  const query = useSignal('')
  const show = useSignal<OpenFilters['show']>('all')
  const severity = useSignal<OpenFilters['severity']>('all')
  const open = alerts.open.value
  const list = open.data ?? []
  if (!open.data) {
    if (open.error) return <LoadError error={open.error} onRetry={() => void alerts.loadOpen()} />
    return (
      <p class="loading" role="status">
        {t('load.loading')}
      </p>
    )
  }
  if (list.length === 0) {
    return (
      <section class="card">
        <p class="attention__none">{t('alerts.none')}</p>
      </section>
    )
  }
  const sorted = orderOpenIncidents(list, { show: show.value, severity: severity.value, query: query.value }, alerts.justAcked.value)
  const shown = sorted.slice(0, OPEN_SHOWN)
  return (
    <section class="card" aria-labelledby="open-title">
      <div class="card__head">
        <h2 id="open-title" class="card__title">
          {t('alerts.view.open')}
          <span class="count-pill">{list.length}</span>
        </h2>
        <div class="filters">
          <SearchField label={t('alerts.filter')} value={query.value} placeholder={t('alerts.filter')} onInput={(v) => (query.value = v)} />
          <label class="field">
            <span class="visually-hidden">{t('alerts.show')}</span>
            <select value={show.value} onChange={(e) => (show.value = e.currentTarget.value as OpenFilters['show'])}>
              <option value="all">{t('alerts.show.all')}</option>
              <option value="unacked">{t('alerts.show.unacked')}</option>
              <option value="acked">{t('alerts.show.acked')}</option>
            </select>
          </label>
          <label class="field">
            <span class="visually-hidden">{t('alerts.severity')}</span>
            <select value={severity.value} onChange={(e) => (severity.value = e.currentTarget.value as OpenFilters['severity'])}>
              <option value="all">{t('alerts.severity.all')}</option>
              <option value="critical">{t('severity.critical')}</option>
              <option value="warning">{t('severity.warning')}</option>
            </select>
          </label>
          {!operator && (
            <a class="btn btn--link" href="#/signin">
              {t('alerts.signInToAck')}
            </a>
          )}
        </div>
      </div>
      {sorted.length === 0 ? (
        <p class="card__empty">{t('alerts.noMatch')}</p>
      ) : (
        <ul class="incidents">
          {shown.map((i) => (
            <IncidentCard key={i.id} incident={i} operator={operator} />
          ))}
        </ul>
      )}
      {sorted.length > shown.length && <p class="muted small card__foot">{t('alerts.more', { n: formatNumber(sorted.length - shown.length, lang, 0) })}</p>}
    </section>
  )
}
