/**
 * Prometheus exposition (SPEC §7), rendered from the state engine's memory: never a database
 * query per scrape. The text is built by hand from the engine's live objects (prom-client's
 * per-series label maps cost ~4 µs a series; a string append costs well under one), in slices
 * that yield to the event loop, so ingest keeps running while a large render is under way.
 * Renders are cached for `metrics.cacheSeconds` and shared by concurrent scrapes.
 *
 * Both formats come from one writer: Prometheus text 0.0.4, and OpenMetrics 1.0.0 when the
 * scraper asks for it (counters as `# TYPE x counter` + `x_total`, `_info` as `info`, `# EOF`).
 * `xanh_commune_state` stays a gauge in OpenMetrics too: an OpenMetrics stateset would have to
 * name its label after the metric, and every query and dashboard would change.
 *
 * prom-client stays for Node process metrics (rendered through the same writer).
 * @module
 */
import { promisify } from 'node:util'
import { once } from 'node:events'
import { createGzip, gunzip, constants as zlibConstants } from 'node:zlib'
import { Registry, collectDefaultMetrics } from 'prom-client'
import { RuleName, STATES, TargetRole, type CheckKind, type CoverageGapKind, type State, type VerdictState } from '../protocol'
import type { CommuneMeta, StateEngine, TargetMeta, TargetView } from './state/engine'
import { RETENTION_TABLES } from './store/retention'
import type { HeapMode } from './heap-policy'

export type ExpositionFormat = 'prometheus' | 'openmetrics'

/** Content-Type of each format. */
export const EXPOSITION_CONTENT_TYPE: Readonly<Record<ExpositionFormat, string>> = {
  prometheus: 'text/plain; version=0.0.4; charset=utf-8',
  openmetrics: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
}

/** Coverage-gap kinds, pre-initialised per commune so `xanh_coverage_gaps` exists at 0. */
export const COVERAGE_GAP_KINDS: readonly CoverageGapKind[] = ['no_mobile', 'no_power', 'no_internet', 'weak_mobile']

/**
 * Why ingest refused a batch, pre-initialised at 0 (a bounded label): `scope` (a target not
 * assigned to the token's probe, or a batch naming another probe), `clock_skew` (a result dated
 * in the future), `validation` (anything else about the body), `busy` (over
 * `ingest.maxInFlight`: 429, the agent retries), `overloaded` (the event loop busier than
 * `ingest.maxEventLoopUtilization`: 429, the agent retries), `disk_full` (the database could not
 * grow: 503, nothing stored, the agent retries).
 */
export const INGEST_REJECT_REASONS = ['scope', 'clock_skew', 'validation', 'busy', 'overloaded', 'disk_full'] as const
export type IngestRejectReason = (typeof INGEST_REJECT_REASONS)[number]

/** Notification channel types and outcomes, pre-initialised at 0. */
const CHANNELS = ['zalo', 'telegram', 'email', 'webhook', 'slack'] as const
const DELIVERY_RESULTS = ['sent', 'retry', 'dead', 'collapsed'] as const

/**
 * A counter with a fixed label set, incremented by the rest of the server and rendered by the
 * exposition writer. Mirrors prom-client's `inc(labels, by)` so callers do not care.
 */
export class LabelledCounter<L extends string> {
  private readonly values = new Map<string, number>()

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly L[],
  ) {
    if (!name.endsWith('_total')) throw new Error(`counter ${name} must end in _total`)
  }

  /** Adds `by` (default 1; negative values are ignored: counters only grow). */
  inc(labels: Readonly<Record<L, string>>, by = 1): void {
    if (!(by >= 0)) return
    const key = labelString(this.labelNames.map((n) => [n, labels[n]]))
    this.values.set(key, (this.values.get(key) ?? 0) + by)
  }

  /** Current value of one label combination (0 when never incremented). */
  get(labels: Readonly<Record<L, string>>): number {
    return this.values.get(labelString(this.labelNames.map((n) => [n, labels[n]]))) ?? 0
  }

  /** Rendered `{…}` label strings and values, in first-increment order. */
  entries(): IterableIterator<[string, number]> {
    return this.values.entries()
  }
}

/** Facts the storage jobs keep in memory for the exposition (no query per scrape). */
export interface StorageFacts {
  /** Size of the database file (pages × page size) at the last retention run; null before it. */
  sizeBytes: number | null
  /** Rows deleted by retention since start, per table. */
  deletedRows: Readonly<Record<string, number>>
  /** Results written but not yet rolled up. */
  rollupBacklog: number
}

/** Counters the rest of the server increments, and the scrape entry points. */
export interface Metrics {
  /** Node process metrics (prom-client default metrics). */
  registry: Registry
  ingestResults: LabelledCounter<'result'>
  ingestBatches: LabelledCounter<'result'>
  /** Results of refused batches, by why the batch was refused ({@link INGEST_REJECT_REASONS}). */
  ingestRejectedResults: LabelledCounter<'reason'>
  /** Refused batches by reason (those refused unread, 429, included). */
  ingestRejectedBatches: LabelledCounter<'reason'>
  notifications: LabelledCounter<'channel' | 'result'>
  /**
   * The exposition for a scrape (UTF-8): the cached render when it is younger than
   * `cacheSeconds`, otherwise one fresh render shared by every scrape that arrives meanwhile.
   * A render is kept gzip'd; its text is inflated from the gzip on the first plain read and kept
   * with it for the reads that follow.
   */
  scrape(format: ExpositionFormat): Promise<Buffer>
  /**
   * The same exposition gzip'd (what Prometheus asks for): 10,000 targets are ~14 MB of text,
   * ~1 MB compressed, so a scrape holds the connection a fraction as long under load.
   */
  scrapeGzip(format: ExpositionFormat): Promise<Buffer>
  /** Renders now, bypassing the cache (benchmarks, tests); UTF-8 bytes. */
  render(format: ExpositionFormat): Promise<Buffer>
  /**
   * Renders ahead of a scrape (called from the runtime's tick): a format scraped at a steady
   * interval is rendered shortly before its next scrape is due, so the scrape is answered from
   * memory at once instead of waiting for a render that competes with ingest for the event loop.
   * A render failing here is left for the scrape, which renders (and reports) again.
   * @returns the render it started, gzip'd (tests), if any
   */
  prepare(): Promise<Buffer> | undefined
  /** Bytes the render cache holds: gzips, and texts inflated for plain reads (tests). */
  cachedBytes(): Promise<number>
}

/** One alert channel's delivery health, as `/metrics` exports it. */
export interface AlertChannelFact {
  /** `<group id>-<channel index>`: bounded and stable, unlike the group's name. */
  channelId: string
  type: string
  group: string
  healthy: boolean
  disabled: boolean
  consecutiveFailures: number
  lastSuccessAt: number | null
  pending: number
  oldestPendingAt: number | null
}

export interface MetricsDeps {
  engine: StateEngine
  /** True while the demo province is loaded: exported as `xanh_demo 1`. */
  demo: () => boolean
  province: () => { code: string; name: string }
  /** `clockOffsetMs`: the probe's clock minus the server's at its last batch; null before one. */
  probes: () => Array<{ name: string; lastSeenAt: number | null; spoolBatches: number | null; clockOffsetMs: number | null }>
  /** Open coverage gaps per commune and kind (kinds absent count 0). */
  coverageGaps?: () => ReadonlyMap<string, Readonly<Partial<Record<CoverageGapKind, number>>>>
  storage?: () => StorageFacts
  /** The heap policy's mode (server/heap-policy.ts), when one runs: `xanh_heap_policy_quiet`. */
  heapMode?: () => HeapMode
  /** Delivery health of every alert channel (support group × channel). */
  alertChannels?: () => readonly AlertChannelFact[]
  /** Seconds a rendered exposition is reused (0: render every scrape). Default 5. */
  cacheSeconds?: number
  /** Seconds a render lets other work run between its slices, then it finishes at once. Default 1. */
  yieldForSeconds?: number
  now?: () => number
  /** Include Node process metrics (default true; the benchmark turns them off). */
  processMetrics?: boolean
}

// ---- text helpers ----

function escapeLabelValue(v: string): string {
  return /["\\\n]/.test(v) ? v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : v
}

/** `{a="x",b="y"}` from name/value pairs ('' when empty). */
function labelString(pairs: ReadonlyArray<readonly [string, string]>): string {
  if (pairs.length === 0) return ''
  return `{${pairs.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',')}}`
}

function formatValue(v: number): string {
  if (v === Infinity) return '+Inf'
  if (v === -Infinity) return '-Inf'
  return String(v)
}

const gunzipAsync = promisify(gunzip)
/**
 * How much text a streamed render hands to gzip at a time. A render for the cache is compressed
 * as it is written (in libuv's thread pool) instead of being built whole first: at 10,000 targets
 * the text is ~22 MB, and holding it until the gzip was made put ~20–30 MB on the server's RSS
 * every scrape (issue 14). One trip to the pool per megabyte keeps the trips few (under an ingest
 * overload each waits for a turn of the event loop).
 */
const GZIP_INPUT_BYTES = 1024 * 1024
/** Characters of text gathered before they are written into the render's buffer (see `Writer.put`). */
const PENDING_CHARS = 16 * 1024
/** gzip's output buffer: level 1 makes ~1/14 of its input, so one megabyte in fits in one. */
const GZIP_OUTPUT_BYTES = 256 * 1024

type FamilyType = 'gauge' | 'counter' | 'info' | 'histogram' | 'summary' | 'untyped'

/**
 * Writes exposition text as UTF-8 straight into a buffer (no megabyte string to build, flatten
 * and encode again), yielding to the event loop when a slice of work ran long. Without a sink the
 * buffer grows to hold the whole text; with one, each full buffer is handed to the sink and a
 * fresh one started (a streamed gzip: the text is never whole in memory).
 */
class Writer {
  private buf: Buffer
  private pos = 0
  /** Bytes handed to the sink so far. */
  private sunk = 0
  private sinceCheck = 0
  private sliceStart = performance.now()
  private readonly startedAt = performance.now()

  /**
   * @param sliceMs how long a slice runs before other work may
   * @param yieldForMs wall time after which the render stops yielding and finishes
   */
  constructor(
    readonly openMetrics: boolean,
    private readonly sliceMs: number,
    private readonly yieldForMs: number,
    sizeHint: number,
    private readonly sink?: (chunk: Buffer) => void,
  ) {
    this.buf = Buffer.allocUnsafe(sink ? GZIP_INPUT_BYTES : Math.max(64 * 1024, sizeHint))
  }

  /** Text not yet written into the buffer (see {@link put}). */
  private pending = ''

  /**
   * Appends text. Lines are gathered into a string and written a few kilobytes at a time: a
   * write per line (330,000 a render at national size) was 40 % of the render, each one
   * flattening its line before encoding it.
   */
  private put(s: string): void {
    this.pending += s
    if (this.pending.length >= PENDING_CHARS) this.flush()
  }

  private flush(): void {
    const s = this.pending
    this.pending = ''
    // UTF-8 needs at most 3 bytes per UTF-16 unit.
    if (this.pos + s.length * 3 > this.buf.length) {
      if (this.sink) {
        // The sink keeps the buffer until it is compressed: a new one, not the same one refilled.
        this.sink(this.buf.subarray(0, this.pos))
        this.sunk += this.pos
        this.buf = Buffer.allocUnsafe(Math.max(GZIP_INPUT_BYTES, s.length * 3))
        this.pos = 0
      } else {
        // By half again, not double: the first renders grow from 64 KiB, and a doubled buffer is
        // up to twice the text (~20 MB at 10,000 targets) held while the render lives.
        const next = Buffer.allocUnsafe(Math.max(Math.ceil(this.buf.length * 1.5), this.pos + s.length * 3))
        this.buf.copy(next, 0, 0, this.pos)
        this.buf = next
      }
    }
    this.pos += this.buf.write(s, this.pos)
  }

  /**
   * Metadata of a family. `name` is the sample name: counters end in `_total`, info metrics in
   * `_info`; OpenMetrics gets the family name without that suffix and the proper type.
   */
  family(name: string, type: FamilyType, help: string): void {
    let family = name
    let t = type
    if (this.openMetrics) {
      if (type === 'counter' && name.endsWith('_total')) family = name.slice(0, -6)
      else if (type === 'info' && name.endsWith('_info')) family = name.slice(0, -5)
      else if (type === 'info') t = 'gauge'
    } else if (type === 'info') t = 'gauge'
    const h = this.openMetrics ? help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"') : help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')
    this.put(`# HELP ${family} ${h}\n# TYPE ${family} ${t}\n`)
  }

  /** One sample; `labels` is a rendered `{…}` string or ''. */
  sample(name: string, labels: string, value: number): void {
    this.put(`${name}${labels} ${formatValue(value)}\n`)
  }

  /**
   * Call once per loop iteration: true when the current slice is over budget (then `await
   * pause()`). A boolean rather than a promise to await: the render loops ask ~200,000 times
   * per render at 10,000 targets, and awaiting even a settled value costs a microtask each.
   */
  due(): boolean {
    if (++this.sinceCheck < 256) return false
    this.sinceCheck = 0
    const t = performance.now()
    return t - this.sliceStart >= this.sliceMs && t - this.startedAt < this.yieldForMs
  }

  /** Lets the event loop run (I/O, ingest) before the next slice. */
  pause(): Promise<void> {
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        this.sliceStart = performance.now()
        resolve()
      }),
    )
  }

  /** The bytes written and not handed to the sink (a view of the writer's buffer). */
  finish(): Buffer {
    if (this.openMetrics) this.put('# EOF\n')
    this.flush()
    return this.buf.subarray(0, this.pos)
  }

  /** Bytes written in all (the sink's included). */
  get size(): number {
    return this.sunk + this.pos
  }
}

/**
 * Writes `write(item)` for every item, letting the event loop run between slices. Each family's
 * loop is its own small closure rather than one loop of a single render function: V8 optimized
 * that function (~190 lines, 40 loops) again after every deopt, each time on a worker thread
 * whose malloc arena kept the compiler's memory (4 × ~22 MB at 10,000 targets, issue 14).
 */
async function each<T>(w: Writer, items: readonly T[], write: (item: T) => void): Promise<void> {
  for (const item of items) {
    write(item)
    if (w.due()) await w.pause()
  }
}

// ---- what is exported per target ----

const TARGET_LABELS = ['target', 'commune_code', 'kind', 'role'] as const

/** A gauge read from the latest result's measurements; one sample per entry of `samples`. */
interface MeasuredFamily {
  name: string
  help: string
  samples: ReadonlyArray<{ key: string; labels: string }>
  /** Only these kinds (all when absent). */
  kinds?: ReadonlySet<CheckKind>
  /** Blackbox pattern: once the target has a result, absent phases are exported as 0. */
  zeroWhenMissing?: boolean
}

const PACKET_KINDS: ReadonlySet<CheckKind> = new Set(['icmp', 'udp_echo'])

const MEASURED: readonly MeasuredFamily[] = [
  { name: 'probe_duration_seconds', help: 'Blackbox-compatible: how long the latest check of the target took.', samples: [{ key: 'duration_seconds', labels: '' }] },
  { name: 'xanh_rtt_seconds', help: 'Median round-trip time of the latest round (icmp, udp_echo).', samples: [{ key: 'rtt_median_seconds', labels: '' }] },
  { name: 'xanh_rtt_min_seconds', help: 'Fastest round-trip time of the latest round.', samples: [{ key: 'rtt_min_seconds', labels: '' }] },
  { name: 'xanh_rtt_max_seconds', help: 'Slowest round-trip time of the latest round.', samples: [{ key: 'rtt_max_seconds', labels: '' }] },
  { name: 'xanh_packet_loss_ratio', help: 'Packet loss of the latest round, 0 to 1.', samples: [{ key: 'loss_ratio', labels: '' }], kinds: PACKET_KINDS },
  { name: 'xanh_jitter_seconds', help: 'Interarrival jitter (RFC 3550) of the latest round.', samples: [{ key: 'jitter_seconds', labels: '' }] },
  {
    name: 'xanh_mos_estimate',
    help: 'E-model MOS estimate (1 to 4.5, ITU-T G.107 simplified, SPEC §3) of the latest round, fed with latency = median RTT / 2, RFC 3550 jitter and loss.',
    samples: [{ key: 'mos_estimate', labels: '' }],
  },
  { name: 'xanh_sip_response_seconds', help: 'Time from the SIP OPTIONS request to its final response.', samples: [{ key: 'response_seconds', labels: '' }], kinds: new Set(['sip']) },
  { name: 'xanh_sip_status_code', help: 'Status code of the final SIP OPTIONS response (200 = up).', samples: [{ key: 'status_code', labels: '' }], kinds: new Set(['sip']) },
  { name: 'xanh_tcp_connect_seconds', help: 'TCP connect time of the latest check (tcp, h323, sip over tcp).', samples: [{ key: 'connect_seconds', labels: '' }] },
  { name: 'xanh_tls_handshake_seconds', help: 'TLS handshake time of the latest tcp check.', samples: [{ key: 'tls_seconds', labels: '' }], kinds: new Set(['tcp']) },
  { name: 'xanh_dns_lookup_seconds', help: 'DNS lookup time of the latest dns check.', samples: [{ key: 'lookup_seconds', labels: '' }], kinds: new Set(['dns']) },
  { name: 'probe_http_status_code', help: 'Blackbox-compatible: HTTP status code of the latest http check.', samples: [{ key: 'status_code', labels: '' }], kinds: new Set(['http']) },
  {
    name: 'probe_http_duration_seconds',
    help: 'Blackbox-compatible: duration of each phase of the latest HTTP request (0 when the phase did not happen).',
    samples: [
      { key: 'http_dns_seconds', labels: 'phase="resolve"' },
      { key: 'http_connect_seconds', labels: 'phase="connect"' },
      { key: 'http_tls_seconds', labels: 'phase="tls"' },
      { key: 'http_ttfb_seconds', labels: 'phase="processing"' },
      { key: 'http_transfer_seconds', labels: 'phase="transfer"' },
    ],
    kinds: new Set(['http']),
    zeroWhenMissing: true,
  },
  { name: 'xanh_cert_expiry_timestamp_seconds', help: 'When the TLS certificate presented by the target expires (unix time).', samples: [{ key: 'cert_expiry_timestamp_seconds', labels: '' }] },
  {
    name: 'xanh_throughput_bytes_per_second',
    help: 'Throughput measured by the latest throughput test, per direction (bytes; × 8 for bit/s).',
    samples: [
      { key: 'download_bytes_per_second', labels: 'direction="download"' },
      { key: 'upload_bytes_per_second', labels: 'direction="upload"' },
    ],
    kinds: new Set(['throughput']),
  },
  { name: 'xanh_throughput_loaded_rtt_seconds', help: 'Round-trip time measured during the latest throughput test (latency under load).', samples: [{ key: 'loaded_rtt_seconds', labels: '' }], kinds: new Set(['throughput']) },
  {
    name: 'xanh_link_utilization_ratio',
    help: 'Interface traffic over the contracted (or interface) rate, 0 to 1, from SNMP counters, per direction.',
    samples: [
      { key: 'utilization_ratio_in', labels: 'direction="in"' },
      { key: 'utilization_ratio_out', labels: 'direction="out"' },
    ],
    kinds: new Set(['snmp']),
  },
  {
    name: 'xanh_link_traffic_bytes_per_second',
    help: 'Interface traffic from SNMP counters, per direction.',
    samples: [
      { key: 'in_bytes_per_second', labels: 'direction="in"' },
      { key: 'out_bytes_per_second', labels: 'direction="out"' },
    ],
    kinds: new Set(['snmp']),
  },
]

/** The packet counters the engine accumulates, pre-initialised at 0 for packet checks. */
const PACKET_COUNTERS: ReadonlyArray<{ name: string; help: string; read: (t: TargetView) => number; kinds: ReadonlySet<CheckKind> }> = [
  { name: 'xanh_packets_sent_total', help: 'Probe packets sent to the target since the server started.', read: (t) => t.packetsSent, kinds: PACKET_KINDS },
  { name: 'xanh_packets_received_total', help: 'Probe packets answered by the target since the server started.', read: (t) => t.packetsReceived, kinds: PACKET_KINDS },
  { name: 'xanh_packets_duplicated_total', help: 'Duplicate echo replies since the server started (udp_echo).', read: (t) => t.packetsDuplicated, kinds: new Set(['udp_echo']) },
  { name: 'xanh_packets_reordered_total', help: 'Echo replies that arrived out of order since the server started (udp_echo).', read: (t) => t.packetsReordered, kinds: new Set(['udp_echo']) },
]

const VERDICT_SEVERITY: Readonly<Record<VerdictState, number>> = { ok: 0, warning: 1, critical: 2, stale: -1 }

/** Reasons as a bounded label set: rule names and a few conditions; `failing-2` → `failing`. */
const REASON_LABELS: ReadonlySet<string> = new Set([...RuleName.options, 'ok', 'down', 'failing', 'unreachable', 'silent', 'no_data', 'stale', 'no_targets'])
function reasonLabel(reason: string | null): string {
  const r = (reason ?? 'no_data').replace(/^failing-\d+$/, 'failing').replace(/-/g, '_')
  return REASON_LABELS.has(r) ? r : 'other'
}
function targetReasonLabel(t: TargetView): string {
  if (t.unreachable) return 'unreachable'
  return reasonLabel(t.reason)
}
/** `line:throughput` → role `line`, reason `throughput`; `no-targets` → role ``, reason `no_targets`. */
function communeReasonLabels(reason: string | null): [string, string] {
  const i = (reason ?? '').indexOf(':')
  if (i < 0) return ['', reasonLabel(reason)]
  const role = (reason as string).slice(0, i)
  return [TargetRole.options.includes(role as never) ? role : 'other', reasonLabel((reason as string).slice(i + 1))]
}

const STATE_LABEL: Readonly<Record<State, string>> = Object.fromEntries(STATES.map((s) => [s, `state="${s}"`])) as Record<State, string>

/**
 * Creates the metrics of one server: counters, process metrics, and the renderer over the
 * engine. Nothing is module-global, so every app (and test) has its own.
 * @example const m = createMetrics(deps); res.send(await m.scrape('prometheus'))
 */
export function createMetrics(deps: MetricsDeps): Metrics {
  const registry = new Registry()
  if (deps.processMetrics !== false) {
    collectDefaultMetrics({ register: registry })
    // Gauges named *_total, which promtool rejects; the handle counts are not worth the noise.
    for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) registry.removeSingleMetric(name)
  }
  const now = deps.now ?? Date.now
  const cacheMs = (deps.cacheSeconds ?? 5) * 1000
  const yieldForMs = (deps.yieldForSeconds ?? 1) * 1000
  const { engine } = deps

  const ingestResults = new LabelledCounter('xanh_ingest_results_total', 'Results received by ingest, by outcome (accepted, duplicate, rejected).', ['result'])
  const ingestBatches = new LabelledCounter('xanh_ingest_batches_total', 'Batches received by ingest, by outcome (accepted, rejected).', ['result'])
  const notifications = new LabelledCounter(
    'xanh_notifications_total',
    'Notification delivery attempts by channel type and outcome (sent, retry, dead, collapsed).',
    ['channel', 'result'],
  )
  for (const channel of CHANNELS) for (const result of DELIVERY_RESULTS) notifications.inc({ channel, result }, 0)
  for (const result of ['accepted', 'duplicate', 'rejected']) ingestResults.inc({ result }, 0)
  for (const result of ['accepted', 'rejected']) ingestBatches.inc({ result }, 0)
  const ingestRejectedResults = new LabelledCounter(
    'xanh_ingest_rejected_results_total',
    'Results in batches ingest refused (nothing of such a batch is stored), by reason (scope, clock_skew, validation).',
    ['reason'],
  )
  for (const reason of INGEST_REJECT_REASONS) ingestRejectedResults.inc({ reason }, 0)
  const ingestRejectedBatches = new LabelledCounter(
    'xanh_ingest_rejected_batches_total',
    'Batches ingest refused, by reason: as xanh_ingest_rejected_results_total, and counting the batches refused unread (busy, overloaded), whose results are not counted.',
    ['reason'],
  )
  for (const reason of INGEST_REJECT_REASONS) ingestRejectedBatches.inc({ reason }, 0)

  // Rendered label strings, cached per metadata object: inventory reloads replace the objects.
  const targetLabels = new WeakMap<TargetMeta, string>()
  const labelsOf = (t: TargetMeta): string => {
    let s = targetLabels.get(t)
    if (s === undefined) {
      s = labelString([
        [TARGET_LABELS[0], t.id],
        [TARGET_LABELS[1], t.communeCode],
        [TARGET_LABELS[2], t.kind],
        [TARGET_LABELS[3], t.role],
      ]).slice(1, -1)
      targetLabels.set(t, s)
    }
    return s
  }
  const communeLabels = new WeakMap<CommuneMeta, string>()
  const communeLabelOf = (c: CommuneMeta): string => {
    let s = communeLabels.get(c)
    if (s === undefined) {
      s = `commune_code="${escapeLabelValue(c.code)}"`
      communeLabels.set(c, s)
    }
    return s
  }

  let lastRenderSeconds = 0
  let lastSize = 0

  /** Writes the whole exposition into `w`. */
  async function fill(w: Writer): Promise<void> {
    const at = now()
    const communes = engine.communeViews()
    const targets = engine.targetViews()

    w.family('xanh_demo', 'gauge', '1 when the demo province (simulated impairments on local responders) is loaded.')
    w.sample('xanh_demo', '', deps.demo() ? 1 : 0)
    w.family('xanh_metrics_render_seconds', 'gauge', 'How long the previous /metrics render took.')
    w.sample('xanh_metrics_render_seconds', '', lastRenderSeconds)

    // ---- communes ----
    const province = escapeLabelValue(deps.province().code)
    w.family('xanh_commune_info', 'info', 'Commune identity; the only series carrying Vietnamese names. Join with group_left on commune_code.')
    await each(w, communes, ({ meta: c }) => {
      w.sample('xanh_commune_info', `{${communeLabelOf(c)},commune="${escapeLabelValue(c.name)}",cluster="${escapeLabelValue(c.cluster)}",kind="${c.kind}",province="${province}"}`, 1)
    })
    w.family('xanh_commune_state', 'gauge', 'Commune state as a state-set: 1 for the current state (ok, warning, critical, down, unknown), 0 for the others.')
    await each(w, communes, ({ meta: c, state }) => {
      const l = communeLabelOf(c)
      for (const s of STATES) w.sample('xanh_commune_state', `{${l},${STATE_LABEL[s]}}`, s === state ? 1 : 0)
    })
    w.family('xanh_commune_reason', 'gauge', "Why the commune is in its state: 1 for the current cause, the role of the target that set it and its reason (as xanh_target_reason).")
    await each(w, communes, (c) => {
      const [role, reason] = communeReasonLabels(c.reason)
      w.sample('xanh_commune_reason', `{${communeLabelOf(c.meta)},role="${role}",reason="${reason}"}`, 1)
    })
    w.family('xanh_link_contracted_bytes_per_second', 'gauge', 'Contracted line rate of the commune (bytes; × 8 for bit/s).')
    await each(w, communes, ({ meta: c }) => {
      w.sample('xanh_link_contracted_bytes_per_second', `{${communeLabelOf(c)}}`, (c.contractedMbps * 1e6) / 8)
    })
    const gaps = deps.coverageGaps?.()
    w.family('xanh_coverage_gaps', 'gauge', 'Open coverage gaps (hamlets without mobile signal, power or internet) per commune and kind.')
    await each(w, communes, ({ meta: c }) => {
      const l = communeLabelOf(c)
      const g = gaps?.get(c.code)
      for (const k of COVERAGE_GAP_KINDS) w.sample('xanh_coverage_gaps', `{${l},kind="${k}"}`, g?.[k] ?? 0)
    })

    // ---- targets ----
    w.family('xanh_target_state', 'gauge', 'Target state as a state-set: 1 for the current state (ok, warning, critical, down, unknown), 0 for the others.')
    await each(w, targets, (t) => {
      const l = labelsOf(t.meta)
      for (const s of STATES) w.sample('xanh_target_state', `{${l},${STATE_LABEL[s]}}`, s === t.state ? 1 : 0)
    })
    w.family('xanh_target_up', 'gauge', '1 unless the target is down (after hysteresis); absent while it is unknown (a data gap is neither up nor down).')
    await each(w, targets, (t) => {
      if (t.state !== 'unknown') w.sample('xanh_target_up', `{${labelsOf(t.meta)}}`, t.state === 'down' ? 0 : 1)
    })
    w.family('xanh_target_unreachable', 'gauge', '1 when the target fails and every topology parent is down (it does not page; the parent does).')
    await each(w, targets, (t) => {
      w.sample('xanh_target_unreachable', `{${labelsOf(t.meta)}}`, t.unreachable ? 1 : 0)
    })
    w.family('xanh_target_reason', 'gauge', 'Why the target is in its state: 1 for the current reason (ok, a rule name, down, failing, unreachable, silent, no_data, stale).')
    await each(w, targets, (t) => {
      w.sample('xanh_target_reason', `{${labelsOf(t.meta)},reason="${targetReasonLabel(t)}"}`, 1)
    })
    w.family('xanh_verdict_value', 'gauge', 'The figure a grading rule judged (window median RTT, loss over the window, median of the last throughput tests, sustained utilization, MOS…), in the unit of the rule: seconds, ratio, bytes per second, MOS, status code.')
    await each(w, targets, (t) => {
      for (const v of t.verdicts) if (v.value !== null) w.sample('xanh_verdict_value', `{${labelsOf(t.meta)},rule="${v.rule}",part="${v.part ?? ''}"}`, v.value)
    })
    w.family('xanh_verdict_threshold', 'gauge', 'The threshold the verdict was judged against: the one crossed, or the warning one while ok (per-commune and per-target overrides applied).')
    await each(w, targets, (t) => {
      for (const v of t.verdicts) w.sample('xanh_verdict_threshold', `{${labelsOf(t.meta)},rule="${v.rule}",part="${v.part ?? ''}"}`, v.threshold)
    })
    w.family('xanh_verdict_severity', 'gauge', 'What a grading rule concluded: 0 ok, 1 warning, 2 critical, -1 stale (no recent figure). Absent while the target is down or silent.')
    await each(w, targets, (t) => {
      // A stale throughput target is unknown but its verdicts (-1) are exactly what to show.
      const judged = t.state !== 'down' && (t.state !== 'unknown' || t.reason === 'stale')
      if (judged) for (const v of t.verdicts) w.sample('xanh_verdict_severity', `{${labelsOf(t.meta)},rule="${v.rule}",part="${v.part ?? ''}"}`, VERDICT_SEVERITY[v.state])
    })
    w.family('xanh_target_last_result_timestamp_seconds', 'gauge', 'When the newest result of the target was observed (unix time).')
    await each(w, targets, (t) => {
      if (t.lastObservedAt !== null) w.sample('xanh_target_last_result_timestamp_seconds', `{${labelsOf(t.meta)}}`, t.lastObservedAt / 1000)
    })
    w.family('probe_success', 'gauge', 'Blackbox-compatible: 1 if the latest check of the target succeeded, 0 if it failed.')
    await each(w, targets, (t) => {
      if (t.lastOk !== null) w.sample('probe_success', `{${labelsOf(t.meta)}}`, t.lastOk ? 1 : 0)
    })
    for (const f of MEASURED) {
      w.family(f.name, 'gauge', f.help)
      await each(w, targets, (t) => {
        if (f.kinds && !f.kinds.has(t.meta.kind)) return
        const m = t.measurements
        const l = labelsOf(t.meta)
        for (const s of f.samples) {
          let v = m[s.key]
          if (v === undefined) {
            if (!f.zeroWhenMissing || t.lastObservedAt === null) continue
            v = 0
          }
          w.sample(f.name, s.labels ? `{${l},${s.labels}}` : `{${l}}`, v)
        }
      })
    }
    w.family('xanh_throughput_last_test_timestamp_seconds', 'gauge', 'When the latest throughput test of the target ran (unix time): staleness of xanh_throughput_bytes_per_second.')
    await each(w, targets, (t) => {
      if (t.meta.kind === 'throughput' && t.lastObservedAt !== null) w.sample('xanh_throughput_last_test_timestamp_seconds', `{${labelsOf(t.meta)}}`, t.lastObservedAt / 1000)
    })
    for (const c of PACKET_COUNTERS) {
      w.family(c.name, 'counter', c.help)
      await each(w, targets, (t) => {
        if (c.kinds.has(t.meta.kind)) w.sample(c.name, `{${labelsOf(t.meta)}}`, c.read(t))
      })
    }
    w.family('xanh_data_gap_seconds_total', 'counter', 'Time the target spent unknown (no result within 3 intervals: a data gap) since the server started.')
    await each(w, targets, (t) => {
      const open = t.gapSince === null ? 0 : Math.max(0, at - t.gapSince)
      w.sample('xanh_data_gap_seconds_total', `{${labelsOf(t.meta)}}`, (t.gapMs + open) / 1000)
    })

    // ---- probes, server, storage ----
    const probes = deps.probes()
    w.family('xanh_probe_last_seen_timestamp_seconds', 'gauge', 'When the probe last delivered a batch or heartbeat (unix time).')
    for (const p of probes) if (p.lastSeenAt !== null) w.sample('xanh_probe_last_seen_timestamp_seconds', labelString([['probe', p.name]]), p.lastSeenAt / 1000)
    w.family('xanh_probe_spool_batches', 'gauge', 'Batches waiting in the probe spool, as last reported by the probe.')
    for (const p of probes) if (p.spoolBatches !== null) w.sample('xanh_probe_spool_batches', labelString([['probe', p.name]]), p.spoolBatches)
    w.family('xanh_probe_clock_offset_seconds', 'gauge', "The probe's clock minus the server's, from its last batch's sentAt (positive: the probe is ahead; includes the request's transit time).")
    for (const p of probes) if (p.clockOffsetMs !== null) w.sample('xanh_probe_clock_offset_seconds', labelString([['probe', p.name]]), p.clockOffsetMs / 1000)

    for (const c of [ingestResults, ingestBatches, ingestRejectedResults, ingestRejectedBatches, notifications] as const) {
      w.family(c.name, 'counter', c.help)
      for (const [labels, v] of c.entries()) w.sample(c.name, labels, v)
    }
    // ---- alert channels: deliveries that are not getting out must show here, not only in logs ----
    const channels = deps.alertChannels?.() ?? []
    const ch = (c: AlertChannelFact): string => labelString([
      ['channel_id', c.channelId],
      ['channel_type', c.type],
    ])
    w.family('xanh_alert_channel_info', 'gauge', 'Alert channels of support groups; the group name is here only.')
    for (const c of channels) w.sample('xanh_alert_channel_info', labelString([['channel_id', c.channelId], ['channel_type', c.type], ['group', c.group]]), 1)
    w.family('xanh_alert_channel_healthy', 'gauge', '1 when the channel delivered its last message (or never failed), 0 while it fails or is disabled.')
    for (const c of channels) w.sample('xanh_alert_channel_healthy', ch(c), c.healthy ? 1 : 0)
    w.family('xanh_alert_channel_disabled', 'gauge', '1 when the receiver said the endpoint is gone (HTTP 410): nothing is sent until an admin re-enables it.')
    for (const c of channels) w.sample('xanh_alert_channel_disabled', ch(c), c.disabled ? 1 : 0)
    w.family('xanh_alert_channel_consecutive_failures', 'gauge', 'Delivery attempts that failed in a row on the channel.')
    for (const c of channels) w.sample('xanh_alert_channel_consecutive_failures', ch(c), c.consecutiveFailures)
    w.family('xanh_alert_channel_last_success_timestamp_seconds', 'gauge', 'When the channel last delivered a message (unix time).')
    for (const c of channels) if (c.lastSuccessAt !== null) w.sample('xanh_alert_channel_last_success_timestamp_seconds', ch(c), c.lastSuccessAt / 1000)
    w.family('xanh_alert_channel_pending_messages', 'gauge', 'Messages waiting in the outbox for the channel.')
    for (const c of channels) w.sample('xanh_alert_channel_pending_messages', ch(c), c.pending)
    w.family('xanh_alert_channel_oldest_pending_age_seconds', 'gauge', 'How long the oldest waiting message of the channel has waited (0 when none).')
    for (const c of channels) w.sample('xanh_alert_channel_oldest_pending_age_seconds', ch(c), c.oldestPendingAt === null ? 0 : Math.max(0, (at - c.oldestPendingAt) / 1000))

    const storage = deps.storage?.()
    if (storage) {
      w.family('xanh_db_size_bytes', 'gauge', 'Size of the SQLite database file at the last retention run.')
      if (storage.sizeBytes !== null) w.sample('xanh_db_size_bytes', '', storage.sizeBytes)
      w.family('xanh_retention_deleted_rows_total', 'counter', 'Rows deleted by retention since the server started, per table.')
      for (const table of RETENTION_TABLES) w.sample('xanh_retention_deleted_rows_total', `{table="${table}"}`, storage.deletedRows[table] ?? 0)
      w.family('xanh_rollup_backlog_results', 'gauge', 'Stored results not yet folded into the rollup tables.')
      w.sample('xanh_rollup_backlog_results', '', storage.rollupBacklog)
    }

    if (deps.heapMode) {
      w.family('xanh_heap_policy_quiet', 'gauge', "1 while the heap policy's quiet mode is on (the event loop was quiet: every full collection compacts and the heap grows slowly), 0 while busy (V8's own heuristics).")
      w.sample('xanh_heap_policy_quiet', '', deps.heapMode() === 'quiet' ? 1 : 0)
    }

    // ---- Node process (prom-client) ----
    for (const m of await registry.getMetricsAsJSON()) {
      w.family(m.name, String(m.type) as FamilyType, m.help)
      for (const v of m.values) {
        const name = (v as { metricName?: string }).metricName ?? m.name
        const labels = labelString(Object.entries(v.labels).map(([k, x]) => [k, String(x)]))
        w.sample(name, labels, v.value)
      }
    }
  }

  async function render(format: ExpositionFormat): Promise<Buffer> {
    const started = performance.now()
    const w = new Writer(format === 'openmetrics', 10, yieldForMs, Math.ceil(lastSize * 1.1))
    await fill(w)
    const bytes = w.finish()
    lastRenderSeconds = (performance.now() - started) / 1000
    lastSize = bytes.length
    return bytes
  }

  /**
   * A render gzip'd as it is written (the text is never whole in memory), at the fastest level:
   * it is compressed once per render and shared. Timed until the gzip is made.
   */
  async function renderGzip(format: ExpositionFormat): Promise<Buffer> {
    const started = performance.now()
    const gz = createGzip({ level: zlibConstants.Z_BEST_SPEED, chunkSize: GZIP_OUTPUT_BYTES })
    const out: Buffer[] = []
    gz.on('data', (c: Buffer) => out.push(c))
    const ended = once(gz, 'end')
    // A zlib error while the render is still writing is awaited below, not left unhandled.
    ended.catch(() => undefined)
    // Not waiting for the pool between pieces: a render never waits on compression (it has to
    // finish within `yieldForSeconds` under load); pieces not yet compressed queue in the stream.
    const w = new Writer(format === 'openmetrics', 10, yieldForMs, 0, (chunk) => gz.write(chunk))
    try {
      await fill(w)
    } catch (err) {
      gz.destroy()
      throw err
    }
    gz.end(w.finish())
    await ended
    lastRenderSeconds = (performance.now() - started) / 1000
    lastSize = w.size
    return Buffer.concat(out)
  }

  /**
   * A render, kept gzip'd (Prometheus asks for gzip). Its text, ~22 MB at 10,000 targets, is
   * inflated only when someone reads it plain (curl, a browser) and then kept with the render.
   */
  interface Cached {
    gz: Buffer
    at: number
    text: Promise<Buffer> | null
  }
  const cache: Partial<Record<ExpositionFormat, Cached>> = {}
  const inflight: Partial<Record<ExpositionFormat, Promise<Cached>>> = {}
  /** When each format was last scraped, and the interval between its last two scrapes (ms). */
  const asked: Partial<Record<ExpositionFormat, { at: number; intervalMs: number | null; preparedFor?: number }>> = {}

  /** One render of `format` into the cache, shared by everyone who asks meanwhile. */
  function renderToCache(format: ExpositionFormat): Promise<Cached> {
    const running = inflight[format]
    if (running) return running
    const p = renderGzip(format)
      .then((gz) => {
        const entry: Cached = { gz, at: now(), text: null }
        cache[format] = entry
        return entry
      })
      .finally(() => {
        inflight[format] = undefined
      })
    inflight[format] = p
    return p
  }

  /** The cached render of `format` while fresh, else a new one; notes the scrape (see {@link prepare}). */
  async function current(format: ExpositionFormat): Promise<Cached> {
    const t = now()
    const prev = asked[format]
    asked[format] = { at: t, intervalMs: prev ? t - prev.at : null }
    const hit = cache[format]
    if (hit && cacheMs > 0 && t - hit.at < cacheMs) return hit
    return renderToCache(format)
  }

  async function scrape(format: ExpositionFormat): Promise<Buffer> {
    const entry = await current(format)
    // Inflated once per render, in libuv's thread pool, and shared by the plain reads that follow.
    if (entry.text === null) {
      const text = gunzipAsync(entry.gz)
      entry.text = text
      // A failed inflate is not kept: the next plain read tries again.
      text.catch(() => {
        if (entry.text === text) entry.text = null
      })
    }
    return entry.text
  }

  async function scrapeGzip(format: ExpositionFormat): Promise<Buffer> {
    return (await current(format)).gz
  }

  /** Bytes the cache holds now: gzips and the texts inflated for plain reads (tests). */
  async function cachedBytes(): Promise<number> {
    let n = 0
    for (const e of Object.values(cache)) n += e.gz.length + (e.text === null ? 0 : (await e.text).length)
    return n
  }

  function prepare(): Promise<Buffer> | undefined {
    if (cacheMs <= 0) return undefined
    let started: Promise<Buffer> | undefined
    const t = now()
    for (const format of ['prometheus', 'openmetrics'] as const) {
      const a = asked[format]
      if (!a || a.intervalMs === null || a.intervalMs <= 0 || inflight[format]) continue
      // A scraper that stopped coming (three intervals missed) is not rendered for.
      if (t - a.at > 3 * a.intervalMs) continue
      if (a.preparedFor === a.at) continue // already rendered for the next scrape
      // Started early enough to finish before the next scrape, late enough to still be fresh then.
      const leadMs = Math.min(cacheMs, Math.max(1000, 3 * lastRenderSeconds * 1000))
      if (t >= a.at + a.intervalMs - leadMs) {
        a.preparedFor = a.at
        started = renderToCache(format).then((r) => r.gz)
        started.catch(() => undefined)
      }
    }
    return started
  }

  return { registry, ingestResults, ingestBatches, ingestRejectedResults, ingestRejectedBatches, notifications, scrape, scrapeGzip, render, prepare, cachedBytes }
}
