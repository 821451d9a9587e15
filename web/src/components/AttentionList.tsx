import { useState } from 'preact/hooks'
import type { CommuneSummary, SilentProbe } from '../../../protocol'
import { useI18n } from '../context'
import { describeCause, formatDateTime, sinceLabel, toMs } from '../format'
import { communeHref } from '../models/router'
import { SilentProbes } from './SilentProbes'
import { StateBadge } from './StateBadge'

/** How many problems the card lists before pointing at the table. */
const MAX_ITEMS = 9

/**
 * "Cần chú ý": the most urgent communes (down, critical, unknown, warning, then flapping),
 * each a link to its page with its cause (the figure against its threshold) and how long it
 * has been in that state. The first {@link MAX_ITEMS} show; the rest unfold in the card (a
 * degraded line is often behind dozens of down ones) or filter the table.
 */
export function AttentionList({
  items,
  nowMs,
  flapping,
  silentProbes = [],
  onShowAll,
}: {
  items: readonly CommuneSummary[]
  nowMs: number
  /** Communes with a flapping line or endpoint. */
  flapping: ReadonlySet<string>
  /** Probes that stopped reporting, named first: one cause behind several silent communes. */
  silentProbes?: readonly SilentProbe[]
  onShowAll: () => void
}) {
  const { t, lang } = useI18n()
  // Whether the card lists every item: a view-only toggle, reset when the page is left.
  const [unfolded, setUnfolded] = useState(false)
  const shown = unfolded ? items : items.slice(0, MAX_ITEMS)
  return (
    <section class="card attention" aria-labelledby="attention-title">
      <div class="card__head">
        <h2 id="attention-title" class="card__title">
          {t('attention.title')}
          <span class="count-pill">{items.length}</span>
        </h2>
        {items.length > 0 && (
          <button type="button" class="btn btn--link" onClick={onShowAll}>
            {t('attention.showAll', { n: items.length })}
          </button>
        )}
      </div>
      <SilentProbes probes={silentProbes} nowMs={nowMs} compact />
      {items.length === 0 ? (
        <p class="attention__none">{t('attention.none')}</p>
      ) : (
        <ul class="attention__list">
          {shown.map((c) => {
            const since = toMs(c.since)
            return (
              <li key={c.code}>
                <a class={`attention__item attention__item--${c.state}`} href={communeHref(c.code)}>
                  <StateBadge state={c.state} compact />
                  <span class="attention__name">
                    {c.name}
                    {flapping.has(c.code) && <span class="flag flag--flapping">{t('incident.flapping')}</span>}
                  </span>
                  <span class="attention__meta">
                    <span class="mono">{c.code}</span>
                    {c.cluster && <span> · {c.cluster}</span>}
                  </span>
                  {c.reason && <span class="attention__cause">{describeCause(c.reason, c.verdict, t, lang)}</span>}
                  <span class="attention__since" title={since !== null ? formatDateTime(since) : undefined}>
                    {since !== null ? sinceLabel(since, nowMs, t) : t('value.none')}
                  </span>
                </a>
              </li>
            )
          })}
        </ul>
      )}
      {items.length > MAX_ITEMS && (
        <p class="attention__more">
          <button type="button" class="btn btn--link" aria-expanded={unfolded} onClick={() => setUnfolded(!unfolded)}>
            {unfolded ? t('attention.fold') : t('attention.unfold', { n: items.length - MAX_ITEMS })}
          </button>
        </p>
      )}
    </section>
  )
}
