/**
 * Ingest over real HTTP (issue 14): a load client in its own process posts gzip'd 500-result
 * batches over keep-alive connections to the server — its own process too (bench/ingest-server.ts:
 * npm start's Node flags and allocator settings, main.ts's timers, node-server, the full route:
 * auth, gunzip, JSON, batch check, scope, clock check, store, state engine) — whose database
 * already holds `stored` results. The live results fill the server's current chunk window, which
 * is sealed (and folded into the rollups) once, when the server stops: a result pays its share of
 * a full chunk, as in steady state. Against it, in the same run, the compact raw anchor of issue
 * 14 — `(target_id INTEGER, ts INTEGER, ok, rtt, loss, jitter)` + index on (target_id, ts), WAL
 * and synchronous NORMAL as Xanh and a 32 MiB page cache (Xanh: 2 MiB), pre-filled to the same
 * size — inserting the same number of rows in 500-row transactions. Also: p99 batch latency, the
 * server's CPU per 1,000 results and peak RSS, and a replay of already stored batches at that
 * size after a restart (must store nothing twice).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import Database from 'better-sqlite3'
import pino from 'pino'
import type { CheckResult, ResultBatch } from '../protocol'
import { loadServerConfig } from '../server/config'
import { createServerRuntime } from '../server/runtime'
import { openDatabase } from '../server/store/db'
import { rng, sample } from './data'
import { startScraper } from './scraper'
import { startCommand } from './start-command'

const BATCH = 500
const INTERVAL_MS = 15_000
const KIND = ['udp_echo', 'udp_echo', 'icmp'] as const
const ROLE = ['line', 'mcu', 'line'] as const

export interface IngestOptions {
  /** Results already stored before the timed run (both sides). */
  stored: number
  /** Timed batches of 500. */
  batches: number
  /** Live targets (3 per commune). */
  targets: number
  /** Batches in flight. */
  concurrency: number
  /** Progress lines on stderr. */
  progress?: (line: string) => void
}

export interface IngestFigures {
  anchorRowsPerSecond: number
  xanhResultsPerSecond: number
  ratio: number
  p50Ms: number
  p99Ms: number
  cpuMsPer1000: number
  /** Of `cpuMsPer1000`, the server's main thread (the rest: V8's helper threads, libuv's pool). */
  mainCpuMsPer1000: number
  /** How long the main thread, ready to run, waited for a core (other threads and processes had both). */
  mainWaitSeconds: number
  /** The load client's own CPU (a separate process on the same two cores). */
  clientCpuMsPer1000: number
  /** Wall time of the seal at the stop (counted in the end-to-end figure) and its main-thread CPU. */
  sealSeconds: number
  sealMainCpuSeconds: number
  rssMb: number
  replay: { accepted: number; duplicates: number }
  errors: number
  /** The same bodies to bench/ingest-floor-server.mjs: parsed, counted, answered; nothing else. */
  floorResultsPerSecond: number
  floorCpuMsPer1000: number
}

const targetId = (i: number): string => `xa-${Math.floor(i / 3)}-${ROLE[i % 3] as string}-${i % 3}`

/** A server runtime over a new database in `dir` with `targets` targets (3 per commune) of one probe; `now`: its clock. */
function prepareServer(dir: string, targets: number, now?: () => number) {
  const opened = openDatabase(join(dir, 'xanh.db'))
  // Load shedding off: this measures how fast ingest stores when it takes everything (the
  // client posts as fast as answered, and this process's loop also runs the anchor and the
  // prefill); shedding past capacity is measured by the load benchmark against main.ts.
  const config = loadServerConfig({ XANH_DATA_DIR: dir, XANH_LOG_LEVEL: 'silent' }, 'ingest:\n  maxEventLoopUtilization: 1\n')
  const runtime = createServerRuntime({ config, log: pino({ level: 'silent' }), opened, ...(now ? { now } : {}) })
  const store = runtime.store
  const { probe, token } = store.createProbe('Trạm đo tỉnh', 'Vinh')
  store.transaction(() => {
    for (let c = 0; c * 3 < targets; c++) {
    store.upsertCommune({ code: `X${c}`, name: `Xã ${c}`, kind: 'xa', districtCluster: '', lat: 19, lon: 105, contractedMbps: 100, priority: 0, notes: '' })
    }
    for (let i = 0; i < targets; i++) {
    store.upsertTarget({ id: targetId(i), communeCode: `X${Math.floor(i / 3)}`, kind: KIND[i % 3] as 'udp_echo' | 'icmp', host: '127.0.0.1', role: ROLE[i % 3] as 'line' | 'mcu', parents: [], options: {}, probeId: probe.id, enabled: true })
    }
  })
  runtime.reloadInventory()
  return { opened, config, runtime, probe, token }
}

/** Writes the inventory of {@link prepareServer} into `dir` and closes it (a server process opens it next). */
export async function prepareInventory(dir: string, targets: number): Promise<{ token: string; probeId: string }> {
  const p = prepareServer(dir, targets)
  await p.runtime.close()
  p.opened.sqlite.close()
  return { token: p.token, probeId: p.probe.id }
}

/** `batches` gzip'd 500-result batches for the load client's file, result n observed at `observedAt(n)`. */
export function buildBodies(probeId: string, targets: number, batches: number, observedAt: (n: number) => number): Buffer {
  const r = rng(15)
  const parts: Buffer[] = []
  for (let b = 0; b < batches; b++) {
    const results: CheckResult[] = []
    for (let n = b * BATCH; n < (b + 1) * BATCH; n++) results.push(liveResult(n % targets, observedAt(n), r))
    parts.push(...frame(JSON.stringify({ protocolVersion: 1, probeId, sentAt: new Date().toISOString(), results })))
  }
  return Buffer.concat(parts)
}

/** BENCH_SERVER_NODE_ARGS: extra Node flags for a server run as its own process (e.g. `--cpu-prof --cpu-prof-dir=/tmp/p`), after npm start's own so they win. */
function serverNodeArgs(): string[] {
  return (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(/\s+/).filter((a) => a !== '')
}

/**
 * Starts bench/ingest-server.ts as its own process (npm start's Node flags and environment, plus
 * tsx) on `dir`, its clock `offsetMs` ahead; `stop()` sends SIGTERM and resolves with what it
 * reported at exit (its CPU counted from when it listened).
 */
async function startIngestServer(dir: string, offsetMs: number, extraEnv: Record<string, string> = {}): Promise<{ url: string; stop: () => Promise<IngestServerEnd> }> {
  const script = fileURLToPath(new URL('./ingest-server.ts', import.meta.url))
  return startBenchServer<IngestServerEnd>(['--import', 'tsx', script, dir, String(Math.round(offsetMs))], extraEnv)
}

/**
 * Starts bench/ingest-floor-server.mjs (node:http, gunzip and JSON.parse only) the same way:
 * what this protocol costs any server before it stores or judges a result.
 */
function startFloorServer(): Promise<{ url: string; stop: () => Promise<{ cpuMs: number; results: number }> }> {
  return startBenchServer<{ cpuMs: number; results: number }>([fileURLToPath(new URL('./ingest-floor-server.mjs', import.meta.url))], {})
}

/** What bench/ingest-server.ts says when it stops (see there). */
interface IngestServerEnd {
  cpuMs: number
  mainCpuMs: number
  mainWaitMs: number
  sealMs: number
  sealMainCpuMs: number
  maxRssMiB: number
  stored: number
}

/**
 * Runs `scriptArgs` under npm start's Node flags and environment (and BENCH_SERVER_NODE_ARGS).
 * The script prints `{ url, cpuMs }` once it listens and, on SIGTERM, one more JSON line, its
 * `cpuMs` counted from the start; `stop()` resolves with that line, CPU counted from listening.
 */
async function startBenchServer<End extends { cpuMs: number }>(scriptArgs: string[], extraEnv: Record<string, string>): Promise<{ url: string; stop: () => Promise<End> }> {
  const { env, args } = startCommand()
  const child = spawn(process.execPath, [...args.slice(0, -1), ...serverNodeArgs(), ...scriptArgs], {
    env: { ...process.env, ...env, ...extraEnv },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const lines: string[] = []
  let waiting: (() => void) | undefined
  let text = ''
  child.stdout.on('data', (d: Buffer) => {
    text += d.toString('utf8')
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n')) {
      lines.push(text.slice(0, nl))
      text = text.slice(nl + 1)
      waiting?.()
    }
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
  const line = async (n: number, deadlineMs: number): Promise<string> => {
    const deadline = AbortSignal.timeout(deadlineMs)
    while (lines.length < n) {
      const more = new Promise<void>((resolve) => (waiting = resolve))
      const code = await Promise.race([more.then(() => undefined), exited, new Promise<'late'>((resolve) => deadline.addEventListener('abort', () => resolve('late'), { once: true }))])
      if (code === 'late') throw new Error(`the benchmark server wrote no line ${n} within ${deadlineMs / 1000} s`)
      if (code !== undefined && lines.length < n) throw new Error(`the benchmark server exited ${String(code)}`)
    }
    return lines[n - 1] as string
  }
  try {
    const started = JSON.parse(await line(1, 180_000)) as { url: string; cpuMs: number }
    return {
      url: started.url,
      stop: async () => {
        child.kill('SIGTERM')
        const end = JSON.parse(await line(2, 600_000)) as End
        await exited
        return { ...end, cpuMs: end.cpuMs - started.cpuMs }
      },
    }
  } catch (err) {
    child.kill('SIGKILL')
    throw err
  }
}

/** Runs the load client (its own process) and parses its answer. */
export function runLoadClient(args: string[]): ReturnType<typeof runClient> {
  return runClient(args)
}

function runClient(args: string[]): Promise<{ ok: number; errors: number; statuses: Record<string, number>; latenciesMs: number[]; seconds: number; retryAfter?: string | null; cpuMs: number }> {
  const client = fileURLToPath(new URL('./ingest-client.mjs', import.meta.url))
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [client, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
    let text = ''
    child.stdout.on('data', (d: Buffer) => (text += d.toString('utf8')))
    child.once('error', reject)
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(text) as Awaited<ReturnType<typeof runClient>>) : reject(new Error(`load client exited ${String(code)}`))))
  })
}

/** One result of target `i` as its probe would send it. */
function liveResult(i: number, observedAt: number, r: () => number): CheckResult {
  const s = sample(i % 3, r)
  return {
    id: randomUUID(),
    targetId: targetId(i),
    kind: KIND[i % 3] as 'udp_echo' | 'icmp',
    observedAt: new Date(observedAt).toISOString(),
    durationSeconds: s.durationMs / 1000,
    ok: s.ok,
    ...(s.error !== null ? { error: s.error } : {}),
    measurements: s.measurements,
  }
}

/** Appends a gzip'd body with its length prefix (the client's file format). */
function frame(json: string): Buffer[] {
  const gz = gzipSync(json)
  const len = Buffer.alloc(4)
  len.writeUInt32BE(gz.length)
  return [len, gz]
}

export const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(s.length * p))] ?? NaN
}

/** The anchor: pre-fill, then the timed insert of `rows` rows in 500-row transactions. */
function runAnchor(file: string, stored: number, targets: number, rows: number, t0: number): number {
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  // 32 MiB of page cache, the anchor's faster setting (Xanh runs with its default, 2 MiB since stop 25: ServerConfig sqliteCacheMiB).
  db.pragma('cache_size = -32000')
  db.exec('CREATE TABLE r (target_id INTEGER, ts INTEGER, ok INTEGER, rtt REAL, loss REAL, jitter REAL); CREATE INDEX r_tt ON r (target_id, ts)')
  const ins = db.prepare('INSERT INTO r VALUES (?, ?, ?, ?, ?, ?)')
  const r = rng(41)
  let n = 0
  const fill = db.transaction((count: number) => {
    for (let k = 0; k < count; k++, n++) {
      const i = n % targets
      const s = sample(i % 3, r)
      ins.run(i, t0 + Math.floor(n / targets) * INTERVAL_MS + i, s.ok ? 1 : 0, s.measurements.rtt_median_seconds ?? null, s.measurements.loss_ratio ?? null, s.measurements.jitter_seconds ?? null)
    }
  })
  while (n < stored) fill(Math.min(BATCH * 20, stored - n))
  const started = performance.now()
  const end = n + rows
  while (n < end) fill(Math.min(BATCH, end - n))
  const seconds = (performance.now() - started) / 1000
  db.close()
  return rows / seconds
}

/** Runs the benchmark; returns printable lines and the figures. */
export async function benchIngest(opts: IngestOptions): Promise<{ lines: string[]; figures: IngestFigures }> {
  const say = opts.progress ?? ((): void => undefined)
  const dir = mkdtempSync(join(tmpdir(), 'xanh-bench-ingest-'))
  try {
    const live = opts.batches * BATCH
    // The live results fill one chunk window (default 15 min) as a window's rounds fill it at
    // national load, and the window is sealed once, at the end: a results' share of the seal is
    // then what it is in steady state, 1/60 of its target's chunk — not 1/20 of a 20-result
    // chunk sealed early (the benchmark before stop 29). The server runs on a clock of its own
    // so that the window is the current one when posting begins, its last round 15 s ago (the
    // engine sees results as fresh as at national load).
    const windowMs = loadServerConfig({}, '').retention.chunkMinutes * 60_000
    const liveRounds = Math.ceil(live / opts.targets)
    if (liveRounds * INTERVAL_MS >= windowMs) throw new Error(`${live} live results are ${liveRounds} rounds of ${opts.targets} targets: more than one ${windowMs / 60_000}-minute window`)
    const liveStart = Math.ceil(Date.now() / windowMs) * windowMs
    const now = liveStart + liveRounds * INTERVAL_MS + 15_000
    const offset = now - Date.now()
    const clock = (): number => Date.now() + offset
    // Stored history ends an hour before; the live batches come after it.
    const rounds = Math.ceil(opts.stored / opts.targets)
    const t0 = now - 3_600_000 - rounds * INTERVAL_MS

    say(`ingest: anchor, pre-filling ${opts.stored.toLocaleString('en')} rows`)
    const anchorRate = runAnchor(join(dir, 'anchor.db'), opts.stored, opts.targets, live, t0)

    say(`ingest: Xanh, pre-filling ${opts.stored.toLocaleString('en')} results`)
    const { opened, runtime, probe, token } = prepareServer(dir, opts.targets, clock)
    const store = runtime.store
    const r = rng(14)
    let written = 0
    const perWindow = store.results.windowMs / INTERVAL_MS
    for (let round = 0; written < opts.stored; round += perWindow) {
      const items: Parameters<typeof store.results.writeSealed>[0][number][] = []
      for (let k = round; k < round + perWindow && written < opts.stored; k++) {
        for (let i = 0; i < opts.targets && written < opts.stored; i++, written++) {
          const s = sample(i % 3, r)
          items.push({ targetId: targetId(i), probeId: probe.id, record: { ts: t0 + k * INTERVAL_MS + i, ok: s.ok, durationMs: s.durationMs, error: s.error, measurements: s.measurements } })
        }
      }
      // Sealed and folded as the server's seal would have: the live results' fold then upserts
      // into rollup tables that already hold the stored history's rows, and their series exist
      // (until stop 31 the pre-fill wrote chunks only, so the live fold created 50,000 series and
      // wrote into empty tables, flattering Xanh).
      store.transaction(() => {
        store.results.writeSealed(items)
        store.rollups.fold(items.map((it) => ({ targetId: it.targetId, ts: it.record.ts, measurements: Object.entries(it.record.measurements) })))
      })
      if (round % (perWindow * 40) === 0) say(`ingest: ${written.toLocaleString('en')} results stored`)
    }

    // The live batches, gzip'd up front (the client only sends).
    const parts: Buffer[] = []
    const firstBatches: string[] = []
    for (let b = 0; b < opts.batches; b++) {
      const results: CheckResult[] = []
      for (let j = 0; j < BATCH; j++) {
        const n = b * BATCH + j
        const i = n % opts.targets
        results.push(liveResult(i, liveStart + Math.floor(n / opts.targets) * INTERVAL_MS + i, r))
      }
      const body: ResultBatch = { protocolVersion: 1, probeId: probe.id, sentAt: new Date(now).toISOString(), results }
      const json = JSON.stringify(body)
      if (b < 5) firstBatches.push(json)
      parts.push(...frame(json))
    }
    const bodiesFile = join(dir, 'bodies.bin')
    writeFileSync(bodiesFile, Buffer.concat(parts))

    // The server as its own process (bench/ingest-server.ts: npm start's Node flags, main.ts's timers).
    await runtime.close()
    opened.sqlite.close()
    say(`ingest: posting ${opts.batches} batches × ${BATCH} over HTTP, ${opts.concurrency} in flight`)
    // The server's clock where it was when the bodies were dated (the pre-fill took minutes).
    const server = await startIngestServer(dir, now - Date.now())
    const wall0 = performance.now()
    const run = await runClient([server.url, token, bodiesFile, String(opts.concurrency)])
    // What the server still owes for these results counts too: sealing their chunks and folding
    // them into the rollups (done once the window has ended, here at SIGTERM).
    const done = await server.stop()
    const wallSeconds = (performance.now() - wall0) / 1000
    if (run.errors > 0) throw new Error(`ingest answered errors: ${JSON.stringify(run.statuses)}`)

    // Replay at that size, after a restart: the first five batches again, as a spool after an outage would.
    const again = await startIngestServer(dir, now - Date.now(), { BENCH_ALLOC_PROFILE: '' })
    let replay = { accepted: 0, duplicates: 0 }
    for (const json of firstBatches) {
      const res = await fetch(`${again.url}/api/v1/ingest`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: json, signal: AbortSignal.timeout(30_000) })
      const body = (await res.json()) as { accepted: number; duplicates: number }
      replay = { accepted: replay.accepted + body.accepted, duplicates: replay.duplicates + body.duplicates }
    }
    const { stored } = await again.stop()
    if (replay.accepted !== 0 || stored !== opts.stored + live || done.stored !== stored) throw new Error(`replay stored something twice or lost results: ${JSON.stringify(replay)}, ${done.stored} then ${stored} stored`)

    // The transport floor: the same bodies, client and flags, to a server that only parses them.
    const floor = await startFloorServer()
    const floorWall0 = performance.now()
    const floorRun = await runClient([floor.url, token, bodiesFile, String(opts.concurrency)])
    const floorEnd = await floor.stop()
    const floorSeconds = (performance.now() - floorWall0) / 1000
    if (floorRun.errors > 0 || floorEnd.results !== live) throw new Error(`the floor server answered errors or counted ${floorEnd.results} of ${live} results: ${JSON.stringify(floorRun.statuses)}`)

    const rate = live / wallSeconds
    const figures: IngestFigures = {
      anchorRowsPerSecond: anchorRate,
      xanhResultsPerSecond: rate,
      ratio: rate / anchorRate,
      p50Ms: pct(run.latenciesMs, 0.5),
      p99Ms: pct(run.latenciesMs, 0.99),
      cpuMsPer1000: (done.cpuMs / live) * 1000,
      mainCpuMsPer1000: (done.mainCpuMs / live) * 1000,
      mainWaitSeconds: done.mainWaitMs / 1000,
      clientCpuMsPer1000: (run.cpuMs / live) * 1000,
      sealSeconds: done.sealMs / 1000,
      sealMainCpuSeconds: done.sealMainCpuMs / 1000,
      rssMb: done.maxRssMiB,
      replay,
      errors: run.errors,
      floorResultsPerSecond: live / floorSeconds,
      floorCpuMsPer1000: (floorEnd.cpuMs / live) * 1000,
    }
    const lines = [
      `ingest over HTTP @ ${opts.stored.toLocaleString('en')} stored results, ${opts.targets.toLocaleString('en')} targets, ${opts.batches} batches × ${BATCH} (gzip, keep-alive, ${opts.concurrency} in flight)`,
      `  compact raw anchor insert (500-row tx) : ${Math.round(anchorRate).toLocaleString('en')} rows/s`,
      `  Xanh ingest over HTTP (end to end)     : ${Math.round(rate).toLocaleString('en')} results/s stored, folded and sealed (${Math.round(live / run.seconds).toLocaleString('en')}/s answered), batch p50 ${figures.p50Ms.toFixed(1)} ms, p99 ${figures.p99Ms.toFixed(1)} ms`,
      `  ratio Xanh / anchor                    : ${figures.ratio.toFixed(2)} (target ≥ 2; p99 target < 100 ms)`,
      `  server process (npm start's flags)     : CPU ${figures.cpuMsPer1000.toFixed(1)} ms per 1,000 results (main thread ${figures.mainCpuMsPer1000.toFixed(1)}, other threads ${(figures.cpuMsPer1000 - figures.mainCpuMsPer1000).toFixed(1)}); peak RSS ${figures.rssMb.toFixed(0)} MiB`,
      `  main thread waiting for a core         : ${figures.mainWaitSeconds.toFixed(2)} s (ready to run while other threads and processes held both)`,
      `  seal at the stop (counted above)       : ${figures.sealSeconds.toFixed(2)} s (main thread CPU ${figures.sealMainCpuSeconds.toFixed(2)} s) of ${wallSeconds.toFixed(2)} s end to end`,
      `  load client (own process, same cores)  : CPU ${figures.clientCpuMsPer1000.toFixed(1)} ms per 1,000 results`,
      `  replay of 5 stored batches             : ${replay.accepted} accepted, ${replay.duplicates} duplicates (${stored.toLocaleString('en')} results stored)`,
      `  transport floor (node:http, gunzip, JSON.parse; nothing stored or graded): ${Math.round(figures.floorResultsPerSecond).toLocaleString('en')} results/s, CPU ${figures.floorCpuMsPer1000.toFixed(1)} ms per 1,000 results`,
    ]
    return { lines, figures }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * Starts the server (`main.ts`, as `npm start` runs it) as its own process on the data directory (any free loopback port; demo,
 * embedded probe and reflector off; `env` added), and resolves with its URL once it listens.
 */
export async function startMainProcess(dir: string, env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const root = fileURLToPath(new URL('..', import.meta.url))
  // What `npm start` runs (package.json: node flags, scripts/start.mjs, the server bundle), so RSS is production's.
  const { env: startEnv, args: start } = startCommand()
  // The extra flags after the start command's own, so they win (V8 takes the last of a flag).
  // BENCH_SERVER_LOG: a file that gets the server's JSON log (why it refused batches, when it sealed…).
  const logFile = process.env.BENCH_SERVER_LOG
  const child = spawn(process.execPath, [...start.slice(0, -1), ...serverNodeArgs(), ...start.slice(-1)], {
    cwd: root,
    env: { ...process.env, ...startEnv, XANH_PORT: '0', XANH_HOST: '127.0.0.1', XANH_DATA_DIR: dir, XANH_DEMO: '0', XANH_EMBEDDED_PROBE: '0', XANH_UDP_ECHO_PORT: '0', XANH_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let buf: string | null = ''
      const timer = setTimeout(() => reject(new Error('server did not start within 120 s')), 120_000)
      child.stdout?.on('data', (d: Buffer) => {
        if (logFile !== undefined) appendFileSync(logFile, d)
        // Searched until the address shows; the rest of the log is not kept (a long run logs a lot).
        if (buf === null) return
        buf += d.toString('utf8')
        const m = /listening on (http:\/\/localhost:\d+)/.exec(buf)
        if (m?.[1]) {
          buf = null
          clearTimeout(timer)
          resolve(m[1].replace('localhost', '127.0.0.1'))
        }
      })
      child.once('exit', (code) => reject(new Error(`server exited ${String(code)}`)))
    })
    return { child, url }
  } catch (err) {
    child.kill('SIGKILL')
    throw err
  }
}

/** VmRSS (bytes) and CPU time (ms) of a process, from /proc. */
export function procFacts(pid: number): { rss: number; cpuMs: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
  // Fields 14 and 15 of /proc/pid/stat (after the command in parentheses): utime, stime in ticks.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const ticks = Number(fields[11]) + Number(fields[12])
  return { rss: rssKb * 1024, cpuMs: (ticks * 1000) / 100 }
}

/**
 * Where a process's resident memory is, in MiB: file-backed pages (the node binary's code…),
 * glibc's main heap (SQLite's cache, typed-array buffers…), other anonymous memory (V8's heap
 * pages, thread arenas, stacks) from /proc/PID/smaps; and V8's own account from the server's
 * /metrics (prom-client's default process metrics): heap pages, live objects, external memory.
 */
export async function memoryBreakdown(pid: number, url: string): Promise<string> {
  let file = 0
  let heap = 0
  let anon = 0
  let name = ''
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line)
    if (head) {
      name = head[1] ?? ''
      continue
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line)
    if (!rss) continue
    const kb = Number(rss[1])
    if (name === '[heap]') heap += kb
    else if (name.startsWith('/')) file += kb
    else anon += kb
  }
  const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(30_000) })).text()
  const gauge = (metric: string): number => Number(new RegExp(`^${metric} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN) / 2 ** 20
  const mib = (kb: number): string => (kb / 1024).toFixed(0)
  return (
    `files ${mib(file)}, glibc heap ${mib(heap)}, other anonymous ${mib(anon)}; ` +
    `V8 heap ${gauge('nodejs_heap_size_total_bytes').toFixed(0)} (live objects ${gauge('nodejs_heap_size_used_bytes').toFixed(0)}), external ${gauge('nodejs_external_memory_bytes').toFixed(0)}`
  )
}

/**
 * National load (issue 14, done-when 3): 3,321 communes × 3 targets, each reporting every 15 s
 * (≈ 664 results/s), posted over HTTP in 500-result batches at that pace for `minutes` to the
 * real server (`main.ts` as its own process, storage jobs and all, embedded probe and demo off)
 * while a Prometheus scrapes /metrics (gzip) every `scrapeSeconds` (0: none) as
 * deploy/prometheus does; the server's RSS and CPU read from /proc throughout.
 */
export async function benchNational(opts: { targets: number; minutes: number; scrapeSeconds: number; progress?: (line: string) => void }): Promise<string[]> {
  const say = opts.progress ?? ((): void => undefined)
  const dir = mkdtempSync(join(tmpdir(), 'xanh-bench-national-'))
  let child: ReturnType<typeof spawn> | undefined
  try {
    const prepared = prepareServer(dir, opts.targets)
    const { token, probe } = prepared
    await prepared.runtime.close()
    prepared.opened.sqlite.close()

    const started = await startMainProcess(dir, {})
    const server = started.child
    child = server
    const { url } = started
    const pid = server.pid as number

    const rate = opts.targets / (INTERVAL_MS / 1000)
    const total = Math.floor(rate * opts.minutes * 60)
    const batches = Math.ceil(total / BATCH)
    const paceMs = (BATCH / rate) * 1000
    const start = Date.now() + 15_000
    const r = rng(3321)
    const parts: Buffer[] = []
    for (let b = 0; b < batches; b++) {
      const results: CheckResult[] = []
      for (let n = b * BATCH; n < Math.min(total, (b + 1) * BATCH); n++) {
        results.push(liveResult(n % opts.targets, start + (n / rate) * 1000, r))
      }
      parts.push(...frame(JSON.stringify({ protocolVersion: 1, probeId: probe.id, sentAt: new Date(start + (b + 1) * paceMs).toISOString(), results })))
    }
    const bodiesFile = join(dir, 'bodies.bin')
    writeFileSync(bodiesFile, Buffer.concat(parts))
    parts.length = 0

    const samples: number[] = []
    const rssTimer = setInterval(() => {
      samples.push(procFacts(pid).rss)
      if (samples.length % 60 === 0) say(`national: ${samples.length} s, server RSS ${(samples[samples.length - 1]! / 2 ** 20).toFixed(0)} MiB`)
    }, 1000)
    say(`national: ${opts.targets.toLocaleString('en')} targets every 15 s (${rate.toFixed(0)} results/s), ${batches} batches over ${opts.minutes} min`)
    const cpu0 = procFacts(pid).cpuMs
    // deploy/prometheus/prometheus.yml: scrape_timeout 10 s.
    const scraper = opts.scrapeSeconds > 0 ? startScraper(url, 'none', opts.scrapeSeconds * 1000, 10_000) : undefined
    const run = await runClient([url, token, bodiesFile, '4', String(start + paceMs), String(paceMs)])
    const end = procFacts(pid)
    clearInterval(rssTimer)
    const scrapes = (await scraper?.stop()) ?? []
    const where = await memoryBreakdown(pid, url)
    server.kill('SIGTERM')
    await new Promise((resolve) => server.once('exit', resolve))
    child = undefined
    if (run.errors > 0) throw new Error(`national load answered errors: ${JSON.stringify(run.statuses)}`)
    const mib = (b: number): string => (b / 2 ** 20).toFixed(0)
    return [
      `national load: ${opts.targets.toLocaleString('en')} live targets, ${rate.toFixed(0)} results/s for ${opts.minutes} min over HTTP to main.ts (${total.toLocaleString('en')} results)`,
      `  server RSS after ${opts.minutes} min : ${mib(end.rss)} MiB (peak ${mib(Math.max(...samples, end.rss))} MiB; target < 200 MB)`,
      // One reading swings by tens of MiB with where the GC and the seal are: the last minute's spread beside it.
      `  RSS over the last minute  : median ${mib(pct(samples.slice(-60), 0.5))} MiB, min ${mib(Math.min(...samples.slice(-60)))}, max ${mib(Math.max(...samples.slice(-60)))}`,
      // How often a reading would have missed the target (once a second): spikes of a collection that compacts included.
      `  seconds at ≥ 200 MB       : ${samples.slice(-60).filter((b) => b >= 200e6).length} of the last 60, ${samples.filter((b) => b >= 200e6).length} of all ${samples.length}`,
      `  batch latency             : p50 ${pct(run.latenciesMs, 0.5).toFixed(1)} ms, p99 ${pct(run.latenciesMs, 0.99).toFixed(1)} ms`,
      `  server CPU                : ${(((end.cpuMs - cpu0) / total) * 1000).toFixed(1)} ms per 1,000 results`,
      opts.scrapeSeconds > 0
        ? `  /metrics every ${opts.scrapeSeconds} s (gzip) : ${scrapes.length} scrapes, ${scrapes.filter((x) => x.status !== 200).length} failed, p50 ${pct(scrapes.map((x) => x.ms), 0.5).toFixed(0)} ms, max ${Math.max(0, ...scrapes.map((x) => x.ms)).toFixed(0)} ms, ${((scrapes[scrapes.length - 1]?.bytes ?? 0) / 2 ** 20).toFixed(1)} MiB each`
        : '  /metrics                  : not scraped (BENCH_NATIONAL_SCRAPE_SECONDS=0)',
      `  where the RSS is (MiB)    : ${where}`,
    ]
  } finally {
    child?.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  }
}
