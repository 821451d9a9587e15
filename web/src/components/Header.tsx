import type { ComponentChildren } from 'preact'
import { useModels, useI18n } from '../context'
import { DemoBanner } from './DemoBanner'
import { LiveIndicator } from './LiveIndicator'
import { UserMenu } from './UserMenu'

/**
 * Sticky top bar: brand, province, main navigation, live indicator, language toggle, user
 * menu, and the demo banner beneath it whenever the server says the data is simulated.
 */
export function Header({ nav }: { nav: ComponentChildren }) {
  const { overview, commune, prefs } = useModels()
  const { t } = useI18n()
  const ov = overview.overview.value
  const demo = ov?.demo ?? commune.detail.value?.demo ?? false
  return (
    <header class="topbar">
      <div class="topbar__row">
        <a class="brand" href="#/" aria-label={`${t('app.name')} — ${t('overview.title')}`}>
          <svg class="brand__mark" width="28" height="28" viewBox="0 0 28 28" aria-hidden="true" focusable="false">
            <rect width="28" height="28" rx="7" fill="#1f9d57" />
            <path d="M6 17.5c3-6 6.5-6 8 0s5 6 8 0" fill="none" stroke="#fff" stroke-width="2.4" stroke-linecap="round" />
            <circle cx="14" cy="9" r="2.2" fill="#fff" />
          </svg>
          <span class="brand__name">{t('app.name')}</span>
        </a>
        <div class="topbar__province">
          {ov ? <span class="topbar__province-name">{ov.province.name}</span> : null}
          <span class="topbar__tagline">{t('app.tagline')}</span>
        </div>
        {nav}
        <div class="topbar__tools">
          <LiveIndicator />
          <button type="button" class="btn btn--ghost lang-toggle" onClick={() => prefs.toggleLang()} title={t('lang.toggle.label')}>
            <svg width="16" height="16" viewBox="0 0 20 20" aria-hidden="true" focusable="false">
              <circle cx="10" cy="10" r="8" fill="none" stroke="currentColor" stroke-width="1.6" />
              <path d="M2 10h16M10 2c2.5 2.6 2.5 13.4 0 16M10 2c-2.5 2.6-2.5 13.4 0 16" fill="none" stroke="currentColor" stroke-width="1.4" />
            </svg>
            <span lang={prefs.lang.value === 'vi' ? 'en' : 'vi'}>{t('lang.toggle')}</span>
          </button>
          <UserMenu />
        </div>
      </div>
      {demo && <DemoBanner />}
    </header>
  )
}
