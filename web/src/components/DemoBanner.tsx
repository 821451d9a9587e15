import { useI18n } from '../context'

/** Shown on every page while the demo province is loaded, so nobody mistakes it for real data. */
export function DemoBanner() {
  const { t } = useI18n()
  return (
    <div class="demo-banner" role="note">
      <svg width="18" height="18" viewBox="0 0 20 20" aria-hidden="true" focusable="false">
        <path d="M7 2h6M8 2v5.5L3.2 16a1.4 1.4 0 0 0 1.2 2h11.2a1.4 1.4 0 0 0 1.2-2L12 7.5V2" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linejoin="round" stroke-linecap="round" />
        <path d="M5.6 12.5h8.8" stroke="currentColor" stroke-width="1.6" />
      </svg>
      <strong>{t('demo.banner')}</strong>
      <span class="demo-banner__detail">{t('demo.detail')}</span>
    </div>
  )
}
