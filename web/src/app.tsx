import { useEffect, useRef } from 'preact/hooks'
import { Header } from './components/Header'
import { Nav, type NavItem } from './components/Nav'
import { useModels, useI18n } from './context'
import { hasRole } from './models/session'
import { AlertsPage } from './pages/alerts/AlertsPage'
import { CommunePage } from './pages/commune/CommunePage'
import { NotFoundPage } from './pages/NotFoundPage'
import { OverviewPage } from './pages/OverviewPage'
import { ReportsPage } from './pages/ReportsPage'
import { SettingsPage } from './pages/SettingsPage'
import { SignalGapsPage } from './pages/SignalGapsPage'
import { SignInPage } from './pages/SignInPage'
import { AccountPage } from './pages/AccountPage'

/** Shell: skip link, sticky header with the navigation, and the page for the current hash route. */
export function App() {
  const { router, overview, commune, alerts, session } = useModels()
  const { t, lang } = useI18n()
  const route = router.route.value
  const main = useRef<HTMLElement>(null)
  const openIncidents = alerts.open.value.data?.filter((i) => i.state === 'open').length ?? 0

  useEffect(() => {
    document.documentElement.lang = lang
  }, [lang])

  // Page title names what is on screen, so several tabs (one per commune) stay tellable apart.
  const province = overview.overview.value?.province.name
  const communeName = route.name === 'commune' ? commune.detail.value?.commune.name : undefined
  const pageName =
    route.name === 'gaps' ? t('nav.gaps') : route.name === 'alerts' ? t('nav.alerts') : route.name === 'reports' ? t('nav.reports') : route.name === 'settings' ? t('nav.settings') : route.name === 'signin' ? t('session.signIn') : route.name === 'account' ? t('account.title') : undefined
  useEffect(() => {
    const parts = [communeName ?? pageName ?? (route.name === 'overview' ? province : undefined), t('app.name')].filter(Boolean)
    document.title = parts.join(' · ')
  }, [communeName, pageName, province, route.name, lang])

  const routeKey = route.name === 'commune' ? `c:${route.code}` : route.name
  useEffect(() => {
    window.scrollTo(0, 0)
  }, [routeKey])

  const nav: NavItem[] = [
    { href: '#/', label: 'nav.overview', current: (r) => r.name === 'overview' || r.name === 'commune' },
    { href: '#/gaps', label: 'nav.gaps', current: (r) => r.name === 'gaps' },
    {
      href: '#/alerts',
      label: 'nav.alerts',
      current: (r) => r.name === 'alerts',
      badge: openIncidents > 0 ? <span class="nav__badge">{openIncidents}</span> : null,
    },
    { href: '#/reports', label: 'nav.reports', current: (r) => r.name === 'reports' },
    { href: '#/settings', label: 'nav.settings', current: (r) => r.name === 'settings', visible: hasRole(session.user.value, 'admin') },
  ]

  return (
    <>
      {/* A button, not href="#main": the hash is the router's. */}
      <button type="button" class="skip-link" onClick={() => main.current?.focus()}>
        {t('app.skip')}
      </button>
      <Header nav={<Nav items={nav} route={route} />} />
      <main id="main" ref={main} tabIndex={-1} class="page">
        {/* Nothing until the server said who is here (no page reads before that); then reading needs a signed-in user
            (unless the server is a public wallboard): the form, whatever the page. */}
        {!session.checked.value ? null : session.needsSignIn.value && route.name !== 'signin' ? (
          <SignInPage />
        ) : route.name === 'overview' ? (
          <OverviewPage />
        ) : route.name === 'commune' ? (
          <CommunePage code={route.code} />
        ) : route.name === 'gaps' ? (
          <SignalGapsPage />
        ) : route.name === 'alerts' ? (
          <AlertsPage />
        ) : route.name === 'reports' ? (
          <ReportsPage />
        ) : route.name === 'settings' ? (
          <SettingsPage tab={route.tab} />
        ) : route.name === 'signin' ? (
          <SignInPage />
        ) : route.name === 'account' ? (
          <AccountPage />
        ) : (
          <NotFoundPage />
        )}
      </main>
    </>
  )
}
