/**
 * Layout of every page on a desktop (1440×900) and a phone (360×740), in Chromium against the
 * real server with a small Vietnamese inventory (issue 13, Build 5 / Done-when 1):
 * - no horizontal page scroll (`scrollWidth ≤ innerWidth`);
 * - every table header cell and every control of the page is reachable: inside the viewport,
 *   or inside a horizontal scroll container (a wide table scrolls inside its card), never cut
 *   off by an `overflow: hidden` ancestor; no header text ellipsised;
 * - the Alerts count is in view (not scrolled away inside the nav strip);
 * - with the live connection refused (the WebSocket is closed by the test), the stale badge
 *   shows and its box, outline included, never intersects the nav's.
 *
 * The page list is keyed by the router's route names (a `Record` over `Route['name']`, so a new
 * route fails the type check) and the test also compares it with the names written in
 * router.ts and with SETTINGS_TABS at run time. Screenshots: test-results/screenshots/
 * layout-<page>-<size>.png (and …-stale.png with the stale badge).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Overview, type CheckResult, type ProbeCreated } from '../../protocol'
import { SETTINGS_TABS, parseRoute, type Route } from '../../web/src/models/router'
import { listenFake, type FakeHttp } from '../helpers/fake-http'
import { toolOrSkip } from '../helpers/system-tool'
import { adminApi, feedingProbe, guardOrigin, launchChromium, recordErrors, refusingProxy, ROOT, type RunningServer, startServer, waitFor } from './harness'

const chromiumPath = toolOrSkip('chromium', 'the layout e2e')
const PASSWORD = 'e2e-layout-password'
const SHOTS = join(ROOT, 'test-results', 'screenshots')
/** HTTP Basic of the first admin, for the test's own reads. */
const ADMIN_AUTH = { authorization: `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}` }
const SIZES = [
  { name: '1440x900', width: 1440, height: 900 },
  { name: '360x740', width: 360, height: 740 },
] as const
type Size = (typeof SIZES)[number]

/** The small province: long names on purpose, one commune down (an open incident). */
const COMMUNES = [
  { code: 'NA-TRUONGVINH', name: 'Phường Trường Vinh', kind: 'phuong', cluster: 'Cụm Thành phố Vinh', lat: 18.67, lon: 105.69 },
  { code: 'NA-MUONGLONG', name: 'Xã Mường Lống', kind: 'xa', cluster: 'Cụm Kỳ Sơn – Tương Dương', lat: 19.27, lon: 104.41 },
  { code: 'NA-NAMCAN', name: 'Xã Nậm Cắn', kind: 'xa', cluster: 'Cụm Kỳ Sơn – Tương Dương', lat: 19.35, lon: 104.2 },
  { code: 'NA-CUALO', name: 'Phường Cửa Lò', kind: 'phuong', cluster: 'Cụm Thành phố Vinh', lat: 18.81, lon: 105.72 },
  { code: 'NA-CHAUKHE', name: 'Xã Châu Khê', kind: 'xa', cluster: 'Cụm Con Cuông', lat: 19.05, lon: 104.88 },
] as const
const DOWN = COMMUNES[1]
const lineId = (code: string): string => `${code.toLowerCase()}-line`

/** A page to lay out: its hash, what shows it is ready, whether it is seen signed out. */
interface PageSpec {
  slug: string
  hash: string
  ready: string
  signedOut?: boolean
  /** A view of the page that is not a route of its own (the Alerts page's tabs): the n-th (1-based) button of its view switch. */
  view?: number
}

/**
 * Every route of web/src/models/router.ts. Typed as a Record over the route names: adding a
 * route without listing it here fails `tsc`; the first test also fails at run time.
 */
const PAGES: Record<Route['name'], readonly PageSpec[]> = {
  overview: [{ slug: 'overview', hash: '#/', ready: 'table.grid tbody tr' }],
  commune: [{ slug: 'commune', hash: `#/commune/${DOWN.code}`, ready: '.chart canvas' }],
  gaps: [{ slug: 'gaps', hash: '#/gaps', ready: '.registry tbody tr' }],
  // The Alerts page's four views (open, history, silences, maintenance) share its route.
  alerts: [
    // The chosen view outlives a visit, so each one is clicked, the open list included.
    ...['open', 'history', 'silences', 'maintenance'].map((v, i) => ({ slug: v === 'open' ? 'alerts' : `alerts-${v}`, hash: '#/alerts', ready: '.segmented--tabs', view: i + 1 })),
  ],
  reports: [{ slug: 'reports', hash: '#/reports', ready: 'table.sticky-head tbody tr' }],
  settings: SETTINGS_TABS.map((tab) => ({ slug: `settings-${tab}`, hash: `#/settings/${tab}`, ready: `.tabs [aria-current="page"][href="#/settings/${tab}"], .tabs [aria-selected="true"]` })),
  account: [{ slug: 'account', hash: '#/account', ready: '.page-title' }],
  signin: [{ slug: 'signin', hash: '#/signin', ready: 'form.signin input[name="username"]', signedOut: true }],
  notFound: [{ slug: 'not-found', hash: '#/khong-co-trang-nay', ready: '.page-title, h1' }],
}
const ALL_PAGES = Object.values(PAGES).flat()

/** One layout fault, for a readable failure message. */
interface Fault {
  what: string
  el: string
  box: string
}

/** What the page reports about itself (evaluated in the browser). */
interface Measured {
  scrollWidth: number
  innerWidth: number
  faults: Fault[]
  /** Header cells reachable only by scrolling their table sideways (measured at desktop widths). */
  sideways: Fault[]
  tables: number
  controls: number
}

describe.skipIf(!chromiumPath)('layout e2e: every page at 1440×900 and 360×740 (chromium, real server)', () => {
  let dir = ''
  let server: RunningServer
  let proxy: Awaited<ReturnType<typeof refusingProxy>>
  let hook: FakeHttp
  /** Live connections the stale contexts refused. */
  let refusedSockets = 0
  let browser: Browser
  const foreign: string[] = []
  const consoleErrors: string[] = []
  /** Browser contexts by (stale, signed in); made on first use. */
  const contexts = new Map<string, BrowserContext>()
  const pages = new Map<string, Page>()

  async function pageFor(stale: boolean, signedIn: boolean): Promise<Page> {
    const key = `${stale}-${signedIn}`
    const known = pages.get(key)
    if (known) return known
    const base = server.base
    const ctx = await browser.newContext({ viewport: SIZES[0], deviceScaleFactor: 1, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' })
    contexts.set(key, ctx)
    await guardOrigin(ctx, base, foreign)
    // The live connection refused at once, every time (as behind a proxy that drops
    // WebSockets): the dashboard must say its data is old.
    if (stale)
      await ctx.routeWebSocket(/\/api\/v1\/live$/, (ws) => {
        refusedSockets++
        return ws.close({ code: 1011, reason: 'layout test: no live data' })
      })
    if (signedIn) {
      const res = await ctx.request.post(`${base}/api/v1/session`, { data: { username: 'admin', password: PASSWORD } })
      expect(res.status()).toBe(200)
    }
    const p = await ctx.newPage()
    recordErrors(p, consoleErrors)
    pages.set(key, p)
    return p
  }

  async function show(p: Page, spec: PageSpec, size: Size): Promise<void> {
    await p.setViewportSize({ width: size.width, height: size.height })
    await p.goto(`${server.base}/${spec.hash}`, { timeout: 20_000 })
    await p.waitForSelector(spec.ready, { timeout: 20_000 })
    if (spec.view) {
      await p.click(`.segmented--tabs .segmented__btn:nth-child(${spec.view})`)
      await p.waitForSelector(`.segmented--tabs .segmented__btn:nth-child(${spec.view})[aria-pressed="true"]`, { timeout: 20_000 })
    }
    // Nothing still loading, and the layout settled (fonts, charts drawn on the next frame).
    await p.waitForFunction(() => document.querySelectorAll('main .loading').length === 0, undefined, { timeout: 20_000 })
    await p.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))))
  }

  /** Page width, and every table header cell and control that cannot be reached. */
  function measure(p: Page, wholeTables: boolean): Promise<Measured> {
    return p.evaluate((wholeTables) => {
      const faults: Fault[] = []
      const name = (el: Element): string => {
        const cls = typeof el.className === 'string' && el.className ? `.${el.className.trim().split(/\s+/).join('.')}` : ''
        const text = (el.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 40)
        return `${el.tagName.toLowerCase()}${cls} "${text}"`
      }
      const fmt = (r: { left: number; right: number }): string => `${Math.round(r.left)}..${Math.round(r.right)}`
      const shown = (el: Element): boolean => {
        const r = el.getBoundingClientRect()
        if (r.width <= 1 || r.height <= 1 || getComputedStyle(el).visibility === 'hidden') return false
        // Screen-reader-only copies sit in a 1×1 px box that clips them, by design.
        for (let a = el.parentElement; a; a = a.parentElement) {
          const ab = a.getBoundingClientRect()
          if ((ab.width <= 1 || ab.height <= 1) && getComputedStyle(a).overflow !== 'visible') return false
        }
        return true
      }
      /**
       * Whether `el` can be brought into view horizontally: each ancestor that clips
       * (overflow hidden/clip) must hold it; an ancestor that scrolls (auto/scroll) holds
       * anything, and then it is the scroller's box that must be reachable further up; the
       * outermost box must lie in the viewport (the page itself must not scroll sideways).
       */
      const reachable = (el: Element, what: string, whole: boolean): Fault | null => {
        let box = el.getBoundingClientRect()
        let clipper: Element | null = null
        for (let a = el.parentElement; a && a !== document.documentElement; a = a.parentElement) {
          const ox = getComputedStyle(a).overflowX
          if (ox === 'visible') continue
          const ab = a.getBoundingClientRect()
          if ((ox === 'auto' || ox === 'scroll') && !whole) {
            box = ab
            continue
          }
          if (box.left < ab.left - 1 || box.right > ab.right + 1) {
            clipper = a
            box = ab
            break
          }
        }
        if (clipper) return { what: `${what} cut off by ${name(clipper).slice(0, 60)}`, el: name(el), box: fmt(el.getBoundingClientRect()) }
        if (box.left < -1 || box.right > window.innerWidth + 1) return { what: `${what} outside the viewport`, el: name(el), box: fmt(box) }
        return null
      }
      /** Table headers seen only by scrolling their table sideways (checked at desktop sizes only). */
      const sideways: Fault[] = []
      const tables = [...document.querySelectorAll('main table')].filter(shown)
      for (const table of tables) {
        for (const th of table.querySelectorAll('thead th')) {
          if (!shown(th)) continue
          const fault = reachable(th, 'table header', false)
          if (fault) faults.push(fault)
          const hidden = wholeTables && !fault ? reachable(th, 'table header', true) : null
          if (hidden) sideways.push(hidden)
          const s = getComputedStyle(th)
          if (s.overflowX !== 'visible' && th.scrollWidth > th.clientWidth + 1) faults.push({ what: 'table header text clipped', el: name(th), box: `${th.scrollWidth} > ${th.clientWidth}` })
          // A header wrapped onto more lines than its row is tall loses its last line.
          if (s.overflowY !== 'visible' && th.scrollHeight > th.clientHeight + 1) faults.push({ what: 'table header text cut at the bottom', el: name(th), box: `${th.scrollHeight} > ${th.clientHeight} px high` })
        }
      }
      const controls = [...document.querySelectorAll('main button, main a[href], main input:not([type="hidden"]), main select, main textarea, main summary')].filter(shown)
      for (const c of controls) {
        const fault = reachable(c, 'control', false)
        if (fault) faults.push(fault)
      }
      return { scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, faults, sideways, tables: tables.length, controls: controls.length }
    }, wholeTables)
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'xanh-layout-'))
    mkdirSync(SHOTS, { recursive: true })
    writeFileSync(join(dir, 'xanh.yaml'), 'state:\n  downAfter: 1\n  upAfter: 1\n  tickSeconds: 0.25\nudpEchoPort: 0\nalerting:\n  groupWaitSeconds: 0\n')
    proxy = await refusingProxy()
    hook = await listenFake((_req, res) => res.writeHead(204).end())
    server = await startServer({
      XANH_DATA_DIR: dir,
      XANH_CONFIG: join(dir, 'xanh.yaml'),
      XANH_DEMO: '0',
      XANH_ADMIN_PASSWORD: PASSWORD,
      XANH_PROVINCE_CODE: 'VN-NA',
      XANH_PROVINCE_NAME: 'Nghệ An',
    })
    const admin = adminApi(server.base, PASSWORD)
    const probe = (await admin.call('POST', '/api/v1/probes', { name: 'tram-do-ky-son', location: 'Trung tâm Viễn thông Kỳ Sơn' })) as ProbeCreated
    await admin.importCsv(
      'communes',
      ['code,name,kind,district_cluster,lat,lon,contracted_mbps', ...COMMUNES.map((c) => `${c.code},${c.name},${c.kind},${c.cluster},${c.lat},${c.lon},100`)].join('\n') + '\n',
    )
    await admin.importCsv(
      'targets',
      ['id,commune_code,name,kind,host,port,role,interval_s,probe_id', ...COMMUNES.map((c, i) => `${lineId(c.code)},${c.code},Cáp quang ${c.name},udp_echo,10.40.${i}.1,8620,line,60,${probe.id}`)].join('\n') + '\n',
    )
    await admin.call('POST', '/api/v1/targets', { id: `${DOWN.code.toLowerCase()}-mcu`, communeCode: DOWN.code, name: `Điểm cầu truyền hình ${DOWN.name}`, kind: 'h323', host: '10.40.1.2', role: 'mcu', intervalSeconds: 300, probeId: probe.id })
    await admin.call('POST', '/api/v1/gaps', { communeCode: DOWN.code, hamlet: 'Bản Huồi Tụ', kind: 'no_mobile', population: 412, households: 98, since: '2026-03-02', plannedFix: 'Quý II/2027', source: 'UBND xã Mường Lống' })
    await admin.call('POST', '/api/v1/gaps', { communeCode: COMMUNES[2].code, hamlet: 'Bản Nà Khà', kind: 'no_power', population: 168, households: 40, since: '2025-11-20', plannedFix: null, source: 'UBND xã' })
    await admin.call('POST', '/api/v1/groups', { name: 'Tổ hỗ trợ Kỳ Sơn – Tương Dương', clusters: ['Cụm Kỳ Sơn – Tương Dương'], channels: [{ type: 'webhook', url: `${hook.url}/xanh` }] })
    await admin.call('POST', '/api/v1/users', { username: 'huong.nt', displayName: 'Nguyễn Thị Hương', role: 'operator', password: 'mat-khau-cua-huong' })
    await admin.call('POST', '/api/v1/users', { username: 'xem.lan', displayName: 'Trần Thị Lan', role: 'viewer', password: 'mat-khau-cua-lan' })
    const now = Date.now()
    await admin.call('POST', '/api/v1/silences', {
      matchers: [{ name: 'commune_code', value: COMMUNES[4].code }],
      startsAt: new Date(now).toISOString(),
      endsAt: new Date(now + 4 * 3600_000).toISOString(),
      createdBy: 'admin',
      comment: 'Thay cáp quang đoạn Châu Khê – Con Cuông',
    })
    await admin.call('POST', '/api/v1/maintenance', {
      scope: { communes: [COMMUNES[0].code] },
      startsAt: new Date(now + 24 * 3600_000).toISOString(),
      endsAt: new Date(now + 26 * 3600_000).toISOString(),
      reason: 'Bảo trì thiết bị truy nhập tại Phường Trường Vinh',
    })

    await waitFor(
      'the engine to know the targets',
      async () => (await Promise.all(COMMUNES.map(async (c) => (await fetch(`${server.base}/api/v1/targets/${lineId(c.code)}/status`, { headers: ADMIN_AUTH })).status === 200))).every(Boolean),
      15_000,
    )
    // Three hours of rounds every minute (charts and the SLA have data); the last two of one
    // commune lose every packet: it is down and has an open incident.
    const ingest = feedingProbe(server.base, probe.id, probe.token)
    const results: Array<Omit<CheckResult, 'id' | 'durationSeconds'>> = []
    for (let ago = 3 * 3600_000; ago >= 30_000; ago -= 60_000) {
      for (const [i, c] of COMMUNES.entries()) {
        const down = c.code === DOWN.code && ago <= 90_000
        results.push({
          targetId: lineId(c.code),
          kind: 'udp_echo',
          observedAt: new Date(now - ago).toISOString(),
          ...(down
            ? { ok: false, error: '100% loss to 10.40.1.1:8620 (50 sent)', measurements: { sent: 50, received: 0 } }
            : { ok: true, measurements: { sent: 50, received: 50, rtt_seconds: 0.012 + 0.002 * i, jitter_seconds: 0.002, loss_ratio: 0 } }),
        })
      }
    }
    await ingest(results)
    await waitFor(
      `${DOWN.name} to be down with an open incident`,
      async () => {
        const ov = Overview.parse(await (await fetch(`${server.base}/api/v1/overview`, { headers: ADMIN_AUTH })).json())
        if (ov.communes.find((c) => c.code === DOWN.code)?.state !== 'down') return false
        const alerts = (await (await fetch(`${server.base}/api/v1/alerts?state=open`, { headers: ADMIN_AUTH })).json()) as { incidents?: unknown[] }
        return (alerts.incidents?.length ?? 0) > 0
      },
      20_000,
      250,
    )
    browser = await launchChromium(chromiumPath as string, proxy.port)
  }, 120_000)

  afterAll(async () => {
    for (const ctx of contexts.values()) await ctx.close().catch(() => undefined)
    await browser?.close().catch(() => undefined)
    await server?.stop()
    await proxy?.close()
    await hook?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it("lists every route of the router and every settings tab", () => {
    // The route names as router.ts writes them in its Route type.
    const source = readFileSync(join(ROOT, 'web', 'src', 'models', 'router.ts'), 'utf8')
    const union = /export type Route =([\s\S]*?)\n\n/.exec(source)?.[1] ?? ''
    const names = [...union.matchAll(/name: '(\w+)'/g)].map((m) => m[1])
    expect(names.length).toBeGreaterThan(5)
    expect(Object.keys(PAGES).sort()).toEqual([...new Set(names)].sort())
    for (const [route, specs] of Object.entries(PAGES)) {
      expect(specs.length, route).toBeGreaterThan(0)
      for (const s of specs) expect(parseRoute(s.hash).name, s.hash).toBe(route)
    }
    expect(PAGES.settings.map((s) => s.hash)).toEqual(SETTINGS_TABS.map((tab) => `#/settings/${tab}`))
  })

  for (const size of SIZES) {
    it(`at ${size.name}: no page scrolls sideways, every table header and control is reachable, the Alerts count is in view`, async () => {
      const problems: string[] = []
      for (const spec of ALL_PAGES) {
        const p = await pageFor(false, !spec.signedOut)
        await show(p, spec, size)
        const m = await measure(p, size.width >= 1366)
        // On a phone a wide table scrolls in its card; at a desktop width an operator must see
        // every column without scrolling sideways (issue 13: no table clipped at 1366 or 1440 px).
        for (const f of m.sideways) problems.push(`${spec.slug} @${size.name}: ${f.el} needs sideways scrolling at a desktop width [${f.box}]`)
        await p.screenshot({ path: join(SHOTS, `layout-${spec.slug}-${size.name}.png`), fullPage: true })
        if (m.scrollWidth > m.innerWidth) problems.push(`${spec.slug}: page is ${m.scrollWidth} px wide in a ${m.innerWidth} px window`)
        // Date pickers speak the browser's language and order ("December 2026", mm/dd/yyyy): dates are typed dd/MM/yyyy.
        const pickers = await p.locator('input[type="date"], input[type="month"], input[type="week"], input[type="time"], input[type="datetime-local"]').count()
        if (pickers > 0) problems.push(`${spec.slug}: ${pickers} date or time picker(s) that follow the browser's locale`)
        for (const f of m.faults) problems.push(`${spec.slug}: ${f.what}: ${f.el} [${f.box}]`)
        if (spec.signedOut) continue
        // Guards against measuring an empty page: these have tables with rows.
        if (/^(overview|gaps|reports|settings-(communes|targets|probes|users|audit)|commune)$/.test(spec.slug) && m.tables === 0) problems.push(`${spec.slug}: no table measured`)
        const badge = await p.evaluate(() => {
          const b = document.querySelector('.nav a[href="#/alerts"] .nav__badge')
          if (!b) return null
          const r = b.getBoundingClientRect()
          // Strictly in view: inside the window and not scrolled away inside any ancestor.
          for (let a = b.parentElement; a && a !== document.body; a = a.parentElement) {
            if (getComputedStyle(a).overflowX === 'visible') continue
            const ab = a.getBoundingClientRect()
            if (r.left < ab.left - 1 || r.right > ab.right + 1) return { inView: false, box: `${Math.round(r.left)}..${Math.round(r.right)} outside ${a.className}` }
          }
          return { inView: r.left >= 0 && r.right <= window.innerWidth && r.top >= 0 && r.bottom <= window.innerHeight, box: `${Math.round(r.left)}..${Math.round(r.right)}` }
        })
        if (!badge) problems.push(`${spec.slug}: no Alerts count in the nav (an incident is open)`)
        else if (!badge.inView) problems.push(`${spec.slug}: the Alerts count is out of view [${badge.box}]`)
      }
      expect(problems, problems.join('\n')).toEqual([])
    }, 180_000)

    it(`at ${size.name}: the stale badge shows and never overlaps the nav, and the page still fits`, async () => {
      const problems: string[] = []
      for (const spec of ALL_PAGES) {
        const p = await pageFor(true, !spec.signedOut)
        await show(p, spec, size)
        // Signed out, nothing live is opened (the badge says "connecting"); signed in, it turns stale.
        const badge = spec.signedOut ? '.live' : '.live--stale'
        await p.waitForSelector(badge, { timeout: 10_000 })
        const r = await p.evaluate((sel) => {
          const live = document.querySelector(sel) as HTMLElement
          const nav = document.querySelector('.nav')
          const s = getComputedStyle(live)
          const out = s.outlineStyle === 'none' ? 0 : parseFloat(s.outlineWidth) + parseFloat(s.outlineOffset || '0')
          const b = live.getBoundingClientRect()
          const box = { left: b.left - out, right: b.right + out, top: b.top - out, bottom: b.bottom + out }
          const n = nav?.getBoundingClientRect()
          const hit = n ? box.left < n.right && n.left < box.right && box.top < n.bottom && n.top < box.bottom : false
          const f = (x: { left: number; right: number; top: number; bottom: number }) => `${Math.round(x.left)},${Math.round(x.top)}–${Math.round(x.right)},${Math.round(x.bottom)}`
          return { hit, live: f(box), nav: n ? f(n) : 'none', inView: box.left >= 0 && box.right <= window.innerWidth, scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }
        }, badge)
        await p.evaluate(() => window.scrollTo(0, 0))
        await p.screenshot({ path: join(SHOTS, `layout-${spec.slug}-${size.name}-stale.png`) })
        if (r.nav === 'none') problems.push(`${spec.slug}: no nav`)
        if (r.hit) problems.push(`${spec.slug}: the stale badge [${r.live}] overlaps the nav [${r.nav}]`)
        if (!r.inView) problems.push(`${spec.slug}: the stale badge [${r.live}] is outside the window`)
        if (r.scrollWidth > r.innerWidth) problems.push(`${spec.slug}: page is ${r.scrollWidth} px wide in a ${r.innerWidth} px window (stale)`)
      }
      expect(problems, problems.join('\n')).toEqual([])
      expect(refusedSockets).toBeGreaterThan(0) // stale because the live connection was refused
    }, 180_000)
  }

  it('made no request outside the server and logged no console error', () => {
    expect(foreign).toEqual([])
    expect(consoleErrors, consoleErrors.join('\n')).toEqual([])
  })
})
