import { useEffect } from 'preact/hooks'
import type { CoverageGapView, TargetStatus } from '../../../protocol'
import { useModels, useI18n } from '../context'
import { describeReason, formatDateTime, formatDuration, formatLossPct, formatNumber, formatRttMs, formatShortDateTime, toMs } from '../format'
import type { MessageKey } from '../i18n'
import { LoadError } from '../components/LoadError'
import { LOSS_CHART, RTT_CHART, SeriesChart, type ChartSpec } from '../components/SeriesChart'
import { StateBadge } from '../components/StateBadge'
import { RANGE_KEYS, type SeriesState } from '../models/commune'

/** `host:port`, with IPv6 literals bracketed so the port is not read as part of the address. */
export function formatAddress(host: string, port: number | null): string {
  if (port === null) return host
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
}

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
            {c.reason && (
              <div>
                <dt>{t('commune.reason')}</dt>
                <dd title={c.reason}>{describeReason(c.reason, t)}</dd>
              </div>
            )}
          </dl>
        </div>
        <div class={`commune-state commune-state--${c.state}`}>
          <StateBadge state={c.state} />
          {since !== null && (
            <span class="muted">{t('commune.since', { time: formatShortDateTime(since, nowMs), duration: formatDuration((nowMs - since) / 1000, t) })}</span>
          )}
        </div>
      </div>
      {c.notes && (
        <p class="notes">
          <strong>{t('commune.notes')}:</strong> {c.notes}
        </p>
      )}
      <TargetsCard targets={detail.targets} nowMs={nowMs} />
      <ChartsCard />
      <GapsCard gaps={detail.gaps} />
    </>
  )
}

const ROLE_ORDER: Record<TargetStatus['role'], number> = { line: 0, mcu: 1, router: 2, uplink: 3, service: 4 }

function TargetsCard({ targets, nowMs }: { targets: readonly TargetStatus[]; nowMs: number }) {
  const { t, lang } = useI18n()
  const sorted = [...targets].sort((a, b) => ROLE_ORDER[a.role] - ROLE_ORDER[b.role] || a.id.localeCompare(b.id))
  return (
    <section class="card" aria-labelledby="targets-title">
      <div class="card__head">
        <h2 id="targets-title" class="card__title">
          {t('targets.title')}
        </h2>
      </div>
      {sorted.length === 0 ? (
        <p class="card__empty">{t('targets.none')}</p>
      ) : (
        <div class="hscroll">
          <table class="simple targets">
            <thead>
              <tr>
                <th scope="col">{t('targets.role')}</th>
                <th scope="col">{t('targets.kind')}</th>
                <th scope="col">{t('targets.address')}</th>
                <th scope="col">{t('targets.state')}</th>
                <th scope="col">{t('targets.unreachable')}</th>
                <th scope="col">{t('targets.lastError')}</th>
                <th scope="col">{t('targets.lastResult')}</th>
                <th scope="col" class="num">
                  {t('targets.rtt')}
                </th>
                <th scope="col" class="num">
                  {t('targets.loss')}
                </th>
              </tr>
            </thead>
            <tbody>
              {sorted.map((tg) => {
                const last = toMs(tg.lastResultAt)
                return (
                  <tr key={tg.id} class={`row--${tg.state}`}>
                    <th scope="row">
                      <span class="target-role">{t(`role.${tg.role}`)}</span>
                      <span class="muted target-id mono">{tg.name ?? tg.id}</span>
                    </th>
                    <td class="mono">{tg.kind}</td>
                    <td class="mono">{formatAddress(tg.host, tg.port)}</td>
                    <td>
                      <StateBadge state={tg.state} compact />
                    </td>
                    <td>{tg.unreachable ? <span class="flag">{t('targets.unreachable.yes')}</span> : t('value.none')}</td>
                    <td class={tg.lastError ? 'cell-error' : undefined} title={tg.lastError ?? undefined}>
                      {tg.lastError ?? t('value.none')}
                    </td>
                    <td title={last !== null ? formatDateTime(last) : undefined}>{last !== null ? formatShortDateTime(last, nowMs) : t('value.never')}</td>
                    <td class="num">{tg.window.rttMedianSeconds === null ? t('value.none') : `${formatRttMs(tg.window.rttMedianSeconds, lang)} ms`}</td>
                    <td class="num">
                      {tg.window.lossRatio === null ? t('value.none') : `${formatLossPct(tg.window.lossRatio, lang)} %`}
                      {tg.window.packets > 0 && <span class="muted small"> ({t('targets.packets', { n: formatNumber(tg.window.packets, lang, 0) })})</span>}
                    </td>
                  </tr>
                )
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}

function ChartsCard() {
  const { commune } = useModels()
  const { t } = useI18n()
  const line = commune.lineTarget.value
  const range = commune.range.value
  return (
    <section class="card" aria-labelledby="charts-title">
      <div class="card__head">
        <h2 id="charts-title" class="card__title">
          {t('charts.title', { range: t(`range.${range}`) })}
        </h2>
        <div class="segmented" role="group" aria-label={t('charts.range')}>
          {RANGE_KEYS.map((r) => (
            <button type="button" key={r} class="segmented__btn" aria-pressed={r === range} onClick={() => commune.setRange(r)}>
              {t(`range.${r}`)}
            </button>
          ))}
        </div>
      </div>
      {!line ? (
        <p class="card__empty">{t('charts.noLine')}</p>
      ) : (
        <>
          <div class="charts">
            <ChartPanel title="charts.rtt" state={commune.rtt.value} spec={RTT_CHART} />
            <ChartPanel title="charts.loss" state={commune.loss.value} spec={LOSS_CHART} />
          </div>
          <p class="muted small chart-note">
            <span class="legend-dash legend-dash--warning" aria-hidden="true" /> {t('charts.warning')}
            <span class="legend-dash legend-dash--critical" aria-hidden="true" /> {t('charts.critical')} · {t('charts.gapsNote')}
          </p>
        </>
      )}
    </section>
  )
}

function ChartPanel({ title, state, spec }: { title: MessageKey; state: SeriesState; spec: ChartSpec }) {
  const { commune } = useModels()
  const { t } = useI18n()
  const label = t(title)
  let body
  if (state.data) {
    const empty = state.data.points.every(([, v]) => v === null)
    body = (
      <>
        <SeriesChart series={state.data} spec={spec} label={label} />
        {empty && <p class="chart-empty">{t('charts.empty')}</p>}
      </>
    )
  } else if (state.error) {
    body = <LoadError error={state.error} onRetry={() => void commune.reloadSeries()} />
  } else {
    body = <p class="chart-placeholder">{t('charts.loading')}</p>
  }
  return (
    <figure class="chart-panel" aria-busy={state.status === 'loading'}>
      <figcaption class="chart-panel__title">{label}</figcaption>
      {body}
    </figure>
  )
}

function GapsCard({ gaps }: { gaps: readonly CoverageGapView[] }) {
  const { t, lang } = useI18n()
  const open = gaps.filter((g) => g.fixedAt === null)
  return (
    <section class="card" aria-labelledby="gaps-title">
      <div class="card__head">
        <h2 id="gaps-title" class="card__title">
          {t('gaps.title')}
          <span class="count-pill">{open.length}</span>
        </h2>
      </div>
      {open.length === 0 ? (
        <p class="card__empty">{t('gaps.none')}</p>
      ) : (
        <div class="hscroll">
          <table class="simple">
            <thead>
              <tr>
                <th scope="col">{t('gaps.hamlet')}</th>
                <th scope="col">{t('gaps.kind')}</th>
                <th scope="col" class="num">
                  {t('gaps.population')}
                </th>
                <th scope="col" class="num">
                  {t('gaps.households')}
                </th>
                <th scope="col">{t('gaps.since')}</th>
                <th scope="col">{t('gaps.plannedFix')}</th>
              </tr>
            </thead>
            <tbody>
              {open.map((g) => (
                <tr key={g.id}>
                  <th scope="row">{g.hamlet}</th>
                  <td>
                    <span class={`gap-kind gap-kind--${g.kind}`}>{t(`gapKind.${g.kind}`)}</span>
                  </td>
                  <td class="num">{g.population === null ? t('value.none') : formatNumber(g.population, lang, 0)}</td>
                  <td class="num">{g.households === null ? t('value.none') : formatNumber(g.households, lang, 0)}</td>
                  <td>{g.since ?? t('value.none')}</td>
                  <td>{g.plannedFix ?? t('value.none')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}
