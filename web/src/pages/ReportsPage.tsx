import { useEffect } from 'preact/hooks'
import type { SlaFigures } from '../../../protocol'
import { LoadError } from '../components/LoadError'
import { useI18n, useModels } from '../context'
import { formatDateTime, formatDuration, formatNumber } from '../format'
import type { Lang, MessageKey, Translate } from '../i18n'
import { shiftMonth, type SlaSort } from '../models/reports'
import { communeHref } from '../models/router'

const SORTS: ReadonlyArray<[SlaSort, MessageKey]> = [
  ['availability', 'reports.sort.availability'],
  ['down', 'reports.sort.down'],
  ['unknown', 'reports.sort.unknown'],
  ['name', 'reports.sort.name'],
]

/** Availability as a percentage with three decimals (99.999 % is 26 s a month); "—" when nothing was known. */
function availability(a: number | null, lang: Lang): string {
  return a === null ? '—' : `${formatNumber(a * 100, lang, 3)} %`
}

/** Minutes in a cell, the readable duration in its tooltip. */
function Minutes({ value, lang, t }: { value: number; lang: Lang; t: Translate }) {
  return <td class="num" title={value > 0 ? formatDuration(value * 60, t) : undefined}>{formatNumber(value, lang, 1)}</td>
}

/** The figure cells shared by the province, cluster and commune rows. */
function FigureCells({ f, lang, t }: { f: SlaFigures; lang: Lang; t: Translate }) {
  return (
    <>
      <td class="num">
        <strong>{availability(f.availability, lang)}</strong>
      </td>
      <Minutes value={f.minutes.down} lang={lang} t={t} />
      <Minutes value={f.minutes.unknown} lang={lang} t={t} />
      <Minutes value={f.minutes.maintenance} lang={lang} t={t} />
      <td class="num">{formatNumber(f.incidents, lang, 0)}</td>
      <td class="num">{formatNumber(f.outages, lang, 0)}</td>
    </>
  )
}

function FigureHeads({ t }: { t: Translate }) {
  return (
    <>
      <th scope="col" class="num">
        {t('reports.availability')}
      </th>
      <th scope="col" class="num">
        {t('reports.down')}
      </th>
      <th scope="col" class="num">
        {t('reports.unknown')}
      </th>
      <th scope="col" class="num">
        {t('reports.maintenance')}
      </th>
      <th scope="col" class="num">
        {t('reports.incidents')}
      </th>
      <th scope="col" class="num">
        {t('reports.outages')}
      </th>
    </>
  )
}

/**
 * Reports (SPEC §8): the monthly SLA per commune and per cluster, a month picker, and the CSV
 * export for Excel. Unknown and maintenance time are shown apart from downtime, never in it.
 */
export function ReportsPage() {
  const { reports } = useModels()
  const { t, lang } = useI18n()
  const month = reports.month.value
  const latest = reports.latest.value
  const state = reports.report.value
  const data = state.data
  const rows = reports.communes.value

  useEffect(() => {
    if (reports.report.peek().status === 'idle') void reports.load()
  }, [])

  return (
    <>
      <div class="page-head">
        <h1 class="page-title">
          {t('nav.reports')}
          <span class="page-title__sub">{t('reports.subtitle')}</span>
        </h1>
        <div class="filters" role="group" aria-label={t('reports.month')}>
          <button type="button" class="btn" onClick={() => void reports.setMonth(shiftMonth(month, -1))} aria-label={t('reports.prev')} title={t('reports.prev')}>
            ‹
          </button>
          <label class="field">
            <span class="visually-hidden">{t('reports.month')}</span>
            {/* A list of months, not <input type="month">: that one is written in the browser's
                language ("December 2026" in an English Chromium). */}
            <select value={month} onChange={(e) => void reports.setMonth(e.currentTarget.value)}>
              {monthChoices(latest, month).map((m) => (
                <option key={m} value={m}>
                  {t('reports.monthOption', { month: m.slice(5), year: m.slice(0, 4) })}
                </option>
              ))}
            </select>
          </label>
          <button
            type="button"
            class="btn"
            disabled={month >= latest}
            onClick={() => void reports.setMonth(shiftMonth(month, 1))}
            aria-label={t('reports.next')}
            title={t('reports.next')}
          >
            ›
          </button>
          <a class="btn" href={reports.csvHref(lang)} download={`xanh-sla-${month}.csv`}>
            {t('reports.export')}
          </a>
        </div>
      </div>

      {state.status === 'error' && state.error && <LoadError error={state.error} onRetry={() => void reports.load()} />}
      {!data && state.status !== 'error' && (
        <p class="loading" role="status">
          {t('load.loading')}
        </p>
      )}
      {data && (
        <>
          <p class="muted small" aria-live="polite">
            {t('reports.period', { from: formatDateTime(Date.parse(data.from)), to: formatDateTime(Date.parse(data.to)) })}
            {data.partial ? ` ${t('reports.partial')}` : ''}
          </p>
          <section class="summary-tiles" aria-label={t('reports.province')}>
            <div class="figure figure--plain">
              <span class="figure__value">{availability(data.province.availability, lang)}</span>
              <span class="figure__label">{t('reports.fig.availability')}</span>
            </div>
            <div class="figure figure--plain">
              <span class="figure__value">{formatNumber(data.province.minutes.down, lang, 0)}</span>
              <span class="figure__label">{t('reports.fig.down')}</span>
            </div>
            <div class="figure figure--unknown">
              <span class="figure__value">{formatNumber(data.province.minutes.unknown, lang, 0)}</span>
              <span class="figure__label">{t('reports.fig.unknown')}</span>
            </div>
            <div class="figure figure--plain">
              <span class="figure__value">{formatNumber(data.province.minutes.maintenance, lang, 0)}</span>
              <span class="figure__label">{t('reports.fig.maintenance')}</span>
            </div>
            <div class="figure figure--plain">
              <span class="figure__value">{formatNumber(data.province.incidents, lang, 0)}</span>
              <span class="figure__label">{t('reports.fig.incidents')}</span>
            </div>
          </section>

          <section class="card" aria-labelledby="sla-clusters">
            <div class="card__head">
              <h2 id="sla-clusters" class="card__title">
                {t('reports.clusters')}
                <span class="count-pill">{data.clusters.length}</span>
              </h2>
            </div>
            <div class="card__body hscroll" tabIndex={0} role="region" aria-labelledby="sla-clusters">
              <table class="simple">
                <thead>
                  <tr>
                    <th scope="col">{t('col.cluster')}</th>
                    <th scope="col" class="num">
                      {t('reports.communeCount')}
                    </th>
                    <FigureHeads t={t} />
                  </tr>
                </thead>
                <tbody>
                  {data.clusters.map((k) => (
                    <tr key={k.cluster}>
                      <th scope="row">{k.cluster || '—'}</th>
                      <td class="num">{formatNumber(k.communes, lang, 0)}</td>
                      <FigureCells f={k} lang={lang} t={t} />
                    </tr>
                  ))}
                </tbody>
                <tfoot>
                  <tr>
                    <th scope="row">{t('reports.province')}</th>
                    <td class="num">{formatNumber(data.communes.length, lang, 0)}</td>
                    <FigureCells f={data.province} lang={lang} t={t} />
                  </tr>
                </tfoot>
              </table>
            </div>
          </section>

          <section class="card" aria-labelledby="sla-communes">
            <div class="card__head table-card__head">
              <h2 id="sla-communes" class="card__title">
                {t('reports.communes')}
                <span class="count-pill">{rows.length}</span>
              </h2>
              <div class="filters">
                <label class="field field--search">
                  <span class="visually-hidden">{t('reports.search')}</span>
                  <input type="search" value={reports.query.value} placeholder={t('reports.search')} autocomplete="off" spellcheck={false} onInput={(e) => reports.setQuery(e.currentTarget.value)} />
                </label>
                <label class="field">
                  <span class="visually-hidden">{t('reports.sort')}</span>
                  <select value={reports.sort.value} onChange={(e) => reports.setSort(SORTS.find(([k]) => k === e.currentTarget.value)?.[0] ?? 'availability')}>
                    {SORTS.map(([k, label]) => (
                      <option key={k} value={k}>
                        {t(label)}
                      </option>
                    ))}
                  </select>
                </label>
              </div>
            </div>
            <div class="card__body">
              {rows.length === 0 ? (
                <p class="card__empty">{t('reports.none')}</p>
              ) : (
                <div class="hscroll scroll-box scroll-box--tall" tabIndex={0} role="region" aria-labelledby="sla-communes">
                  <table class="simple sticky-head">
                    <thead>
                      <tr>
                        <th scope="col">{t('col.name')}</th>
                        <th scope="col">{t('col.code')}</th>
                        <th scope="col">{t('col.cluster')}</th>
                        <FigureHeads t={t} />
                      </tr>
                    </thead>
                    <tbody>
                      {rows.map((c) => (
                        <tr key={c.code}>
                          <th scope="row">
                            <a href={communeHref(c.code)}>{c.name}</a>
                          </th>
                          <td class="mono">{c.code}</td>
                          <td>{c.cluster}</td>
                          <FigureCells f={c} lang={lang} t={t} />
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </div>
          </section>
          <p class="muted small card__foot">{t('reports.note')}</p>
        </>
      )}
    </>
  )
}

/** The months offered: the last 36 up to `latest`, and the chosen one if it is older. */
function monthChoices(latest: string, chosen: string): string[] {
  const out: string[] = []
  for (let i = 0; i < 36; i++) out.push(shiftMonth(latest, -i))
  if (!out.includes(chosen)) out.push(chosen)
  return out
}
