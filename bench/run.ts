/**
 * `npm run bench`: every benchmark, printing ratios against references measured in the same
 * run. Full sizes are the issues' (10 M stored results, 10 minutes of national load…) and take
 * about 40 minutes on a 2-core machine; `npm run bench -- --quick` runs every benchmark at a
 * small size (about 2 minutes) to prove they all still work — CI runs it and asserts no timing.
 * Raise or lower any size with its env variable (`--help` lists them);
 * `BENCH_ONLY=icmp|ingest|metrics|series|dashboard|history|storage|national|load` runs one of them.
 */
import { cpus, totalmem } from 'node:os'
import { benchDashboard } from './dashboard'
import { benchIcmp } from './icmp'
import { benchIngest, benchNational } from './ingest'
import { benchLoad } from './load'
import { benchMetrics } from './metrics'
import { benchOverviewHistory } from './overview-history'
import { benchSeries } from './series'
import { benchStorage } from './storage'

const quick = process.argv.includes('--quick')
/** Size knobs: env variable, full size, quick size. */
const SIZES = {
  BENCH_ICMP_TARGETS: [1000, 20],
  BENCH_ICMP_PING_TARGETS: [64, 0],
  BENCH_ICMP_CONTINUOUS_SECONDS: [30, 0],
  BENCH_STORED_RESULTS: [10_000_000, 20_000],
  BENCH_BATCHES: [1_150, 10],
  BENCH_TARGETS: [9_963, 999],
  BENCH_CONCURRENCY: [4, 2],
  BENCH_METRICS_TARGETS: [4240, 200],
  BENCH_METRICS_RUNS: [7, 1],
  BENCH_SERIES_TARGETS: [50, 2],
  BENCH_SERIES_DAYS: [366, 366],
  BENCH_SERIES_RUNS: [5, 1],
  BENCH_DASHBOARD_RUNS: [7, 1],
  BENCH_DASHBOARD_LIVE_SECONDS: [10, 2],
  BENCH_STORAGE_RESULTS: [10_000_000, 20_000],
  BENCH_STORAGE_TARGETS: [9_963, 999],
  BENCH_NATIONAL_MINUTES: [10, 0.25],
  BENCH_NATIONAL_SCRAPE_SECONDS: [15, 5],
  BENCH_LOAD_RATE: [13_000, 2_000],
  BENCH_LOAD_WARMUP_SECONDS: [15, 1],
  BENCH_LOAD_SECONDS: [60, 3],
  BENCH_LOAD_WS_CLIENTS: [200, 20],
  BENCH_LOAD_CAPACITY_BATCHES: [300, 40],
  BENCH_LOAD_OVERLOAD_SECONDS: [20, 2],
  BENCH_LOAD_OVERLOAD_CONCURRENCY: [256, 64],
} as const satisfies Record<string, readonly [number, number]>
type SizeName = keyof typeof SIZES

function size(name: SizeName): number {
  const raw = process.env[name]
  if (raw === undefined) return SIZES[name][quick ? 1 : 0]
  const n = Number(raw)
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0) {
    console.error(`E_CONFIG: ${name} must be a number ≥ 0 (got ${JSON.stringify(raw)})`)
    process.exit(2)
  }
  return n
}

const known = ['icmp', 'ingest', 'metrics', 'series', 'dashboard', 'history', 'storage', 'national', 'load']
if (process.argv.includes('--help') || process.argv.includes('-h')) {
  console.log(
    [
      'usage: npm run bench [-- --quick]',
      '',
      '  --quick   every benchmark at a small size (CI: proves they run; figures mean little)',
      `  BENCH_ONLY=${known.join('|')}   run one benchmark`,
      '  BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR"   extra Node flags for a server run as its own process (ingest, national, load)',
      "  BENCH_SERVER_LOG=FILE                                  append the server's JSON log to FILE (national, load)",
      '  BENCH_ALLOC_PROFILE=FILE                               sampled allocations of the ingest server, garbage included (.heapprofile)',
      '',
      'sizes (env variable: full / quick):',
      ...Object.entries(SIZES).map(([k, [full, q]]) => `  ${k}: ${full} / ${q}`),
    ].join('\n'),
  )
  process.exit(0)
}
const only = process.env.BENCH_ONLY || undefined
if (only !== undefined && !known.includes(only)) {
  console.error(`E_CONFIG: BENCH_ONLY must be one of ${known.join(', ')} (got ${JSON.stringify(only)})`)
  process.exit(2)
}
const wants = (name: string): boolean => only === undefined || only === name
const progress = (line: string): void => void process.stderr.write(line + '\n')
const print = (lines: readonly string[]): void => {
  for (const line of lines) console.log(line)
}

console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}${quick ? ' (--quick: small sizes, figures not comparable)' : ''}`)
// icmp first: it measures this process's own CPU, which ingest's leftover heap would disturb.
if (wants('icmp')) {
  print(await benchIcmp({ targets: size('BENCH_ICMP_TARGETS'), pingTargets: size('BENCH_ICMP_PING_TARGETS'), continuousSeconds: size('BENCH_ICMP_CONTINUOUS_SECONDS') }))
}
if (wants('storage')) {
  print(await benchStorage({ results: size('BENCH_STORAGE_RESULTS'), targets: size('BENCH_STORAGE_TARGETS') }))
}
if (wants('ingest')) {
  const { lines } = await benchIngest({
    stored: size('BENCH_STORED_RESULTS'),
    batches: size('BENCH_BATCHES'),
    targets: size('BENCH_TARGETS'),
    concurrency: size('BENCH_CONCURRENCY'),
    progress,
  })
  print(lines)
}
if (wants('national')) {
  print(await benchNational({ targets: size('BENCH_TARGETS'), minutes: size('BENCH_NATIONAL_MINUTES'), scrapeSeconds: size('BENCH_NATIONAL_SCRAPE_SECONDS'), progress }))
}
if (wants('load')) {
  print(
    await benchLoad({
      rate: size('BENCH_LOAD_RATE'),
      warmupSeconds: size('BENCH_LOAD_WARMUP_SECONDS'),
      seconds: size('BENCH_LOAD_SECONDS'),
      wsClients: size('BENCH_LOAD_WS_CLIENTS'),
      targets: size('BENCH_TARGETS'),
      capacityBatches: size('BENCH_LOAD_CAPACITY_BATCHES'),
      overloadSeconds: size('BENCH_LOAD_OVERLOAD_SECONDS'),
      overloadConcurrency: size('BENCH_LOAD_OVERLOAD_CONCURRENCY'),
      progress,
    }),
  )
}
if (wants('metrics')) {
  print(await benchMetrics({ targets: size('BENCH_METRICS_TARGETS'), runs: size('BENCH_METRICS_RUNS') }))
}
if (wants('series')) {
  print(await benchSeries({ targets: size('BENCH_SERIES_TARGETS'), days: size('BENCH_SERIES_DAYS'), runs: size('BENCH_SERIES_RUNS') }))
}
if (wants('dashboard')) {
  print(await benchDashboard({ runs: size('BENCH_DASHBOARD_RUNS'), liveSeconds: size('BENCH_DASHBOARD_LIVE_SECONDS') }))
}
if (wants('history')) {
  print(await benchOverviewHistory())
}
