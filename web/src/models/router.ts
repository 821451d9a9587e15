/**
 * Hash routing (`#/`, `#/commune/:code`, `#/gaps`, `#/alerts`, `#/reports`, `#/settings/:tab`, `#/signin`, `#/account`): the server serves one static index.html and
 * needs no SPA fallback for deep links.
 * @module
 */
import { createModel, effect, signal, type ReadonlySignal } from '@preact/signals'

/** Tabs of the settings page. */
export const SETTINGS_TABS = ['communes', 'targets', 'probes', 'groups', 'users', 'audit', 'import', 'map'] as const
export type SettingsTab = (typeof SETTINGS_TABS)[number]

/** A parsed route. */
export type Route =
  | { name: 'overview' }
  | { name: 'commune'; code: string }
  | { name: 'gaps' }
  | { name: 'alerts' }
  | { name: 'reports' }
  | { name: 'settings'; tab: SettingsTab }
  | { name: 'signin' }
  | { name: 'account' }
  | { name: 'notFound'; path: string }

function isSettingsTab(s: string): s is SettingsTab {
  return (SETTINGS_TABS as readonly string[]).includes(s)
}

/**
 * Parses a location hash. Empty, `#` and `#/` are the overview; the commune code is
 * URI-decoded; anything else is `notFound`.
 */
export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '') || '/'
  if (path === '/' || path === '') return { name: 'overview' }
  const simple = /^\/(gaps|alerts|reports|signin|account)\/?$/.exec(path)
  if (simple?.[1] === 'gaps' || simple?.[1] === 'alerts' || simple?.[1] === 'reports' || simple?.[1] === 'signin' || simple?.[1] === 'account') return { name: simple[1] }
  const settings = /^\/settings(?:\/([a-z]+))?\/?$/.exec(path)
  if (settings) {
    const tab = settings[1] ?? 'communes'
    return isSettingsTab(tab) ? { name: 'settings', tab } : { name: 'notFound', path }
  }
  const m = /^\/commune\/([^/?#]+)\/?$/.exec(path)
  if (m?.[1]) {
    try {
      return { name: 'commune', code: decodeURIComponent(m[1]) }
    } catch {
      return { name: 'notFound', path }
    }
  }
  return { name: 'notFound', path }
}

/** Hash of a commune page. */
export function communeHref(code: string): string {
  return `#/commune/${encodeURIComponent(code)}`
}

/** Hash of a settings tab. */
export function settingsHref(tab: SettingsTab): string {
  return `#/settings/${tab}`
}

/** The window surface the router needs. */
export interface HashSource {
  getHash(): string
  /** Calls `fn` on every hash change; returns an unsubscribe function. */
  subscribe(fn: () => void): () => void
}

/** Router state. */
export interface RouterState {
  route: ReadonlySignal<Route>
  /** Hash of the page shown before the current one ('' at start): where sign-in returns to. */
  previousHash: ReadonlySignal<string>
  /** Re-reads the hash (the subscription calls it). */
  sync: () => void
}

/** Router model: `route` follows the location hash. */
export const RouterModel = createModel((source: HashSource): RouterState => {
  let current = source.getHash()
  const route = signal<Route>(parseRoute(current), { name: 'route' })
  const previousHash = signal('', { name: 'route-previous' })
  const sync = (): void => {
    const next = source.getHash()
    if (next === current) return
    previousHash.value = current
    current = next
    route.value = parseRoute(next)
  }
  // Returned unsubscribe becomes the effect cleanup, so disposing the model detaches it.
  effect(() => source.subscribe(sync))
  return { route, previousHash, sync }
})

/** An instance of {@link RouterModel}. */
export type RouterModel = InstanceType<typeof RouterModel>
