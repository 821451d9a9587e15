import type { ComponentChildren } from 'preact'
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
 * Main navigation: page links with `aria-current="page"` on the current one. On a phone it
 * becomes a horizontally scrolling strip under the brand.
 */
export function Nav({ items, route }: { items: readonly NavItem[]; route: Route }) {
  const { t } = useI18n()
  return (
    <nav class="nav" aria-label={t('nav.label')}>
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
