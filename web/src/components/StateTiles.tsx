import { STATES, type State, type StateCounts } from '../../../protocol'
import { useI18n } from '../context'
import { formatNumber } from '../format'
import { stateKey } from '../i18n'
import type { StateFilter } from '../models/communes'
import { StateIcon } from './StateIcon'

/**
 * One big tile per state with icon, count, name and share. A tile is a toggle button that
 * filters the table to that state, which is usually the next thing staff want.
 */
export function StateTiles({
  counts,
  active,
  onSelect,
}: {
  counts: StateCounts
  active: StateFilter
  onSelect: (state: State | 'all') => void
}) {
  const { t, lang } = useI18n()
  const total = STATES.reduce((sum, s) => sum + counts[s], 0)
  return (
    <section class="tiles" aria-label={t('overview.counts')}>
      {STATES.map((s) => {
        const n = counts[s]
        const pct = total > 0 ? formatNumber((n / total) * 100, lang, n > 0 && n / total < 0.01 ? 1 : 0) + ' %' : '—'
        const pressed = active === s
        return (
          <button
            type="button"
            key={s}
            class={`tile tile--${s}${n === 0 ? ' tile--zero' : ''}`}
            aria-pressed={pressed}
            onClick={() => onSelect(pressed ? 'all' : s)}
          >
            <span class="tile__head">
              <StateIcon state={s} size={22} />
              <span class="tile__label">{t(stateKey(s))}</span>
            </span>
            <span class="tile__count">{formatNumber(n, lang, 0)}</span>
            <span class="tile__share">{t('overview.share', { pct })}</span>
          </button>
        )
      })}
    </section>
  )
}
