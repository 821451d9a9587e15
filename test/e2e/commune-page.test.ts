/**
 * The commune page in a real browser against the real server (issue 13, Build 3 and Done-when 2):
 * a line with 20 minutes of healthy history goes down; its page opens on the 1-hour range, draws
 * the incident (and a maintenance window) as bands at their times, shows no figure from before
 * the outage on the down row, and explains the probe's error in Vietnamese with the raw line one
 * click away. Small inventory (two communes) through the admin API; results from a remote probe
 * the test speaks for. Screenshots at 1440×900 in test-results/screenshots/.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CheckResult, IncidentView, ProbeCreated } from '../../protocol'
import { translate } from '../../web/src/i18n'
import { toolOrSkip } from '../helpers/system-tool'
import { adminApi, feedingProbe, guardOrigin, launchChromium, recordErrors, refusingProxy, ROOT, type RunningServer, startServer, waitFor } from './harness'

const chromiumPath = toolOrSkip('chromium', 'the commune page e2e')
const PASSWORD = 'e2e-admin-password'
const adminAuth = (): Record<string, string> => ({ authorization: `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}` })
const SHOTS = join(ROOT, 'test-results', 'screenshots')
const CODE = '17110'
const LINE = 'muong-long-line'
const RAW_ERROR = '100% loss to 127.78.0.86:8621 (50 sent)'

describe.skipIf(!chromiumPath)('commune page e2e (chromium, real server)', () => {
  let dir = ''
  let server: RunningServer
  let proxy: Awaited<ReturnType<typeof refusingProxy>>
  let browser: Browser
  let context: BrowserContext
  let page: Page
  let incident: IncidentView
  const foreign: string[] = []
  const consoleErrors: string[] = []

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'xanh-e2e-commune-'))
    mkdirSync(SHOTS, { recursive: true })
    writeFileSync(join(dir, 'xanh.yaml'), 'state:\n  downAfter: 1\n  upAfter: 1\n  tickSeconds: 0.25\nudpEchoPort: 0\nalerting:\n  groupWaitSeconds: 0\n')
    proxy = await refusingProxy()
    server = await startServer({ XANH_DATA_DIR: dir, XANH_CONFIG: join(dir, 'xanh.yaml'), XANH_DEMO: '0', XANH_ADMIN_PASSWORD: PASSWORD, XANH_PROVINCE_CODE: 'VN-40', XANH_PROVINCE_NAME: 'Nghệ An' })
    const admin = adminApi(server.base, PASSWORD)
    const probe = (await admin.call('POST', '/api/v1/probes', { name: 'dau-do-ky-son', location: 'Kỳ Sơn' })) as ProbeCreated
    await admin.call('POST', '/api/v1/communes', { code: CODE, name: 'Mường Lống', kind: 'xa', districtCluster: 'Kỳ Sơn', lat: 19.32, lon: 104.3, contractedMbps: 100 })
    await admin.call('POST', '/api/v1/communes', { code: '17119', name: 'Châu Khê', kind: 'xa', districtCluster: 'Con Cuông', lat: 19.05, lon: 104.9, contractedMbps: 100 })
    await admin.call('POST', '/api/v1/targets', { id: LINE, communeCode: CODE, name: 'Cáp quang Mường Lống', kind: 'udp_echo', host: '127.78.0.86', port: 8621, role: 'line', intervalSeconds: 60, probeId: probe.id })
    await admin.call('POST', '/api/v1/targets', { id: 'chau-khe-line', communeCode: '17119', name: 'Cáp quang Châu Khê', kind: 'udp_echo', host: '127.78.0.87', port: 8621, role: 'line', intervalSeconds: 60, probeId: probe.id })
    await waitFor('the engine to know the targets', async () => (await fetch(`${server.base}/api/v1/targets/${LINE}/status`, { headers: adminAuth() })).status === 200, 15_000)

    // 20 minutes of a healthy line (RTT 5,5 ms, no loss), then a round where nothing came back.
    const ingest = feedingProbe(server.base, probe.id, probe.token)
    const now = Date.now()
    const healthy: Array<Omit<CheckResult, 'id' | 'durationSeconds'>> = []
    for (let ago = 20 * 60_000; ago >= 2 * 60_000; ago -= 60_000) {
      for (const id of [LINE, 'chau-khe-line']) {
        healthy.push({ targetId: id, kind: 'udp_echo', observedAt: new Date(now - ago).toISOString(), ok: true, measurements: { rtt_median_seconds: 0.0055, rtt_min_seconds: 0.005, rtt_max_seconds: 0.007, sent: 50, received: 50, loss_ratio: 0, jitter_seconds: 0.0004 } })
      }
    }
    await ingest(healthy)
    // Maintenance of the commune 15–10 minutes ago: drawn as its own band.
    await admin.call('POST', '/api/v1/maintenance', { scope: { communes: [CODE] }, startsAt: new Date(now - 15 * 60_000).toISOString(), endsAt: new Date(now - 10 * 60_000).toISOString(), reason: 'Thay bộ chuyển mạch trạm Mường Lống' })
    await ingest([{ targetId: LINE, kind: 'udp_echo', observedAt: new Date().toISOString(), ok: false, error: RAW_ERROR, measurements: { sent: 50, received: 0, loss_ratio: 1 } }])
    incident = await waitFor(
      'an open incident of Mường Lống',
      async () => {
        const body = (await (await fetch(`${server.base}/api/v1/alerts?state=open&limit=50`, { headers: adminAuth() })).json()) as { incidents: IncidentView[] }
        return body.incidents.find((i) => i.communeCode === CODE && i.alertname === 'XanhTargetDown')
      },
      15_000,
      200,
    )

    browser = await launchChromium(chromiumPath as string, proxy.port)
    context = await browser.newContext({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 })
    await guardOrigin(context, server.base, foreign)
    const signIn = await context.request.post(`${server.base}/api/v1/session`, { data: { username: 'admin', password: PASSWORD } })
    expect(signIn.status()).toBe(200)
    page = await context.newPage()
    recordErrors(page, consoleErrors)
  }, 120_000)

  afterAll(async () => {
    await context?.close().catch(() => undefined)
    await browser?.close().catch(() => undefined)
    await server?.stop()
    await proxy?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('opens on 1 h, draws the incident and the maintenance at their times, and a state timeline', async () => {
    await page.goto(`${server.base}/#/commune/${CODE}`, { timeout: 20_000 })
    // Attached, not "visible": a band a few seconds old is a 2 px sliver Playwright may call hidden.
    await page.waitForSelector('.chart-panel[data-chart="rtt"] .chart-band--incident', { timeout: 20_000, state: 'attached' })
    // 20 minutes of data: the 1-hour range, not a sliver at the edge of 6 hours.
    expect(await page.getAttribute('.segmented__btn[aria-pressed="true"]', 'aria-pressed')).toBe('true')
    expect(await page.textContent('.segmented__btn[aria-pressed="true"]')).toContain(translate('vi', 'range.1h.short'))

    // The band starts where the incident opened: its left edge maps back to openedAt (± 1 px).
    const geo = await page.evaluate(() => {
      const root = document.querySelector<HTMLElement>('.chart-panel[data-chart="rtt"] .uplot')
      const band = root?.querySelector<HTMLElement>('.chart-band--incident')
      const over = root?.querySelector<HTMLElement>('.u-over')
      if (!root || !band || !over) return null
      return { min: Number(root.dataset.xMin), max: Number(root.dataset.xMax), width: over.clientWidth, left: band.offsetLeft, bandWidth: band.offsetWidth, from: band.dataset.from, open: band.classList.contains('chart-band--open') }
    })
    expect(geo).not.toBeNull()
    const openedSec = Date.parse(incident.openedAt) / 1000
    const expectedLeft = ((openedSec - geo!.min) / (geo!.max - geo!.min)) * geo!.width
    expect(Math.abs(geo!.left - expectedLeft)).toBeLessThanOrEqual(1.5)
    expect(geo!.from).toBe(new Date(Date.parse(incident.openedAt)).toISOString())
    expect(geo!.open).toBe(true)
    // Every chart has the band; the legend lists it in words with its start time.
    expect(await page.locator('.chart-panel .chart-band--incident').count()).toBe(await page.locator('.chart-panel .uplot').count())
    expect(await page.locator('.chart-band-list__item--incident').count()).toBe(1)
    const mBand = page.locator('.chart-panel[data-chart="rtt"] .chart-band--maintenance')
    expect(await mBand.count()).toBe(1)
    expect(await mBand.getAttribute('title')).toBe('Thay bộ chuyển mạch trạm Mường Lống')
    expect(await page.textContent('.chart-band-list')).toContain('Thay bộ chuyển mạch trạm Mường Lống')

    // The timeline row of the line ends in down.
    const segs = page.locator(`[data-timeline="${LINE}"] .state-timeline__seg`)
    expect(await segs.last().getAttribute('data-state')).toBe('down')
    await page.screenshot({ path: join(SHOTS, 'commune-page-incident-desktop.png'), fullPage: true })
  }, 60_000)

  it('the down line shows no figure from before the outage, and its error in Vietnamese with the raw line one click away', async () => {
    const row = page.locator(`tr[data-target="${LINE}"]`)
    await row.waitFor({ timeout: 10_000 })
    const text = (await row.textContent()) ?? ''
    // Its window still holds 5,5 ms and 0 %, from before: neither may show as current.
    expect(text).not.toContain('5,5 ms')
    expect(text).not.toMatch(/\b0 %/)
    expect(await row.locator('[data-figure="none"]').count()).toBe(1)
    expect(await row.locator('[data-figure="rtt"], [data-figure="loss"]').count()).toBe(0)
    const err = row.locator('.probe-error')
    expect(await err.getAttribute('data-kind')).toBe('totalLoss')
    expect(await err.locator('.probe-error__text').textContent()).toBe(
      translate('vi', 'probeError.totalLoss', { sent: '50', address: '127.78.0.86:8621' }),
    )
    const raw = err.locator('.probe-error__raw code')
    expect(await raw.isVisible()).toBe(false)
    await err.locator('summary').click()
    expect(await raw.isVisible()).toBe(true)
    expect(await raw.textContent()).toBe(RAW_ERROR)
    // The status card of the line shows the same explanation, and no RTT figure.
    expect(await page.locator('.status-card[data-role="line"] .probe-error[data-kind="totalLoss"]').count()).toBe(1)
    expect((await page.textContent('.status-card[data-role="line"]')) ?? '').not.toContain('5,5 ms')
    await page.screenshot({ path: join(SHOTS, 'commune-page-error-desktop.png'), fullPage: true })
  }, 30_000)

  it('a healthy commune shows its current figures, and nothing left the origin', async () => {
    await page.goto(`${server.base}/#/commune/17119`, { timeout: 20_000 })
    const row = page.locator('tr[data-target="chau-khe-line"]')
    await row.waitFor({ timeout: 10_000 })
    expect(await row.locator('[data-figure="rtt"]').textContent()).toBe('5,5 ms')
    expect(await page.locator('.chart-band--incident').count()).toBe(0)
    expect(foreign).toEqual([])
    expect(consoleErrors).toEqual([])
  }, 30_000)
})
