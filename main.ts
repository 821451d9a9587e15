/**
 * `npm start`: the Xanh server with its embedded probe, the dashboard and (when the inventory
 * is empty) the demo province. The composition root: the only place that reads env and argv,
 * opens files, listens and owns timers and signals for the server process.
 * @module
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs'
import type { Server } from 'node:http'
import { join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setFlagsFromString } from 'node:v8'
import { serve } from '@hono/node-server'
import { z } from 'zod'
import { createAgent, DEFAULT_AGENT_TIMING, type Agent } from './probes/agent'
import { createMemorySpool } from './probes/ship/memory-spool'
import { openDiskSpool } from './probes/ship/disk-spool'
import type { Spool } from './probes/ship/spool'
import { detectTools, unavailableChecks } from './probes/tools'
import { ensureFirstAdmin } from './server/auth'
import { ENV_DOC, loadServerConfig, type ServerConfig } from './server/config'
import { APP_ROOT } from './server/app-root'
import { AppError } from './server/errors'
import { createHeapPolicy, startGrowingPercent } from './server/heap-policy'
import { createLogger } from './server/log'
import { utilizationSinceLastCall } from './server/loop-pressure'
import { startUdpEchoReflector, type UdpEchoReflector } from './server/reflector/udp-echo'
import { startServerJobs } from './server/jobs'
import { createServerRuntime } from './server/runtime'
import { DEMO_REMOTE_PROBE, DEMO_SETTING, removeDemo, seedDemo } from './server/demo/seed'
import { DemoSimulation } from './server/demo/simulation'
import { openDatabase } from './server/store/db'

// The app root, also when this runs as the bundle (dist/server/main.mjs).
const ROOT = APP_ROOT
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version
const EMBEDDED_PROBE = 'embedded'

const HELP = `Xanh ${VERSION} — giám sát đường truyền và điểm cầu truyền hình cấp xã
Usage: npm start [-- --no-demo] [--config FILE] [--pretty] [--help]

  --no-demo       start without the demo province (same as XANH_DEMO=0)
  --config FILE   YAML config file (same as XANH_CONFIG)
  --pretty        readable logs instead of JSON lines (same as XANH_LOG_PRETTY=1)
  --help          this text

Environment:
${ENV_DOC.map(([k, d, t]) => `  ${k.padEnd(28)} ${d.padEnd(12)} ${t}`).join('\n')}
`

const Flags = z.strictObject({
  noDemo: z.boolean().default(false),
  config: z.string().min(1).optional(),
  pretty: z.boolean().default(false),
  help: z.boolean().default(false),
})

function parseFlags(argv: string[]): z.infer<typeof Flags> {
  const raw: Record<string, unknown> = {}
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string
    if (a === '--no-demo') raw.noDemo = true
    else if (a === '--pretty') raw.pretty = true
    else if (a === '--help' || a === '-h') raw.help = true
    else if (a === '--config') raw.config = argv[++i]
    else if (a.startsWith('--config=')) raw.config = a.slice('--config='.length)
    else throw new AppError('E_VALIDATION', `unknown flag ${a} (see --help)`, [{ path: a, message: 'unknown flag' }])
  }
  const r = Flags.safeParse(raw)
  if (!r.success) throw AppError.fromZod(r.error)
  return r.data
}

/** Newest modification time under a folder (skips node_modules). */
function newestMtime(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue
    const p = join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs)
  }
  return newest
}

/** Builds the dashboard when dist/web is missing or older than its sources. */
async function ensureDashboard(log: ReturnType<typeof createLogger>): Promise<string> {
  const out = join(ROOT, 'dist', 'web')
  const index = join(out, 'index.html')
  const sources = Math.max(newestMtime(join(ROOT, 'web')), newestMtime(join(ROOT, 'protocol')))
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return out
  log.info('building the dashboard (vite) …')
  const started = Date.now()
  const { build } = await import('vite')
  // Built beside, then swapped in: another server on this checkout may be serving dist/web.
  const staging = join(ROOT, 'dist', `web-build-${process.pid}`)
  await build({ configFile: join(ROOT, 'web', 'vite.config.ts'), logLevel: 'warn', build: { outDir: staging, emptyOutDir: true } })
  rmSync(out, { recursive: true, force: true })
  renameSync(staging, out)
  log.info({ ms: Date.now() - started }, 'dashboard built')
  return out
}

function loopbackUrl(host: string, port: number): string {
  const any = host === '0.0.0.0' || host === '::' || host === 'localhost' || host.startsWith('127.')
  const h = any ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host
  return `http://${h}:${port}`
}

/**
 * The embedded probe's spool under the data folder, so its results survive a server restart
 * too; a folder it cannot use falls back to memory (logged) rather than stopping the server.
 */
async function openEmbeddedSpool(dir: string, log: ReturnType<typeof createLogger>): Promise<Spool> {
  const caps = { maxBytes: DEFAULT_AGENT_TIMING.spoolMaxBytes, maxBatches: DEFAULT_AGENT_TIMING.spoolMaxBatches }
  try {
    return await openDiskSpool({ dir, ...caps, log: log.child({ component: 'spool' }) })
  } catch (err) {
    log.error({ err, dir }, 'embedded probe: cannot open its disk spool; using memory (results of an outage are lost on restart)')
    return createMemorySpool(caps)
  }
}

async function main(): Promise<void> {
  let flags: z.infer<typeof Flags>
  let config: ServerConfig
  try {
    flags = parseFlags(process.argv.slice(2))
    if (flags.help) {
      process.stdout.write(HELP)
      return
    }
    const configFile = flags.config ?? process.env.XANH_CONFIG
    const fileText = configFile !== undefined ? readFileSync(configFile, 'utf8') : undefined
    config = loadServerConfig(process.env, fileText, configFile)
    if (flags.noDemo) config = { ...config, demo: 'off' }
    if (flags.pretty) config = { ...config, logPretty: true }
  } catch (e) {
    const code = e instanceof AppError ? e.code : 'E_VALIDATION'
    process.stderr.write(`xanh: ${code}: ${(e as Error).message}\n`)
    process.exitCode = 2
    return
  }
  const log = createLogger(config.logLevel, config.logPretty)

  const dataDir = resolve(config.dataDir)
  mkdirSync(dataDir, { recursive: true })
  const opened = openDatabase(join(dataDir, 'xanh.db'), { cacheMiB: config.sqliteCacheMiB })
  log.info({ file: join(dataDir, 'xanh.db') }, 'database open, migrations applied')

  const webRoot = await ensureDashboard(log).catch((err: unknown) => {
    log.error({ err }, 'dashboard build failed; the API still runs')
    return undefined
  })
  // V8's heap by load (server/heap-policy.ts): compacting while quiet, as started while busy.
  // Its mode is in /metrics (`xanh_heap_policy_quiet`); its timer starts with the others below.
  const heapLog = log.child({ component: 'heap' })
  const heapPolicy = createHeapPolicy(
    utilizationSinceLastCall(),
    setFlagsFromString,
    { ...config.heap, busyGrowingPercent: startGrowingPercent(process.execArgv, process.env.NODE_OPTIONS) },
    (mode, utilization) => heapLog.debug({ mode, utilization: Number(utilization.toFixed(3)) }, `heap policy: ${mode}`),
  )
  const runtime = createServerRuntime({ config, log, opened, heapMode: () => heapPolicy.mode(), ...(webRoot ? { webRoot } : {}) })
  const { store } = runtime

  const admin = ensureFirstAdmin(store, config.adminPassword)
  if (admin?.generated) {
    process.stdout.write(`\n  First start: admin user "${admin.username}", password: ${admin.password}\n  (shown only now; set XANH_ADMIN_PASSWORD to choose it)\n\n`)
  }

  // Demo: loaded when the inventory is empty (or refreshed when it is the demo), removed when turned off.
  let demo: { addresses: Map<string, string>; remoteProbeId: string } | undefined
  const demoLoaded = store.getSetting(DEMO_SETTING) === '1'
  if (config.demo === 'off') {
    if (demoLoaded) log.info({ communes: removeDemo(store) }, 'demo province removed (XANH_DEMO=0)')
  } else if (demoLoaded || store.countCommunes() === 0) {
    const seeded = seedDemo(store, config.demoNet)
    demo = { addresses: seeded.inventory.addresses, remoteProbeId: seeded.remoteProbeId }
    log.warn({ communes: seeded.inventory.communes.length }, 'DEMO: simulated province loaded (Nghệ An layout, impairments injected on local responders)')
  }
  runtime.reloadInventory()

  let embeddedToken: string | undefined
  if (config.embeddedProbe) {
    const existing = store.getProbeByName(EMBEDDED_PROBE)
    const probeId = existing?.id ?? store.createProbe(EMBEDDED_PROBE, 'server (embedded)', true).probe.id
    // A fresh token each start: it lives only in this process's memory.
    embeddedToken = store.rotateProbeToken(probeId)
  }

  const server = await new Promise<Server>((resolveServer) => {
    const s = serve({ fetch: runtime.app.fetch, port: config.port, hostname: config.host }, () => resolveServer(s as Server))
  })
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : config.port
  runtime.hub.attach(server)
  const baseUrl = loopbackUrl(config.host, port)

  // Tick, heap policy, storage jobs (seal and fold, retention), inventory watch (server/jobs.ts).
  const jobs = startServerJobs({ runtime, config, heapPolicy, log })
  const storageLog = log.child({ component: 'storage' })
  // A database written before issue 14 moves into chunks in the background, step by step
  // (each step one transaction; ingest and reads go on; a restart resumes where it stopped).
  if (runtime.storage.legacy.pending) {
    const left = runtime.storage.legacy.remaining()
    storageLog.info({ results: left }, 'storage: moving results of the old layout into chunks')
    let moved = 0
    let lastLog = Date.now()
    void runtime.storage.legacy
      .run((step) => {
        moved += step.results
        if (Date.now() - lastLog > 10_000) {
          lastLog = Date.now()
          storageLog.info({ moved, of: left }, 'storage: migration progress')
        }
      })
      .then(() => storageLog.info({ moved }, 'storage: migration done, old tables dropped'))
      .catch((err: unknown) => storageLog.error({ err }, 'storage: migration step failed; it resumes at the next start'))
  }
  const tools = detectTools(process.env.PATH ?? '')
  for (const line of unavailableChecks(tools)) log.warn(`check unavailable on the embedded probe: ${line}`)

  const agents: Agent[] = []
  if (embeddedToken) {
    const probeLog = log.child({ component: 'probe', probe: EMBEDDED_PROBE })
    const spool = await openEmbeddedSpool(join(dataDir, 'spool', EMBEDDED_PROBE), probeLog)
    // Polled often: the embedded probe should follow inventory edits within seconds (ETag keeps it cheap).
    const agent = createAgent({ serverUrl: baseUrl, token: embeddedToken, log: probeLog, version: VERSION, tools, spool, timing: { configPollSeconds: config.embeddedProbeTiming.configPollSeconds, batchMaxWaitMs: config.embeddedProbeTiming.batchMaxWaitSeconds * 1000 } })
    agents.push(agent)
    await agent.start()
  }

  let simulation: DemoSimulation | undefined
  let remote: Agent | undefined
  if (demo) {
    const remoteToken = store.rotateProbeToken(demo.remoteProbeId)
    const remoteLog = log.child({ component: 'probe', probe: DEMO_REMOTE_PROBE, demo: true })
    simulation = new DemoSimulation({
      addresses: demo.addresses,
      contractedMbps: new Map(store.listCommunes().map((c) => [c.code, c.contractedMbps])),
      log: log.child({ component: 'demo' }),
      onRemoteAgent: (online) => {
        // The simulated commune-office agent loses power on a script: its communes go silent.
        if (online && !remote) {
          remote = createAgent({ serverUrl: baseUrl, token: remoteToken, log: remoteLog, version: VERSION, tools })
          void remote.start()
          remoteLog.info('demo: simulated commune agent back online')
        } else if (!online && remote) {
          const r = remote
          remote = undefined
          void r.stop({ drainTimeoutMs: 0 })
          remoteLog.info('demo: simulated commune agent offline (power cut in the script)')
        }
      },
    })
    await simulation.start()
  }

  // After the demo: its responders bind 127.N.x.y on the same port, which a wildcard bind would block.
  let reflector: UdpEchoReflector | undefined
  if (config.udpEchoPort > 0) {
    try {
      reflector = await startUdpEchoReflector({ host: config.host, port: config.udpEchoPort, log: log.child({ component: 'reflector' }) })
    } catch (err) {
      const code = err instanceof Error && 'code' in err ? String(err.code) : 'error'
      const why = code === 'EADDRINUSE' ? `is already in use${demo ? ' (the demo responders use it on 127.x addresses)' : ''}` : `failed (${code})`
      log.error({ err, host: config.host, port: config.udpEchoPort }, `udp echo reflector not started: ${config.host}:${config.udpEchoPort}/udp ${why}; set XANH_UDP_ECHO_PORT to another port (0 = off). The server runs without it`)
    }
  }

  // entry: the bundle (dist/server/main.mjs, what `npm start` runs) or these sources (under tsx).
  log.info({ url: `http://localhost:${port}`, demo: Boolean(demo), entry: relative(ROOT, fileURLToPath(import.meta.url)) }, `Xanh ${VERSION} listening on http://localhost:${port}${demo ? ' — DEMO (simulated)' : ''}`)

  let stopping = false
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return
    stopping = true
    log.info({ signal }, 'shutting down: draining probes, requests and notifications in flight')
    const deadline = setTimeout(() => {
      log.error('shutdown deadline passed; exiting')
      process.exit(1)
    }, config.shutdownTimeoutSeconds * 1000)
    deadline.unref()
    jobs.stop()
    // Probes first: their last batches still reach the server, which keeps listening meanwhile.
    // Notifications in flight finish meanwhile, within the same half of the deadline (none
    // starts now); one still unanswered then is cut short and sent again at the next start.
    const drainTimeoutMs = (config.shutdownTimeoutSeconds * 1000) / 2
    const probes = [...agents, ...(remote ? [remote] : [])]
    await Promise.allSettled([...probes.map((a) => a.stop({ drainTimeoutMs })), runtime.alerting.outbox.stop(AbortSignal.timeout(drainTimeoutMs))])
    await simulation?.stop()
    await reflector?.close()
    await runtime.close()
    await new Promise<void>((r) => server.close(() => r()))
    opened.close()
    clearTimeout(deadline)
    log.info('stopped')
  }
  process.once('SIGTERM', () => void shutdown('SIGTERM'))
  process.once('SIGINT', () => void shutdown('SIGINT'))
}

void main().catch((err: unknown) => {
  process.stderr.write(`xanh: fatal: ${(err as Error).stack ?? String(err)}\n`)
  process.exit(1)
})
