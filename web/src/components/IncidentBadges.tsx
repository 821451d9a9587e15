import type { IncidentState, Severity } from '../../../protocol'
import { useI18n } from '../context'

/** Incident state with an icon: open (bell), acknowledged (check on a bell), resolved (check). */
export function IncidentStateBadge({ state }: { state: IncidentState }) {
  const { t } = useI18n()
  return (
    <span class={`ibadge ibadge--${state}`}>
      <svg width="13" height="13" viewBox="0 0 20 20" aria-hidden="true" focusable="false">
        {state === 'resolved' ? (
          <path d="M4 10.5l4 4 8-9" fill="none" stroke="currentColor" stroke-width="2.4" stroke-linecap="round" stroke-linejoin="round" />
        ) : (
          <>
            <path d="M10 2.5a5 5 0 0 0-5 5v3.2L3.3 14h13.4L15 10.7V7.5a5 5 0 0 0-5-5z" fill={state === 'open' ? 'currentColor' : 'none'} stroke="currentColor" stroke-width="1.7" stroke-linejoin="round" />
            <path d="M8 16.3a2.1 2.1 0 0 0 4 0" fill="none" stroke="currentColor" stroke-width="1.7" stroke-linecap="round" />
          </>
        )}
      </svg>
      {t(`incident.state.${state}`)}
    </span>
  )
}

/** Severity as a word on a tinted chip (critical, warning, info). */
export function SeverityBadge({ severity }: { severity: Severity }) {
  const { t } = useI18n()
  return <span class={`sev sev--${severity}`}>{t(`severity.${severity}`)}</span>
}
