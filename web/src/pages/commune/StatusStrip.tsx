/**
 * The two things a commune depends on, side by side: its line and its video endpoint, each
 * with state, how long, the figures it was judged on and the verdict that set its state.
 * A down or silent target shows no figures from before its outage (they would read as now): its
 * state, since when, and the probe's error explained in words stand in their place.
 * @module
 */
import type { CommuneSummary, TargetStatus } from '../../../../protocol'
import { useI18n } from '../../context'
import { formatDateTime, formatDuration, formatLossPct, formatNumber, formatRttMs, formatShortDateTime, toMs } from '../../format'
import { ProbeError } from '../../components/ProbeError'
import { StateBadge } from '../../components/StateBadge'
import { figuresAreCurrent } from './TargetsCard'
import { VerdictList } from './VerdictList'

/** Line and MCU cards. */
export function StatusStrip({ commune, line, mcu, nowMs }: { commune: CommuneSummary; line: TargetStatus | null; mcu: TargetStatus | null; nowMs: number }) {
  const { t, lang } = useI18n()
  const mbit = (bps: number | null): string => (bps === null ? t('value.none') : `${formatNumber((bps * 8) / 1e6, lang, 0)} Mbit/s`)
  const one = (role: 'line' | 'mcu', tg: TargetStatus | null) => {
    const since = tg ? toMs(tg.since) : null
    const last = tg ? toMs(tg.lastResultAt) : null
    const current = tg ? figuresAreCurrent(tg) : false
    const rtt = current ? (tg?.window.rttMedianSeconds ?? null) : null
    const mosVerdict = tg?.verdicts.find((v) => v.rule === 'mos')
    const mos = current ? (mosVerdict?.value ?? tg?.measurements.mos_estimate) : undefined
    const tp = role === 'line' ? commune.throughput : null
    return (
      <section class={`status-card status-card--${tg?.state ?? 'none'}`} aria-labelledby={`status-${role}`} data-role={role}>
        <h2 id={`status-${role}`} class="status-card__title">
          {t(`role.${role}`)}
        </h2>
        {tg ? (
          <>
            <div class="status-card__state">
              <StateBadge state={tg.state} />
              {tg.flapping && <span class="flag flag--flapping">{t('incident.flapping')}</span>}
              {tg.unreachable && <span class="flag">{t('commune.unreachable')}</span>}
              {since !== null && (
                <span class="muted small" title={formatDateTime(since)}>
                  {t('status.sinceAt', { time: formatShortDateTime(since, nowMs), duration: formatDuration((nowMs - since) / 1000, t) })}
                </span>
              )}
            </div>
            {current && tg.verdict && <VerdictList verdicts={[tg.verdict]} />}
            <dl class="status-card__facts">
              <div>
                <dt>{role === 'line' ? t('targets.rtt') : t('status.response')}</dt>
                <dd>{rtt === null ? t('value.none') : `${formatRttMs(rtt, lang)} ms`}</dd>
              </div>
              {role === 'line' && (
                <div>
                  <dt>{t('targets.loss')}</dt>
                  <dd>{!current || tg.window.lossRatio === null ? t('value.none') : `${formatLossPct(tg.window.lossRatio, lang)} %`}</dd>
                </div>
              )}
              {tp && (
                <>
                  <div>
                    <dt>{t('col.download')}</dt>
                    <dd class={`fig fig--${tp.downloadState ?? 'ok'}`}>{mbit(tp.downloadBytesPerSecond)}</dd>
                  </div>
                  <div>
                    <dt>{t('col.upload')}</dt>
                    <dd class={`fig fig--${tp.uploadState ?? 'ok'}`}>{mbit(tp.uploadBytesPerSecond)}</dd>
                  </div>
                </>
              )}
              {mos !== undefined && (
                <div>
                  <dt>{t('status.mos')}</dt>
                  <dd>{formatNumber(mos, lang, 2)}</dd>
                </div>
              )}
              <div>
                <dt>{t('targets.lastResult')}</dt>
                <dd title={last !== null ? formatDateTime(last) : undefined}>{last !== null ? formatShortDateTime(last, nowMs) : t('value.never')}</dd>
              </div>
            </dl>
            {tg.lastError && <ProbeError raw={tg.lastError} class="status-card__error" />}
          </>
        ) : (
          <p class="muted status-card__none">{t('status.none')}</p>
        )}
      </section>
    )
  }
  return (
    <div class="status-strip">
      {one('line', line)}
      {one('mcu', mcu)}
    </div>
  )
}
