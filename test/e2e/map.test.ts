/**
 * The commune map on the demo province (issue 13, Build 2), in Chromium at 1440×900 against the
 * real server started with an empty inventory (so it loads the demo, its responders on a random
 * 127.N.x.y network and the embedded probe measuring them): the demo's outline is drawn, every
 * commune in trouble is named, zooming in names every visible commune, down and unknown markers
 * are at least {@link MIN_PROBLEM_RADIUS_PX} px in radius, and no two visible markers overlap
 * unless grouped. Screenshots land in test-results/screenshots/map-*.png.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toolOrSkip } from '../helpers/system-tool'
import { guardOrigin, launchChromium, refusingProxy, ROOT, startServer, type RunningServer, waitFor } from './harness'

const chromiumPath = toolOrSkip('chromium', 'the map e2e')
const PASSWORD = 'e2e-mat-khau-ban-do'
const SHOTS = join(ROOT, 'test-results', 'screenshots')
const DESKTOP = { width: 1440, height: 900 }
/** Down and unknown markers must be findable: at least this radius on screen (px). */
const MIN_PROBLEM_RADIUS_PX = 8

interface Drawn {
  code: string
  state: string
  count: number
  cx: number
  cy: number
  r: number
  label: boolean
}

describe.skipIf(!chromiumPath)('commune map on the demo province (chromium, 1440×900)', () => {
  let dir = ''
  let server: RunningServer
  let proxy: Awaited<ReturnType<typeof refusingProxy>>
  let browser: Browser
  let page: Page
  const foreign: string[] = []

  /** Every marker drawn inside the map's box, with its screen circle and whether a label names it. */
  const drawn = (): Promise<Drawn[]> =>
    page.evaluate(() => {
      const frame = (document.querySelector('.map__svg') as SVGSVGElement).getBoundingClientRect()
      const labelled = new Set([...document.querySelectorAll('.map__label')].map((l) => l.getAttribute('data-code')))
      return [...document.querySelectorAll('.map__marker')].flatMap((g) => {
        const box = (g.querySelector('.map__mk') as SVGUseElement).getBoundingClientRect()
        const cx = box.x + box.width / 2
        const cy = box.y + box.height / 2
        if (cx < frame.left || cx > frame.right || cy < frame.top || cy > frame.bottom) return []
        const code = g.getAttribute('data-code') ?? ''
        return [{ code, state: g.getAttribute('data-state') ?? '', count: Number(g.getAttribute('data-count')), cx, cy, r: box.width / 2, label: labelled.has(code) }]
      })
    })

  /** Pairs of drawn markers whose circles overlap (each drawn marker is a commune or a group). */
  const overlaps = (list: readonly Drawn[]): string[] => {
    const out: string[] = []
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        const a = list[i] as Drawn
        const b = list[j] as Drawn
        // Half a pixel for rounding of the boxes.
        if (Math.hypot(a.cx - b.cx, a.cy - b.cy) < a.r + b.r - 0.5) out.push(`${a.code}/${b.code}`)
      }
    }
    return out
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'xanh-e2e-map-'))
    mkdirSync(SHOTS, { recursive: true })
    // A random demo network: another run on this machine may hold 127.77.x.y.
    const net = 100 + Math.floor(Math.random() * 150)
    server = await startServer({ XANH_DATA_DIR: dir, XANH_ADMIN_PASSWORD: PASSWORD, XANH_DEMO_NET: String(net), XANH_UDP_ECHO_PORT: '0' })
    proxy = await refusingProxy()
    browser = await launchChromium(chromiumPath as string, proxy.port)
    const ctx = await browser.newContext({ viewport: DESKTOP, deviceScaleFactor: 1 })
    await guardOrigin(ctx, server.base, foreign)
    page = await ctx.newPage()
    await page.goto(`${server.base}/#/`, { timeout: 20_000 })
    await page.waitForSelector('form.signin input[name="username"]', { timeout: 20_000 })
    await page.fill('input[name="username"]', 'admin')
    await page.fill('input[name="password"]', PASSWORD)
    await page.click('form.signin button[type="submit"]')
    await page.waitForSelector('.map__svg[data-points]', { timeout: 20_000 })
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await proxy?.close()
    await server?.stop()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('draws the demo province outline', async () => {
    await waitFor('the outline', () => page.locator('.map__outline').count(), 10_000)
    const d = (await page.getAttribute('.map__outline', 'd')) ?? ''
    // A closed ring of the ten-point demo outline.
    expect(d).toMatch(/^M[\d.,L]+Z$/)
    expect(d.split('L').length).toBeGreaterThanOrEqual(10)
    const box = await page.locator('.map__outline').boundingBox()
    expect(box?.width ?? 0).toBeGreaterThan(400)
  }, 30_000)

  it('names every commune in trouble at the default zoom, and no two visible markers overlap unless grouped', async () => {
    // Settled: the first rounds are in (most communes ok), and a line of the demo is down.
    const list = await waitFor(
      'a settled demo with a down commune',
      async () => {
        const l = await drawn()
        const ok = l.filter((m) => m.state === 'ok').reduce((n, m) => n + m.count, 0)
        return ok >= 100 && l.some((m) => m.state === 'down') ? l : undefined
      },
      90_000,
      1000,
    )
    await page.screenshot({ path: join(SHOTS, 'map-default-1440.png') })
    const troubled = list.filter((m) => m.state !== 'ok')
    expect(troubled.length).toBeGreaterThan(0)
    expect(troubled.filter((m) => !m.label).map((m) => m.code)).toEqual([])
    // Calm communes are not named at this zoom (the map would be a wall of text).
    expect(list.filter((m) => m.state === 'ok' && m.label).length).toBe(0)
    expect(overlaps(list)).toEqual([])
    // Every commune is drawn, alone or in a group.
    expect(list.reduce((n, m) => n + m.count, 0)).toBe(Number(await page.getAttribute('.map__svg', 'data-points')))
    expect(list.some((m) => m.count > 1)).toBe(true)
    // Down and unknown are large enough to find.
    for (const m of list.filter((x) => x.state === 'down' || x.state === 'unknown')) expect(m.r, `${m.state} ${m.code}`).toBeGreaterThanOrEqual(MIN_PROBLEM_RADIUS_PX)
    const okR = list.find((m) => m.state === 'ok')?.r ?? 0
    const downR = list.find((m) => m.state === 'down')?.r ?? 0
    expect(downR).toBeGreaterThan(okR * 1.5)
  }, 120_000)

  it('names every visible commune when zoomed in, still without overlapping markers', async () => {
    for (let i = 0; i < 3; i++) await page.click('.map__zoom button:first-child')
    const list = await waitFor('zoomed markers', async () => {
      const l = await drawn()
      return l.length > 0 && l.every((m) => m.label) ? l : undefined
    }, 10_000).catch(async () => drawn())
    await page.screenshot({ path: join(SHOTS, 'map-zoomed-1440.png') })
    expect(list.length).toBeGreaterThan(3)
    expect(list.filter((m) => !m.label).map((m) => m.code)).toEqual([])
    expect(overlaps(list)).toEqual([])
    expect(foreign).toEqual([])
  }, 30_000)

  it('keeps markers findable and names readable on a 360-px phone', async () => {
    await page.setViewportSize({ width: 360, height: 740 })
    await page.click('.map__btn--reset')
    await page.locator('.map__svg').scrollIntoViewIfNeeded()
    const list = await waitFor('markers laid out for the phone', async () => {
      const l = await drawn()
      return l.length > 0 && overlaps(l).length === 0 ? l : undefined
    }, 10_000).catch(async () => drawn())
    await page.screenshot({ path: join(SHOTS, 'map-phone-360.png') })
    expect(overlaps(list)).toEqual([])
    for (const m of list.filter((x) => x.state === 'down' || x.state === 'unknown')) expect(m.r, `${m.state} ${m.code}`).toBeGreaterThanOrEqual(MIN_PROBLEM_RADIUS_PX)
    const fontPx = await page.locator('.map__label').first().evaluate((el) => el.getBoundingClientRect().height)
    expect(fontPx).toBeGreaterThanOrEqual(9)
  }, 30_000)
})
