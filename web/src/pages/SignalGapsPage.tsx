import { useSignal } from '@preact/signals'
import { useEffect, useMemo } from 'preact/hooks'
import type { CommuneSummary, CoverageGapInput, CoverageGapKind, CoverageGapView } from '../../../protocol'
import type { ApiError } from '../api'
import { useModels, useI18n } from '../context'
import { formatDate, formatDateTime, formatDuration, formatNumber, sinceLabel } from '../format'
import type { MessageKey } from '../i18n'
import { CommuneMap } from '../components/CommuneMap'
import { DateTimeField } from '../components/DateTimeField'
import { formatInputDate, parseInputDate } from '../datetime-input'
import { FormError } from '../components/FormError'
import { SearchField } from '../components/SearchField'
import { ImportPanel } from '../components/ImportPanel'
import { LoadError } from '../components/LoadError'
import { SilentProbes } from '../components/SilentProbes'
import { GAP_KINDS, gapTrend, localMonth, unknownByCommune, type CommuneGapCounts, type MonthTrend } from '../models/gaps'
import { communeHref } from '../models/router'
import { hasRole } from '../models/session'

/**
 * Signal gaps: where data is missing now (silent targets per commune) and the registry of
 * hamlets without mobile signal, power or Internet, on the map, per commune and over time.
 */
export function SignalGapsPage() {
  const { gaps, overview, map, session, live } = useModels()
  const { t, lang } = useI18n()
  const admin = hasRole(session.user.value, 'admin')

  useEffect(() => {
    void gaps.load()
  }, [])

  const view = gaps.view.value
  const communes = overview.communes.value
  const byCode = useMemo(() => new Map(communes.map((c) => [c.code, c])), [communes])
  const counts = gaps.countsByCommune.value
  const dataByCommune = gaps.dataByCommune.value
  const gapCounts = useMemo(() => new Map(counts.map((c) => [c.communeCode, c.total])), [counts])
  const silent = useMemo(() => new Set(dataByCommune.map((d) => d.communeCode)), [dataByCommune])

  if (!view.data) {
    if (view.error) return <LoadError error={view.error} onRetry={() => void gaps.load()} />
    return (
      <p class="loading" role="status">
        {t('load.loading')}
      </p>
    )
  }
  const coverage = view.data.coverageGaps
  const open = coverage.filter((g) => g.fixedAt === null)
  const population = open.reduce((n, g) => n + (g.population ?? 0), 0)
  const nowMs = live.now.value

  return (
    <>
      <div class="page-head">
        <h1 class="page-title">
          {t('nav.gaps')}
          <span class="page-title__sub">{t('gaps.subtitle')}</span>
        </h1>
      </div>
      <section class="summary-tiles" aria-label={t('gaps.summary')}>
        <Figure label={t('gaps.fig.silentCommunes')} value={formatNumber(dataByCommune.length, lang, 0)} tone={dataByCommune.length ? 'unknown' : 'ok'} />
        <Figure label={t('gaps.fig.silentTargets')} value={formatNumber(view.data.dataGaps.length, lang, 0)} tone={view.data.dataGaps.length ? 'unknown' : 'ok'} />
        <Figure label={t('gaps.fig.open')} value={formatNumber(open.length, lang, 0)} tone={open.length ? 'gap' : 'ok'} />
        <Figure label={t('gaps.fig.communes')} value={formatNumber(counts.length, lang, 0)} tone={counts.length ? 'gap' : 'ok'} />
        <Figure label={t('gaps.fig.population')} value={formatNumber(population, lang, 0)} tone="plain" />
      </section>
      <div class="overview-grid">
        <section class="card map-card" aria-labelledby="gapmap-title">
          <div class="card__head">
            <h2 id="gapmap-title" class="card__title">
              {t('gaps.map')}
            </h2>
            <span class="muted small map-card__hint">{t('map.hint')}</span>
          </div>
          <CommuneMap communes={communes} boundary={map.boundary.value.data ?? null} layer="gaps" gapCounts={gapCounts} silent={silent} label={t('gaps.map')} />
        </section>
        <section class="card" aria-labelledby="silent-title">
          {view.data.silentProbes.length > 0 && (
            <div class="silent-probes-block" aria-labelledby="silent-probes-title">
              <h2 id="silent-probes-title" class="card__title card__title--sub">
                {t('gaps.silentProbes')}
                <span class="count-pill">{view.data.silentProbes.length}</span>
              </h2>
              <SilentProbes probes={view.data.silentProbes} nowMs={nowMs} />
            </div>
          )}
          <div class="card__head">
            <h2 id="silent-title" class="card__title">
              {t('gaps.silentNow')}
              <span class="count-pill">{dataByCommune.length}</span>
            </h2>
          </div>
          {dataByCommune.length === 0 ? (
            <p class="attention__none">{t('gaps.noSilent')}</p>
          ) : (
            <ul class="silent-list">
              {dataByCommune.slice(0, 40).map((d) => {
                const c = byCode.get(d.communeCode)
                return (
                  <li key={d.communeCode}>
                    <a class="silent-item" href={communeHref(d.communeCode)}>
                      <span class="silent-item__name">{c?.name ?? d.communeCode}</span>
                      <span class="muted small mono">{d.targets.map((x) => x.targetId).join(', ')}</span>
                      <span class="silent-item__since small" title={d.sinceMs !== null ? formatDateTime(d.sinceMs) : undefined}>
                        {d.sinceMs !== null ? sinceLabel(d.sinceMs, nowMs, t) : t('gaps.neverSeen')}
                      </span>
                    </a>
                  </li>
                )
              })}
              {dataByCommune.length > 40 && <li class="muted small silent-more">{t('attention.more', { n: dataByCommune.length - 40 })}</li>}
            </ul>
          )}
          <p class="muted small card__foot">{t('gaps.silentNote')}</p>
        </section>
      </div>
      <PeriodCard byCode={byCode} />
      <div class="two-col">
        <TrendCard trend={gapTrend(coverage, nowMs, 12)} />
        <CountsCard counts={counts} byCode={byCode} />
      </div>
      <RegistryCard gaps={coverage} byCode={byCode} admin={admin} />
      {admin && <ImportCard />}
    </>
  )
}

const PERIOD_SHOWN = 15

/** Unknown (no data) time per commune over a chosen month, from the SLA report. */
function PeriodCard({ byCode }: { byCode: ReadonlyMap<string, CommuneSummary> }) {
  const { gaps, live } = useModels()
  const { t, lang } = useI18n()
  const period = gaps.period.value
  const month = gaps.month.value
  const months = useMemo(() => {
    const out: string[] = []
    const now = localMonth(live.now.peek())
    let [y, m] = now.split('-').map(Number) as [number, number]
    for (let i = 0; i < 6; i++) {
      out.push(`${y}-${String(m).padStart(2, '0')}`)
      m--
      if (m === 0) {
        m = 12
        y--
      }
    }
    return out
  }, [])
  const report = period.data
  const rows = report ? unknownByCommune(report) : []
  const periodEnd = report ? Date.parse(report.to) : 0
  return (
    <section class="card" aria-labelledby="period-title">
      <div class="card__head">
        <h2 id="period-title" class="card__title">
          {t('gaps.period')}
          {report && <span class="count-pill">{rows.length}</span>}
        </h2>
        <label class="field">
          <span class="visually-hidden">{t('gaps.period.month')}</span>
          <select value={month} onChange={(e) => void gaps.setMonth(e.currentTarget.value)}>
            {months.map((m) => (
              <option key={m} value={m}>
                {t('gaps.period.monthOf', { month: `${m.slice(5)}/${m.slice(0, 4)}` })}
              </option>
            ))}
          </select>
        </label>
      </div>
      {period.error && !report ? (
        <LoadError error={period.error} onRetry={() => void gaps.setMonth(month)} />
      ) : !report ? (
        <p class="card__empty">{t('load.loading')}</p>
      ) : (
        <>
          <p class="period-summary">
            {t('gaps.period.total', {
              hours: formatNumber(report.province.minutes.unknown / 60, lang, 1),
              communes: formatNumber(rows.length, lang, 0),
            })}
            {report.partial && <span class="muted"> · {t('gaps.period.partial')}</span>}
          </p>
          {rows.length === 0 ? (
            <p class="attention__none">{t('gaps.period.none')}</p>
          ) : (
            <ol class="period-list">
              {rows.slice(0, PERIOD_SHOWN).map((c) => {
                // A share of the time the commune was monitored, not of the whole month.
                const monitoredMinutes = (periodEnd - Date.parse(c.monitoredFrom)) / 60_000
                const share = monitoredMinutes > 0 ? c.minutes.unknown / monitoredMinutes : 0
                return (
                  <li key={c.code}>
                    <a href={communeHref(c.code)} class="period-row">
                      <span class="period-row__name">{byCode.get(c.code)?.name ?? c.name}</span>
                      <span class="period-row__bar" aria-hidden="true">
                        <span style={{ width: `${Math.max(1, Math.min(100, share * 100)).toFixed(1)}%` }} />
                      </span>
                      <span class="period-row__value">
                        {formatDuration(c.minutes.unknown * 60, t)} <span class="muted">({formatNumber(share * 100, lang, 1)} %)</span>
                      </span>
                    </a>
                  </li>
                )
              })}
            </ol>
          )}
          {rows.length > PERIOD_SHOWN && <p class="muted small card__foot">{t('attention.more', { n: rows.length - PERIOD_SHOWN })}</p>}
        </>
      )}
    </section>
  )
}

function Figure({ label, value, tone }: { label: string; value: string; tone: 'ok' | 'unknown' | 'gap' | 'plain' }) {
  return (
    <div class={`figure figure--${tone}`}>
      <span class="figure__value">{value}</span>
      <span class="figure__label">{label}</span>
    </div>
  )
}

/** Bars of gaps opened and fixed per month, with the number still open at each month's end. */
function TrendCard({ trend }: { trend: MonthTrend[] }) {
  const { t, lang } = useI18n()
  const W = 640
  const H = 220
  const left = 34
  const right = 40
  const bottom = 28
  const top = 12
  // Two scales: monthly bars (opened, fixed) on the left, the open count (line) on the right,
  // so a backlog of hundreds does not flatten months of a few gaps each.
  const maxBar = Math.max(1, ...trend.flatMap((m) => [m.opened, m.fixed]))
  const maxOpen = Math.max(1, ...trend.map((m) => m.openAtEnd))
  const y = (v: number, max: number) => top + (H - top - bottom) * (1 - v / max)
  const slot = (W - left - right) / trend.length
  const bw = Math.min(14, slot / 3)
  const ticks = [0, 0.5, 1]
  const line = trend.map((m, i) => `${i === 0 ? 'M' : 'L'}${(left + slot * i + slot / 2).toFixed(1)},${y(m.openAtEnd, maxOpen).toFixed(1)}`).join('')
  return (
    <section class="card" aria-labelledby="trend-title">
      <div class="card__head">
        <h2 id="trend-title" class="card__title">
          {t('gaps.trend')}
        </h2>
        <ul class="trend-legend">
          <li>
            <span class="swatch swatch--opened" aria-hidden="true" />
            {t('gaps.trend.opened')}
          </li>
          <li>
            <span class="swatch swatch--fixed" aria-hidden="true" />
            {t('gaps.trend.fixed')}
          </li>
          <li>
            <span class="swatch swatch--open" aria-hidden="true" />
            {t('gaps.trend.openAtEnd')}
          </li>
        </ul>
      </div>
      <div class="trend">
        <svg viewBox={`0 0 ${W} ${H}`} class="trend__svg" role="img" aria-label={t('gaps.trend.aria')}>
          {ticks.map((f) => (
            <g key={f}>
              <line x1={left} x2={W - right} y1={y(f, 1)} y2={y(f, 1)} class="trend__grid" />
              <text x={left - 6} y={y(f, 1) + 4} class="trend__tick" text-anchor="end">
                {formatNumber(Math.round(maxBar * f), lang, 0)}
              </text>
              <text x={W - right + 6} y={y(f, 1) + 4} class="trend__tick trend__tick--open" text-anchor="start">
                {formatNumber(Math.round(maxOpen * f), lang, 0)}
              </text>
            </g>
          ))}
          {trend.map((m, i) => {
            const x = left + slot * i + slot / 2
            return (
              <g key={m.month}>
                <rect x={x - bw - 1} y={y(m.opened, maxBar)} width={bw} height={Math.max(0, H - bottom - y(m.opened, maxBar))} class="trend__bar trend__bar--opened" />
                <rect x={x + 1} y={y(m.fixed, maxBar)} width={bw} height={Math.max(0, H - bottom - y(m.fixed, maxBar))} class="trend__bar trend__bar--fixed" />
                <text x={x} y={H - 10} class="trend__tick" text-anchor="middle">
                  {`${m.month.slice(5)}/${m.month.slice(2, 4)}`}
                </text>
              </g>
            )
          })}
          <path d={line} class="trend__line" />
        </svg>
        {/* Hidden by its wrapper: a table is never narrower than its content, so hidden itself it widened the page. */}
        <div class="visually-hidden">
          <table>
            <caption>{t('gaps.trend')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('gaps.trend.month')}</th>
                <th scope="col">{t('gaps.trend.opened')}</th>
                <th scope="col">{t('gaps.trend.fixed')}</th>
                <th scope="col">{t('gaps.trend.openAtEnd')}</th>
              </tr>
            </thead>
            <tbody>
              {trend.map((m) => (
                <tr key={m.month}>
                  <th scope="row">{m.month}</th>
                  <td>{m.opened}</td>
                  <td>{m.fixed}</td>
                  <td>{m.openAtEnd}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
    </section>
  )
}

function CountsCard({ counts, byCode }: { counts: readonly CommuneGapCounts[]; byCode: ReadonlyMap<string, CommuneSummary> }) {
  const { t, lang } = useI18n()
  return (
    <section class="card" aria-labelledby="counts-title">
      <div class="card__head">
        <h2 id="counts-title" class="card__title">
          {t('gaps.perCommune')}
          <span class="count-pill">{counts.length}</span>
        </h2>
      </div>
      {counts.length === 0 ? (
        <p class="card__empty">{t('gaps.none')}</p>
      ) : (
        <div class="hscroll scroll-box">
          <table class="simple">
            <thead>
              <tr>
                <th scope="col">{t('col.name')}</th>
                <th scope="col" class="num">
                  {t('gaps.total')}
                </th>
                {GAP_KINDS.map((k) => (
                  <th key={k} scope="col" class="num">
                    {t(`gapKind.${k}.short` as MessageKey)}
                  </th>
                ))}
                <th scope="col" class="num">
                  {t('gaps.population')}
                </th>
              </tr>
            </thead>
            <tbody>
              {counts.slice(0, 50).map((c) => (
                <tr key={c.communeCode}>
                  <th scope="row">
                    <a href={communeHref(c.communeCode)}>{byCode.get(c.communeCode)?.name ?? c.communeCode}</a>
                  </th>
                  <td class="num">
                    <strong>{formatNumber(c.total, lang, 0)}</strong>
                  </td>
                  {GAP_KINDS.map((k) => (
                    <td key={k} class="num">
                      {c.byKind[k] ? formatNumber(c.byKind[k], lang, 0) : <span class="muted">0</span>}
                    </td>
                  ))}
                  <td class="num">{formatNumber(c.population, lang, 0)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}

const EMPTY_DRAFT = { communeCode: '', hamlet: '', kind: 'no_mobile' as CoverageGapKind, population: '', households: '', since: '', plannedFix: '', fixedAt: '', source: '' }
type Draft = typeof EMPTY_DRAFT

function draftOf(g: CoverageGapView): Draft {
  return {
    communeCode: g.communeCode,
    hamlet: g.hamlet,
    kind: g.kind,
    population: g.population === null ? '' : String(g.population),
    households: g.households === null ? '' : String(g.households),
    // Dates are typed dd/MM/yyyy whatever the browser's locale (a date input follows it).
    since: formatInputDate(g.since ?? ''),
    plannedFix: g.plannedFix ?? '',
    fixedAt: formatInputDate(g.fixedAt ?? ''),
    source: g.source,
  }
}

/** An optional dd/MM/yyyy field as `yyyy-MM-dd`, null when empty; undefined when it cannot be read. */
function optionalDate(text: string): string | null | undefined {
  if (text.trim() === '') return null
  const p = parseInputDate(text)
  return p.ok ? p.value : undefined
}

/** The body of a draft, or null while a date field cannot be read (the field says why). */
function inputOf(d: Draft): CoverageGapInput | null {
  const num = (s: string): number | null => (s.trim() === '' ? null : Number(s))
  const since = optionalDate(d.since)
  const fixedAt = optionalDate(d.fixedAt)
  if (since === undefined || fixedAt === undefined) return null
  return {
    communeCode: d.communeCode.trim(),
    hamlet: d.hamlet.trim(),
    kind: d.kind,
    population: num(d.population),
    households: num(d.households),
    since,
    plannedFix: d.plannedFix.trim() || null,
    fixedAt,
    source: d.source.trim(),
  }
}

/** A stored gap as the body that writes it back unchanged. */
function inputOfGap(g: CoverageGapView): CoverageGapInput {
  return { communeCode: g.communeCode, hamlet: g.hamlet, kind: g.kind, population: g.population, households: g.households, since: g.since, plannedFix: g.plannedFix, fixedAt: g.fixedAt, source: g.source }
}

function todayLocal(nowMs: number): string {
  return new Date(nowMs + 7 * 3600_000).toISOString().slice(0, 10)
}

function RegistryCard({ gaps: list, byCode, admin }: { gaps: readonly CoverageGapView[]; byCode: ReadonlyMap<string, CommuneSummary>; admin: boolean }) {
  const { gaps, live } = useModels()
  const { t, lang } = useI18n()
  const kind = useSignal<'all' | CoverageGapKind>('all')
  const showFixed = useSignal(false)
  const query = useSignal('')
  const editing = useSignal<number | 'new' | null>(null)
  const draft = useSignal<Draft>(EMPTY_DRAFT)
  const submitted = useSignal(false)
  const error = useSignal<ApiError | null>(null)
  const q = query.value.trim().toLowerCase()
  const rows = list
    .filter((g) => (showFixed.value || g.fixedAt === null) && (kind.value === 'all' || g.kind === kind.value))
    .filter((g) => !q || `${g.hamlet} ${g.communeCode} ${byCode.get(g.communeCode)?.name ?? ''}`.toLowerCase().includes(q))
  const shown = rows.slice(0, 300)

  async function save(e: Event): Promise<void> {
    e.preventDefault()
    const input = inputOf(draft.value)
    if (!input) {
      submitted.value = true
      return
    }
    const id = editing.value
    const r = id === 'new' ? await gaps.createGap(input) : await gaps.updateGap(id as number, input)
    if (r.ok) {
      editing.value = null
      error.value = null
    } else error.value = r.error
  }
  const set = (k: keyof Draft) => (e: Event) => {
    draft.value = { ...draft.value, [k]: (e.currentTarget as HTMLInputElement).value }
  }

  const form = (
    <form class="gap-form" onSubmit={save} aria-label={editing.value === 'new' ? t('gaps.add') : t('gaps.edit')}>
      <div class="form-grid">
        <label class="form-field">
          <span>{t('commune.code')}</span>
          <input required list="commune-codes" value={draft.value.communeCode} onInput={set('communeCode')} />
        </label>
        <label class="form-field">
          <span>{t('gaps.hamlet')}</span>
          <input required value={draft.value.hamlet} onInput={set('hamlet')} />
        </label>
        <label class="form-field">
          <span>{t('gaps.kind')}</span>
          <select value={draft.value.kind} onChange={set('kind')}>
            {GAP_KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`gapKind.${k}`)}
              </option>
            ))}
          </select>
        </label>
        <label class="form-field">
          <span>{t('gaps.population')}</span>
          <input type="number" min={0} value={draft.value.population} onInput={set('population')} />
        </label>
        <label class="form-field">
          <span>{t('gaps.households')}</span>
          <input type="number" min={0} value={draft.value.households} onInput={set('households')} />
        </label>
        <DateTimeField id="gap-since" kind="date" optional label={t('gaps.since')} value={draft.value.since} onInput={(v) => (draft.value = { ...draft.value, since: v })} showProblem={submitted.value} />
        <label class="form-field">
          <span>{t('gaps.plannedFix')}</span>
          <input value={draft.value.plannedFix} onInput={set('plannedFix')} />
        </label>
        <DateTimeField id="gap-fixed-at" kind="date" optional label={t('gaps.fixedAt')} value={draft.value.fixedAt} onInput={(v) => (draft.value = { ...draft.value, fixedAt: v })} showProblem={submitted.value} />
        <label class="form-field">
          <span>{t('gaps.source')}</span>
          <input value={draft.value.source} onInput={set('source')} />
        </label>
      </div>
      <datalist id="commune-codes">
        {[...byCode.values()].slice(0, 4000).map((c) => (
          <option key={c.code} value={c.code}>
            {c.name}
          </option>
        ))}
      </datalist>
      <FormError error={error.value} />
      <div class="form-actions">
        <button type="submit" class="btn btn--primary">
          {t('form.save')}
        </button>
        <button type="button" class="btn" onClick={() => (editing.value = null)}>
          {t('form.cancel')}
        </button>
      </div>
    </form>
  )

  return (
    <section class="card" aria-labelledby="registry-title">
      <div class="card__head">
        <h2 id="registry-title" class="card__title">
          {t('gaps.registry')}
          <span class="count-pill">{rows.length}</span>
        </h2>
        <div class="filters">
          <SearchField label={t('gaps.search')} value={query.value} placeholder={t('gaps.search')} onInput={(v) => (query.value = v)} />
          <label class="field">
            <span class="visually-hidden">{t('gaps.kind')}</span>
            <select value={kind.value} onChange={(e) => (kind.value = e.currentTarget.value as CoverageGapKind | 'all')}>
              <option value="all">{t('gaps.allKinds')}</option>
              {GAP_KINDS.map((k) => (
                <option key={k} value={k}>
                  {t(`gapKind.${k}`)}
                </option>
              ))}
            </select>
          </label>
          <label class="checkbox">
            <input type="checkbox" checked={showFixed.value} onChange={(e) => (showFixed.value = e.currentTarget.checked)} /> {t('gaps.showFixed')}
          </label>
          {admin && editing.value === null && (
            <button
              type="button"
              class="btn btn--primary"
              onClick={() => {
                draft.value = EMPTY_DRAFT
                submitted.value = false
                error.value = null
                editing.value = 'new'
              }}
            >
              {t('gaps.add')}
            </button>
          )}
        </div>
      </div>
      {editing.value === 'new' && form}
      {rows.length === 0 ? (
        <p class="card__empty">{t('gaps.none')}</p>
      ) : (
        <div class="hscroll scroll-box scroll-box--tall">
          <table class="simple registry sticky-head">
            <thead>
              <tr>
                <th scope="col">{t('col.name')}</th>
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
                <th scope="col">{t('gaps.fixedAt')}</th>
                {admin && <th scope="col">{t('form.actions')}</th>}
              </tr>
            </thead>
            <tbody>
              {shown.map((g) =>
                editing.value === g.id ? (
                  <tr key={g.id}>
                    <td colSpan={admin ? 9 : 8}>{form}</td>
                  </tr>
                ) : (
                  <tr key={g.id} class={g.fixedAt ? 'row--fixed' : undefined}>
                    <th scope="row">
                      <a href={communeHref(g.communeCode)}>{byCode.get(g.communeCode)?.name ?? g.communeCode}</a>
                    </th>
                    <td>{g.hamlet}</td>
                    <td>
                      <span class={`gap-kind gap-kind--${g.kind}`}>{t(`gapKind.${g.kind}`)}</span>
                    </td>
                    <td class="num">{g.population === null ? t('value.none') : formatNumber(g.population, lang, 0)}</td>
                    <td class="num">{g.households === null ? t('value.none') : formatNumber(g.households, lang, 0)}</td>
                    <td>{g.since ? formatDate(g.since) : t('value.none')}</td>
                    <td class="cell-wrap">{g.plannedFix ?? t('value.none')}</td>
                    <td>{g.fixedAt ? formatDate(g.fixedAt) : t('value.none')}</td>
                    {admin && (
                      <td>
<div class="actions">
                        <button
                          type="button"
                          class="btn btn--small"
                          onClick={() => {
                            draft.value = draftOf(g)
                            submitted.value = false
                            error.value = null
                            editing.value = g.id
                          }}
                          aria-label={`${t('form.edit')} ${g.hamlet}`}
                        >
                          {t('form.edit')}
                        </button>
                        {g.fixedAt === null && (
                          <button
                            type="button"
                            class="btn btn--small"
                            onClick={() => void gaps.updateGap(g.id, { ...inputOfGap(g), fixedAt: todayLocal(live.now.peek()) })}
                            aria-label={`${t('gaps.markFixed')} ${g.hamlet}`}
                          >
                            {t('gaps.markFixed')}
                          </button>
                        )}
                        <button
                          type="button"
                          class="btn btn--small btn--danger-ghost"
                          onClick={() => {
                            if (window.confirm(t('gaps.confirmDelete', { hamlet: g.hamlet }))) void gaps.deleteGap(g.id)
                          }}
                          aria-label={`${t('form.delete')} ${g.hamlet}`}
                        >
                          {t('form.delete')}
                        </button>
                      </div>
</td>
                    )}
                  </tr>
                ),
              )}
            </tbody>
          </table>
          {rows.length > shown.length && <p class="muted small card__foot">{t('gaps.more', { n: formatNumber(rows.length - shown.length, lang, 0) })}</p>}
        </div>
      )}
    </section>
  )
}

function ImportCard() {
  const { gapImport } = useModels()
  const { t } = useI18n()
  return (
    <section class="card" aria-labelledby="gap-import-title">
      <div class="card__head">
        <h2 id="gap-import-title" class="card__title">
          {t('gaps.import')}
        </h2>
      </div>
      <div class="card__body">
        <ImportPanel model={gapImport} idPrefix="gap-import" />
      </div>
    </section>
  )
}
