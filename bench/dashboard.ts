/**
 * Dashboard benchmark (SPEC §10): first render of the overview with 3,321 communes against
 * Chromium loading a static HTML table of the same rows, in the same run and browser; the
 * gzipped JS bundle; and 100 live changes per second on the open overview (longest task).
 *
 * The built dashboard (dist/web) is served by a small HTTP server that answers the overview
 * API with the generated inventory (scripts/generate-inventory.ts) and pushes deltas on the
 * live WebSocket, so what is timed is the browser: download, parse, render, paint. Each load
 * uses a fresh browser context (no cache). Chromium is Debian's (/usr/bin/chromium or
 * BENCH_CHROMIUM); without it the benchmark prints one line and is skipped.
 * @module
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { createServer, type Server } from 'node:http'
import { extname, join, resolve } from 'node:path'
import { gzipSync } from 'node:zlib'
import { WebSocketServer, type WebSocket } from 'ws'
import type { CommuneSummary, LiveMessage, Overview, State, StateCounts } from '../protocol'
import { COMMUNE_COUNT, generateCommunes, generateOutline, overviewRows } from '../scripts/generate-inventory'

const ROOT = resolve(import.meta.dirname, '..')
/**
 * The dashboard build the benchmark serves: its own directory, never `dist/web` (the server and
 * the e2e tests, which may run meanwhile, serve that one).
 */
const WEB = mkdtempSync(join(tmpdir(), 'xanh-bench-web-'))
const MARK = 'xanh:overview-rendered'

export interface DashboardBenchOptions {
  /** Loads of each page (median reported). */
  runs: number
  /** Seconds of live deltas at 100 changes per second. */
  liveSeconds: number
}

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.json': 'application/json' }

function counts(rows: readonly CommuneSummary[]): StateCounts {
  const c: StateCounts = { ok: 0, warning: 0, critical: 0, down: 0, unknown: 0 }
  for (const r of rows) c[r.state]++
  return c
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;')

/** The reference: the same rows and columns as a plain server-rendered HTML table. */
function staticTable(rows: readonly CommuneSummary[]): string {
  const body = rows
    .map(
      (c) =>
        `<tr><td>${c.state}</td><td>${esc(c.name)}</td><td>${c.code}</td><td>${esc(c.cluster)}</td><td>${c.rttSeconds === null ? '—' : (c.rttSeconds * 1000).toFixed(1)}</td><td>${c.lossRatio === null ? '—' : (c.lossRatio * 100).toFixed(2)}</td><td>${c.contractedMbps}</td><td>${c.openGaps}</td><td>${c.since ?? '—'}</td><td>${c.lastSeenAt ?? '—'}</td></tr>`,
    )
    .join('\n')
  return `<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>static</title>
<style>body{font:14px system-ui,sans-serif;margin:0}table{border-collapse:collapse;width:100%}td{padding:10px 12px;border-bottom:1px solid #edf0f3;white-space:nowrap}</style></head>
<body><table><thead><tr><th>Trạng thái</th><th>Tên</th><th>Mã</th><th>Cụm</th><th>RTT</th><th>Mất gói</th><th>Hợp đồng</th><th>Vùng lõm</th><th>Từ</th><th>Lần cuối</th></tr></thead><tbody>
${body}
</tbody></table>
<script>requestAnimationFrame(() => performance.mark(${JSON.stringify(MARK)}))</script></body></html>`
}

interface Stub {
  base: string
  sockets: Set<WebSocket>
  close(): Promise<void>
}

async function startStub(overview: Overview, staticHtml: string): Promise<Stub> {
  const outline = JSON.stringify({ boundary: generateOutline() })
  const ov = (): string => JSON.stringify({ ...overview, generatedAt: new Date().toISOString() })
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    const json = (body: string, status = 200) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(body)
    }
    if (url.pathname === '/api/v1/overview') return json(ov()) // fresh: newer than the socket's hello
    // Signed in as a viewer (the dashboard asks before anything else since accounts exist).
    if (url.pathname === '/api/v1/session') return json(JSON.stringify({ signedIn: true, username: 'xem', role: 'viewer', displayName: 'Người xem', publicRead: false }))
    if (url.pathname === '/api/v1/alerts') return json('{"incidents":[]}')
    if (url.pathname === '/api/v1/settings/boundary') return json(outline)
    if (url.pathname === '/static.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      return res.end(staticHtml)
    }
    const file = join(WEB, url.pathname === '/' ? 'index.html' : url.pathname)
    if (!file.startsWith(WEB) || !existsSync(file) || !statSync(file).isFile()) return json('{"error":{"code":"E_NOT_FOUND","message":"no"}}', 404)
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' })
    res.end(readFileSync(file))
  })
  const wss = new WebSocketServer({ server, path: '/api/v1/live' })
  const sockets = new Set<WebSocket>()
  wss.on('connection', (ws) => {
    sockets.add(ws)
    ws.on('close', () => sockets.delete(ws))
    const hello: LiveMessage = { type: 'hello', serverTime: new Date().toISOString(), demo: false }
    ws.send(JSON.stringify(hello))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    base: `http://127.0.0.1:${port}`,
    sockets,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.terminate()
        wss.close()
        server.close(() => r())
      }),
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2
}

/** Gzipped size of every JS file of the build (what a browser downloads for the dashboard). */
function bundleSizes(): { js: number; gz: number; css: number; cssGz: number } {
  const assets = join(WEB, 'assets')
  let js = 0
  let gz = 0
  let css = 0
  let cssGz = 0
  for (const f of readdirSync(assets)) {
    const buf = readFileSync(join(assets, f))
    if (f.endsWith('.js')) {
      js += buf.length
      gz += gzipSync(buf, { level: 9 }).length
    } else if (f.endsWith('.css')) {
      css += buf.length
      cssGz += gzipSync(buf, { level: 9 }).length
    }
  }
  return { js, gz, css, cssGz }
}

/**
 * Runs the dashboard benchmark and returns the lines to print.
 */
export async function benchDashboard(opts: DashboardBenchOptions): Promise<string[]> {
  const chromiumPath = process.env.BENCH_CHROMIUM ?? '/usr/bin/chromium'
  if (!existsSync(chromiumPath)) return [`dashboard: skipped (no chromium at ${chromiumPath}; set BENCH_CHROMIUM)`]
  const { build } = await import('vite')
  await build({ configFile: join(ROOT, 'web', 'vite.config.ts'), logLevel: 'warn', build: { outDir: WEB, emptyOutDir: true } })
  const size = bundleSizes()

  const now = Date.now()
  const communes = generateCommunes()
  const rows = overviewRows(communes, now)
  const overview: Overview = { province: { code: 'VN-BENCH', name: 'Toàn quốc (benchmark)' }, demo: false, generatedAt: new Date(now).toISOString(), counts: counts(rows), communes: rows }
  const stub = await startStub(overview, staticTable(rows))
  const { chromium } = await import('playwright-core')
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  })
  try {
    const viewport = { width: 1440, height: 900 }
    async function firstRender(path: string, ready: string): Promise<number> {
      const context = await browser.newContext({ viewport })
      const page = await context.newPage()
      await page.goto(stub.base + path, { waitUntil: 'commit' })
      await page.waitForSelector(ready, { state: 'attached', timeout: 30_000 })
      const ms = await page.waitForFunction((mark) => performance.getEntriesByName(mark)[0]?.startTime, MARK, { timeout: 30_000 })
      const value = (await ms.jsonValue()) as number
      await context.close()
      return value
    }
    // Warm up both (the OS file cache, Chromium's own start-up work) before timing.
    await firstRender('/static.html', 'tbody tr')
    await firstRender('/', '.map__svg[data-points]')
    const dash: number[] = []
    const stat: number[] = []
    for (let i = 0; i < opts.runs; i++) {
      stat.push(await firstRender('/static.html', 'tbody tr'))
      dash.push(await firstRender('/', '.map__svg[data-points]'))
    }

    // Live: 100 commune changes per second on the open overview, sent as 10 deltas of 10 and as
    // 100 deltas of 1; the longest main-thread task of each.
    const live: string[] = []
    for (const [perSecond, perMessage] of [
      [10, 10],
      [100, 1],
    ] as const) {
      const context = await browser.newContext({ viewport })
      const page = await context.newPage()
      await page.goto(stub.base + '/')
      await page.waitForSelector('.map__svg[data-points]')
      await page.evaluate(() => {
        const w = window as unknown as { __long: number[] }
        w.__long = []
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) w.__long.push(e.duration)
        }).observe({ type: 'longtask', buffered: false })
      })
      const states: State[] = ['ok', 'warning', 'critical', 'down', 'unknown']
      const current = [...rows]
      let sent = 0
      // Every 100 ms, a tenth of a second's messages.
      await new Promise<void>((done) => {
        const timer = setInterval(() => {
          for (let m = 0; m < perSecond / 10; m++) {
            const changed: CommuneSummary[] = []
            for (let k = 0; k < perMessage; k++) {
              const i = Math.floor(Math.random() * current.length)
              const c = { ...(current[i] as CommuneSummary), state: states[Math.floor(Math.random() * states.length)] as State, since: new Date().toISOString() }
              current[i] = c
              changed.push(c)
            }
            const msg: LiveMessage = { type: 'delta', at: new Date().toISOString(), counts: counts(current), communes: changed, targets: [] }
            for (const s of stub.sockets) s.send(JSON.stringify(msg))
            sent += changed.length
          }
          if (sent >= opts.liveSeconds * 100) {
            clearInterval(timer)
            done()
          }
        }, 100)
      })
      await page.waitForTimeout(500)
      const long = await page.evaluate(() => (window as unknown as { __long: number[] }).__long)
      // The page really applied them: its "down" tile shows the count after the last delta.
      const downShown = (await page.textContent('.tile--down .tile__count'))?.replace(/\D/g, '')
      if (downShown !== String(counts(current).down)) throw new Error(`live deltas not applied: page shows ${downShown} down, expected ${counts(current).down}`)
      await context.close()
      live.push(
        `dashboard live: ${sent} changes over ${opts.liveSeconds} s as ${perSecond} deltas/s of ${perMessage} → ${long.length} long tasks, longest ${long.length ? Math.max(...long).toFixed(0) : 0} ms (target: none > 50 ms)`,
      )
    }

    const d = median(dash)
    const s = median(stat)
    const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`
    return [
      `dashboard first render, ${COMMUNE_COUNT} communes (median of ${opts.runs}, cold context each): Xanh overview ${d.toFixed(0)} ms (map + virtualised table), static HTML table ${s.toFixed(0)} ms, ratio ${(d / s).toFixed(2)} (target ≤ 2)`,
      `dashboard bundle: JS ${kb(size.js)} (${kb(size.gz)} gzip -9), CSS ${kb(size.css)} (${kb(size.cssGz)} gzip -9)`,
      ...live,
    ]
  } finally {
    await browser.close()
    await stub.close()
    rmSync(WEB, { recursive: true, force: true })
  }
}
