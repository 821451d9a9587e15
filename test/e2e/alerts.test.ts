/**
 * The alerts page in a real browser against the real server (issue 13, Build 4 and Done-when 3):
 * three communes of Quỳ Châu, two of them with a line the embedded probe checks on a local
 * socket the test breaks (each opens an incident), one healthy neighbour. An operator signs in
 * and, in a Chromium whose locale is en-US and whose zone is New York:
 * - reads rows that name the commune, target and check;
 * - sees a row's start equal to the first entry of its timeline;
 * - acknowledges: the row stays where it was and says who acknowledged it and when;
 * - silences one commune from its row: the API then holds a silence matching exactly that
 *   commune (`commune_code=<code>`, equality) that mutes its incident and not the neighbour's;
 * - types a maintenance window as dd/MM/yyyy HH:mm, read as Vietnam time.
 * Screenshots at 1440×900 land in test-results/screenshots/.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { IncidentView } from '../../protocol'
import { DICTIONARIES } from '../../web/src/i18n'
import { toolOrSkip } from '../helpers/system-tool'
import { adminApi, breakableService, guardOrigin, launchChromium, recordErrors, refusingProxy, ROOT, type RunningServer, startServer, waitFor } from './harness'

const chromiumPath = toolOrSkip('chromium', 'the alerts e2e')
const PASSWORD = 'e2e-admin-password'
const OPERATOR = { username: 'huong.nt', password: 'mat-khau-cua-huong' }
const SHOTS = join(ROOT, 'test-results', 'screenshots')
const DESKTOP = { width: 1440, height: 900 }
const vi = DICTIONARIES.vi
const adminAuth = (): Record<string, string> => ({ authorization: `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}` })

const COMMUNES = [
  { code: 'NA-QC-CT', name: 'Xã Châu Tiến' },
  { code: 'NA-QC-CH', name: 'Xã Châu Hạnh' },
  { code: 'NA-QC-CB', name: 'Xã Châu Bính' },
] as const
const [tien, hanh, binh] = COMMUNES

describe.skipIf(!chromiumPath)('alerts e2e (chromium en-US, real server, 3 communes)', () => {
  let dir = ''
  let server: RunningServer
  let proxy: Awaited<ReturnType<typeof refusingProxy>>
  let browser: Browser
  let context: BrowserContext
  let page: Page
  const foreign: string[] = []
  const consoleErrors: string[] = []

  async function apiGet<T>(path: string): Promise<T> {
    const res = await fetch(`${server.base}${path}`, { headers: adminAuth(), signal: AbortSignal.timeout(15_000) })
    if (!res.ok) throw new Error(`GET ${path} → ${res.status}`)
    return (await res.json()) as T
  }
  const openIncidents = async (): Promise<IncidentView[]> => (await apiGet<{ incidents: IncidentView[] }>('/api/v1/alerts?state=open&limit=50')).incidents
  const incidentOf = async (code: string): Promise<IncidentView | undefined> => (await openIncidents()).find((i) => i.communeCode === code)
  const row = (id: number) => page.locator(`li.incident[data-incident="${id}"]`)

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'xanh-e2e-alerts-'))
    mkdirSync(SHOTS, { recursive: true })
    // Down after one failed round, evaluated every 250 ms: the incidents follow the broken sockets at once.
    writeFileSync(join(dir, 'xanh.yaml'), 'state:\n  downAfter: 1\n  upAfter: 1\n  tickSeconds: 0.25\nudpEchoPort: 0\nalerting:\n  groupWaitSeconds: 0\nembeddedProbeTiming:\n  batchMaxWaitSeconds: 0.25\n')
    proxy = await refusingProxy()
    server = await startServer({
      XANH_DATA_DIR: dir,
      XANH_CONFIG: join(dir, 'xanh.yaml'),
      XANH_DEMO: '0',
      XANH_ADMIN_PASSWORD: PASSWORD,
      XANH_PROVINCE_CODE: 'VN-NA',
      XANH_PROVINCE_NAME: 'Nghệ An',
    })
    const admin = adminApi(server.base, PASSWORD)
    for (const [n, c] of COMMUNES.entries()) {
      await admin.call('POST', '/api/v1/communes', { code: c.code, name: c.name, kind: 'xa', districtCluster: 'Cụm Quỳ Châu', lat: 19.55 + n * 0.02, lon: 105.1 + n * 0.02, contractedMbps: 100, priority: 0, notes: '' })
    }
    await admin.call('POST', '/api/v1/users', { username: OPERATOR.username, displayName: 'Nguyễn Thị Hương', role: 'operator', password: OPERATOR.password })
    // Each commune's line is a local socket the embedded probe connects to every second.
    const services = await Promise.all(COMMUNES.map(() => breakableService()))
    for (const [n, c] of COMMUNES.entries()) {
      await admin.call('POST', '/api/v1/targets', { id: `${c.code.toLowerCase()}-tcp`, communeCode: c.code, name: `Cáp quang ${c.name}`, kind: 'tcp', host: '127.0.0.1', port: services[n]?.port, role: 'line', intervalSeconds: 1, timeoutSeconds: 0.5 })
    }
    await waitFor(
      'the three lines measured ok',
      async () => {
        const states = await Promise.all(COMMUNES.map(async (c) => (await apiGet<{ state: string }>(`/api/v1/targets/${c.code.toLowerCase()}-tcp/status`).catch(() => ({ state: '' }))).state))
        return states.every((s) => s === 'ok')
      },
      30_000,
      250,
    )
    // Châu Tiến's line breaks first, then its neighbour Châu Hạnh's: two incidents, Tiến's the older.
    await services[0]?.break()
    await waitFor('an incident for Châu Tiến', () => incidentOf(tien.code), 20_000, 200)
    await services[1]?.break()
    await waitFor('an incident for Châu Hạnh', () => incidentOf(hanh.code), 20_000, 200)

    browser = await launchChromium(chromiumPath as string, proxy.port)
    // A browser set to American English in New York: what the page shows must not depend on it.
    context = await browser.newContext({ viewport: DESKTOP, deviceScaleFactor: 1, locale: 'en-US', timezoneId: 'America/New_York' })
    await guardOrigin(context, server.base, foreign)
    const signIn = await context.request.post(`${server.base}/api/v1/session`, { data: OPERATOR })
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

  it('runs in a browser whose locale is en-US and whose zone is not Vietnam’s', async () => {
    await page.goto(`${server.base}/#/alerts`, { timeout: 20_000 })
    const env = await page.evaluate(() => ({ lang: navigator.language, zone: Intl.DateTimeFormat().resolvedOptions().timeZone, sample: new Date(Date.UTC(2026, 1, 12, 22)).toLocaleString() }))
    expect(env).toEqual({ lang: 'en-US', zone: 'America/New_York', sample: '2/12/2026, 5:00:00 PM' })
  })

  it('names the commune, the target and its check on each incident row', async () => {
    const inc = (await incidentOf(tien.code)) as IncidentView
    await row(inc.id).waitFor({ timeout: 15_000 })
    const text = (await row(inc.id).textContent()) ?? ''
    expect(text).toContain(tien.name)
    expect(text).toContain(`Cáp quang ${tien.name}`)
    expect(text).toContain(`[${vi['check.tcp']}]`)
    expect(text).toContain(vi['state.down'].toLowerCase())
    // The neighbour's row names its own target.
    const other = (await incidentOf(hanh.code)) as IncidentView
    expect(await row(other.id).textContent()).toContain(`Cáp quang ${hanh.name}`)
  }, 30_000)

  it('shows the same start on the row as the first entry of its timeline', async () => {
    const inc = (await incidentOf(tien.code)) as IncidentView
    const r = row(inc.id)
    const start = r.locator('time.incident__start')
    const startAt = await start.getAttribute('datetime')
    expect(startAt).toBe(inc.openedAt)
    await r.getByRole('button', { name: vi['incident.timeline'] }).click()
    const first = r.locator('.timeline__item').first()
    await first.waitFor({ timeout: 10_000 })
    expect(await first.locator('strong').textContent()).toBe(vi['event.opened'])
    expect(await first.locator('time').getAttribute('datetime')).toBe(startAt)
    // And in words: "Bắt đầu HH:mm" is the HH:mm of the timeline's "dd/MM/yyyy HH:mm:ss".
    const shown = /(\d{2}:\d{2})/.exec((await start.textContent()) ?? '')?.[1]
    const entry = (await first.locator('time').textContent()) ?? ''
    expect(entry).toMatch(/^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}:\d{2}$/)
    expect(entry.slice(11, 16)).toBe(shown)
    await r.getByRole('button', { name: vi['incident.timeline'] }).click()
  }, 30_000)

  it('confirms an acknowledgement in place: the row keeps its position and says who and when', async () => {
    const inc = (await incidentOf(tien.code)) as IncidentView
    const order = async (): Promise<string[]> => page.locator('ul.incidents > li.incident').evaluateAll((els) => els.map((e) => e.getAttribute('data-incident') ?? ''))
    const before = await order()
    // Châu Tiến's outage is the older: first, and without keeping its place it would move below Châu Hạnh's.
    expect(before[0]).toBe(String(inc.id))
    expect(before.length).toBe(2)
    const r = row(inc.id)
    await r.getByRole('button', { name: vi['incident.ack'], exact: true }).click()
    await r.locator('textarea').fill('Đã gọi VNPT Quỳ Châu, kỹ thuật viên đang đến xã')
    await r.getByRole('button', { name: vi['incident.ackSubmit'] }).click()
    const confirmation = r.locator('.incident__ack')
    await confirmation.waitFor({ timeout: 10_000 })
    const acked = await waitFor('the ack stored', async () => {
      const i = await incidentOf(tien.code)
      return i?.state === 'acknowledged' ? i : undefined
    }, 10_000)
    const hhmm = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Ho_Chi_Minh', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(Date.parse(acked.ackedAt ?? ''))
    expect(await confirmation.textContent()).toContain(`Đã xác nhận bởi ${OPERATOR.username} lúc ${hhmm}`)
    // Focus moved to the confirmation (the form that had it is gone), and the row did not move,
    // also after the list was re-read from the server.
    expect(await confirmation.evaluate((el) => el === document.activeElement)).toBe(true)
    expect(await order()).toEqual(before)
    await page.waitForResponse((res) => res.url().includes('/api/v1/alerts?state=open'), { timeout: 15_000 })
    expect(await order()).toEqual(before)
    expect(await r.getAttribute('class')).toContain('incident--acknowledged')
  }, 40_000)

  it('"silence this commune" creates a silence of exactly that commune, muting its incident and not the neighbour’s', async () => {
    const inc = (await incidentOf(tien.code)) as IncidentView
    const neighbour = (await incidentOf(hanh.code)) as IncidentView
    expect(inc.silence).toBeNull()
    const { silences: before } = await apiGet<{ silences: Array<{ id: number }> }>('/api/v1/silences')
    const r = row(inc.id)
    await r.getByRole('button', { name: vi['incident.silence'] }).click()
    const clickedAt = Date.now()
    await r.locator('button[data-silence="1h"]').click()
    await r.locator('.silence-commune__done').waitFor({ timeout: 10_000 })
    expect(await r.locator('.silence-commune__done').textContent()).toContain(`Đã tạm tắt ${tien.name} đến`)

    type Stored = { id: number; matchers: unknown[]; startsAt: string; endsAt: string; state: string; createdBy: string; comment: string }
    const { silences } = await apiGet<{ silences: Stored[] }>('/api/v1/silences')
    const created = silences.filter((s) => !before.some((b) => b.id === s.id))
    expect(created).toHaveLength(1)
    const s = created[0] as Stored
    expect(s.matchers).toEqual([{ name: 'commune_code', value: tien.code, isRegex: false, isEqual: true }])
    expect(s.state).toBe('active')
    expect(s.createdBy).toBe(OPERATOR.username)
    expect(s.comment).toContain(`#${inc.id}`)
    expect(Math.abs(Date.parse(s.endsAt) - (clickedAt + 3600_000))).toBeLessThan(60_000)
    // The silence mutes Châu Tiến's incident and not its neighbour's.
    expect((await incidentOf(tien.code))?.silence).toEqual({ id: s.id, endsAt: s.endsAt })
    expect((await incidentOf(hanh.code))?.silence).toBeNull()
    expect(neighbour.communeCode).toBe(hanh.code)
    // The row says so once the list is re-read; the neighbour's row does not.
    await r.locator('.incident__silenced').waitFor({ timeout: 10_000 })
    expect(await row(neighbour.id).locator('.incident__silenced').count()).toBe(0)
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true)
    await page.screenshot({ path: join(SHOTS, 'alerts-open-desktop.png'), fullPage: true })
  }, 40_000)

  it('reads a maintenance window typed as dd/MM/yyyy HH:mm as Vietnam time under an en-US browser', async () => {
    await page.getByRole('button', { name: vi['alerts.view.maintenance'] }).click()
    const from = page.locator('#maint-from')
    const to = page.locator('#maint-to')
    await from.waitFor({ timeout: 10_000 })
    // No browser-locale pickers anywhere on the page, and the defaults are written the Vietnamese way.
    expect(await page.locator('input[type="datetime-local"], input[type="time"], input[type="date"]').count()).toBe(0)
    expect(await from.inputValue()).toMatch(/^\d{2}\/\d{2}\/\d{4} \d{2}:00$/)
    expect(await to.inputValue()).toMatch(/^\d{2}\/\d{2}\/\d{4} \d{2}:00$/)
    // A day February does not have is refused in Vietnamese when the field is left.
    await from.fill('30/02/2030 05:00')
    await to.focus()
    const problem = page.locator('#maint-from-error')
    await problem.waitFor({ timeout: 5000 })
    expect(await problem.textContent()).toBe('Tháng 02/2030 không có ngày 30.')
    expect(await from.getAttribute('aria-invalid')).toBe('true')
    // A bad shape (what an en-US picker would produce) is refused on submit, nothing is stored.
    await from.fill('2/12/2030, 5:00 AM')
    await page.fill('input[name="maintenance-communes"]', binh.code)
    await page.locator('form[aria-labelledby="maint-new-title"] textarea').fill('Thay bộ chuyển mạch ở bưu điện xã')
    await page.getByRole('button', { name: vi['maintenance.create'] }).click()
    expect(await problem.textContent()).toBe(vi['datetime.badFormat'])
    expect((await apiGet<{ maintenance: unknown[] }>('/api/v1/maintenance')).maintenance).toHaveLength(0)
    // The weekly hours are HH:mm text too.
    await page.getByLabel(vi['maintenance.weekly']).check()
    expect(await page.locator('#maint-day-start').inputValue()).toBe('22:00')
    await page.getByLabel(vi['maintenance.weekly']).uncheck()

    await from.fill('12/02/2030 05:00')
    await to.fill('12/02/2030 07:30')
    await page.getByRole('button', { name: vi['maintenance.create'] }).click()
    const stored = await waitFor(
      'the window stored',
      async () => (await apiGet<{ maintenance: Array<{ startsAt: string; endsAt: string; scope: { communes: string[] } }> }>('/api/v1/maintenance')).maintenance[0],
      10_000,
    )
    // 05:00 in Vietnam (UTC+7) is 22:00 UTC the day before, whatever New York thinks.
    expect(stored).toMatchObject({ startsAt: '2030-02-11T22:00:00.000Z', endsAt: '2030-02-12T00:30:00.000Z', scope: { communes: [binh.code] } })
    const listed = page.locator('li.schedule .schedule__times').first()
    await listed.waitFor({ timeout: 10_000 })
    expect(await listed.textContent()).toContain('12/02/2030 05:00 → 12/02/2030 07:30')
    // Nothing on the page is written the browser's way.
    expect(await page.locator('main, body').first().textContent()).not.toMatch(/\b\d{1,2}:\d{2}(:\d{2})? ?(AM|PM)\b/)
    await page.screenshot({ path: join(SHOTS, 'alerts-maintenance-desktop.png'), fullPage: true })
  }, 40_000)

  it('made no request off the server and logged no error', () => {
    expect(foreign).toEqual([])
    // Chromium's own housekeeping (component updates, time, accounts) is refused by the proxy; the page's requests never reach it.
    expect(proxy.hits.filter((h) => !/^(CONNECT|GET|POST) (https?:\/\/)?[a-z0-9.-]+\.(google\.com|googleapis\.com|gstatic\.com|gvt1\.com)[:/]/.test(h))).toEqual([])
    expect(consoleErrors).toEqual([])
  })
})
