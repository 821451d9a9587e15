/**
 * Standalone probe agent CLI: `npm run probe -- --server URL --token TOKEN`. The only probes/
 * file that reads argv and the environment, installs signal handlers or exits the process.
 * @module
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { pino, type Logger } from 'pino'
import { PinoPretty } from 'pino-pretty'
import { z } from 'zod'
import { createAgent, DEFAULT_AGENT_TIMING, detectTools } from './agent'
import { startUdpEchoReflector, type UdpEchoReflector } from './reflector'
import { openDiskSpool, type DiskSpool } from './ship/disk-spool'

const USAGE = `Xanh probe agent

Usage: npm run probe -- --server URL --token TOKEN [options]

  --server URL               Xanh server base URL (env XANH_SERVER)
  --token TOKEN              this probe's token (env XANH_PROBE_TOKEN)
  --spool-dir DIR            where unshipped batches wait on disk, surviving restarts and outages
                             (env XANH_SPOOL_DIR, default ./data/spool-<server host>-<port>)
  --spool-max-mb N           spool cap; past it the oldest batches are dropped and counted
                             (env XANH_SPOOL_MAX_MB, default 64)
  --config-poll-seconds N    how often the target list is pulled from the server
                             (env XANH_CONFIG_POLL_SECONDS, default 60)
  --batch-max-wait-seconds N
                             longest a result waits for its batch (env XANH_BATCH_MAX_WAIT_SECONDS,
                             default 2; a batch also closes at 1000 results)
  --run-now-wait-seconds N   how long one "Đo ngay" (test now) long poll waits at the server for an
                             operator's request (env XANH_RUN_NOW_WAIT_SECONDS, default 25; 0 = off)
  --reflector-port P         also answer udp_echo checks of other agents on UDP port P, so
                             communes can measure to each other (env XANH_REFLECTOR_PORT, 0 = off,
                             the default; the server's reflector listens on 8620)
  --reflector-host H         address the reflector binds (env XANH_REFLECTOR_HOST, default 0.0.0.0)
  --log-level LEVEL          fatal|error|warn|info|debug|trace|silent (env XANH_LOG_LEVEL, default info)
  --pretty                   human-readable logs instead of JSON lines
  --drain-seconds N          on SIGTERM/SIGINT, keep shipping for at most N seconds (default 10);
                             what is left stays in the spool for the next start
  --help                     show this help

Batches are written to the spool before they are sent and deleted after the server's 2xx;
batches the server refuses for good (4xx) are kept in <spool dir>/dead-letter/ with the reason.

Exit codes: 0 stopped cleanly, 1 crashed, 2 bad configuration (E_CONFIG).
`

/** Where each setting may come from, to name it in errors. */
const SOURCES: Record<string, string> = {
  server: '--server (or XANH_SERVER)',
  token: '--token (or XANH_PROBE_TOKEN)',
  logLevel: '--log-level (or XANH_LOG_LEVEL)',
  pretty: '--pretty',
  drainSeconds: '--drain-seconds',
  spoolDir: '--spool-dir (or XANH_SPOOL_DIR)',
  spoolMaxMb: '--spool-max-mb (or XANH_SPOOL_MAX_MB)',
  configPollSeconds: '--config-poll-seconds (or XANH_CONFIG_POLL_SECONDS)',
  batchMaxWaitSeconds: '--batch-max-wait-seconds (or XANH_BATCH_MAX_WAIT_SECONDS)',
  runNowWaitSeconds: '--run-now-wait-seconds (or XANH_RUN_NOW_WAIT_SECONDS)',
  reflectorPort: '--reflector-port (or XANH_REFLECTOR_PORT)',
  reflectorHost: '--reflector-host (or XANH_REFLECTOR_HOST)',
}

const CliConfig = z.strictObject({
  server: z
    .string({ error: 'is required' })
    .refine((s) => /^https?:\/\/[^/\s]+/.test(s) && URL.canParse(s), 'must be an http:// or https:// URL'),
  token: z.string({ error: 'is required' }).min(1, 'must not be empty'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  pretty: z.boolean().default(false),
  drainSeconds: z.coerce.number().nonnegative().max(600).default(10),
  spoolDir: z.string().min(1, 'must not be empty').optional(),
  spoolMaxMb: z.coerce.number().positive().max(1_000_000).default(64),
  configPollSeconds: z.coerce.number().min(1).max(86_400).default(DEFAULT_AGENT_TIMING.configPollSeconds),
  batchMaxWaitSeconds: z.coerce.number().min(0.01).max(60).default(DEFAULT_AGENT_TIMING.batchMaxWaitMs / 1000),
  runNowWaitSeconds: z.coerce.number().min(0).max(300).default(DEFAULT_AGENT_TIMING.runNowWaitSeconds),
  reflectorPort: z.coerce.number().int().min(0).max(65535).default(0),
  reflectorHost: z.string().min(1, 'must not be empty').default('0.0.0.0'),
})
type CliConfig = z.infer<typeof CliConfig>

class ConfigError extends Error {
  readonly code = 'E_CONFIG'
}

function readConfig(argv: string[], env: NodeJS.ProcessEnv): CliConfig | 'help' {
  let values: Record<string, string | boolean | undefined>
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        server: { type: 'string' },
        token: { type: 'string' },
        'log-level': { type: 'string' },
        pretty: { type: 'boolean' },
        'drain-seconds': { type: 'string' },
        'spool-dir': { type: 'string' },
        'spool-max-mb': { type: 'string' },
        'config-poll-seconds': { type: 'string' },
        'batch-max-wait-seconds': { type: 'string' },
        'run-now-wait-seconds': { type: 'string' },
        'reflector-port': { type: 'string' },
        'reflector-host': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values
  } catch (err) {
    // parseArgs names the offending flag in its message ("Unknown option '--sever'").
    throw new ConfigError(err instanceof Error ? err.message : String(err))
  }
  if (values.help) return 'help'
  const parsed = CliConfig.safeParse({
    server: values.server ?? env.XANH_SERVER,
    token: values.token ?? env.XANH_PROBE_TOKEN,
    logLevel: values['log-level'] ?? env.XANH_LOG_LEVEL,
    pretty: values.pretty,
    drainSeconds: values['drain-seconds'],
    spoolDir: values['spool-dir'] ?? env.XANH_SPOOL_DIR,
    spoolMaxMb: values['spool-max-mb'] ?? env.XANH_SPOOL_MAX_MB,
    configPollSeconds: values['config-poll-seconds'] ?? env.XANH_CONFIG_POLL_SECONDS,
    batchMaxWaitSeconds: values['batch-max-wait-seconds'] ?? env.XANH_BATCH_MAX_WAIT_SECONDS,
    runNowWaitSeconds: values['run-now-wait-seconds'] ?? env.XANH_RUN_NOW_WAIT_SECONDS,
    reflectorPort: values['reflector-port'] ?? env.XANH_REFLECTOR_PORT,
    reflectorHost: values['reflector-host'] ?? env.XANH_REFLECTOR_HOST,
  })
  if (!parsed.success) {
    const first = parsed.error.issues[0]
    const key = String(first?.path[0] ?? '')
    throw new ConfigError(`${SOURCES[key] ?? key}: ${first?.message ?? 'invalid'}`)
  }
  return parsed.data
}

/** `./data/spool-<host>-<port>`: one spool per server, stable across token rotations. */
function defaultSpoolDir(server: string): string {
  const u = new URL(server)
  const port = u.port || (u.protocol === 'https:' ? '443' : '80')
  return resolve('data', `spool-${u.hostname.replace(/[^A-Za-z0-9.-]/g, '_')}-${port}`)
}

function makeLogger(cfg: CliConfig): Logger {
  const base = { level: cfg.logLevel, base: { app: 'xanh-probe' } }
  return cfg.pretty ? pino(base, PinoPretty({ colorize: process.stdout.isTTY, translateTime: 'SYS:standard' })) : pino(base)
}

function packageVersion(): string {
  try {
    const pkg: unknown = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
    const v = z.object({ version: z.string() }).safeParse(pkg)
    return v.success ? v.data.version : 'unknown'
  } catch {
    return 'unknown'
  }
}

async function main(): Promise<void> {
  let cfg: CliConfig | 'help'
  try {
    cfg = readConfig(process.argv.slice(2), process.env)
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.code}: ${err.message}\nRun with --help for usage.\n`)
      process.exit(2)
    }
    throw err
  }
  if (cfg === 'help') {
    process.stdout.write(USAGE)
    return
  }
  const log = makeLogger(cfg)
  const spoolDir = resolve(cfg.spoolDir ?? defaultSpoolDir(cfg.server))
  let spool: DiskSpool
  try {
    spool = await openDiskSpool({
      dir: spoolDir,
      maxBytes: cfg.spoolMaxMb * 1024 * 1024,
      maxBatches: DEFAULT_AGENT_TIMING.spoolMaxBatches,
      log: log.child({ component: 'spool' }),
    })
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err)
    process.stderr.write(`E_CONFIG: ${SOURCES.spoolDir}: cannot use ${spoolDir}: ${reason}\nRun with --help for usage.\n`)
    process.exit(2)
  }
  const tools = detectTools(process.env.PATH ?? '')
  log.info({ fping: tools.fping ?? null, ping: tools.ping ?? null, unavailable: tools.unavailable }, 'system tools detected')
  const agent = createAgent({
    serverUrl: cfg.server,
    token: cfg.token,
    log,
    version: packageVersion(),
    tools,
    spool,
    timing: { configPollSeconds: cfg.configPollSeconds, batchMaxWaitMs: cfg.batchMaxWaitSeconds * 1000, runNowWaitSeconds: cfg.runNowWaitSeconds },
  })

  let reflector: UdpEchoReflector | undefined
  if (cfg.reflectorPort > 0) {
    try {
      reflector = await startUdpEchoReflector({ host: cfg.reflectorHost, port: cfg.reflectorPort, log: log.child({ component: 'reflector' }) })
    } catch (err) {
      // Measuring is the agent's job; a busy reflector port must not stop it.
      const code = err instanceof Error && 'code' in err ? String(err.code) : 'error'
      log.error({ err, host: cfg.reflectorHost, port: cfg.reflectorPort }, `udp echo reflector not started: ${cfg.reflectorHost}:${cfg.reflectorPort}/udp ${code === 'EADDRINUSE' ? 'is already in use' : `failed (${code})`}; the agent runs without it`)
    }
  }

  const drainTimeoutMs = cfg.drainSeconds * 1000
  let stopping = false
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting without draining')
      process.exit(1)
    }
    stopping = true
    log.info({ signal, drainSeconds: cfg.drainSeconds }, 'stopping: draining results to the server')
    void Promise.all([agent.stop({ drainTimeoutMs }), reflector?.close()]).then(() => {
      log.flush()
      process.exit(0)
    })
  }
  process.on('SIGTERM', shutdown)
  process.on('SIGINT', shutdown)
  process.on('unhandledRejection', (err) => {
    log.fatal({ err }, 'unhandled rejection')
    process.exit(1)
  })
  await agent.start()
}

main().catch((err: unknown) => {
  process.stderr.write(`xanh probe crashed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
  process.exit(1)
})
