/**
 * Who may call what: ONE table, route → minimum access, enforced by one gate in front of every
 * route (SPEC §9). A route missing from the table is refused (and fails
 * test/server/access.test.ts); reads need a viewer unless the operator opted into a public
 * wallboard (`XANH_PUBLIC_READ=1`: anonymous GET of viewer routes only).
 *
 * The gate also: resolves the caller (session cookie or HTTP Basic), refuses cookie-authenticated
 * writes from another origin (CSRF: SameSite=Strict cookies plus an Origin / Sec-Fetch-Site
 * check), and runs the handler inside a request context that gives the audit log the caller's
 * role and address.
 * @module
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import type { Context, MiddlewareHandler } from 'hono'
import type { AppEnv, Identity } from './app-env'
import { atLeast, challengeBasic, createIdentifier } from './auth'
import { AppError } from './errors'
import type { Store } from './store/store'
import type { AuditContext } from './store/audit'

/**
 * - `public`: anyone (health, sign-in, the dashboard shell);
 * - `viewer` / `operator` / `admin`: a signed-in user with at least that role;
 * - `user`: any signed-in user, acting on their own account;
 * - `probe`: a probe token, checked by the route (scoped to that probe);
 * - `alerts`: the alerts token or an admin, checked by the route;
 * - `metrics`: the metrics token when one is set, checked by the route.
 */
export type Access = 'public' | 'viewer' | 'operator' | 'admin' | 'user' | 'probe' | 'alerts' | 'metrics'

/** Every route, `METHOD /path` exactly as registered, and who may call it. */
export const ROUTE_ACCESS = {
  'GET /': 'public',
  'GET /healthz': 'public',
  'GET /readyz': 'public',
  'GET /metrics': 'metrics',
  'GET /api/openapi.json': 'public',

  'POST /api/v1/session': 'public',
  'GET /api/v1/session': 'public',
  'DELETE /api/v1/session': 'public',
  'GET /api/v1/me/sessions': 'user',
  'DELETE /api/v1/me/sessions/:id': 'user',
  'POST /api/v1/me/password': 'user',

  'POST /api/v1/ingest': 'probe',
  'GET /api/v1/probe/config': 'probe',
  'GET /api/v1/probe/run-now': 'probe',
  'GET /api/v1/speedtest/download': 'probe',
  'POST /api/v1/speedtest/upload': 'probe',

  'GET /api/v1/overview': 'viewer',
  'GET /api/v1/overview/history': 'viewer',
  'GET /api/v1/communes': 'viewer',
  'GET /api/v1/communes/:code{[A-Za-z0-9_-]+}': 'viewer',
  'GET /api/v1/targets/:id/status': 'viewer',
  'GET /api/v1/targets/:id/series': 'viewer',
  'GET /api/v1/gaps': 'viewer',
  'GET /api/v1/reports/sla': 'viewer',
  'GET /api/v1/alerts': 'viewer',
  'GET /api/v1/alerts/:id{[0-9]+}': 'viewer',
  'GET /api/v1/settings/boundary': 'viewer',
  'GET /api/v1/test-runs/:id': 'viewer',
  'GET /api/v1/communes/:code/test-runs/latest': 'viewer',
  'GET /api/v1/communes/:code/history': 'viewer',
  'GET /api/v1/silences': 'viewer',
  'GET /api/v1/maintenance': 'viewer',

  'POST /api/v1/alerts/:id{[0-9]+}/ack': 'operator',
  'POST /api/v1/communes/:code/test-runs': 'operator',
  'POST /api/v1/silences': 'operator',
  'DELETE /api/v1/silences/:id{[0-9]+}': 'operator',
  'POST /api/v1/maintenance': 'operator',
  'DELETE /api/v1/maintenance/:id{[0-9]+}': 'operator',

  'POST /api/v1/:kind{communes|targets|gaps}/import': 'admin',
  'GET /api/v1/:kind{communes|targets|gaps}/export': 'admin',
  'POST /api/v1/communes': 'admin',
  'PUT /api/v1/communes/:code': 'admin',
  'PATCH /api/v1/communes/:code': 'admin',
  'DELETE /api/v1/communes/:code': 'admin',
  'GET /api/v1/targets': 'admin',
  'POST /api/v1/targets': 'admin',
  'PUT /api/v1/targets/:id': 'admin',
  'DELETE /api/v1/targets/:id': 'admin',
  'GET /api/v1/probes': 'admin',
  'POST /api/v1/probes': 'admin',
  'POST /api/v1/probes/:id/rotate': 'admin',
  'POST /api/v1/probes/:id/revoke': 'admin',
  'DELETE /api/v1/probes/:id': 'admin',
  'POST /api/v1/gaps': 'admin',
  'PUT /api/v1/gaps/:id{[0-9]+}': 'admin',
  'DELETE /api/v1/gaps/:id{[0-9]+}': 'admin',
  'PUT /api/v1/settings/boundary': 'admin',
  'DELETE /api/v1/settings/boundary': 'admin',
  'GET /api/v1/groups': 'admin',
  'POST /api/v1/groups': 'admin',
  'PUT /api/v1/groups/:id{[0-9]+}': 'admin',
  'DELETE /api/v1/groups/:id{[0-9]+}': 'admin',
  'POST /api/v1/groups/:id{[0-9]+}/test': 'admin',
  'POST /api/v1/groups/:id{[0-9]+}/channels/:index{[0-9]+}/enable': 'admin',
  'POST /api/v1/channels/zalo/chats': 'admin',
  'GET /api/v1/users': 'admin',
  'POST /api/v1/users': 'admin',
  'PATCH /api/v1/users/:username': 'admin',
  'DELETE /api/v1/users/:username': 'admin',
  'POST /api/v1/users/:username/password': 'admin',
  'GET /api/v1/users/:username/sessions': 'admin',
  'DELETE /api/v1/users/:username/sessions': 'admin',
  'GET /api/v1/audit': 'admin',

  'POST /api/v2/alerts': 'alerts',
} as const satisfies Record<string, Access>

export type RouteKey = keyof typeof ROUTE_ACCESS

/**
 * Paths served by catch-all middleware (`app.use`), not by a route: the dashboard's static
 * files. Anything else matched only by middleware is a 404.
 */
export const STATIC_PATHS: readonly string[] = ['/assets/*', '/*']

/** The table's entry for a request, from the route Hono matched (`matchedRoutes`, last real handler). */
export function routeKeyOf(c: Context): string | undefined {
  const handler = c.req.matchedRoutes.filter((r) => r.method !== 'ALL').at(-1)
  if (!handler) return undefined
  const method = c.req.method === 'HEAD' ? 'GET' : c.req.method
  return `${method} ${handler.path}`
}

/** Per-request facts the audit log reads (role and address of the caller). */
const requestContext = new AsyncLocalStorage<AuditContext>()

/** The current request's audit context, if a request is being served. */
export function currentAuditContext(): AuditContext | undefined {
  return requestContext.getStore()
}

export interface GateOptions {
  store: Store
  /** Anonymous GET of `viewer` routes (a wallboard). Default false. */
  publicRead: boolean
  /** Trust `X-Forwarded-For` for the client's address (behind a reverse proxy). */
  trustProxy: boolean
  now?: () => number
}

/** The client's address: the socket's, or the proxy's `X-Forwarded-For` when trusted. */
export function clientAddress(c: Context, trustProxy: boolean): string {
  if (trustProxy) {
    const fwd = c.req.header('x-forwarded-for')?.split(',')[0]?.trim()
    if (fwd) return fwd
  }
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming
  return incoming?.socket?.remoteAddress ?? 'local'
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * A cookie-authenticated write must come from this origin: an `Origin` header naming this host,
 * or (a browser that sends none) `Sec-Fetch-Site: same-origin`. SameSite=Strict already keeps
 * the cookie off cross-site requests; this is the second lock.
 */
function sameOrigin(c: Context): boolean {
  const origin = c.req.header('origin')
  const host = c.req.header('x-forwarded-host') ?? c.req.header('host')
  if (origin && origin !== 'null') {
    try {
      return new URL(origin).host === host
    } catch {
      return false
    }
  }
  const site = c.req.header('sec-fetch-site')
  return site === 'same-origin' || site === 'none'
}

/** The gate: identifies the caller and enforces {@link ROUTE_ACCESS}. */
export function accessGate(opts: GateOptions): MiddlewareHandler<AppEnv> {
  const identify = createIdentifier(opts.store, opts.now)
  const table: Readonly<Record<string, Access>> = ROUTE_ACCESS
  return async (c, next) => {
    const key = routeKeyOf(c)
    const address = clientAddress(c, opts.trustProxy)
    // Static files and unknown paths (404): nothing to guard, no identity needed.
    if (key === undefined) return requestContext.run({ role: null, address }, next)
    const access = table[key]
    if (access === undefined) throw new AppError('E_FORBIDDEN', `${key} is not in the access table`)
    // Token-checked routes do their own authentication (a metrics scrape's Basic password is a token, not a user).
    let identity: Identity | undefined
    if (access !== 'metrics' && access !== 'probe') {
      identity = access === 'public' ? safeIdentify(identify, c) : identify(c)
    }
    c.set('identity', identity)
    c.set('gated', true)
    c.set('actor', identity?.username ?? 'anonymous')
    if (identity?.via === 'session' && !SAFE_METHODS.has(c.req.method) && !sameOrigin(c)) {
      throw new AppError('E_FORBIDDEN', 'cross-origin write refused (CSRF protection)')
    }
    if (access === 'viewer' || access === 'operator' || access === 'admin' || access === 'user') {
      const anonymousRead = access === 'viewer' && opts.publicRead && SAFE_METHODS.has(c.req.method)
      if (!identity && !anonymousRead) {
        challengeBasic(c)
        throw new AppError('E_UNAUTHORIZED', 'sign in, or send credentials (HTTP Basic)')
      }
      if (identity && access !== 'user' && !atLeast(identity.role, access)) throw new AppError('E_FORBIDDEN', `${access} role required`)
    }
    return requestContext.run({ role: identity?.role ?? null, address }, next)
  }
}

/** Identifies without failing: a public route works for someone whose session just ended. */
function safeIdentify(identify: ReturnType<typeof createIdentifier>, c: Context): Identity | undefined {
  try {
    return identify(c)
  } catch {
    return undefined
  }
}
