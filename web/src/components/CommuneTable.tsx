import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks'
import { STATES, type CommuneSummary } from '../../../protocol'
import { useModels, useI18n } from '../context'
import { formatAvailability, formatLossPct, formatRttMs, formatShortDateTime, formatDateTime, formatNumber, sinceLabel, toMs } from '../format'
import { stateKey, type MessageKey, type Translate, type Lang } from '../i18n'
import { isStateFilter, type SortKey } from '../models/communes'
import { withLiveState, type CommuneHistoryRow, type StripSpan } from '../models/history'
import { communeHref } from '../models/router'
import { HistoryStrip } from './HistoryStrip'
import { StateBadge } from './StateBadge'
import { ROW_HEIGHT, visibleWindow } from '../virtual-window'

interface Column {
  /** Sort key, or the name of a column that does not sort (the history columns come apart from the rows). */
  key: SortKey | 'history' | 'availability'
  label: MessageKey
  width: number
  numeric?: boolean
}

/**
 * The columns, sized to fit a 1366 px screen without scrolling sideways (issue 13: the last
 * column was cut off at 1440 px): code and cluster sit under the name, the contracted rate is in
 * the throughput cells' share and title. Their sum is the table's minimum width.
 */
const COLUMNS: readonly Column[] = [
  { key: 'state', label: 'col.state', width: 116 },
  { key: 'name', label: 'col.name', width: 190 },
  { key: 'history', label: 'col.history', width: 104 },
  { key: 'availability', label: 'col.availability', width: 112, numeric: true },
  { key: 'since', label: 'col.since', width: 140 },
  { key: 'rtt', label: 'col.rtt', width: 72, numeric: true },
  { key: 'loss', label: 'col.loss', width: 80, numeric: true },
  { key: 'download', label: 'col.download', width: 100, numeric: true },
  { key: 'upload', label: 'col.upload', width: 96, numeric: true },
  { key: 'utilization', label: 'col.utilization', width: 72, numeric: true },
  { key: 'mos', label: 'col.mos', width: 56, numeric: true },
  { key: 'gaps', label: 'col.gaps', width: 60, numeric: true },
  { key: 'lastSeen', label: 'col.lastSeen', width: 86 },
]

/** Minimum width of the table (px): below it, it scrolls inside its card. */
export const TABLE_MIN_WIDTH = COLUMNS.reduce((n, c) => n + c.width, 0)

/** Search, state filter and the sortable, virtualised table of every commune. */
export function CommuneTable() {
  const { table, live, overview, history } = useModels()
  const { t, lang } = useI18n()
  const rows = table.rows.value
  const total = overview.communes.value.length
  const nowMs = live.now.value
  const sortKey = table.sortKey.value
  const sortDir = table.sortDir.value
  const filter = table.stateFilter.value
  const query = table.query.value
  const histories = history.byCode.value
  const span = history.span.value

  const scrollRef = useRef<HTMLDivElement>(null)
  const [scrollTop, setScrollTop] = useState(0)
  const [viewport, setViewport] = useState(640)
  const frame = useRef<number | null>(null)

  useLayoutEffect(() => {
    const el = scrollRef.current
    if (!el) return
    setViewport(el.clientHeight)
    const ro = new ResizeObserver(() => setViewport(el.clientHeight))
    ro.observe(el)
    return () => ro.disconnect()
  }, [])

  // A new filter or order starts at the top; staying scrolled deep into a shorter list
  // would show an empty box.
  useEffect(() => {
    const el = scrollRef.current
    if (el) el.scrollTop = 0
    setScrollTop(0)
  }, [query, filter, sortKey, sortDir])

  function onScroll(): void {
    // One state update per frame however fast the wheel or touch delivers events.
    if (frame.current !== null) return
    frame.current = requestAnimationFrame(() => {
      frame.current = null
      const el = scrollRef.current
      if (el) setScrollTop(el.scrollTop)
    })
  }

  function onKeyDown(e: KeyboardEvent): void {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return
    const row = (e.target as HTMLElement | null)?.closest('tr[data-index]')
    if (!row) return
    const index = Number(row.getAttribute('data-index')) + (e.key === 'ArrowDown' ? 1 : -1)
    const next = scrollRef.current?.querySelector<HTMLAnchorElement>(`tr[data-index="${index}"] a`)
    if (next) {
      e.preventDefault()
      next.focus()
    }
  }

  const { first, last } = visibleWindow(scrollTop, viewport, rows.length)
  const visible = rows.slice(first, last)

  return (
    <section class="card table-card" aria-labelledby="table-title">
      <div class="card__head table-card__head">
        <h2 id="table-title" class="card__title">
          {t('table.title')}
        </h2>
        <div class="filters">
          <label class="field field--search">
            <span class="visually-hidden">{t('table.search')}</span>
            <svg class="field__icon" width="16" height="16" viewBox="0 0 20 20" aria-hidden="true" focusable="false">
              <circle cx="8.5" cy="8.5" r="5.8" fill="none" stroke="currentColor" stroke-width="1.8" />
              <path d="M13 13l4.5 4.5" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" />
            </svg>
            <input
              type="search"
              value={query}
              placeholder={t('table.search.placeholder')}
              onInput={(e) => table.setQuery(e.currentTarget.value)}
              autocomplete="off"
              spellcheck={false}
            />
          </label>
          <label class="field">
            <span class="visually-hidden">{t('table.filter.state')}</span>
            <select value={filter} onChange={(e) => {
                const v = e.currentTarget.value
                if (isStateFilter(v)) table.setStateFilter(v)
              }}>
              <option value="all">{t('table.filter.all')}</option>
              <option value="attention">{t('table.filter.attention')}</option>
              {STATES.map((s) => (
                <option key={s} value={s}>
                  {t(stateKey(s))}
                </option>
              ))}
            </select>
          </label>
          <span class="filters__count muted" aria-live="polite">
            {t('table.count', { shown: formatNumber(rows.length, lang, 0), total: formatNumber(total, lang, 0) })}
          </span>
        </div>
      </div>
      <div class="vtable" ref={scrollRef} onScroll={onScroll} onKeyDown={onKeyDown}>
        <table class="grid" aria-rowcount={rows.length + 1} style={{ minWidth: `${TABLE_MIN_WIDTH}px` }}>
          <colgroup>
            {COLUMNS.map((c) => (
              <col key={c.key} style={{ width: `${c.width}px` }} />
            ))}
          </colgroup>
          <thead>
            <tr aria-rowindex={1}>
              {COLUMNS.map((c) => {
                if (c.key === 'history' || c.key === 'availability') {
                  return (
                    <th key={c.key} scope="col" class={`th-plain${c.numeric ? ' num' : ''}`}>
                      {t(c.label)}
                    </th>
                  )
                }
                const key = c.key
                const active = key === sortKey
                return (
                  <th
                    key={c.key}
                    scope="col"
                    class={c.numeric ? 'num' : undefined}
                    aria-sort={active ? (sortDir === 'asc' ? 'ascending' : 'descending') : 'none'}
                  >
                    <button type="button" class={`sort${active ? ' sort--active' : ''}`} onClick={() => table.toggleSort(key)} title={t('table.sort.hint')}>
                      <span>{t(c.label)}</span>
                      <SortArrow active={active} dir={sortDir} />
                    </button>
                  </th>
                )
              })}
            </tr>
          </thead>
          <tbody>
            {first > 0 && (
              <tr class="spacer" aria-hidden="true">
                <td colSpan={COLUMNS.length} style={{ height: `${first * ROW_HEIGHT}px` }} />
              </tr>
            )}
            {visible.map((c, i) => (
              <Row key={c.code} commune={c} index={first + i} nowMs={nowMs} t={t} lang={lang} history={histories.get(c.code)} span={span} />
            ))}
            {last < rows.length && (
              <tr class="spacer" aria-hidden="true">
                <td colSpan={COLUMNS.length} style={{ height: `${(rows.length - last) * ROW_HEIGHT}px` }} />
              </tr>
            )}
          </tbody>
        </table>
        {rows.length === 0 && total > 0 && (
          <div class="table-empty">
            <p>{t('table.empty')}</p>
            <button type="button" class="btn" onClick={() => table.clearFilters()}>
              {t('table.clear')}
            </button>
          </div>
        )}
      </div>
    </section>
  )
}

function SortArrow({ active, dir }: { active: boolean; dir: 'asc' | 'desc' }) {
  return (
    <svg class="sort__arrow" width="10" height="12" viewBox="0 0 10 12" aria-hidden="true" focusable="false">
      <path d="M5 1L9 5H1z" fill={active && dir === 'asc' ? 'currentColor' : '#b8c2cc'} />
      <path d="M5 11L1 7h8z" fill={active && dir === 'desc' ? 'currentColor' : '#b8c2cc'} />
    </svg>
  )
}

function Row({
  commune: c,
  index,
  nowMs,
  t,
  lang,
  history,
  span,
}: {
  commune: CommuneSummary
  index: number
  nowMs: number
  t: Translate
  lang: Lang
  history: CommuneHistoryRow | undefined
  span: StripSpan | null
}) {
  const since = toMs(c.since)
  const seen = toMs(c.lastSeenAt)
  const href = communeHref(c.code)
  return (
    <tr
      class={`row row--${c.state}`}
      data-index={index}
      aria-rowindex={index + 2}
      onClick={(e) => {
        // The name cell is the real link (keyboard, middle-click); the rest of the row is a
        // convenience target for the mouse.
        if (!(e.target as HTMLElement).closest('a')) window.location.hash = href
      }}
    >
      <td>
        <StateBadge state={c.state} compact />
      </td>
      <td class="cell-name" title={c.cluster ? `${c.name} · ${c.code} · ${c.cluster}` : `${c.name} · ${c.code}`}>
        <a href={href}>{c.name}</a>
        <span class="cell-name__sub">
          <span class="mono">{c.code}</span>
          {c.cluster && ` · ${c.cluster}`}
        </span>
      </td>
      <td class="cell-history">{history && span ? <HistoryStrip strip={withLiveState(history.strip, c.state)} span={span} /> : <span class="muted">—</span>}</td>
      <td class="num cell-availability" title={history ? t('availability.title', { day: formatAvailability(history.availability24h, lang), month: formatAvailability(history.availability30d, lang) }) : undefined}>
        {history ? (
          <>
            {formatAvailability(history.availability24h, lang)}
            <span class="cell-availability__long">{formatAvailability(history.availability30d, lang)}</span>
          </>
        ) : (
          <span class="muted">—</span>
        )}
      </td>
      <td class="cell-since" title={since !== null ? formatDateTime(since) : undefined}>
        {since !== null ? sinceLabel(since, nowMs, t) : t('value.none')}
      </td>
      <td class="num">{formatRttMs(c.rttSeconds, lang)}</td>
      <td class="num">{formatLossPct(c.lossRatio, lang)}</td>
      <td class="num">
        <Throughput c={c} dir="download" t={t} lang={lang} nowMs={nowMs} />
      </td>
      <td class="num">
        <Throughput c={c} dir="upload" t={t} lang={lang} nowMs={nowMs} />
      </td>
      <td class="num">{c.utilizationRatio === null ? <span class="muted">—</span> : `${formatNumber(c.utilizationRatio * 100, lang, 0)} %`}</td>
      <td class="num">{c.mos === null ? <span class="muted">—</span> : formatNumber(c.mos, lang, 2)}</td>
      <td class="num">{c.openGaps > 0 ? <span class="gap-count">{formatNumber(c.openGaps, lang, 0)}</span> : <span class="muted">0</span>}</td>
      <td title={seen !== null ? formatDateTime(seen) : undefined}>{seen !== null ? formatShortDateTime(seen, nowMs) : t('value.never')}</td>
    </tr>
  )
}

/**
 * One direction of the line's throughput: the median of the latest tests in Mbit/s, and its
 * share of the contract. Below the limit it is marked with a sign as well as a colour; a stale
 * figure says so (and when it was measured, on hover).
 */
function Throughput({ c, dir, t, lang, nowMs }: { c: CommuneSummary; dir: 'download' | 'upload'; t: Translate; lang: Lang; nowMs: number }) {
  const tp = c.throughput
  const bps = dir === 'download' ? tp?.downloadBytesPerSecond : tp?.uploadBytesPerSecond
  const state = dir === 'download' ? tp?.downloadState : tp?.uploadState
  if (!tp || bps === null || bps === undefined || !state) return <span class="muted">—</span>
  const mbit = (bps * 8) / 1e6
  const share = bps / tp.contractedBytesPerSecond
  const tested = toMs(tp.testedAt)
  const title =
    state === 'stale' && tested !== null
      ? t('throughput.staleTitle', { time: formatShortDateTime(tested, nowMs) })
      : t('throughput.vsContract', { value: formatNumber(mbit, lang, 0), contract: formatNumber((tp.contractedBytesPerSecond * 8) / 1e6, lang, 0), pct: `${formatNumber(share * 100, lang, 0)} %` })
  return (
    <span class={`fig fig--${state}`} title={title} data-state={state}>
      {(state === 'warning' || state === 'critical') && <span aria-hidden="true">▼ </span>}
      {formatNumber(mbit, lang, mbit < 10 ? 1 : 0)}
      <span class="fig__share"> · {formatNumber(share * 100, lang, 0)} %</span>
      {state === 'stale' && <span class="fig__stale"> ({t('throughput.stale')})</span>}
    </span>
  )
}
