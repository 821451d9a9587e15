/**
 * Per-target state timeline under the charts, over the same window: one row per target (the
 * commune's own state first), each period in its state's colour, unknown in its own (striped)
 * colour, blank where the target was not monitored yet. Every segment has a title, and a
 * visually hidden list says the same in words.
 * @module
 */
import type { CommuneTimeline, State, TargetStatus } from '../../../../protocol'
import { useI18n } from '../../context'
import { formatDateTime, formatShortDateTime } from '../../format'
import { stateKey } from '../../i18n'
import { timelineSegments } from '../../chart-data'

interface Row {
  id: string
  label: string
  spans: CommuneTimeline['commune']
}

/** The timeline rows of the commune and its targets over `[fromMs, toMs)`. */
export function StateTimeline({ history, targets, fromMs, toMs, nowMs }: { history: CommuneTimeline; targets: readonly TargetStatus[]; fromMs: number; toMs: number; nowMs: number }) {
  const { t } = useI18n()
  const byId = new Map(targets.map((tg) => [tg.id, tg]))
  const rows: Row[] = [
    { id: 'commune', label: t('timeline.commune'), spans: history.commune },
    ...history.targets.map((h) => {
      const tg = byId.get(h.targetId)
      return { id: h.targetId, label: tg ? `${t(`role.${tg.role}`)} · ${tg.name ?? tg.id}` : h.targetId, spans: h.spans }
    }),
  ]
  const when = (ms: number): string => formatShortDateTime(ms, nowMs)
  return (
    <section class="state-timeline" aria-labelledby="timeline-title">
      <h3 id="timeline-title" class="state-timeline__title">
        {t('timeline.title')}
      </h3>
      <ul class="state-timeline__rows">
        {rows.map((row) => {
          const segs = timelineSegments<State>(row.spans, fromMs, toMs)
          return (
            <li key={row.id} class="state-timeline__row" data-timeline={row.id}>
              <span class="state-timeline__label">{row.label}</span>
              <span class="state-timeline__bar" aria-hidden="true">
                {segs.map((s) => (
                  <span
                    key={s.fromMs}
                    class={`state-timeline__seg state-timeline__seg--${s.state}`}
                    style={{ left: `${s.leftPct}%`, width: `${s.widthPct}%` }}
                    title={`${t(stateKey(s.state))}: ${formatDateTime(s.fromMs)} – ${formatDateTime(s.toMs)}`}
                    data-state={s.state}
                    data-from={new Date(s.fromMs).toISOString()}
                    data-to={new Date(s.toMs).toISOString()}
                  />
                ))}
              </span>
              <span class="visually-hidden">
                {segs.length === 0
                  ? t('timeline.none')
                  : segs.map((s) => `${t(stateKey(s.state))} ${when(s.fromMs)}–${when(s.toMs)}`).join('; ')}
              </span>
            </li>
          )
        })}
      </ul>
      <p class="muted small state-timeline__legend">
        {(['ok', 'warning', 'critical', 'down', 'unknown'] as const).map((s) => (
          <span key={s} class="state-timeline__key">
            <span class={`state-timeline__swatch state-timeline__seg--${s}`} aria-hidden="true" /> {t(stateKey(s))}
          </span>
        ))}
        <span class="state-timeline__key">
          <span class="state-timeline__swatch state-timeline__swatch--none" aria-hidden="true" /> {t('timeline.notMonitored')}
        </span>
      </p>
    </section>
  )
}
