/**
 * The overview's history in a real browser (issue 13, Done-when 2): a commune whose line has been
 * down for 20 minutes shows "từ HH:MM (…)" with the right clock time, and its outage sits at the
 * right place in its 24-hour strip; its commune page draws the incident on the charts from that
 * time and shows no figure from before the outage; at 1440×900 and 1366×768 the table's last
 * header cell is fully inside its card.
 *
 * Why the server runs in this process: the state engine dates a state change by its own clock
 * when it judges a round, not by the round's timestamp, so results dated 20 minutes back do not
 * make an outage 20 minutes old. The real runtime (routes, engine, state log, static dashboard,
 * live socket) is started here with its clock seam (`now`) set three hours back; three hours of
 * rounds are played through ingest minute by minute, the line failing for the last 21; then the
 * clock joins the wall clock and Chromium reads the result.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import type { Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import { serve } from '@hono/node-server'
import pino from 'pino'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CheckResult, ResultBatch } from '../../protocol'
import { hashPassword } from '../../server/auth'
import { loadServerConfig } from '../../server/config'
import { createServerRuntime, type ServerRuntime } from '../../server/runtime'
import { openDatabase, type OpenedDb } from '../../server/store/db'
import { toolOrSkip } from '../helpers/system-tool'
import { guardOrigin, launchChromium, refusingProxy, ROOT, waitFor } from './harness'
import { IDLE_LOOP } from '../helpers/server'

const chromiumPath = toolOrSkip('chromium', 'the overview e2e')
const SHOTS = join(ROOT, 'test-results', 'screenshots')
const PASSWORD = 'mat-khau-e2e-tong-quan'
const MIN = 60_000
const DOWN_FOR_MIN = 21

/** HH:mm in Asia/Ho_Chi_Minh, computed independently of the app's formatter. */
const hanoiHm = (ms: number): string => new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Ho_Chi_Minh', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(ms)
/** dd/MM in Asia/Ho_Chi_Minh, computed the same independent way. */
const hanoiDm = (ms: number): string => new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Ho_Chi_Minh', day: '2-digit', month: '2-digit' }).format(ms)
/** A "since" time as the dashboard writes it: HH:mm on the same day in Vietnam, dd/MM HH:mm before it (a run just after midnight there). */
const hanoiSince = (ms: number, nowMs = Date.now()): string => (hanoiDm(ms) === hanoiDm(nowMs) ? hanoiHm(ms) : `${hanoiDm(ms)} ${hanoiHm(ms)}`)

describe.skipIf(!chromiumPath)('overview e2e: since times, 24-hour strip, no clipped table', () => {
  let dir = ''
  let opened: OpenedDb
  let runtime: ServerRuntime
  let server: Server
  let base = ''
  let ticker: ReturnType<typeof setInterval> | undefined
  let proxy: Awaited<ReturnType<typeof refusingProxy>>
  let browser: Browser
  let page: Page
  let downAt = 0
  const clock = { now: Date.now() - 3 * 60 * MIN }
  const foreign: string[] = []

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'xanh-e2e-overview-'))
    mkdirSync(SHOTS, { recursive: true })
    opened = openDatabase(join(dir, 'xanh.db'))
    const config = loadServerConfig({ XANH_DATA_DIR: dir, XANH_DEMO: '0' }, 'state:\n  downAfter: 1\n  upAfter: 1\n')
    // The test's own loop is not the server's load (ingest back-pressure sees an idle loop).
    runtime = createServerRuntime({ config, log: pino({ level: 'silent' }), opened, now: () => clock.now, webRoot: join(ROOT, 'dist', 'web'), loopUtilization: IDLE_LOOP })
    const { store } = runtime
    store.users.create({ username: 'admin', displayName: 'Quản trị', role: 'admin', passwordHash: hashPassword(PASSWORD) }, Date.now())
    const { probe, token } = store.createProbe('tram-do-nghe-an', 'Trung tâm tỉnh')
    const communes = [
      { code: 'NA-0001', name: 'Mường Lống', lat: 19.33, lon: 104.38 },
      { code: 'NA-0002', name: 'Châu Bình', lat: 19.4, lon: 105.1 },
      { code: 'NA-0003', name: 'Thanh Lộc', lat: 18.7, lon: 105.6 },
    ]
    for (const c of communes) {
      store.upsertCommune({ ...c, kind: 'xa', districtCluster: 'Cụm Kỳ Sơn', contractedMbps: 100, priority: 0, notes: '' })
      store.upsertTarget({ id: `${c.code.toLowerCase()}-line`, communeCode: c.code, name: `Cáp quang ${c.name}`, kind: 'udp_echo', host: '127.0.0.1', port: 8620, role: 'line', intervalSeconds: 60, timeoutSeconds: 5, parents: [], options: {}, probeId: probe.id, enabled: true })
    }
    runtime.reloadInventory()

    // Three hours of rounds, one a minute, through the ingest route; Mường Lống's line fails for the last 21 minutes.
    const end = Date.now()
    const firstFail = end - DOWN_FOR_MIN * MIN
    downAt = 0
    // Rounds land on whole minutes before `end`, so one falls exactly where the line starts failing.
    for (let t = end - Math.floor((end - clock.now) / MIN) * MIN + MIN; t <= end; t += MIN) {
      clock.now = t
      const results: CheckResult[] = communes.map((c) => {
        const failing = c.code === 'NA-0001' && t >= firstFail
        if (failing && downAt === 0) downAt = t
        return {
          id: randomUUID(),
          targetId: `${c.code.toLowerCase()}-line`,
          kind: 'udp_echo',
          observedAt: new Date(t).toISOString(),
          durationSeconds: 2.5,
          ok: !failing,
          ...(failing ? { error: 'timeout' } : {}),
          measurements: (failing ? { sent: 50, received: 0, loss_ratio: 1 } : { rtt_median_seconds: 0.012, sent: 50, received: 50, loss_ratio: 0 }) as Record<string, number>,
        }
      })
      const body: ResultBatch = { protocolVersion: 1, probeId: probe.id, sentAt: new Date(t).toISOString(), results }
      const res = await runtime.app.request('/api/v1/ingest', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) })
      if (res.status !== 202) throw new Error(`ingest → ${res.status}: ${await res.text()}`)
      runtime.tick()
    }
    // From here the server's clock is the wall clock.
    Object.defineProperty(clock, 'now', { get: () => Date.now() })
    ticker = setInterval(() => runtime.tick(), 250)

    server = await new Promise<Server>((resolve) => {
      const s = serve({ fetch: runtime.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server))
    })
    runtime.hub.attach(server)
    const address = server.address()
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`

    proxy = await refusingProxy()
    browser = await launchChromium(chromiumPath as string, proxy.port)
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1, timezoneId: 'Europe/Paris' })
    await guardOrigin(ctx, base, foreign)
    page = await ctx.newPage()
    await page.goto(`${base}/#/`, { timeout: 20_000 })
    await page.waitForSelector('form.signin input[name="username"]', { timeout: 20_000 })
    await page.fill('input[name="username"]', 'admin')
    await page.fill('input[name="password"]', PASSWORD)
    await page.click('form.signin button[type="submit"]')
    await page.waitForSelector('.grid tbody tr.row', { timeout: 20_000 })
  }, 120_000)

  afterAll(async () => {
    if (ticker) clearInterval(ticker)
    await browser?.close()
    await proxy?.close()
    await runtime?.close()
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()))
    opened?.sqlite.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('the commune down for 20 minutes shows "từ HH:MM" at the time it went down, and its outage at the end of the strip', async () => {
    const row = page.locator('tr.row', { has: page.locator('a', { hasText: 'Mường Lống' }) })
    const before = Math.floor((Date.now() - downAt) / MIN)
    const since = await waitFor('the since cell', async () => ((await row.locator('td.cell-since').textContent()) ?? '').trim() || null, 10_000)
    const after = Math.floor((Date.now() - downAt) / MIN)
    // Went down at the first failed round the engine judged (downAfter 1), 21 minutes ago.
    expect(before).toBeGreaterThanOrEqual(20)
    expect([`từ ${hanoiSince(downAt)} (${before} phút)`, `từ ${hanoiSince(downAt)} (${after} phút)`]).toContain(since)
    const runs = await waitFor(
      'the strip',
      async () => {
        const r = await row.locator('svg.hstrip rect').evaluateAll((els) => els.map((e) => ({ state: e.getAttribute('data-state'), start: Number(e.getAttribute('data-start')), length: Number(e.getAttribute('data-length')) })))
        return r.length > 0 ? r : null
      },
      10_000,
    )
    const history = (await (await page.request.get(`${base}/api/v1/overview/history`)).json()) as { from: string; bucketSeconds: number }
    const bucket = Math.floor((downAt - Date.parse(history.from)) / (history.bucketSeconds * 1000))
    const down = runs.filter((r) => r.state === 'down')
    expect(down).toEqual([{ state: 'down', start: bucket, length: 96 - bucket }])
    // Before the commune existed (three hours ago) nothing is drawn: the first run starts at its creation.
    // (its first minute, before the first round, is a data gap: unknown, drawn in its own colour).
    expect(runs[0]?.start).toBeGreaterThanOrEqual(96 - 13)
    expect(runs[0]?.state).toBe('unknown')
    expect(runs.slice(1, -1).every((r) => r.state === 'ok')).toBe(true)
    // The attention list says it too.
    expect(await page.locator('.attention__item--down .attention__since').first().textContent()).toMatch(new RegExp(`^từ ${hanoiSince(downAt)} \\(2\\d phút\\)$`))
    await page.screenshot({ path: join(SHOTS, 'overview-history-1440.png'), fullPage: true })
  })

  it("the same commune's page shows its 21-minute incident on the charts from the time it went down, and no figure from before it", async () => {
    await page.locator('tr.row a', { hasText: 'Mường Lống' }).first().click()
    await page.waitForSelector('.chart-panel .chart-band--incident', { timeout: 20_000, state: 'attached' })
    const incident = (await (await page.request.get(`${base}/api/v1/alerts?state=open`)).json()) as { incidents: Array<{ communeCode: string | null; openedAt: string }> }
    const open = incident.incidents.filter((i) => i.communeCode === 'NA-0001')
    expect(open).toHaveLength(1)
    // The incident began when the line went down (the first failed round), not when it was paged.
    expect(Date.parse(open[0]?.openedAt ?? '')).toBe(downAt)
    const bands = await page.locator('.chart-panel[data-chart="rtt"] .chart-band--incident').evaluateAll((els) => els.map((e) => ({ from: (e as HTMLElement).dataset.from, open: e.classList.contains('chart-band--open'), width: (e as HTMLElement).offsetWidth })))
    expect(bands).toHaveLength(1)
    expect(bands[0]?.from).toBe(new Date(downAt).toISOString())
    expect(bands[0]?.open).toBe(true)
    // Three hours of data: the 6-hour range; 21 of its 360 minutes are several pixels, not a hairline.
    expect(bands[0]?.width ?? 0).toBeGreaterThan(20)
    // The down line's row: its state since when, and neither the 12 ms nor the 0 % of before.
    const line = page.locator('tr[data-target="na-0001-line"]')
    expect(await line.locator('[data-figure="none"]').count()).toBe(1)
    expect(await line.locator('[data-figure="rtt"], [data-figure="loss"]').count()).toBe(0)
    expect(await line.textContent()).not.toMatch(/12 ms|\b0 %/)
    expect(await line.textContent()).toContain(`từ ${hanoiSince(downAt)}`)
    await page.screenshot({ path: join(SHOTS, 'overview-commune-incident-1440.png'), fullPage: true })
    await page.goBack()
    await page.waitForSelector('.grid tbody tr.row', { timeout: 20_000 })
  })

  it.each([
    [1440, 900],
    [1366, 768],
  ])('at %i×%i the last header cell of the table is fully inside its card', async (width, height) => {
    await page.setViewportSize({ width, height })
    const boxes = await page.evaluate(() => {
      const card = document.querySelector('.table-card .vtable') as HTMLElement
      const ths = card.querySelectorAll('thead th')
      const last = ths[ths.length - 1] as HTMLElement
      const c = card.getBoundingClientRect()
      const l = last.getBoundingClientRect()
      return { cardLeft: c.left, cardRight: c.right, lastLeft: l.left, lastRight: l.right, scrollWidth: card.scrollWidth, clientWidth: card.clientWidth, pageOverflow: document.documentElement.scrollWidth - window.innerWidth }
    })
    expect(boxes.lastRight).toBeLessThanOrEqual(boxes.cardRight)
    expect(boxes.scrollWidth).toBeLessThanOrEqual(boxes.clientWidth)
    expect(boxes.pageOverflow).toBeLessThanOrEqual(0)
    await page.screenshot({ path: join(SHOTS, `overview-table-${width}.png`) })
    expect(foreign).toEqual([])
  })
})
