import { useModels, useI18n } from '../context'
import { formatNumber, formatTime } from '../format'
import { AttentionList } from '../components/AttentionList'
import { CommuneTable } from '../components/CommuneTable'
import { LoadError } from '../components/LoadError'
import { StateTiles } from '../components/StateTiles'

function scrollToTable(): void {
  document.getElementById('table-title')?.scrollIntoView({ block: 'start', behavior: 'smooth' })
}

/** Province overview: counts by state, what needs attention, and every commune. */
export function OverviewPage() {
  const { overview, table, live } = useModels()
  const { t, lang } = useI18n()
  const data = overview.overview.value
  const error = overview.error.value
  const counts = overview.counts.value

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
      <AttentionList
        items={overview.attention.value}
        nowMs={live.now.value}
        onShowAll={() => {
          table.setStateFilter('attention')
          scrollToTable()
        }}
      />
      <CommuneTable />
    </>
  )
}
