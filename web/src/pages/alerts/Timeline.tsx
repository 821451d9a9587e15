import type { IncidentEvent, IncidentView } from '../../../../protocol'
import type { ApiError } from '../../api'
import { useI18n } from '../../context'
import { describeIncident, describeStateChange, formatDateTime, toMs } from '../../format'
import type { MessageKey } from '../../i18n'
import { LoadError } from '../../components/LoadError'

const EVENT_KEYS: Record<IncidentEvent['type'], MessageKey> = {
  opened: 'event.opened',
  severity: 'event.severity',
  flapping_start: 'event.flapping_start',
  flapping_stop: 'event.flapping_stop',
  notified: 'event.notified',
  notify_failed: 'event.notify_failed',
  notify_overdue: 'event.notify_overdue',
  ack: 'event.ack',
  escalated: 'event.escalated',
  reminder: 'event.reminder',
  resolved: 'event.resolved',
  note: 'event.note',
}

/** An incident's timeline, oldest first; its first entry ("opened") is the incident's start. */
export function Timeline({ detail, loading, error }: { detail: IncidentView | null; loading: boolean; error: ApiError | null }) {
  const { t, lang } = useI18n()
  // "opened" events carry the incident summary of that moment, "severity" events the change
  // ("down → warning (rtt)"): say both in words, without today's figures.
  const detailText = (e: IncidentEvent): string => {
    if (!detail) return e.detail
    if (e.type === 'severity') return describeStateChange(e.detail, t)
    if (e.type !== 'opened') return e.detail
    const d = describeIncident({ alertname: detail.alertname, role: detail.role, severity: detail.severity, summary: e.detail, targetName: detail.targetName, kind: detail.kind }, t, lang)
    return d.error ? `${d.what} — ${d.error}` : d.what
  }
  if (error) return <LoadError error={error} />
  if (!detail) return <p class="muted small timeline__loading">{loading ? t('load.loading') : ''}</p>
  const events = detail.timeline ?? []
  return (
    <ol class="timeline" aria-label={t('incident.timeline')}>
      {events.length === 0 && <li class="muted">{t('incident.noEvents')}</li>}
      {events.map((e, n) => (
        <li key={n} class={`timeline__item timeline__item--${e.type}`}>
          <time dateTime={e.at}>{formatDateTime(toMs(e.at) ?? 0)}</time>
          <strong>{t(EVENT_KEYS[e.type])}</strong>
          {e.actor && <span class="muted"> · {e.actor}</span>}
          {e.detail && <span class="timeline__detail">{detailText(e)}</span>}
        </li>
      ))}
    </ol>
  )
}
