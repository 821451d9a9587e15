/**
 * Standalone probe agent CLI: `npm run probe -- --server URL --token TOKEN`. The only probes/
 * file that reads argv and the environment, installs signal handlers or exits the process.
 * @module
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { pino, type Logger } from 'pino'
import { PinoPretty } from 'pino-pretty'
import { z } from 'zod'
import { createAgent, detectTools } from './agent'

const USAGE = `Xanh probe agent

Usage: npm run probe -- --server URL --token TOKEN [options]

  --server URL          Xanh server base URL (env XANH_SERVER)
  --token TOKEN         this probe's token (env XANH_PROBE_TOKEN)
  --log-level LEVEL     fatal|error|warn|info|debug|trace|silent (env XANH_LOG_LEVEL, default info)
  --pretty              human-readable logs instead of JSON lines
  --drain-seconds N     on SIGTERM/SIGINT, keep shipping for at most N seconds (default 10)
  --help                show this help

Exit codes: 0 stopped cleanly, 1 crashed, 2 bad configuration (E_CONFIG).
`

/** Where each setting may come from, to name it in errors. */
const SOURCES: Record<string, string> = {
  server: '--server (or XANH_SERVER)',
  token: '--token (or XANH_PROBE_TOKEN)',
  logLevel: '--log-level (or XANH_LOG_LEVEL)',
  pretty: '--pretty',
  drainSeconds: '--drain-seconds',
}

const CliConfig = z.strictObject({
  server: z
    .string({ error: 'is required' })
    .refine((s) => /^https?:\/\/[^/\s]+/.test(s) && URL.canParse(s), 'must be an http:// or https:// URL'),
  token: z.string({ error: 'is required' }).min(1, 'must not be empty'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  pretty: z.boolean().default(false),
  drainSeconds: z.coerce.number().nonnegative().max(600).default(10),
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
  })
  if (!parsed.success) {
    const first = parsed.error.issues[0]
    const key = String(first?.path[0] ?? '')
    throw new ConfigError(`${SOURCES[key] ?? key}: ${first?.message ?? 'invalid'}`)
  }
  return parsed.data
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
  const tools = detectTools(process.env.PATH ?? '')
  log.info({ fping: tools.fping ?? null, ping: tools.ping ?? null, unavailable: tools.unavailable }, 'system tools detected')
  const agent = createAgent({ serverUrl: cfg.server, token: cfg.token, log, version: packageVersion(), tools })

  const drainTimeoutMs = cfg.drainSeconds * 1000
  let stopping = false
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting without draining')
      process.exit(1)
    }
    stopping = true
    log.info({ signal, drainSeconds: cfg.drainSeconds }, 'stopping: draining results to the server')
    void agent.stop({ drainTimeoutMs }).then(() => {
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
