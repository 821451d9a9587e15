/**
 * "Đo ngay": a button that tests the commune's line now (throughput and the packet checks, on
 * the probe that owns each), with the run's progress and its fresh figures. Needs the operator
 * role; others see why the button does nothing for them.
 * @module
 */
import { useEffect } from 'preact/hooks'
import type { TestRunTarget } from '../../../../protocol'
import { useModels, useI18n } from '../../context'
import { formatLossPct, formatNumber, formatRttMs, formatShortDateTime, toMs } from '../../format'
import { hasRole } from '../../models/session'

/** The test-now control of one commune. */
export function TestRunPanel({ code, nowMs }: { code: string; nowMs: number }) {
  const { testRun, session } = useModels()
  const { t, lang } = useI18n()
  useEffect(() => {
    testRun.reset()
    return () => testRun.reset()
  }, [code])
  const run = testRun.run.value
  const mine = run && run.communeCode === code ? run : null
  const allowed = hasRole(session.user.value, 'operator')
  const running = mine?.state === 'running' || testRun.busy.value
  const error = testRun.error.value
  const requested = mine ? toMs(mine.requestedAt) : null

  const figures = (tg: TestRunTarget): string | null => {
    const m = tg.measurements
    if (!m) return tg.error
    if (tg.kind === 'throughput') {
      const mbit = (v: number | undefined) => (v === undefined ? '—' : formatNumber((v * 8) / 1e6, lang, 0))
      return `${t('col.download')} ${mbit(m.download_bytes_per_second)} · ${t('col.upload')} ${mbit(m.upload_bytes_per_second)}`
    }
    const rtt = m.rtt_median_seconds
    const loss = m.loss_ratio
    return `${rtt === undefined ? '' : `RTT ${formatRttMs(rtt, lang)} ms`}${loss === undefined ? '' : ` · ${t('targets.loss')} ${formatLossPct(loss, lang)} %`}`
  }

  return (
    <div class="test-run" aria-live="polite">
      <button
        type="button"
        class="btn btn--primary"
        disabled={!allowed || running}
        title={allowed ? t('testRun.hint') : t('testRun.signIn')}
        onClick={() => void testRun.start(code)}
      >
        {running && requested !== null ? t('testRun.running', { seconds: formatNumber(Math.max(0, Math.round((nowMs - requested) / 1000)), lang, 0) }) : t('testRun.button')}
      </button>
      {!allowed && <p class="muted small">{t('testRun.signIn')}</p>}
      {error && <p class="form-error small">{error.message}</p>}
      {mine && (
        <div class="test-run__result" data-state={mine.state}>
          {mine.state === 'done' && (
            <p class="small">
              {t('testRun.done', { time: formatShortDateTime(Math.max(...mine.targets.map((x) => toMs(x.resultAt) ?? 0)), nowMs) })}
            </p>
          )}
          {mine.state === 'expired' && <p class="small form-error">{t('testRun.expired')}</p>}
          <ul class="test-run__targets">
            {mine.targets.map((tg) => (
              <li key={tg.targetId} data-target={tg.targetId} data-state={tg.state}>
                <span class="mono small">{tg.targetId}</span> <span class="muted small">({t(`testRun.target.${tg.state}`)})</span>
                {tg.state === 'done' && <span class={`small${tg.ok ? '' : ' form-error'}`}> {figures(tg)}</span>}
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  )
}
