/**
 * Load (issue 15, done-when 2): `main.ts` as its own process with 9,963 targets; a paced load of
 * `rate` results/s (500-result gzip'd batches over keep-alive) for `seconds`, while `wsClients`
 * dashboards listen on `/api/v1/live` and `/metrics` is scraped every 5 s. Counted: errors (any
 * answer but 202), batch p50/p99, peak RSS of the server, scrape times, deltas received. Then an
 * overload: `overloadConcurrency` batches in flight at once, unpaced (several times what ingest
 * admits): the server must answer the excess 429 with Retry-After, keep its RSS bounded, and take
 * a paced load again afterwards. Loopback only; every loop bounded in count and time.
 */
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { WebSocket } from 'ws'
import type { CheckResult } from '../protocol'
import { buildBodies, pct, prepareInventory, procFacts, runLoadClient, startMainProcess } from './ingest'

export interface LoadOptions {
  rate: number
  seconds: number
  wsClients: number
  targets: number
  overloadConcurrency: number
  overloadBatches: number
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

    // Dashboards: one signed-in session, `wsClients` live sockets counting deltas.
    const signIn = await fetch(`${url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }) })
    if (signIn.status !== 200) throw new Error(`sign-in answered ${signIn.status}`)
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
    const wsUrl = url.replace('http:', 'ws:') + '/api/v1/live'
    let deltas = 0
    let wsClosed = 0
    await Promise.all(
      Array.from({ length: opts.wsClients }, () => {
        const ws = new WebSocket(wsUrl, { headers: { cookie } })
        sockets.push(ws)
        ws.on('message', () => deltas++)
        ws.on('close', () => wsClosed++)
        return new Promise<void>((resolve, reject) => {
          ws.once('open', () => resolve())
          ws.once('error', reject)
        })
      }),
    )
    say(`load: ${opts.wsClients} dashboards connected`)

    // Scrapes every 5 s, timed.
    const scrapes: number[] = []
    let scrapeErrors = 0
    const scraper = setInterval(() => {
      const t = performance.now()
      void fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` }, signal: AbortSignal.timeout(30_000) })
        .then(async (r) => {
          await r.arrayBuffer()
          if (r.status !== 200) scrapeErrors++
          scrapes.push(performance.now() - t)
        })
        .catch(() => scrapeErrors++)
    }, 5000)

    // Phase 1: paced load.
    const batches = Math.ceil((opts.rate * opts.seconds) / 500)
    const paceMs = (500 / opts.rate) * 1000
    const start = Date.now() + 5000
    const file1 = join(dir, 'paced.bin')
    writeFileSync(file1, buildBodies(probeId, opts.targets, batches, (n) => start - 3_600_000 + Math.floor(n / opts.targets) * 15_000 + (n % opts.targets)))
    let rssPeak = rssOf(pid)
    const rssTimer = setInterval(() => (rssPeak = Math.max(rssPeak, rssOf(pid))), 200)
    say(`load: ${opts.rate.toLocaleString('en')} results/s for ${opts.seconds} s (${batches} batches)`)
    const paced = await runLoadClient([url, token, file1, '16', String(start), String(paceMs)])
    const pacedPeak = rssPeak
    const deltasPaced = deltas

    // Phase 2: overload, unpaced, far more in flight than ingest admits.
    const file2 = join(dir, 'burst.bin')
    writeFileSync(file2, buildBodies(probeId, opts.targets, opts.overloadBatches, (n) => start - 7_200_000 + Math.floor(n / opts.targets) * 15_000 + (n % opts.targets)))
    rssPeak = rssOf(pid)
    say(`load: overload, ${opts.overloadConcurrency} batches in flight, ${opts.overloadBatches} batches`)
    const burst = await runLoadClient([url, token, file2, String(opts.overloadConcurrency)])
    const burstPeak = rssPeak
    let retryAfter = ''
    {
      // One refused answer's header, to show what agents are told.
      const bodies = readFileSync(file2)
      const first = bodies.subarray(4, 4 + bodies.readUInt32BE(0))
      const probes = await Promise.all(
        Array.from({ length: opts.overloadConcurrency }, () =>
          fetch(`${url}/api/v1/ingest`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', authorization: `Bearer ${token}` }, body: first }),
        ),
      )
      retryAfter = probes.find((r) => r.status === 429)?.headers.get('retry-after') ?? 'none'
      await Promise.all(probes.map((r) => r.arrayBuffer()))
    }

    // Phase 3: recovery, a short paced load again.
    const start3 = Date.now() + 2000
    const file3 = join(dir, 'after.bin')
    const batches3 = Math.ceil((opts.rate * 5) / 500)
    writeFileSync(file3, buildBodies(probeId, opts.targets, batches3, (n) => start3 - 1_800_000 + Math.floor(n / opts.targets) * 15_000 + (n % opts.targets)))
    const after = await runLoadClient([url, token, file3, '16', String(start3), String(paceMs)])
    clearInterval(rssTimer)
    clearInterval(scraper)

    const errors = paced.errors
    const lines = [
      `load: ${opts.targets.toLocaleString('en')} targets, ${opts.rate.toLocaleString('en')} results/s for ${opts.seconds} s over HTTP to main.ts, ${opts.wsClients} dashboards on /api/v1/live, /metrics every 5 s`,
      `  paced load               : ${paced.ok}/${batches} batches 202, ${errors} errors (${JSON.stringify(paced.statuses)}); ${Math.round((paced.ok * 500) / paced.seconds).toLocaleString('en')} results/s; batch p50 ${pct(paced.latenciesMs, 0.5).toFixed(1)} ms, p99 ${pct(paced.latenciesMs, 0.99).toFixed(1)} ms`,
      `  server peak RSS          : ${(pacedPeak / 2 ** 20).toFixed(0)} MiB`,
      `  dashboards               : ${deltasPaced.toLocaleString('en')} messages received, ${wsClosed} closed`,
      `  /metrics scrapes         : ${scrapes.length}, ${scrapeErrors} errors, median ${pct(scrapes, 0.5).toFixed(0)} ms, max ${Math.max(0, ...scrapes).toFixed(0)} ms`,
      `  overload (${opts.overloadConcurrency} in flight): ${JSON.stringify(burst.statuses)}; Retry-After ${retryAfter}; peak RSS ${(burstPeak / 2 ** 20).toFixed(0)} MiB`,
      `  after the overload       : ${after.ok}/${batches3} batches 202 (${JSON.stringify(after.statuses)})`,
    ]
    return lines
  } finally {
    for (const ws of sockets) ws.terminate()
    server?.kill('SIGTERM')
    if (server && server.exitCode === null) await new Promise((r) => server?.once('exit', r))
    rmSync(dir, { recursive: true, force: true })
  }
}

