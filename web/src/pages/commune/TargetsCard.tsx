/**
 * Every target of the commune with its state, the figures it was judged on and each rule's
 * verdict (value vs threshold). A down or silent target's window figures are from before the
 * outage: they are not shown at all (a greyed "5,5 ms" next to "Mất kết nối" still reads as
 * now); the row says since when it has been down and why instead. Errors are explained in words,
 * the raw line one click away.
 * @module
 */
import type { TargetStatus } from '../../../../protocol'
import { useI18n } from '../../context'
import { describeReason, formatDateTime, formatLossPct, formatNumber, formatRttMs, formatShortDateTime, toMs } from '../../format'
import { ProbeError } from '../../components/ProbeError'
import { stateKey } from '../../i18n'
import { StateBadge } from '../../components/StateBadge'
import { formatAddress } from './address'
import { VerdictList } from './VerdictList'

const ROLE_ORDER: Record<TargetStatus['role'], number> = { line: 0, mcu: 1, router: 2, uplink: 3, service: 4 }

/** Whether a target's window figures describe now (not a down or silent target's past). */
export function figuresAreCurrent(tg: Pick<TargetStatus, 'state'>): boolean {
  return tg.state !== 'down' && tg.state !== 'unknown'
}

/** The targets table. */
export function TargetsCard({ targets, nowMs }: { targets: readonly TargetStatus[]; nowMs: number }) {
  const { t, lang } = useI18n()
  const sorted = [...targets].sort((a, b) => ROLE_ORDER[a.role] - ROLE_ORDER[b.role] || a.id.localeCompare(b.id))
  return (
    <section class="card" aria-labelledby="targets-title">
      <div class="card__head">
        <h2 id="targets-title" class="card__title">
          {t('targets.title')}
        </h2>
      </div>
      {sorted.length === 0 ? (
        <p class="card__empty">{t('targets.none')}</p>
      ) : (
        <div class="hscroll" tabIndex={0} role="region" aria-labelledby="targets-title">
          <table class="simple targets">
            <thead>
              <tr>
                <th scope="col">{t('targets.role')}</th>
                <th scope="col">
                  {t('targets.address')} · {t('targets.kind')}
                </th>
                <th scope="col">{t('targets.state')}</th>
                <th scope="col">{t('commune.verdicts')}</th>
                <th scope="col">{t('targets.lastError')}</th>
                <th scope="col">{t('targets.lastResult')}</th>
                <th scope="col" class="num">
                  {t('targets.rtt')}
                </th>
                <th scope="col" class="num">
                  {t('targets.loss')}
                </th>
              </tr>
            </thead>
            <tbody>
              {sorted.map((tg) => {
                const last = toMs(tg.lastResultAt)
                const current = figuresAreCurrent(tg)
                const since = toMs(tg.since)
                return (
                  <tr key={tg.id} class={`row--${tg.state}`} data-target={tg.id}>
                    <th scope="row">
                      <span class="target-role">{t(`role.${tg.role}`)}</span>
                      <span class="muted target-id mono">{tg.name ?? tg.id}</span>
                    </th>
                    {/* Address and check kind share a cell, and the unreachable flag sits under the
                        state: ten columns did not fit 1440 px. */}
                    <td class="mono">
                      {formatAddress(tg.host, tg.port)}
                      <span class="muted target-id">{tg.kind}</span>
                    </td>
                    <td>
                      <StateBadge state={tg.state} compact />
                      {tg.unreachable ? (
                        <span class="flag target-flag" title={t('targets.unreachable')}>
                          {t('targets.unreachable.yes')}
                        </span>
                      ) : tg.awaitingParents ? (
                        <span class="flag target-flag">{t('commune.awaitingParents')}</span>
                      ) : null}
                    </td>
                    <td class="cell-wrap">{current || tg.reason === 'stale' ? <VerdictList verdicts={tg.verdicts} /> : <span class="small">{describeReason(tg.reason, t) ?? t('value.none')}</span>}</td>
                    <td class={tg.lastError ? 'cell-error cell-wrap' : undefined}>{tg.lastError ? <ProbeError raw={tg.lastError} /> : t('value.none')}</td>
                    <td title={last !== null ? formatDateTime(last) : undefined}>{last !== null ? formatShortDateTime(last, nowMs) : t('value.never')}</td>
                    {current ? (
                      <>
                        <td class="num" data-figure="rtt">
                          {tg.window.rttMedianSeconds === null ? t('value.none') : `${formatRttMs(tg.window.rttMedianSeconds, lang)} ms`}
                        </td>
                        <td class="num" data-figure="loss">
                          {tg.window.lossRatio === null ? t('value.none') : `${formatLossPct(tg.window.lossRatio, lang)} %`}
                          {tg.window.packets > 0 && <span class="muted small"> ({t('targets.packets', { n: formatNumber(tg.window.packets, lang, 0) })})</span>}
                        </td>
                      </>
                    ) : (
                      // No figure from before the outage: the state and since when, in words.
                      <td colSpan={2} class="no-figures small cell-wrap" data-figure="none">
                        {since !== null ? t('targets.noFigures', { state: t(stateKey(tg.state)), since: formatShortDateTime(since, nowMs) }) : t(stateKey(tg.state))}
                      </td>
                    )}
                  </tr>
                )
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}
