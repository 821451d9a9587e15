/**
 * The commune's incidents, open first, each named by target and check kind.
 * @module
 */
import type { IncidentView } from '../../../../protocol'
import { useModels, useI18n } from '../../context'
import { describeIncident, formatDuration, formatElapsed, formatShortDateTime, toMs } from '../../format'
import { ProbeError } from '../../components/ProbeError'
import { IncidentStateBadge, SeverityBadge } from '../../components/IncidentBadges'
import { LoadError } from '../../components/LoadError'

const INCIDENTS_SHOWN = 10

/** Incidents of the commune (open and recent). */
export function IncidentsCard({ nowMs }: { nowMs: number }) {
  const { commune } = useModels()
  const { t } = useI18n()
  const loaded = commune.incidents.value
  const list = loaded.data ?? []
  const open = list.filter((i) => i.state !== 'resolved')
  const shown = [...open, ...list.filter((i) => i.state === 'resolved')].slice(0, INCIDENTS_SHOWN)
  return (
    <section class="card" aria-labelledby="incidents-title">
      <div class="card__head">
        <h2 id="incidents-title" class="card__title">
          {t('incidents.title')}
          <span class="count-pill">{open.length}</span>
        </h2>
        <a class="btn btn--link" href="#/alerts">
          {t('incidents.toAlerts')}
        </a>
      </div>
      {loaded.error && !loaded.data ? (
        <LoadError error={loaded.error} />
      ) : list.length === 0 ? (
        <p class="card__empty">{loaded.status === 'loading' ? t('load.loading') : t('incidents.none')}</p>
      ) : (
        <ul class="incident-list">
          {shown.map((i) => (
            <IncidentRow key={i.id} incident={i} nowMs={nowMs} />
          ))}
        </ul>
      )}
    </section>
  )
}

function IncidentRow({ incident: i, nowMs }: { incident: IncidentView; nowMs: number }) {
  const { t, lang } = useI18n()
  const opened = toMs(i.openedAt) ?? nowMs
  const resolved = toMs(i.resolvedAt)
  const described = describeIncident(i, t, lang)
  return (
    <li class={`incident-row incident-row--${i.state}`}>
      <div class="incident-row__badges">
        <IncidentStateBadge state={i.state} />
        <SeverityBadge severity={i.severity} />
      </div>
      <div class="incident-row__main">
        <span class="incident-row__summary">{described.what}</span>
        {described.error && <ProbeError raw={described.error} class="small incident__error" />}
        <span class="muted small">
          {t('incident.opened', { time: formatShortDateTime(opened, nowMs) })}
          {resolved !== null
            ? ` · ${t('incident.lasted', { duration: formatDuration((resolved - opened) / 1000, t) })}`
            : ` · ${formatElapsed((nowMs - opened) / 1000, t)}`}
          {i.ackedBy && ` · ${t('incident.ackedBy', { user: i.ackedBy })}`}
        </span>
        {i.ackComment && <span class="incident-row__comment">“{i.ackComment}”</span>}
      </div>
    </li>
  )
}

