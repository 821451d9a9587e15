import type { ComponentChildren } from 'preact'
import { useEffect, useRef } from 'preact/hooks'
import { useI18n } from '../context'
import type { MessageKey } from '../i18n'
import type { Route } from '../models/router'

/** One entry of the main navigation (the list lives in app.tsx). */
export interface NavItem {
  href: string
  label: MessageKey
  /** True when this entry is the current page (gets `aria-current`). */
  current: (route: Route) => boolean
  /** Shown only when true (e.g. settings for admins). */
  visible?: boolean
  /** Small count after the label, e.g. open incidents. */
  badge?: ComponentChildren
}

/**
 * Main navigation: page links with `aria-current="page"` on the current one. On a tablet it
 * becomes a horizontally scrolling strip under the brand; on a phone it wraps, so every link
 * and the Alerts count stay in view.
 */
export function Nav({ items, route }: { items: readonly NavItem[]; route: Route }) {
  const { t } = useI18n()
  const ref = useRef<HTMLElement>(null)
  const currentHref = items.find((i) => i.visible !== false && i.current(route))?.href
  // On a tablet the strip scrolls sideways: keep the current page's link in view.
  useEffect(() => {
    const nav = ref.current
    const link = nav?.querySelector<HTMLElement>('[aria-current="page"]')
    if (!nav || !link || nav.scrollWidth <= nav.clientWidth) return
    const left = link.offsetLeft - nav.offsetLeft
    if (left < nav.scrollLeft || left + link.offsetWidth > nav.scrollLeft + nav.clientWidth) nav.scrollLeft = Math.max(0, left - 12)
  }, [currentHref])
  return (
    <nav class="nav" aria-label={t('nav.label')} ref={ref}>
      <ul class="nav__list">
        {items
          .filter((i) => i.visible !== false)
          .map((i) => {
            const current = i.current(route)
            return (
              <li key={i.href}>
                <a class={`nav__link${current ? ' nav__link--current' : ''}`} href={i.href} aria-current={current ? 'page' : undefined}>
                  {t(i.label)}
                  {i.badge}
                </a>
              </li>
            )
          })}
      </ul>
    </nav>
  )
}
