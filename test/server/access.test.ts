/**
 * The authorization table (issue 12, done-when 1): every route of the app is in
 * `ROUTE_ACCESS` (a route missing from it fails here), every entry is a route, and every route
 * × {anonymous, viewer, operator, admin, probe token, another probe's token, a revoked token,
 * the alerts token, the metrics token} is allowed or denied as its access says. "Denied" is a
 * 401 or 403 (E_UNAUTHORIZED, E_FORBIDDEN, E_PROBE_SCOPE); anything else (200, 404, 422…) means
 * the request got past authorization. Every answer carries the security headers.
 */
import { gzipSync } from 'node:zlib'
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROUTE_ACCESS, STATIC_PATHS, type Access } from '../../server/access'
import { CONTENT_SECURITY_POLICY } from '../../server/security-headers'
import { commune, makeTestServer, udpTarget, type TestServer } from '../helpers/server'

const ALERTS_TOKEN = 'alerts-token-0123456789abcdef'
const METRICS_TOKEN = 'metrics-token-0123456789abcdef'

type Who = 'anonymous' | 'viewer' | 'operator' | 'admin' | 'probe' | 'otherProbe' | 'revokedProbe' | 'alertsToken' | 'metricsToken'
const WHO: readonly Who[] = ['anonymous', 'viewer', 'operator', 'admin', 'probe', 'otherProbe', 'revokedProbe', 'alertsToken', 'metricsToken']

/** Who each access lets through. Probe routes are checked per route below (scope). */
const ALLOWED: Record<Exclude<Access, 'probe'>, ReadonlySet<Who>> = {
  public: new Set(WHO),
  viewer: new Set(['viewer', 'operator', 'admin']),
  operator: new Set(['operator', 'admin']),
  admin: new Set(['admin']),
  user: new Set(['viewer', 'operator', 'admin']),
  alerts: new Set(['admin', 'alertsToken']),
  metrics: new Set(['metricsToken']),
}

let s: TestServer
const headers: Partial<Record<Who, Record<string, string>>> = {}
let probeId = ''
let otherProbeId = ''

beforeAll(() => {
  s = makeTestServer({
    communes: [commune('KS-ML', { name: 'Xã Mường Lống', districtCluster: 'Cụm Kỳ Sơn' })],
    targets: [udpTarget('ml-line', 'KS-ML', 'line'), udpTarget('ml-speed', 'KS-ML', 'line', { kind: 'throughput', port: 443, intervalSeconds: 21600, timeoutSeconds: 60, options: {} })],
    env: { XANH_ALERTS_TOKEN: ALERTS_TOKEN, XANH_METRICS_TOKEN: METRICS_TOKEN },
  })
  probeId = s.probeId
  for (const role of ['viewer', 'operator', 'admin'] as const) headers[role] = s.as(role)
  headers.anonymous = {}
  headers.probe = { authorization: `Bearer ${s.token}` }
  const other = s.runtime.store.createProbe('xa-khac', 'commune office')
  otherProbeId = other.probe.id
  headers.otherProbe = { authorization: `Bearer ${other.token}` }
  const revoked = s.runtime.store.createProbe('da-thu-hoi', 'old office')
  s.runtime.store.revokeProbe(revoked.probe.id)
  headers.revokedProbe = { authorization: `Bearer ${revoked.token}` }
  headers.alertsToken = { authorization: `Bearer ${ALERTS_TOKEN}` }
  headers.metricsToken = { authorization: `Bearer ${METRICS_TOKEN}` }
})
afterAll(() => s.close())

/** A concrete path for a route pattern: parameters filled with values that exist or plausibly could. */
function concrete(pattern: string): string {
  return pattern
    .replace(':kind{communes|targets|gaps}', 'communes')
    .replace(/:code(\{[^}]*\})?/, 'KS-ML')
    .replace(/:username/, 'khong-co-ai')
    .replace(/:index\{[^}]*\}/, '0')
    .replace(/:id\{\[0-9\]\+\}/, '999')
    .replace(/:id/, 'ml-line')
}

/** A request body: an ingest batch from the probe in `who`'s name, else an empty object. */
function bodyFor(key: string, who: Who): string | Uint8Array | undefined {
  const [method] = key.split(' ')
  if (method === 'GET' || method === 'DELETE') return undefined
  if (key === 'POST /api/v1/ingest') {
    const sender = who === 'otherProbe' ? otherProbeId : probeId
    return gzipSync(JSON.stringify({ protocolVersion: 1, probeId: sender, sentAt: new Date(s.clock.now).toISOString(), results: [{ id: randomUUID(), targetId: 'ml-line', kind: 'udp_echo', observedAt: new Date(s.clock.now - 1000).toISOString(), durationSeconds: 1, ok: true, measurements: { rtt_median_seconds: 0.01, sent: 50, received: 50 } }] }))
  }
  if (key === 'POST /api/v1/speedtest/upload') return 'x'.repeat(1024)
  return '{}'
}

async function call(key: string, who: Who): Promise<Response> {
  const [method, pattern] = key.split(' ') as [string, string]
  const body = bodyFor(key, who)
  const h: Record<string, string> = { ...(headers[who] ?? {}) }
  if (body !== undefined) h['content-type'] = key === 'POST /api/v1/speedtest/upload' ? 'application/octet-stream' : 'application/json'
  if (key === 'POST /api/v1/ingest') h['content-encoding'] = 'gzip'
  const query = key === 'GET /api/v1/speedtest/download' ? '?bytes=1024' : ''
  return s.runtime.app.request(`${concrete(pattern)}${query}`, { method, headers: h, ...(body !== undefined ? { body: body as BodyInit } : {}) })
}

/** Denied = refused by authentication or authorization (the gate's, or a token route's own). */
async function denied(res: Response): Promise<boolean> {
  if (res.status !== 401 && res.status !== 403) return false
  const code = ((await res.clone().json()) as { error?: { code?: string } }).error?.code
  return code === 'E_UNAUTHORIZED' || code === 'E_FORBIDDEN' || code === 'E_PROBE_SCOPE' || code === 'E_PROBE_MISMATCH'
}

describe('the authorization table', () => {
  it('names every route of the app, and every entry is a route (a route missing from it fails here)', () => {
    const routes = new Set(s.runtime.app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path}`))
    const table = new Set(Object.keys(ROUTE_ACCESS))
    expect([...routes].filter((r) => !table.has(r)), 'routes missing from ROUTE_ACCESS').toEqual([])
    expect([...table].filter((r) => !routes.has(r)), 'ROUTE_ACCESS entries without a route').toEqual([])
    // Catch-all handlers serve only the dashboard's static files; a new one must be added to STATIC_PATHS on purpose.
    const catchAll = new Set(s.runtime.app.routes.filter((r) => r.method === 'ALL' && r.path !== '/*' && r.path !== '*').map((r) => r.path))
    expect([...catchAll].filter((p) => !STATIC_PATHS.includes(p))).toEqual([])
  })

  const keys = Object.keys(ROUTE_ACCESS) as Array<keyof typeof ROUTE_ACCESS>
  it.each(keys)('%s: allowed for exactly who its access says', async (key) => {
    const access: Access = ROUTE_ACCESS[key]
    const got: Record<string, boolean> = {}
    const want: Record<string, boolean> = {}
    for (const who of WHO) {
      const res = await call(key, who)
      got[who] = !(await denied(res))
      if (access === 'probe') {
        // Its own probe: yes. Users and other tokens are not probes. Another probe may read its
        // own config and long poll, but not post results for a target of the first probe, and
        // not use the speedtest without throughput targets of its own.
        const scoped = key === 'POST /api/v1/ingest' || key.includes('/speedtest/')
        want[who] = who === 'probe' || (who === 'otherProbe' && !scoped)
      } else want[who] = ALLOWED[access].has(who)
      // Every answer, allowed or not, carries the security headers.
      expect(res.headers.get('content-security-policy'), `${key} as ${who}`).toBe(CONTENT_SECURITY_POLICY)
      expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    }
    expect(got).toEqual(want)
  })
})

describe('a public wallboard (XANH_PUBLIC_READ=1)', () => {
  it('lets anyone read what a viewer reads, and nothing more', async () => {
    const w = makeTestServer({ communes: [commune('KS-ML')], env: { XANH_PUBLIC_READ: '1' } })
    try {
      expect((await w.runtime.app.request('/api/v1/overview')).status).toBe(200)
      expect((await w.runtime.app.request('/api/v1/reports/sla')).status).toBe(200)
      expect((await w.runtime.app.request('/api/v1/groups')).status).toBe(401)
      expect((await w.runtime.app.request('/api/v1/users')).status).toBe(401)
      const ack = await w.runtime.app.request('/api/v1/alerts/1/ack', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"comment":"x"}' })
      expect(ack.status).toBe(401)
    } finally {
      w.close()
    }
  })
})

describe('security headers', () => {
  it('are on HTML, API, errors and not-found answers; HSTS only over TLS', async () => {
    for (const path of ['/', '/healthz', '/api/v1/overview', '/khong-co-trang-nay', '/api/v1/nope']) {
      const res = await s.runtime.app.request(path)
      expect(res.headers.get('content-security-policy'), path).toBe(CONTENT_SECURITY_POLICY)
      expect(res.headers.get('x-frame-options'), path).toBe('DENY')
      expect(res.headers.get('referrer-policy'), path).toBe('no-referrer')
      expect(res.headers.get('strict-transport-security'), path).toBeNull()
    }
    expect(CONTENT_SECURITY_POLICY).toMatch(/script-src 'self'(;|$)/)
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval/)
    expect(CONTENT_SECURITY_POLICY).toMatch(/frame-ancestors 'none'/)
    const tls = makeTestServer({ env: { XANH_PUBLIC_URL: 'https://xanh.nghean.gov.vn' } })
    const proxied = makeTestServer({ env: { XANH_TRUST_PROXY: '1' } })
    try {
      expect((await tls.runtime.app.request('/healthz')).headers.get('strict-transport-security')).toBe('max-age=31536000')
      expect((await proxied.runtime.app.request('/healthz', { headers: { 'x-forwarded-proto': 'https' } })).headers.get('strict-transport-security')).toBe('max-age=31536000')
      expect((await proxied.runtime.app.request('/healthz')).headers.get('strict-transport-security')).toBeNull()
      // Without trustProxy a client cannot claim TLS.
      expect((await s.runtime.app.request('/healthz', { headers: { 'x-forwarded-proto': 'https' } })).headers.get('strict-transport-security')).toBeNull()
    } finally {
      tls.close()
      proxied.close()
    }
  })
})
