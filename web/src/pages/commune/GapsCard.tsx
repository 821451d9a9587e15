/**
 * Coverage gaps of the commune's hamlets (no mobile signal, power or Internet).
 * @module
 */
import type { CoverageGapView } from '../../../../protocol'
import { useI18n } from '../../context'
import { formatDate, formatNumber } from '../../format'

/** Open coverage gaps of the commune. */
export function GapsCard({ gaps }: { gaps: readonly CoverageGapView[] }) {
  const { t, lang } = useI18n()
  const open = gaps.filter((g) => g.fixedAt === null)
  return (
    <section class="card" aria-labelledby="gaps-title">
      <div class="card__head">
        <h2 id="gaps-title" class="card__title">
          {t('gaps.title')}
          <span class="count-pill">{open.length}</span>
        </h2>
      </div>
      {open.length === 0 ? (
        <p class="card__empty">{t('gaps.none')}</p>
      ) : (
        <div class="hscroll" tabIndex={0} role="region" aria-labelledby="gaps-title">
          <table class="simple">
            <thead>
              <tr>
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
              </tr>
            </thead>
            <tbody>
              {open.map((g) => (
                <tr key={g.id}>
                  <th scope="row">{g.hamlet}</th>
                  <td>
                    <span class={`gap-kind gap-kind--${g.kind}`}>{t(`gapKind.${g.kind}`)}</span>
                  </td>
                  <td class="num">{g.population === null ? t('value.none') : formatNumber(g.population, lang, 0)}</td>
                  <td class="num">{g.households === null ? t('value.none') : formatNumber(g.households, lang, 0)}</td>
                  <td>{g.since ? formatDate(g.since) : t('value.none')}</td>
                  <td>{g.plannedFix ?? t('value.none')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}
