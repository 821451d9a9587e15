/**
 * Security headers on every response (HTML, API, static files, errors): a Content Security
 * Policy without inline script (the dashboard is one bundled module; nothing is loaded from
 * elsewhere), no framing, no MIME sniffing, no referrer leaving the origin, and HSTS when the
 * server is reached over TLS (a public URL in https, or a trusted proxy saying so).
 * @module
 */
import type { MiddlewareHandler } from 'hono'
import type { AppEnv } from './app-env'

/**
 * The dashboard's policy. `style-src` allows the bundle's stylesheet only; styles set from
 * script (uPlot, element.style) are not governed by it. `connect-src 'self'` covers the live
 * WebSocket of the same origin. Icons are `data:` URLs; chart exports are `blob:` URLs.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

const HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
}

/** One year, the usual HSTS lifetime; only ever sent over TLS. */
const HSTS = 'max-age=31536000'

/** Sets the headers after the handler (and the error handler) produced the response. */
export function securityHeaders(opts: { publicUrl: string | undefined; trustProxy: boolean }): MiddlewareHandler<AppEnv> {
  const httpsPublic = (opts.publicUrl ?? '').startsWith('https:')
  return async (c, next) => {
    await next()
    for (const [k, v] of Object.entries(HEADERS)) c.res.headers.set(k, v)
    const viaTls = httpsPublic || (opts.trustProxy && c.req.header('x-forwarded-proto')?.split(',')[0]?.trim() === 'https')
    if (viaTls) c.res.headers.set('Strict-Transport-Security', HSTS)
  }
}
