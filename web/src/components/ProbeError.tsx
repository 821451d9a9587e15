/**
 * A probe error as an operator reads it: the explanation in the UI language, and the raw line
 * (what support quotes, what a search finds) one click away behind a disclosure.
 * @module
 */
import { useI18n } from '../context'
import { explainProbeError, readProbeError } from '../probe-error'

/** The explained error with its raw text behind "Lỗi gốc". */
export function ProbeError({ raw, class: extra }: { raw: string; class?: string }) {
  const { t } = useI18n()
  return (
    <div class={`probe-error${extra ? ` ${extra}` : ''}`} data-kind={readProbeError(raw).kind}>
      <span class="probe-error__text">{explainProbeError(raw, t)}</span>
      <details class="probe-error__raw">
        <summary>{t('probeError.raw')}</summary>
        <code class="mono">{raw}</code>
      </details>
    </div>
  )
}
