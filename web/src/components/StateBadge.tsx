import type { State } from '../../../protocol'
import { useI18n } from '../context'
import { stateKey } from '../i18n'
import { StateIcon } from './StateIcon'

/** Icon + state name on a tinted pill. */
export function StateBadge({ state, compact = false }: { state: State; compact?: boolean }) {
  const { t } = useI18n()
  return (
    <span class={`badge badge--${state}${compact ? ' badge--compact' : ''}`}>
      <StateIcon state={state} size={compact ? 14 : 16} />
      <span class="badge__text">{t(stateKey(state))}</span>
    </span>
  )
}
