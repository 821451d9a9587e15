/**
 * The commune page's charts: RTT (median with the min–max band), loss, jitter, throughput vs
 * contracted, MOS and utilization for a chosen range, gaps shaded and never joined, incidents
 * and maintenance shaded as bands (listed in words below), and the per-target state timeline.
 * @module
 */
import { useMemo } from 'preact/hooks'
import { useModels, useI18n } from '../../context'
import { describeIncident, formatDateTime, formatNumber, formatShortDateTime } from '../../format'
import type { MessageKey, Translate } from '../../i18n'
import { LoadError } from '../../components/LoadError'
import { alignSeries, chartBands, gapRuns, type ChartBand } from '../../chart-data'
import { StateTimeline } from './StateTimeline'
import { GAP_FILL, SeriesChart, type ChartSpec, type XWindow } from '../../components/SeriesChart'
import { RANGE_KEYS, type Metric, type SeriesState } from '../../models/commune'

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

/** The charts card with its range picker. */
export function ChartsCard({ contractedMbps, nowMs }: { contractedMbps: number; nowMs: number }) {
  const { commune } = useModels()
  const { t, lang } = useI18n()
  const line = commune.lineTarget.value
  const range = commune.range.value
  const series = commune.series.value
  const win = commune.chartWindow.value
  const history = commune.history.value.data
  const incidents = commune.incidents.value.data
  const defs = useMemo(() => chartDefs(t, contractedMbps), [lang, contractedMbps])
  // An open incident ends where the server's answer did (its "now"), so the bands stay put
  // between refreshes instead of moving with the clock every second.
  const bands = useMemo(() => {
    if (!win) return []
    const end = history ? Date.parse(history.to) : win.toMs
    return chartBands(incidents ?? [], history?.maintenance ?? [], win.fromMs, win.toMs, end, (i) => describeIncident(i, t, lang).what)
  }, [win, history, incidents, lang])
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
              <ChartPanel key={d.key} def={d} states={d.metrics.map((m) => series[m])} bands={bands} shown={win ?? undefined} />
            ))}
          </div>
          <p class="muted small chart-note">
            <span class="legend-dash legend-dash--warning" aria-hidden="true" /> {t('charts.warning')}
            <span class="legend-dash legend-dash--critical" aria-hidden="true" /> {t('charts.critical')}
            <span class="legend-dash legend-dash--contracted" aria-hidden="true" /> {t('charts.contracted', { n: formatNumber(contractedMbps, lang, 0) })}
            <span class="legend-gap" aria-hidden="true" style={{ background: GAP_FILL }} /> {t('charts.gapsNote')}
            <span class="legend-band legend-band--incident" aria-hidden="true" /> {t('charts.incidentBand')}
            <span class="legend-band legend-band--maintenance" aria-hidden="true" /> {t('charts.maintenanceBand')}
          </p>
          <BandList bands={bands} nowMs={nowMs} />
          {history && win && <StateTimeline history={history} targets={commune.detail.value?.targets ?? []} fromMs={win.fromMs} toMs={win.toMs} nowMs={nowMs} />}
        </>
      )}
    </section>
  )
}

/** The bands of the charts in words: what, from when to when (the accessible legend). */
function BandList({ bands, nowMs }: { bands: readonly ChartBand[]; nowMs: number }) {
  const { t } = useI18n()
  if (bands.length === 0) return <p class="muted small chart-bands-none">{t('charts.noBands')}</p>
  return (
    <ul class="chart-band-list" aria-label={t('charts.bandsTitle')}>
      {bands.map((b) => (
        <li key={`${b.kind}:${b.id}:${b.fromMs}`} class={`chart-band-list__item chart-band-list__item--${b.kind}`} data-kind={b.kind} data-id={b.id}>
          <span class={`legend-band legend-band--${b.kind}`} aria-hidden="true" />
          <strong>{t(b.kind === 'incident' ? 'charts.incidentBand' : 'charts.maintenanceBand')}</strong>{' '}
          <span title={`${formatDateTime(b.fromMs)} – ${b.open ? t('charts.ongoing') : formatDateTime(b.toMs)}`}>
            {formatShortDateTime(b.fromMs, nowMs)}–{b.open ? t('charts.ongoing') : formatShortDateTime(b.toMs, nowMs)}
          </span>
          : {b.label}
        </li>
      ))}
    </ul>
  )
}

function ChartPanel({ def, states, bands, shown }: { def: ChartDef; states: readonly SeriesState[]; bands: readonly ChartBand[]; shown: XWindow | undefined }) {
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
        <SeriesChart data={data} spec={def.spec} label={label} bands={bands} {...(shown ? { shown } : {})} />
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

