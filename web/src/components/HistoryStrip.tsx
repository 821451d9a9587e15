import { stripRuns, type State } from '../../../protocol'
import { useI18n } from '../context'
import { formatHourMinute } from '../format'
import { stateKey } from '../i18n'
import type { StripSpan } from '../models/history'

/**
 * A commune's last 24 hours as a bar of 15-minute cells, one colour per state (unknown in its own
 * grey, hatched; time before monitoring began is not drawn at all). Each run of equal cells is one
 * rectangle carrying its state and place, so a reader (and a test) can tell where an outage sits.
 */
export function HistoryStrip({ strip, span }: { strip: string; span: StripSpan }) {
  const { t } = useI18n()
  const runs = stripRuns(strip)
  const n = strip.length
  const at = (i: number): string => formatHourMinute(span.fromMs + i * span.bucketMs)
  const notable = runs.filter((r) => r.state !== null && r.state !== 'ok')
  const drawn = runs.some((r) => r.state !== null)
  const title = !drawn
    ? t('history.notMonitored')
    : notable.length === 0
      ? t('history.allOk')
      : notable.map((r) => t('history.run', { state: t(stateKey(r.state as State)), from: at(r.start), to: at(r.start + r.length) })).join('\n')
  return (
    <svg class="hstrip" viewBox={`0 0 ${n} 10`} preserveAspectRatio="none" role="img" aria-label={`${t('history.strip')}. ${title.replace(/\n/g, '; ')}`}>
      <title>{title}</title>
      {runs.map((r) =>
        r.state === null ? null : (
          <rect key={r.start} class={`hstrip__run hstrip__run--${r.state}`} x={r.start} y={0} width={r.length} height={10} data-state={r.state} data-start={r.start} data-length={r.length} />
        ),
      )}
    </svg>
  )
}
