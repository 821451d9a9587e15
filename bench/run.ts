/**
 * `npm run bench`: every benchmark, printing ratios against references measured in the same
 * run. Sizes are bounded for a 2-core machine; raise them with env (BENCH_PREFILL_ROWS).
 */
import { cpus, totalmem } from 'node:os'
import { benchIngest } from './ingest'
import { benchMetrics } from './metrics'
import { benchSeries } from './series'

const prefillRows = Number(process.env.BENCH_PREFILL_ROWS ?? 1_000_000)
const batches = Number(process.env.BENCH_BATCHES ?? 200)

console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`)
for (const line of await benchIngest({ prefillRows, batches })) console.log(line)
const metricsTargets = Number(process.env.BENCH_METRICS_TARGETS ?? 4240)
for (const line of await benchMetrics({ targets: metricsTargets, runs: 7 })) console.log(line)
const seriesTargets = Number(process.env.BENCH_SERIES_TARGETS ?? 200)
for (const line of await benchSeries({ targets: seriesTargets, days: 90, runs: 5 })) console.log(line)
