/**
 * `npm run bench`: every benchmark, printing ratios against references measured in the same
 * run. Sizes are bounded for a 2-core machine; raise them with env (BENCH_PREFILL_ROWS).
 */
import { cpus, totalmem } from 'node:os'
import { benchIngest } from './ingest'

const prefillRows = Number(process.env.BENCH_PREFILL_ROWS ?? 1_000_000)
const batches = Number(process.env.BENCH_BATCHES ?? 200)

console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`)
for (const line of await benchIngest({ prefillRows, batches })) console.log(line)
