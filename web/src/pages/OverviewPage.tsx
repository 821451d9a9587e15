import { useEffect } from 'preact/hooks'
import { useModels, useI18n } from '../context'
import { formatNumber, formatTime } from '../format'
import { AttentionList } from '../components/AttentionList'
import { CommuneMap } from '../components/CommuneMap'
import { CommuneTable } from '../components/CommuneTable'
import { LoadError } from '../components/LoadError'
import { StateTiles } from '../components/StateTiles'

function scrollToTable(): void {
  document.getElementById('table-title')?.scrollIntoView({ block: 'start', behavior: 'smooth' })
}

/** Performance mark set once the overview has first rendered with data (read by bench/dashboard.ts). */
export const OVERVIEW_RENDERED_MARK = 'xanh:overview-rendered'

/** Province overview: counts by state, what needs attention, the map, and every commune. */
export function OverviewPage() {
  const { overview, table, live, alerts, map, history } = useModels()
  const { t, lang } = useI18n()
  const data = overview.overview.value
  const error = overview.error.value
  const counts = overview.counts.value

  // The history columns and silent probes follow (once a minute) only while the overview is shown.
  useEffect(() => history.follow(), [])

  useEffect(() => {
    if (!data) return
    // After the frame that shows the data has been painted.
    requestAnimationFrame(() => {
      if (performance.getEntriesByName(OVERVIEW_RENDERED_MARK).length === 0) performance.mark(OVERVIEW_RENDERED_MARK)
    })
  }, [data !== null])

  if (!data) {
    if (error) return <LoadError error={error} onRetry={() => void overview.load()} />
    return (
      <p class="loading" role="status">
        {t('load.loading')}
      </p>
    )
  }

  const dataTime = overview.dataTime.value
  return (
    <>
      <div class="page-head">
        <h1 class="page-title">
          {data.province.name}
          <span class="page-title__sub">{t('overview.title')}</span>
        </h1>
        <p class="page-head__meta muted">
          {t('overview.total', { n: formatNumber(data.communes.length, lang, 0) })}
          {dataTime !== null && <> · {t('overview.generatedAt', { time: formatTime(dataTime) })}</>}
        </p>
      </div>
      {counts && <StateTiles counts={counts} active={table.stateFilter.value} onSelect={(s) => table.setStateFilter(s)} />}
      <div class="overview-grid">
        <section class="card map-card" aria-labelledby="map-title">
          <div class="card__head">
            <h2 id="map-title" class="card__title">
              {t('map.title')}
            </h2>
            <span class="muted small map-card__hint">{t('map.hint')}</span>
          </div>
          <CommuneMap communes={data.communes} boundary={map.boundary.value.data ?? null} label={t('map.title')} />
        </section>
        <AttentionList
          items={overview.attention.value}
          nowMs={live.now.value}
          flapping={alerts.flappingCommunes.value}
          silentProbes={history.silentProbes.value}
          onShowAll={() => {
            table.setStateFilter('attention')
            scrollToTable()
          }}
        />
      </div>
      <CommuneTable />
    </>
  )
}
