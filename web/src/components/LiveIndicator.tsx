import { useModels, useI18n } from '../context'
import { formatTime } from '../format'

/**
 * "Trực tiếp" while deltas flow; "Dữ liệu cũ — đang kết nối lại" with the time of the newest
 * data shown when the socket is down or silent. `role=status` makes screen readers
 * announce the change without stealing focus.
 */
export function LiveIndicator() {
  const { live, overview } = useModels()
  const { t } = useI18n()
  const status = live.status.value
  const dataTime = overview.dataTime.value
  const updated = dataTime === null ? t('live.never') : t('live.updatedAt', { time: formatTime(dataTime) })
  return (
    <div class={`live live--${status}`} role="status" aria-live="polite">
      <span class="live__dot" aria-hidden="true" />
      <span class="live__text">
        <span class="live__label">
          {status === 'live' ? t('live.live') : status === 'connecting' ? t('live.connecting') : t('live.stale')}
        </span>
        {status === 'stale' && <span class="live__time"> ({updated})</span>}
      </span>
    </div>
  )
}
