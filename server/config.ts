/**
 * Server configuration: defaults, then an optional YAML file, then environment variables.
 * Validated with zod; a bad value stops start-up with a message naming the variable or key.
 * Pure: callers pass the env and the file text (only main.ts reads them).
 * @module
 */
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import { AppError } from './errors'
import { Thresholds } from '../protocol/thresholds'

/** Default of `probes.rotationGraceSeconds` (a day: time to reach a commune agent), also the CLI's. */
export const DEFAULT_ROTATION_GRACE_SECONDS = 86400
/** Default of `ingest.maxClockSkewSeconds`: NTP keeps clocks within milliseconds; minutes mean a wrong clock. */
export const DEFAULT_MAX_CLOCK_SKEW_SECONDS = 120

const LogLevel = z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])

/** Grading thresholds of SPEC §4 (base units): defined in protocol/ so inventory overrides and the dashboard share them. */
export { Thresholds }

export const StateConfig = z.strictObject({
  /** Consecutive failed rounds before a target is down. */
  downAfter: z.number().int().min(1).max(100).default(3),
  /** Consecutive good rounds before a down target is up again. */
  upAfter: z.number().int().min(1).max(100).default(2),
  /** No result within this many intervals → unknown (a data gap). */
  unknownAfterIntervals: z.number().min(1).max(100).default(3),
  /** Window for RTT median and loss (seconds). */
  windowSeconds: z.number().int().min(60).max(86400).default(900),
  /** Flapping: weighted state-change ratio over the last `flapRounds` rounds (Nagios model). */
  flapRounds: z.number().int().min(5).max(100).default(21),
  flapEnterRatio: z.number().min(0).max(1).default(0.3),
  flapLeaveRatio: z.number().min(0).max(1).default(0.2),
  /** How often silent targets are re-evaluated and live deltas are pushed (seconds). */
  tickSeconds: z.number().min(0.1).max(60).default(1),
})
export type StateConfig = z.infer<typeof StateConfig>

export const AlertingConfig = z.strictObject({
  /** Hold a new alert group this long before the first message (lets parents and siblings arrive). */
  groupWaitSeconds: z.number().min(0).max(3600).default(30),
  /** Minimum spacing of messages about changes in one group. */
  groupIntervalSeconds: z.number().min(1).max(86400).default(300),
  /** Re-send an unchanged, unacknowledged group this often. */
  repeatIntervalSeconds: z.number().min(60).max(7 * 86400).default(4 * 3600),
  groupBy: z.array(z.string().min(1)).max(10).default(['alertname', 'cluster']),
  /**
   * An open incident whose measured value alone moved is rewritten at most this often (its
   * summary and annotations); any other change (severity, reason, flapping, labels) at once.
   */
  figuresRefreshSeconds: z.number().min(0).max(86400).default(60),
  /** Deadline of one delivery attempt. */
  sendTimeoutSeconds: z.number().positive().max(120).default(10),
  backoffBaseSeconds: z.number().positive().max(3600).default(5),
  backoffMaxSeconds: z.number().positive().max(86400).default(600),
  /** A message still pending this long after it was queued is surfaced (incident timeline, channel health, /metrics, log). */
  overdueSeconds: z.number().min(30).max(7 * 86400).default(900),
  /** Attempts before a notification is given up (status dead, visible in the timeline). */
  maxAttempts: z.number().int().min(1).max(1000).default(50),
  /** Deliveries in flight at once across all destinations. */
  maxConcurrentSends: z.number().int().min(1).max(64).default(4),
  /** Bearer token accepted by POST /api/v2/alerts (Alertmanager-compatible input); unset = admin Basic only. */
  alertsToken: z.string().min(16).optional(),
})
export type AlertingConfig = z.infer<typeof AlertingConfig>

/** `/metrics` (SPEC §7). */
export const MetricsConfig = z.strictObject({
  /** When set, scrapes must send `Authorization: Bearer <token>` or HTTP Basic with it as the password. */
  token: z.string().min(16).optional(),
  /** A rendered exposition is reused for this long (a scrape interval); 0 renders every scrape. */
  cacheSeconds: z.number().min(0).max(300).default(5),
  /**
   * A render runs in 10 ms slices with other work (ingest, dashboards) between them, for at most
   * this long; then it finishes in one go. Under an overload each gap between slices holds
   * seconds of ingest, and a scrape answered only after thirty of them took 20 s and more.
   */
  yieldForSeconds: z.number().min(0).max(60).default(1),
})
export type MetricsConfig = z.infer<typeof MetricsConfig>

/**
 * Measurements rolled up by default: exactly what the commune page charts
 * (web/src/models/commune.ts METRICS); anything else stays readable from raw results for `rawDays`.
 */
export const DEFAULT_ROLLUP_METRICS = [
  'rtt_median_seconds',
  'rtt_min_seconds',
  'rtt_max_seconds',
  'loss_ratio',
  'jitter_seconds',
  'mos_estimate',
  'download_bytes_per_second',
  'upload_bytes_per_second',
  'utilization_ratio_in',
  'utilization_ratio_out',
] as const

/**
 * How long each resolution of history is kept (SPEC §10, issue 7), and how the storage jobs
 * pace themselves. Deletions run in transactions of `batchRows` rows so ingest never waits long.
 */
export const RetentionConfig = z.strictObject({
  rawDays: z.number().positive().max(3650).default(14),
  /** 5-minute rollups: what the 24-hour and 7-day charts read (ranges ending now). */
  rollup5mDays: z.number().positive().max(3650).default(8),
  /** Ignored: 1-minute rollups were replaced by 5-minute ones (issue 14); accepted so older config files still load. */
  rollup1mDays: z.number().positive().max(3650).optional(),
  rollup1hDays: z.number().positive().max(36500).default(730),
  /** State changes feed SLA reports; kept as long as the hourly rollups unless set. */
  stateLogDays: z.number().positive().max(36500).optional(),
  /**
   * Measurements kept in the rollups: what the dashboard charts read. Each one costs a row per
   * target per 5 minutes for `rollup5mDays` and per hour for `rollup1hDays`; `['*']` keeps every measurement.
   * Others stay available from raw results for `rawDays`.
   */
  rollupMetrics: z
    .array(z.union([z.literal('*'), z.string().regex(/^[a-z][a-z0-9_]{0,63}$/)]))
    .max(200)
    .default([...DEFAULT_ROLLUP_METRICS]),
  batchRows: z.number().int().min(100).max(100_000).default(1000),
  /** How often finished chunk windows are sealed (their results folded into the rollups then). */
  rollupEverySeconds: z.number().min(1).max(3600).default(10),
  /**
   * Share of the event loop a seal pass may take. After a step (one transaction of up to 100
   * targets) that took d ms the pass pauses d × (1 / share − 1) ms, so ingest keeps the rest.
   * 1: steps back to back (a batch then waits a whole step at each turn of the loop it needs:
   * p99 218 ms at national load, stop 28). The load shedder (`ingest.maxEventLoopUtilization`)
   * does not count the seal's time as load (since stop 28; before, a pass back to back under
   * V8's `--optimize-for-size`, tried at stop 25, had 2 batches in 798 answered 429).
   */
  sealLoopShare: z.number().min(0.05).max(1).default(0.5),
  /** Length of a raw-result chunk's time window (one row per target and window). */
  chunkMinutes: z.number().int().min(1).max(1440).default(15),
  /** How often expired rows are deleted. */
  retentionEverySeconds: z.number().min(10).max(86400).default(60),
})
export type RetentionConfig = z.infer<typeof RetentionConfig>

/**
 * How V8 manages the heap by load (server/heap-policy.ts): while the event loop has been under
 * `quietBelowLoopShare` for `quietWindows` windows of `sampleSeconds` in a row, every full
 * collection compacts and the heap grows `quietGrowingPercent` between them; the first busier
 * window restores the flags the process started with. `quietBelowLoopShare: 0` never switches.
 */
export const HeapConfig = z.strictObject({
  quietBelowLoopShare: z.number().min(0).max(1).default(0.4),
  quietWindows: z.number().int().min(1).max(100).default(6),
  sampleSeconds: z.number().min(1).max(600).default(5),
  quietGrowingPercent: z.number().int().min(1).max(100).default(15),
})
export type HeapConfig = z.infer<typeof HeapConfig>

export const ServerConfig = z.strictObject({
  port: z.number().int().min(0).max(65535).default(8080),
  host: z.string().min(1).default('0.0.0.0'),
  dataDir: z.string().min(1).default('./data'),
  /** auto: load the demo province when the inventory is empty; off: never; on: always (if empty). */
  demo: z.enum(['auto', 'off']).default('auto'),
  /** Second and third octets for demo responder addresses (127.X.Y.Z). */
  demoNet: z.number().int().min(1).max(254).default(77),
  logLevel: LogLevel.default('info'),
  logPretty: z.boolean().default(false),
  /** Base URL used in links (alerts, CLI output). */
  publicUrl: z.url().optional(),
  /** First admin password; generated and printed once when absent. */
  adminPassword: z.string().min(12).optional(),
  embeddedProbe: z.boolean().default(true),
  /**
   * A wallboard (a NOC's TV showing the overview): anonymous reads of what a viewer may read.
   * Off by default: the dashboard's data needs a signed-in user.
   */
  publicRead: z.boolean().default(false),
  /**
   * Behind a reverse proxy: take the client's address from `X-Forwarded-For` and TLS from
   * `X-Forwarded-Proto` (sign-in throttling, audit, HSTS). Never set it when clients reach the
   * server directly: they could then choose their own address.
   */
  trustProxy: z.boolean().default(false),
  /** Timing of the embedded probe (remote agents take the same settings as flags). */
  embeddedProbeTiming: z
    .strictObject({
      /** Inventory edits reach the embedded probe within this many seconds (ETag keeps polls cheap). */
      configPollSeconds: z.number().min(1).max(3600).default(5),
      /** Longest a result waits for its batch to fill before it is shipped. */
      batchMaxWaitSeconds: z.number().min(0.05).max(60).default(2),
    })
    .default({ configPollSeconds: 5, batchMaxWaitSeconds: 2 }),
  provinceCode: z.string().min(1).max(20).optional(),
  provinceName: z.string().min(1).max(100).optional(),
  ingest: z
    .strictObject({
      maxBodyBytes: z.number().int().positive().default(2 * 1024 * 1024),
      maxDecompressedBytes: z.number().int().positive().default(16 * 1024 * 1024),
      /**
       * A result observed later than the server's clock plus this is refused (E_CLOCK_SKEW): one
       * future-dated result would pin its target's `lastResultAt` ahead, and every true result
       * after it would count as a late replay that never moves the state.
       */
      maxClockSkewSeconds: z.number().min(1).max(86400).default(DEFAULT_MAX_CLOCK_SKEW_SECONDS),
      /**
       * Batches being read and stored at once; one more is answered 429 with `Retry-After`
       * (agents back off and keep it spooled), so memory stays bounded whatever the load:
       * at most this × `maxDecompressedBytes` of bodies.
       */
      maxInFlight: z.number().int().min(1).max(1000).default(16),
      /**
       * While the event loop runs busier than this (share of a `loadSampleSeconds` window spent
       * running code), a share of batches is answered 429 with `Retry-After` before its body is
       * read, halved per window over it and raised again per window under it: past the server's
       * capacity the excess is refused cheaply instead of queued. 1 turns it off.
       */
      maxEventLoopUtilization: z.number().min(0.1).max(1).default(0.95),
      /**
       * Window over which the event loop's utilisation is measured, seconds: long enough that one
       * periodic job (a tick, a GC pause, a seal) does not count as an overload, short enough that
       * the share climbs back within seconds once it is over. (5 s windows, tried, kept the
       * benchmark's paced load no cleaner and took 15 s instead of 5 to take it whole again
       * after an overload.)
       */
      loadSampleSeconds: z.number().min(0.05).max(60).default(2),
      /**
       * Ingest work one turn of the event loop may do before further batches wait for the next
       * turn, seconds (0: no limit). Without it an overload stored batch after batch in one turn
       * for seconds while scrapes, dashboards and timers waited.
       */
      turnBudgetSeconds: z.number().min(0).max(10).default(0.05),
      /** `Retry-After` of a 429 (ingest busy), seconds. */
      busyRetryAfterSeconds: z.number().int().min(1).max(3600).default(5),
      /** `Retry-After` of a 503 when the disk is full (nothing was stored), seconds. */
      fullDiskRetryAfterSeconds: z.number().int().min(1).max(3600).default(60),
    })
    .default({
      maxBodyBytes: 2 * 1024 * 1024,
      maxDecompressedBytes: 16 * 1024 * 1024,
      maxClockSkewSeconds: DEFAULT_MAX_CLOCK_SKEW_SECONDS,
      maxInFlight: 16,
      maxEventLoopUtilization: 0.95,
      loadSampleSeconds: 2,
      turnBudgetSeconds: 0.05,
      busyRetryAfterSeconds: 5,
      fullDiskRetryAfterSeconds: 60,
    }),
  /** Probe tokens. */
  probes: z
    .strictObject({
      /**
       * After a rotation the old token keeps working this long, so the agent can be given the new
       * one without losing results; 0 ends it at once. Revoking a probe ends both tokens at once.
       */
      rotationGraceSeconds: z.number().int().min(0).max(30 * 86400).default(DEFAULT_ROTATION_GRACE_SECONDS),
    })
    .default({ rotationGraceSeconds: DEFAULT_ROTATION_GRACE_SECONDS }),
  /** UDP echo reflector (TWAMP-light) for udp_echo checks towards the province; 0 = off. */
  udpEchoPort: z.number().int().min(0).max(65535).default(8620),
  /** Bounds of the throughput test endpoints (/api/v1/speedtest/*). */
  speedtest: z
    .strictObject({
      maxBytes: z.number().int().positive().default(2 * 1024 * 1024 * 1024),
      maxSeconds: z.number().positive().max(300).default(30),
      maxConcurrent: z.number().int().positive().max(64).default(8),
    })
    .default({ maxBytes: 2 * 1024 * 1024 * 1024, maxSeconds: 30, maxConcurrent: 8 }),
  /** "Đo ngay" on-demand line tests. */
  testRuns: z
    .strictObject({
      /** Added to the sum of the tested targets' timeouts before a run's unfinished targets expire. */
      graceSeconds: z.number().min(1).max(3600).default(60),
      /** Longest a probe's run-now long poll is held open (agents ask for less, e.g. 25 s). */
      maxWaitSeconds: z.number().min(0).max(300).default(30),
    })
    .default({ graceSeconds: 60, maxWaitSeconds: 30 }),
  /** The live feed (`/api/v1/live`) dashboards listen on. */
  live: z
    .strictObject({
      /**
       * Changes of figures only (a new round's time, a verdict's value) are pushed at most this
       * often; state changes go out at the next tick. At 10,000 targets every round changes a
       * figure, and pushing each within a second would cost 200 dashboards more than ingest.
       */
      figuresEverySeconds: z.number().min(0).max(300).default(5),
      /**
       * State changes in one delta at most (commune summaries first, then target statuses,
       * 0.4–1 KB each; the rest follow in the next ones): a mass outage of 3,321 communes is
       * painted within 14 s, and every delta carries the exact counts at once.
       */
      maxEntriesPerDelta: z.number().int().min(1).max(100_000).default(250),
      /**
       * Figures-only changes in one delta at most (communes and targets in turn), so a dashboard
       * gets at most ~250 KB a second in all with `maxEntriesPerDelta`.
       */
      maxFiguresPerDelta: z.number().int().min(1).max(100_000).default(500),
      /** A dashboard with more than this queued and unread is cut off (it reloads when it reconnects): bounds memory per client. */
      maxBufferedBytes: z.number().int().min(64 * 1024).max(256 * 1024 * 1024).default(1024 * 1024),
    })
    .default({ figuresEverySeconds: 5, maxEntriesPerDelta: 250, maxFiguresPerDelta: 500, maxBufferedBytes: 1024 * 1024 }),
  /**
   * SQLite's page cache (MiB): pages read stay in memory up to this. Ingest writes one row per
   * batch and sealing touches each target's rows once a window, so a small cache costs little
   * time; every MiB of it counts in the server's resident memory (issue 14: 32 MiB was ~15 % of it).
   */
  sqliteCacheMiB: z.number().min(1).max(4096).default(2),
  /** Seconds to let in-flight requests and the embedded probe drain on SIGTERM. */
  shutdownTimeoutSeconds: z.number().positive().max(300).default(10),
  state: StateConfig.default(StateConfig.parse({})),
  alerting: AlertingConfig.default(AlertingConfig.parse({})),
  thresholds: Thresholds.default(Thresholds.parse({})),
  metrics: MetricsConfig.default(MetricsConfig.parse({})),
  retention: RetentionConfig.default(RetentionConfig.parse({})),
  heap: HeapConfig.default(HeapConfig.parse({})),
})
export type ServerConfig = z.infer<typeof ServerConfig>

const bool = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'])
  .transform((v) => v === '1' || v === 'true' || v === 'yes' || v === 'on')

/** Environment variables and the config keys they set. */
const Env = z.object({
  XANH_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  XANH_HOST: z.string().min(1).optional(),
  XANH_DATA_DIR: z.string().min(1).optional(),
  XANH_DEMO: z
    .enum(['auto', '0', '1', 'off', 'on', 'false', 'true'])
    .transform((v) => (v === '0' || v === 'off' || v === 'false' ? 'off' : 'auto'))
    .optional(),
  XANH_DEMO_NET: z.coerce.number().int().min(1).max(254).optional(),
  XANH_LOG_LEVEL: LogLevel.optional(),
  XANH_LOG_PRETTY: bool.optional(),
  XANH_PUBLIC_URL: z.url().optional(),
  XANH_ADMIN_PASSWORD: z.string().min(12, 'at least 12 characters').optional(),
  XANH_EMBEDDED_PROBE: bool.optional(),
  XANH_ALERTS_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
  XANH_METRICS_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
  XANH_UDP_ECHO_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  XANH_PUBLIC_READ: bool.optional(),
  XANH_TRUST_PROXY: bool.optional(),
  XANH_PROVINCE_CODE: z.string().min(1).max(20).optional(),
  XANH_PROVINCE_NAME: z.string().min(1).max(100).optional(),
})

/** Documentation table (README and --help are generated from the same list). */
export const ENV_DOC: ReadonlyArray<[string, string, string]> = [
  ['XANH_CONFIG', '—', 'YAML config file (keys as in docs/config.example.yaml); env wins over the file'],
  ['XANH_PORT', '8080', 'HTTP port (0 = any free port)'],
  ['XANH_HOST', '0.0.0.0', 'listen address'],
  ['XANH_DATA_DIR', './data', 'folder of the SQLite file xanh.db'],
  ['XANH_DEMO', 'auto', 'auto: demo province when the inventory is empty; 0: never'],
  ['XANH_DEMO_NET', '77', 'demo responders listen on 127.<N>.x.y'],
  ['XANH_LOG_LEVEL', 'info', 'trace, debug, info, warn, error, fatal, silent'],
  ['XANH_LOG_PRETTY', '0', '1: readable logs instead of JSON lines'],
  ['XANH_PUBLIC_URL', 'http://localhost:PORT', 'base URL used in links'],
  ['XANH_ADMIN_PASSWORD', 'generated', 'password of the first admin user (printed once if generated)'],
  ['XANH_EMBEDDED_PROBE', '1', '0: do not run the in-process probe'],
  ['XANH_ALERTS_TOKEN', '—', 'bearer token for POST /api/v2/alerts (Prometheus/Alertmanager input)'],
  ['XANH_METRICS_TOKEN', '—', '/metrics requires this bearer token (or HTTP Basic with it as the password)'],
  ['XANH_UDP_ECHO_PORT', '8620', 'UDP echo reflector port for udp_echo checks (0 = off)'],
  ['XANH_PUBLIC_READ', '0', '1: anyone may read what a viewer reads (a wallboard); writes still need a user'],
  ['XANH_TRUST_PROXY', '0', '1: behind a reverse proxy, trust X-Forwarded-For / -Proto (client address, HSTS)'],
  ['XANH_PROVINCE_CODE / _NAME', 'from data', 'province shown in the dashboard'],
]

/**
 * Builds the configuration from env and an optional YAML file text.
 * @throws AppError E_VALIDATION whose message names the variable (XANH_…) or `file:key`
 */
export function loadServerConfig(env: Record<string, string | undefined>, fileText?: string, fileName = 'config'): ServerConfig {
  let fromFile: unknown = {}
  if (fileText !== undefined) {
    try {
      fromFile = parseYaml(fileText) ?? {}
    } catch (e) {
      throw new AppError('E_VALIDATION', `${fileName}: not valid YAML: ${(e as Error).message.split('\n')[0]}`)
    }
  }
  const fileParsed = ServerConfig.safeParse(fromFile)
  if (!fileParsed.success) {
    const i = fileParsed.error.issues[0]
    throw new AppError('E_VALIDATION', `${fileName}: ${i?.path.join('.') || '(root)'}: ${i?.message}`, [
      { path: i?.path.join('.') ?? '', message: i?.message ?? 'invalid' },
    ])
  }
  const envParsed = Env.safeParse(env)
  if (!envParsed.success) {
    const i = envParsed.error.issues[0]
    const name = String(i?.path[0] ?? 'environment')
    throw new AppError('E_VALIDATION', `${name}=${JSON.stringify(env[name] ?? '')}: ${i?.message}`, [{ path: name, message: i?.message ?? 'invalid' }])
  }
  const e = envParsed.data
  const c = fileParsed.data
  return {
    ...c,
    port: e.XANH_PORT ?? c.port,
    host: e.XANH_HOST ?? c.host,
    dataDir: e.XANH_DATA_DIR ?? c.dataDir,
    demo: e.XANH_DEMO ?? c.demo,
    demoNet: e.XANH_DEMO_NET ?? c.demoNet,
    logLevel: e.XANH_LOG_LEVEL ?? c.logLevel,
    logPretty: e.XANH_LOG_PRETTY ?? c.logPretty,
    publicUrl: e.XANH_PUBLIC_URL ?? c.publicUrl,
    adminPassword: e.XANH_ADMIN_PASSWORD ?? c.adminPassword,
    embeddedProbe: e.XANH_EMBEDDED_PROBE ?? c.embeddedProbe,
    udpEchoPort: e.XANH_UDP_ECHO_PORT ?? c.udpEchoPort,
    publicRead: e.XANH_PUBLIC_READ ?? c.publicRead,
    trustProxy: e.XANH_TRUST_PROXY ?? c.trustProxy,
    alerting: { ...c.alerting, ...(e.XANH_ALERTS_TOKEN !== undefined ? { alertsToken: e.XANH_ALERTS_TOKEN } : {}) },
    metrics: { ...c.metrics, ...(e.XANH_METRICS_TOKEN !== undefined ? { token: e.XANH_METRICS_TOKEN } : {}) },
    provinceCode: e.XANH_PROVINCE_CODE ?? c.provinceCode,
    provinceName: e.XANH_PROVINCE_NAME ?? c.provinceName,
  }
}
