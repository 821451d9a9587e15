/**
 * Load (issue 15, done-when 2): `main.ts` as its own process with 9,963 targets; a paced load of
 * `rate` results/s (500-result gzip'd batches over keep-alive, results observed a second before
 * they are sent, as live agents send them) for `warmupSeconds` (reported apart), then `seconds`, while `wsClients` dashboards listen on
 * `/api/v1/live` and `/metrics` is scraped every 5 s. Counted: errors (any answer but 202), batch
 * p50/p99, peak RSS of the server, scrape times, live messages and bytes received, dashboards
 * cut off. Then the capacity (batches as fast as answered, 16 in flight), an overload paced at
 * 3 × that capacity (up to `overloadConcurrency` in flight: the server must answer the excess
 * 429 with Retry-After and keep its RSS bounded), and the paced load again from a second after
 * it, in four 5 s slices (recovery). Loopback
 * only; every loop bounded in count and time.
 */
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { WebSocket } from 'ws'
import type { CheckResult } from '../protocol'
import { buildBodies, pct, prepareInventory, procFacts, runLoadClient, startMainProcess } from './ingest'
import { startScraper, type Scrape } from './scraper'

export interface LoadOptions {
  rate: number
  /** Seconds of the same load before the measured ones (JIT, first scrape, first incidents). */
  warmupSeconds: number
  seconds: number
  wsClients: number
  targets: number
  capacityBatches: number
  overloadSeconds: number
  overloadConcurrency: number
  progress?: (line: string) => void
}

const ADMIN_PASSWORD = 'mat-khau-quan-tri-bench'
const METRICS_TOKEN = 'bench-metrics-token-0123456789'

const rssOf = (pid: number): number => procFacts(pid).rss

/** Runs the load benchmark; returns printable lines. */
export async function benchLoad(opts: LoadOptions): Promise<string[]> {
  const say = opts.progress ?? ((): void => undefined)
  const dir = mkdtempSync(join(tmpdir(), 'xanh-bench-load-'))
  let server: ChildProcess | undefined
  const sockets: WebSocket[] = []
  try {
    const { token, probeId } = await prepareInventory(dir, opts.targets)
    const started = await startMainProcess(dir, { XANH_ADMIN_PASSWORD: ADMIN_PASSWORD, XANH_METRICS_TOKEN: METRICS_TOKEN })
    server = started.child
    const { url } = started
    const pid = server.pid as number

    // Dashboards: one signed-in session, `wsClients` live sockets counting messages and bytes.
    const signIn = await fetch(`${url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }) })
    if (signIn.status !== 200) throw new Error(`sign-in answered ${signIn.status}`)
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
    const wsUrl = url.replace('http:', 'ws:') + '/api/v1/live'
    let deltas = 0
    let deltaBytes = 0
    let wsClosed = 0
    await Promise.all(
      Array.from({ length: opts.wsClients }, () => {
        const ws = new WebSocket(wsUrl, { headers: { cookie } })
        sockets.push(ws)
        ws.on('message', (data: Buffer) => {
          deltas++
          deltaBytes += data.length
        })
        ws.on('close', () => wsClosed++)
        return new Promise<void>((resolve, reject) => {
          ws.once('open', () => resolve())
          ws.once('error', reject)
        })
      }),
    )
    say(`load: ${opts.wsClients} dashboards connected`)

    // Scrapes every 5 s, timed in their own process (this one is busy with the dashboards' feeds).
    const scraper = startScraper(url, METRICS_TOKEN, 5000, 30_000)
    let rssPeak = rssOf(pid)
    const rssTimer = setInterval(() => (rssPeak = Math.max(rssPeak, rssOf(pid))), 200)

    /** Bodies of `batches` batches whose results are observed `rate` a second from `startAt` on, a second before they are due. */
    const liveBodies = (name: string, batches: number, startAt: number, rate: number): string => {
      const file = join(dir, name)
      writeFileSync(file, buildBodies(probeId, opts.targets, batches, (n) => startAt - 1000 + Math.floor((n * 1000) / rate)))
      return file
    }

    // Phase 1: paced load, as live agents send it.
    const batches = Math.ceil((opts.rate * opts.seconds) / 500)
    const paceMs = (500 / opts.rate) * 1000
    // A warm-up at the same rate first, counted apart: a server that just started runs its code
    // unoptimised (the JIT), renders its first scrape and opens the benchmark's storm of
    // incidents all in its first seconds. The measured minute starts a second after it.
    const warmBatches = Math.ceil((opts.rate * opts.warmupSeconds) / 500)
    const start0 = Date.now() + 8000
    const start = start0 + opts.warmupSeconds * 1000 + 1000
    const file0 = liveBodies('warmup.bin', warmBatches, start0, opts.rate)
    const file1 = liveBodies('paced.bin', batches, start, opts.rate)
    say(`load: warm-up, ${opts.rate.toLocaleString('en')} results/s for ${opts.warmupSeconds} s (${warmBatches} batches)`)
    const warm = await runLoadClient([url, token, file0, '16', String(start0), String(paceMs)])
    const warmEnd = Date.now()
    const deltasBefore = deltas
    const bytesBefore = deltaBytes
    rssPeak = rssOf(pid)
    say(`load: ${opts.rate.toLocaleString('en')} results/s for ${opts.seconds} s (${batches} batches)`)
    const paced = await runLoadClient([url, token, file1, '16', String(start), String(paceMs)])
    const pacedPeak = rssPeak
    const deltasPaced = deltas - deltasBefore
    const bytesPaced = deltaBytes - bytesBefore
    const closedPaced = wsClosed
    const pacedEnd = Date.now()

    // Phase 2: the capacity (as fast as answered), then an overload paced at 3 × that.
    const capStart = Date.now() + 1000
    // Observed times as if 100,000 results/s: whatever the real speed, none is in the future.
    const fileCap = liveBodies('capacity.bin', opts.capacityBatches, capStart, 100_000)
    say(`load: capacity, ${opts.capacityBatches} batches as fast as answered, 16 in flight`)
    const cap = await runLoadClient([url, token, fileCap, '16'])
    const capacity = (cap.ok * 500) / cap.seconds
    const overRate = 3 * capacity
    const overBatches = Math.ceil((overRate * opts.overloadSeconds) / 500)
    const overStart = Date.now() + 3000
    const fileOver = liveBodies('overload.bin', overBatches, overStart, overRate)
    rssPeak = rssOf(pid)
    say(`load: overload, ${Math.round(overRate).toLocaleString('en')} results/s (3 × capacity) for ${opts.overloadSeconds} s, up to ${opts.overloadConcurrency} in flight`)
    const over = await runLoadClient([url, token, fileOver, String(opts.overloadConcurrency), String(overStart), String((500 / overRate) * 1000)])
    const overPeak = rssPeak
    const retryAfter = over.retryAfter ?? 'none'

    // Phase 3: recovery. The load stopped; the paced load comes back a second later, in four
    // 5 s slices: how soon is it taken whole again?
    const recovery: Array<Awaited<ReturnType<typeof runLoadClient>>> = []
    const batches3 = Math.ceil((opts.rate * 5) / 500)
    for (let slice = 0; slice < 4; slice++) {
      const start3 = Date.now() + 1000
      const file3 = liveBodies(`after-${slice}.bin`, batches3, start3, opts.rate)
      recovery.push(await runLoadClient([url, token, file3, '16', String(start3), String(paceMs)]))
    }
    clearInterval(rssTimer)
    const scrapes = await scraper.stop()
    const pacedScrapes = scrapes.filter((x) => x.at >= warmEnd && x.at < pacedEnd)
    const scrapeLine = (list: Scrape[]): string => {
      const ms = list.map((x) => x.ms)
      const failed = list.filter((x) => x.status !== 200)
      return `${list.length}, ${failed.length} errors${failed.length > 0 ? ` (${[...new Set(failed.map((x) => x.status))].join(', ')})` : ''}, median ${pct(ms, 0.5).toFixed(0)} ms, p90 ${pct(ms, 0.9).toFixed(0)} ms, max ${Math.max(0, ...ms).toFixed(0)} ms`
    }

    const accepted = (r: { statuses: Record<string, number> }): number => r.statuses['202'] ?? 0
    const errors = paced.errors
    const lines = [
      `load: ${opts.targets.toLocaleString('en')} targets, ${opts.rate.toLocaleString('en')} results/s for ${opts.seconds} s over HTTP to main.ts, ${opts.wsClients} dashboards on /api/v1/live, /metrics every 5 s`,
      `  warm-up (${opts.warmupSeconds} s, not counted)  : ${warm.ok}/${warmBatches} batches 202 (${JSON.stringify(warm.statuses)}); batch p99 ${pct(warm.latenciesMs, 0.99).toFixed(1)} ms`,
      `  paced load               : ${paced.ok}/${batches} batches 202, ${errors} errors (${JSON.stringify(paced.statuses)}); ${Math.round((paced.ok * 500) / paced.seconds).toLocaleString('en')} results/s; batch p50 ${pct(paced.latenciesMs, 0.5).toFixed(1)} ms, p99 ${pct(paced.latenciesMs, 0.99).toFixed(1)} ms`,
      `  server peak RSS          : ${(pacedPeak / 2 ** 20).toFixed(0)} MiB`,
      `  dashboards               : ${deltasPaced.toLocaleString('en')} messages, ${(bytesPaced / 2 ** 20).toFixed(1)} MiB received in all (${(bytesPaced / opts.wsClients / paced.seconds / 1024).toFixed(1)} KiB/s each), ${closedPaced} cut off`,
      `  /metrics scrapes         : ${scrapeLine(pacedScrapes)}`,
      `  capacity                 : ${Math.round(capacity).toLocaleString('en')} results/s (${JSON.stringify(cap.statuses)}, batch p99 ${pct(cap.latenciesMs, 0.99).toFixed(1)} ms)`,
      `  overload (3 × capacity)  : ${overBatches} batches offered at ${Math.round(overRate).toLocaleString('en')} results/s: ${JSON.stringify(over.statuses)}, ${Math.round((accepted(over) * 500) / over.seconds).toLocaleString('en')} results/s accepted; Retry-After ${retryAfter}; peak RSS ${(overPeak / 2 ** 20).toFixed(0)} MiB`,
      `  after the overload       : ${recovery.map((r, i) => `${i * 5}–${i * 5 + 5} s: ${accepted(r)}/${batches3}`).join(', ')} batches 202 (${recovery.map((r) => JSON.stringify(r.statuses)).join(' ')})`,
      `  in all                   : dashboards cut off ${wsClosed}; scrapes after the paced load (30 s deadline): ${scrapeLine(scrapes.filter((x) => x.at >= pacedEnd))}`,
    ]
    return lines
  } finally {
    for (const ws of sockets) ws.terminate()
    server?.kill('SIGTERM')
    if (server && server.exitCode === null) await new Promise((r) => server?.once('exit', r))
    rmSync(dir, { recursive: true, force: true })
  }
}

