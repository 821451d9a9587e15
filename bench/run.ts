/**
 * `npm run bench`: every benchmark, printing ratios against references measured in the same
 * run. Sizes are bounded for a 2-core machine; raise them with env (BENCH_PREFILL_ROWS,
 * BENCH_ICMP_TARGETS, …). `BENCH_ONLY=icmp|ingest|metrics|series|dashboard|history|storage|national` runs one of them.
 */
import { cpus, totalmem } from 'node:os'
import { benchDashboard } from './dashboard'
import { benchIcmp } from './icmp'
import { benchIngest, benchNational } from './ingest'
import { benchMetrics } from './metrics'
import { benchOverviewHistory } from './overview-history'
import { benchSeries } from './series'
import { benchStorage } from './storage'

const only = process.env.BENCH_ONLY
const known = ['icmp', 'ingest', 'metrics', 'series', 'dashboard', 'history', 'storage', 'national']
if (only !== undefined && !known.includes(only)) {
  console.error(`BENCH_ONLY must be one of ${known.join(', ')} (got ${JSON.stringify(only)})`)
  process.exit(2)
}
const wants = (name: string): boolean => only === undefined || only === name

console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`)
// icmp first: it measures this process's own CPU, which ingest's leftover heap would disturb.
if (wants('icmp')) {
  const lines = await benchIcmp({
    targets: Number(process.env.BENCH_ICMP_TARGETS ?? 1000),
    pingTargets: Number(process.env.BENCH_ICMP_PING_TARGETS ?? 64),
    continuousSeconds: Number(process.env.BENCH_ICMP_CONTINUOUS_SECONDS ?? 30),
  })
  for (const line of lines) console.log(line)
}
if (wants('ingest')) {
  const { lines } = await benchIngest({
    stored: Number(process.env.BENCH_STORED_RESULTS ?? 10_000_000),
    batches: Number(process.env.BENCH_BATCHES ?? 400),
    targets: Number(process.env.BENCH_TARGETS ?? 9_963),
    concurrency: Number(process.env.BENCH_CONCURRENCY ?? 4),
    progress: (l) => process.stderr.write(l + '\n'),
  })
  for (const line of lines) console.log(line)
}
if (wants('metrics')) {
  const targets = Number(process.env.BENCH_METRICS_TARGETS ?? 4240)
  for (const line of await benchMetrics({ targets, runs: 7 })) console.log(line)
}
if (wants('series')) {
  const targets = Number(process.env.BENCH_SERIES_TARGETS ?? 50)
  for (const line of await benchSeries({ targets, days: Number(process.env.BENCH_SERIES_DAYS ?? 366), runs: 5 })) console.log(line)
}
if (wants('dashboard')) {
  const runs = Number(process.env.BENCH_DASHBOARD_RUNS ?? 7)
  for (const line of await benchDashboard({ runs, liveSeconds: 10 })) console.log(line)
}
if (wants('storage')) {
  const results = Number(process.env.BENCH_STORAGE_RESULTS ?? 10_000_000)
  const targets = Number(process.env.BENCH_STORAGE_TARGETS ?? 9_963)
  for (const line of await benchStorage({ results, targets })) console.log(line)
}
if (wants('national')) {
  const lines = await benchNational({ targets: Number(process.env.BENCH_TARGETS ?? 9_963), minutes: Number(process.env.BENCH_NATIONAL_MINUTES ?? 10), progress: (l) => process.stderr.write(l + '\n') })
  for (const line of lines) console.log(line)
}
if (wants('history')) {
  for (const line of await benchOverviewHistory()) console.log(line)
}
