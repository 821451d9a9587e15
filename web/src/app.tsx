import { useEffect, useRef } from 'preact/hooks'
import { Header } from './components/Header'
import { useModels, useI18n } from './context'
import { CommunePage } from './pages/CommunePage'
import { NotFoundPage } from './pages/NotFoundPage'
import { OverviewPage } from './pages/OverviewPage'

/** Shell: skip link, sticky header, and the page for the current hash route. */
export function App() {
  const { router, overview, commune } = useModels()
  const { t, lang } = useI18n()
  const route = router.route.value
  const main = useRef<HTMLElement>(null)

  useEffect(() => {
    document.documentElement.lang = lang
  }, [lang])

  // Page title names what is on screen, so several tabs (one per commune) stay tellable apart.
  const province = overview.overview.value?.province.name
  const communeName = route.name === 'commune' ? commune.detail.value?.commune.name : undefined
  useEffect(() => {
    const parts = [communeName ?? (route.name === 'overview' ? province : undefined), t('app.name')].filter(Boolean)
    document.title = parts.join(' · ')
  }, [communeName, province, route.name, lang])

  const routeKey = route.name === 'commune' ? `c:${route.code}` : route.name
  useEffect(() => {
    window.scrollTo(0, 0)
  }, [routeKey])

  return (
    <>
      {/* A button, not href="#main": the hash is the router's. */}
      <button type="button" class="skip-link" onClick={() => main.current?.focus()}>
        {t('app.skip')}
      </button>
      <Header />
      <main id="main" ref={main} tabIndex={-1} class="page">
        {route.name === 'overview' ? <OverviewPage /> : route.name === 'commune' ? <CommunePage code={route.code} /> : <NotFoundPage />}
      </main>
    </>
  )
}
