import { useSignal } from '@preact/signals'
import { useModels, useI18n } from '../../context'
import { describeIncident, formatDateTime, formatDuration, formatShortDateTime, toMs } from '../../format'
import { IncidentStateBadge, SeverityBadge } from '../../components/IncidentBadges'
import { LoadError } from '../../components/LoadError'
import { SearchField } from '../../components/SearchField'
import { communeHref } from '../../models/router'

/** Every incident, newest first, as a table. */
export function HistoryCard() {
  const { alerts, live } = useModels()
  const { t, lang } = useI18n()
  const history = alerts.history.value
  const nowMs = live.now.value
  const filter = useSignal('')
  if (!history.data) {
    if (history.error) return <LoadError error={history.error} onRetry={() => void alerts.loadHistory()} />
    return (
      <p class="loading" role="status">
        {t('load.loading')}
      </p>
    )
  }
  const q = filter.value.trim().toLowerCase()
  const rows = history.data.filter((i) => !q || `${i.communeName ?? ''} ${i.communeCode ?? ''} ${i.summary} ${i.cluster ?? ''}`.toLowerCase().includes(q))
  return (
    <section class="card" aria-labelledby="history-title">
      <div class="card__head">
        <h2 id="history-title" class="card__title">
          {t('alerts.view.history')}
          <span class="count-pill">{rows.length}</span>
        </h2>
        <SearchField label={t('alerts.filter')} value={filter.value} placeholder={t('alerts.filter')} onInput={(v) => (filter.value = v)} />
      </div>
      <div class="hscroll">
        <table class="simple">
          <thead>
            <tr>
              <th scope="col">{t('incident.col.state')}</th>
              <th scope="col">{t('incident.col.commune')}</th>
              <th scope="col">{t('incident.col.summary')}</th>
              <th scope="col">{t('incident.col.opened')}</th>
              <th scope="col">{t('incident.col.duration')}</th>
              <th scope="col">{t('incident.col.ack')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((i) => {
              const opened = toMs(i.openedAt) ?? nowMs
              const end = toMs(i.resolvedAt) ?? nowMs
              return (
                <tr key={i.id}>
                  <td>
                    <IncidentStateBadge state={i.state} /> <SeverityBadge severity={i.severity} />
                  </td>
                  <th scope="row">{i.communeCode ? <a href={communeHref(i.communeCode)}>{i.communeName ?? i.communeCode}</a> : i.alertname}</th>
                  <td class="cell-wrap">{describeIncident(i, t, lang).what}</td>
                  <td title={formatDateTime(opened)}>{formatShortDateTime(opened, nowMs)}</td>
                  <td>{formatDuration((end - opened) / 1000, t)}</td>
                  <td class="cell-wrap">{i.ackedBy ? `${i.ackedBy}${i.ackComment ? `: ${i.ackComment}` : ''}` : t('value.none')}</td>
                </tr>
              )
            })}
          </tbody>
        </table>
      </div>
    </section>
  )
}
