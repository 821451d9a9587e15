import { useSignal } from '@preact/signals'
import { useEffect } from 'preact/hooks'
import { useModels, useI18n } from '../../context'
import { formatNumber } from '../../format'
import type { MessageKey } from '../../i18n'
import { hasRole } from '../../models/session'
import { HistoryCard } from './HistoryCard'
import { MaintenanceView } from './MaintenanceView'
import { OpenIncidents } from './OpenIncidents'
import { SilencesView } from './SilencesView'

type View = 'open' | 'history' | 'silences' | 'maintenance'
const VIEWS: readonly View[] = ['open', 'history', 'silences', 'maintenance']

/** Alerts: open incidents (ack, silence the commune, timeline), history, silences and maintenance windows. */
export function AlertsPage() {
  const { alerts, session } = useModels()
  const { t, lang } = useI18n()
  const view = useSignal<View>('open')
  const operator = hasRole(session.user.value, 'operator')
  const open = alerts.open.value

  useEffect(() => {
    void alerts.loadOpen()
    // Rows acknowledged here kept their place while the operator was on the page; not on the next visit.
    return () => alerts.forgetJustAcked()
  }, [])
  useEffect(() => {
    if (view.value === 'history') void alerts.loadHistory()
    if ((view.value === 'silences' || view.value === 'maintenance') && operator) void alerts.loadSchedules()
  }, [view.value, operator])

  const incidents = open.data ?? []
  const unacked = incidents.filter((i) => i.state === 'open').length
  return (
    <>
      <div class="page-head">
        <h1 class="page-title">
          {t('nav.alerts')}
          <span class="page-title__sub">{t('alerts.subtitle', { open: formatNumber(incidents.length, lang, 0), unacked: formatNumber(unacked, lang, 0) })}</span>
        </h1>
      </div>
      <div class="segmented segmented--tabs" role="group" aria-label={t('alerts.views')}>
        {VIEWS.map((v) => (
          <button type="button" key={v} class="segmented__btn" aria-pressed={view.value === v} onClick={() => (view.value = v)}>
            {t(`alerts.view.${v}` as MessageKey)}
          </button>
        ))}
      </div>
      {view.value === 'open' && <OpenIncidents operator={operator} />}
      {view.value === 'history' && <HistoryCard />}
      {view.value === 'silences' && (operator ? <SilencesView /> : <SignInNeeded what="alerts.needOperator" />)}
      {view.value === 'maintenance' && (operator ? <MaintenanceView /> : <SignInNeeded what="alerts.needOperator" />)}
    </>
  )
}

function SignInNeeded({ what }: { what: MessageKey }) {
  const { t } = useI18n()
  return (
    <div class="panel">
      <p>{t(what)}</p>
      <a class="btn btn--primary" href="#/signin">
        {t('session.signIn')}
      </a>
    </div>
  )
}
