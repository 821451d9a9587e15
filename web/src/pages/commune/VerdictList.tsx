/**
 * A target's verdicts in words: every rule that judged it, the figure against the threshold,
 * worst first. Colour is paired with a sign (▼ below, ▲ above a limit) and the words.
 * @module
 */
import { VERDICT_RANK, describeVerdict, type Verdict } from '../../../../protocol'
import { useI18n } from '../../context'

/** The verdicts of one target; nothing when it has none. */
export function VerdictList({ verdicts, compact = false }: { verdicts: readonly Verdict[]; compact?: boolean }) {
  const { lang } = useI18n()
  if (verdicts.length === 0) return null
  const sorted = [...verdicts].sort((a, b) => VERDICT_RANK[b.state] - VERDICT_RANK[a.state])
  const shown = compact ? sorted.filter((v) => v.state !== 'ok').slice(0, 2) : sorted
  if (shown.length === 0) return null
  return (
    <ul class={`verdicts${compact ? ' verdicts--compact' : ''}`}>
      {shown.map((v) => (
        <li key={`${v.rule}:${v.part ?? ''}`} class={`fig fig--${v.state}`} data-rule={v.rule} data-state={v.state}>
          {(v.state === 'warning' || v.state === 'critical') && <span aria-hidden="true">{v.bad === 'below' ? '▼ ' : '▲ '}</span>}
          {describeVerdict(v, lang)}
        </li>
      ))}
    </ul>
  )
}
