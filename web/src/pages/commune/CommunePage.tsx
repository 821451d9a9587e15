/**
 * One commune: identity and the cause of its state (with the figure), "Đo ngay", its line and
 * video endpoint, charts, targets with their verdicts, incidents and coverage gaps.
 * @module
 */
import { useEffect } from 'preact/hooks'
import { useModels, useI18n } from '../../context'
import { describeCause, formatDuration, formatNumber, formatShortDateTime, toMs } from '../../format'
import { LoadError } from '../../components/LoadError'
import { StateBadge } from '../../components/StateBadge'
import { ChartsCard } from './ChartsCard'
import { GapsCard } from './GapsCard'
import { IncidentsCard } from './IncidentsCard'
import { StatusStrip } from './StatusStrip'
import { TargetsCard } from './TargetsCard'
import { TestRunPanel } from './TestRunPanel'

export { formatAddress } from './address'

/** One commune: identity, targets, line charts and coverage gaps. */
export function CommunePage({ code }: { code: string }) {
  const { commune } = useModels()
  const { t } = useI18n()

  useEffect(() => {
    void commune.open(code)
  }, [code])
  useEffect(() => () => commune.close(), [])

  const detail = commune.detail.value
  const error = commune.error.value
  const shownCode = commune.code.value

  return (
    <>
      <nav class="crumbs" aria-label="breadcrumb">
        <a href="#/" class="back-link">
          {t('commune.back')}
        </a>
      </nav>
      {!detail || detail.commune.code !== shownCode ? (
        error ? (
          error.code === 'E_NOT_FOUND' ? (
            <div class="panel" role="alert">
              <p>{t('commune.notFound', { code })}</p>
            </div>
          ) : (
            <LoadError error={error} onRetry={() => void commune.reload()} />
          )
        ) : (
          <p class="loading" role="status">
            {t('load.loading')}
          </p>
        )
      ) : (
        <CommuneBody />
      )}
    </>
  )
}

function CommuneBody() {
  const { commune, live } = useModels()
  const { t, lang } = useI18n()
  const detail = commune.detail.value
  if (!detail) return null
  const c = detail.commune
  const nowMs = live.now.value
  const since = toMs(c.since)
  return (
    <>
      <div class="page-head commune-head">
        <div>
          <h1 class="page-title">
            {c.name}
            <span class="page-title__sub mono">{c.code}</span>
          </h1>
          <dl class="facts">
            <div>
              <dt>{t('commune.kind')}</dt>
              <dd>{t(`kind.${c.kind}`)}</dd>
            </div>
            <div>
              <dt>{t('commune.cluster')}</dt>
              <dd>{c.cluster || t('value.none')}</dd>
            </div>
            <div>
              <dt>{t('commune.contracted')}</dt>
              <dd>{t('commune.mbps', { n: formatNumber(c.contractedMbps, lang, 0) })}</dd>
            </div>
            {c.reason && c.state !== 'ok' && (
              <div>
                <dt>{t('commune.reason')}</dt>
                <dd title={c.reason} class="commune-cause" data-reason={c.reason}>
                  {describeCause(c.reason, c.verdict, t, lang)}
                </dd>
              </div>
            )}
          </dl>
        </div>
        <div class="commune-head__side">
          <div class={`commune-state commune-state--${c.state}`}>
            <StateBadge state={c.state} />
            {since !== null && (
              <span class="muted">{t('commune.since', { time: formatShortDateTime(since, nowMs), duration: formatDuration((nowMs - since) / 1000, t) })}</span>
            )}
          </div>
          <TestRunPanel code={c.code} nowMs={nowMs} />
        </div>
      </div>
      {c.notes && (
        <p class="notes">
          <strong>{t('commune.notes')}:</strong> {c.notes}
        </p>
      )}
      <StatusStrip commune={c} line={commune.lineTarget.value} mcu={commune.mcuTarget.value} nowMs={nowMs} />
      <ChartsCard contractedMbps={c.contractedMbps} nowMs={nowMs} />
      <TargetsCard targets={detail.targets} nowMs={nowMs} />
      <IncidentsCard nowMs={nowMs} />
      <GapsCard gaps={detail.gaps} />
    </>
  )
}

