/**
 * Hash routing (`#/`, `#/commune/:code`): the server serves one static index.html and
 * needs no SPA fallback for deep links.
 * @module
 */
import { createModel, effect, signal, type ReadonlySignal } from '@preact/signals'

/** A parsed route. */
export type Route = { name: 'overview' } | { name: 'commune'; code: string } | { name: 'notFound'; path: string }

/**
 * Parses a location hash. Empty, `#` and `#/` are the overview; the commune code is
 * URI-decoded; anything else is `notFound`.
 */
export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '') || '/'
  if (path === '/' || path === '') return { name: 'overview' }
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

/** The window surface the router needs. */
export interface HashSource {
  getHash(): string
  /** Calls `fn` on every hash change; returns an unsubscribe function. */
  subscribe(fn: () => void): () => void
}

/** Router state. */
export interface RouterState {
  route: ReadonlySignal<Route>
  /** Re-reads the hash (the subscription calls it). */
  sync: () => void
}

/** Router model: `route` follows the location hash. */
export const RouterModel = createModel((source: HashSource): RouterState => {
  const route = signal<Route>(parseRoute(source.getHash()), { name: 'route' })
  const sync = (): void => {
    route.value = parseRoute(source.getHash())
  }
  // Returned unsubscribe becomes the effect cleanup, so disposing the model detaches it.
  effect(() => source.subscribe(sync))
  return { route, sync }
})

/** An instance of {@link RouterModel}. */
export type RouterModel = InstanceType<typeof RouterModel>
