import { useEffect, useMemo } from 'preact/hooks'
import type { CoverageGapView, IncidentView, TargetStatus } from '../../../protocol'
import { useModels, useI18n } from '../context'
import { describeIncident, describeReason, formatDate, formatDateTime, formatDuration, formatLossPct, formatNumber, formatRttMs, formatShortDateTime, toMs } from '../format'
import type { MessageKey, Translate } from '../i18n'
import { IncidentStateBadge, SeverityBadge } from '../components/IncidentBadges'
import { LoadError } from '../components/LoadError'
import { alignSeries, gapRuns } from '../chart-data'
import { GAP_FILL, SeriesChart, type ChartSpec } from '../components/SeriesChart'
import { StateBadge } from '../components/StateBadge'
import { RANGE_KEYS, type Metric, type SeriesState } from '../models/commune'

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
      <StatusStrip line={commune.lineTarget.value} mcu={commune.mcuTarget.value} nowMs={nowMs} />
      <ChartsCard contractedMbps={c.contractedMbps} />
      <TargetsCard targets={detail.targets} nowMs={nowMs} />
      <IncidentsCard nowMs={nowMs} />
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

/**
 * The two things a commune depends on, side by side: its line and its video endpoint, each
 * with state, how long, and the figure it was judged on.
 */
function StatusStrip({ line, mcu, nowMs }: { line: TargetStatus | null; mcu: TargetStatus | null; nowMs: number }) {
  const { t, lang } = useI18n()
  const one = (role: 'line' | 'mcu', tg: TargetStatus | null) => {
    const since = tg ? toMs(tg.since) : null
    const last = tg ? toMs(tg.lastResultAt) : null
    const rtt = tg?.window.rttMedianSeconds ?? null
    const mos = tg?.measurements.mos_estimate
    return (
      <section class={`status-card status-card--${tg?.state ?? 'none'}`} aria-labelledby={`status-${role}`}>
        <h2 id={`status-${role}`} class="status-card__title">
          {t(`role.${role}`)}
        </h2>
        {tg ? (
          <>
            <div class="status-card__state">
              <StateBadge state={tg.state} />
              {tg.flapping && <span class="flag flag--flapping">{t('incident.flapping')}</span>}
              {since !== null && <span class="muted small">{t('attention.for', { duration: formatDuration((nowMs - since) / 1000, t) })}</span>}
            </div>
            <dl class="status-card__facts">
              <div>
                <dt>{role === 'line' ? t('targets.rtt') : t('status.response')}</dt>
                <dd>{rtt === null ? t('value.none') : `${formatRttMs(rtt, lang)} ms`}</dd>
              </div>
              {role === 'line' && (
                <div>
                  <dt>{t('targets.loss')}</dt>
                  <dd>{tg.window.lossRatio === null ? t('value.none') : `${formatLossPct(tg.window.lossRatio, lang)} %`}</dd>
                </div>
              )}
              {mos !== undefined && (
                <div>
                  <dt>{t('status.mos')}</dt>
                  <dd>{formatNumber(mos, lang, 2)}</dd>
                </div>
              )}
              <div>
                <dt>{t('targets.lastResult')}</dt>
                <dd title={last !== null ? formatDateTime(last) : undefined}>{last !== null ? formatShortDateTime(last, nowMs) : t('value.never')}</dd>
              </div>
            </dl>
            {tg.lastError && <p class="status-card__error">{tg.lastError}</p>}
          </>
        ) : (
          <p class="muted status-card__none">{t('status.none')}</p>
        )}
      </section>
    )
  }
  return (
    <div class="status-strip">
      {one('line', line)}
      {one('mcu', mcu)}
    </div>
  )
}

/** The charts of the page: what each plots, in which unit, against which references. */
interface ChartDef {
  key: string
  title: MessageKey
  metrics: readonly Metric[]
  scale: number
  spec: ChartSpec
}

function chartDefs(t: Translate, contractedMbps: number): ChartDef[] {
  return [
    {
      key: 'rtt',
      title: 'charts.rtt',
      metrics: ['rtt_median_seconds', 'rtt_max_seconds', 'rtt_min_seconds'],
      scale: 1000,
      spec: {
        unit: 'ms',
        digits: 1,
        lines: [
          { label: t('charts.rttMedian'), color: '#1c64b8' },
          { label: t('charts.rttMax'), color: '#1c64b8', bandEdge: true },
          { label: t('charts.rttMin'), color: '#1c64b8', bandEdge: true },
        ],
        band: { upper: 2, lower: 3, fill: 'rgba(28,100,184,0.14)' },
        references: [
          { value: 50, color: '#c98a00' },
          { value: 100, color: '#c2410c' },
        ],
      },
    },
    {
      key: 'loss',
      title: 'charts.loss',
      metrics: ['loss_ratio'],
      scale: 100,
      spec: {
        unit: '%',
        digits: 2,
        lines: [{ label: t('charts.lossLine'), color: '#8a3ffc', fill: 'rgba(138,63,252,0.08)' }],
        references: [
          { value: 0.1, color: '#c98a00' },
          { value: 1, color: '#c2410c' },
        ],
      },
    },
    {
      key: 'jitter',
      title: 'charts.jitter',
      metrics: ['jitter_seconds'],
      scale: 1000,
      spec: {
        unit: 'ms',
        digits: 1,
        lines: [{ label: t('charts.jitterLine'), color: '#0f7c86', fill: 'rgba(15,124,134,0.08)' }],
        references: [
          { value: 10, color: '#c98a00' },
          { value: 30, color: '#c2410c' },
        ],
      },
    },
    {
      key: 'throughput',
      title: 'charts.throughput',
      metrics: ['download_bytes_per_second', 'upload_bytes_per_second'],
      scale: 8 / 1e6,
      spec: {
        unit: 'Mbit/s',
        digits: 0,
        sparse: true,
        lines: [
          { label: t('charts.download'), color: '#1e7b45' },
          { label: t('charts.upload'), color: '#6b4fbb' },
        ],
        references: [
          { value: contractedMbps, color: '#16212b' },
          { value: contractedMbps * 0.8, color: '#c98a00' },
        ],
      },
    },
    {
      key: 'mos',
      title: 'charts.mos',
      metrics: ['mos_estimate'],
      scale: 1,
      spec: {
        unit: '',
        digits: 2,
        yRange: [1, 4.6],
        lines: [{ label: t('charts.mosLine'), color: '#b45309' }],
        references: [
          { value: 4.0, color: '#c98a00' },
          { value: 3.6, color: '#c2410c' },
        ],
      },
    },
    {
      key: 'utilization',
      title: 'charts.utilization',
      metrics: ['utilization_ratio_in', 'utilization_ratio_out'],
      scale: 100,
      spec: {
        unit: '%',
        digits: 0,
        yRange: [0, 105],
        lines: [
          { label: t('charts.utilIn'), color: '#1c64b8' },
          { label: t('charts.utilOut'), color: '#0f7c86', dash: [4, 3] },
        ],
        references: [
          { value: 70, color: '#c98a00' },
          { value: 90, color: '#c2410c' },
        ],
      },
    },
  ]
}

function ChartsCard({ contractedMbps }: { contractedMbps: number }) {
  const { commune } = useModels()
  const { t, lang } = useI18n()
  const line = commune.lineTarget.value
  const range = commune.range.value
  const series = commune.series.value
  const defs = useMemo(() => chartDefs(t, contractedMbps), [lang, contractedMbps])
  return (
    <section class="card" aria-labelledby="charts-title">
      <div class="card__head">
        <h2 id="charts-title" class="card__title">
          {t('charts.title', { range: t(`range.${range}`) })}
        </h2>
        <div class="segmented" role="group" aria-label={t('charts.range')}>
          {RANGE_KEYS.map((r) => (
            <button type="button" key={r} class="segmented__btn" aria-pressed={r === range} onClick={() => commune.setRange(r)}>
              {t(`range.${r}.short`)}
              <span class="visually-hidden"> ({t(`range.${r}`)})</span>
            </button>
          ))}
        </div>
      </div>
      {!line ? (
        <p class="card__empty">{t('charts.noLine')}</p>
      ) : (
        <>
          <div class="charts">
            {defs.map((d) => (
              <ChartPanel key={d.key} def={d} states={d.metrics.map((m) => series[m])} />
            ))}
          </div>
          <p class="muted small chart-note">
            <span class="legend-dash legend-dash--warning" aria-hidden="true" /> {t('charts.warning')}
            <span class="legend-dash legend-dash--critical" aria-hidden="true" /> {t('charts.critical')}
            <span class="legend-dash legend-dash--contracted" aria-hidden="true" /> {t('charts.contracted', { n: formatNumber(contractedMbps, lang, 0) })}
            <span class="legend-gap" aria-hidden="true" style={{ background: GAP_FILL }} /> {t('charts.gapsNote')}
          </p>
        </>
      )}
    </section>
  )
}

function ChartPanel({ def, states }: { def: ChartDef; states: readonly SeriesState[] }) {
  const { commune } = useModels()
  const { t } = useI18n()
  const label = t(def.title)
  const datas = states.map((s) => s.data)
  const data = useMemo(() => alignSeries(datas, def.scale), datas)
  const error = states.find((s) => s.error)?.error ?? null
  const loading = states.some((s) => s.status === 'loading')
  const hasAny = states.some((s) => s.data !== null)
  const empty = hasAny && (data.slice(1) as ArrayLike<number | null | undefined>[]).every((col) => Array.from(col).every((v) => v === null || v === undefined))
  let body
  if (hasAny) {
    body = (
      <>
        <SeriesChart data={data} spec={def.spec} label={label} />
        {empty && <p class="chart-empty">{t('charts.empty')}</p>}
      </>
    )
  } else if (error) {
    body = <LoadError error={error} onRetry={() => void commune.reloadSeries()} />
  } else {
    body = <p class="chart-placeholder">{loading ? t('charts.loading') : t('charts.empty')}</p>
  }
  // Exposed for tests and support: values drawn, and gaps with data on both sides.
  const values = (data[1] ?? []).filter((v) => v !== null && v !== undefined).length
  const inner = gapRuns(data).filter(([a, b]) => a > 0 && b < data[0].length - 1).length
  return (
    <figure class="chart-panel" aria-busy={loading} data-chart={def.key} data-values={values} data-gaps={inner}>
      <figcaption class="chart-panel__title">{label}</figcaption>
      {body}
    </figure>
  )
}

const INCIDENTS_SHOWN = 10

function IncidentsCard({ nowMs }: { nowMs: number }) {
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
  const { t } = useI18n()
  const opened = toMs(i.openedAt) ?? nowMs
  const resolved = toMs(i.resolvedAt)
  const described = describeIncident(i, t)
  return (
    <li class={`incident-row incident-row--${i.state}`}>
      <div class="incident-row__badges">
        <IncidentStateBadge state={i.state} />
        <SeverityBadge severity={i.severity} />
      </div>
      <div class="incident-row__main">
        <span class="incident-row__summary">{described.what}</span>
        {described.error && <span class="mono small incident__error">{described.error}</span>}
        <span class="muted small">
          {t('incident.opened', { time: formatShortDateTime(opened, nowMs) })}
          {resolved !== null
            ? ` · ${t('incident.lasted', { duration: formatDuration((resolved - opened) / 1000, t) })}`
            : ` · ${t('attention.for', { duration: formatDuration((nowMs - opened) / 1000, t) })}`}
          {i.ackedBy && ` · ${t('incident.ackedBy', { user: i.ackedBy })}`}
        </span>
        {i.ackComment && <span class="incident-row__comment">“{i.ackComment}”</span>}
      </div>
    </li>
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
                  <td>{g.since ? formatDate(g.since) : t('value.none')}</td>
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
