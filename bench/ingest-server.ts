/**
 * The server of the ingest benchmark (bench/ingest.ts) as its own process, started with the Node
 * flags and allocator settings of `npm start` (bench/start-command.ts), running what main.ts runs
 * while it serves: the runtime over the data directory, node-server and main.ts's periodic jobs
 * (server/jobs.ts: state tick, heap policy, seal and fold, retention, inventory watch).
 *
 * Unlike main.ts it runs on a clock of its own, `Date.now() + offsetMs`, so that the benchmark's
 * live results fill the chunk window that is current for the server (bench/ingest.ts says why),
 * and load shedding is off (the benchmark measures what ingest stores when it takes everything).
 *
 * argv: dataDir offsetMs. stdout: one JSON line `{ "url", "cpuMs" }` once it listens (its CPU so
 * far); on SIGTERM it seals every open result (what the benchmark counts as owed for the results
 * it answered), closes and prints `{ "cpuMs", "mainCpuMs", "mainWaitMs", "sealMs", "sealMainCpuMs",
 * "maxRssMiB", "stored" }` (the main thread's CPU and its wait for a core since listening, the
 * seal's wall and main-thread time), then exits 0.
 * @module
 */
import { readFileSync, writeFileSync } from 'node:fs'
import type { Server } from 'node:http'
import { Session } from 'node:inspector/promises'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { serve } from '@hono/node-server'
import pino from 'pino'
import { loadServerConfig } from '../server/config'
import { createHeapPolicy, startGrowingPercent } from '../server/heap-policy'
import { startServerJobs } from '../server/jobs'
import { utilizationSinceLastCall } from '../server/loop-pressure'
import { createServerRuntime } from '../server/runtime'
import { openDatabase } from '../server/store/db'

const [dir, offsetArg] = process.argv.slice(2)
if (dir === undefined || offsetArg === undefined) throw new Error('usage: ingest-server.ts dataDir offsetMs')
const offset = Number(offsetArg)
const now = (): number => Date.now() + offset

const config = loadServerConfig({ XANH_DATA_DIR: dir, XANH_LOG_LEVEL: 'silent' }, 'ingest:\n  maxEventLoopUtilization: 1\n')
const opened = openDatabase(join(dir, 'xanh.db'))
const heapPolicy = createHeapPolicy(utilizationSinceLastCall(), setFlagsFromString, { ...config.heap, busyGrowingPercent: startGrowingPercent(process.execArgv, process.env.NODE_OPTIONS) }, () => undefined)
const runtime = createServerRuntime({ config, log: pino({ level: 'silent' }), opened, now, heapMode: () => heapPolicy.mode() })
runtime.reloadInventory()

const server = await new Promise<Server>((resolve) => {
  const s = serve({ fetch: runtime.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server))
})
const jobs = startServerJobs({ runtime, config, heapPolicy, log: pino({ level: 'silent' }) })
// BENCH_ALLOC_PROFILE=FILE: every allocation sampled (every 32 KiB), garbage included, written to
// FILE at the stop (a .heapprofile for Chrome's DevTools): where the young generation's churn comes from.
const allocProfile = process.env.BENCH_ALLOC_PROFILE
const inspector = allocProfile ? new Session() : undefined
if (inspector) {
  inspector.connect()
  await inspector.post('HeapProfiler.startSampling', { samplingInterval: 32768, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true })
}
const atListen = process.cpuUsage()
const mainAtListen = mainThread()
process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, cpuMs: (atListen.user + atListen.system) / 1000 }) + '\n')

process.once('SIGTERM', () => {
  jobs.stop()
  server.closeAllConnections()
  server.close()
  // Whatever the fold job was doing stops at its next step; sealAll takes every open result.
  void runtime.close().then(async () => {
    if (inspector && allocProfile) writeFileSync(allocProfile, JSON.stringify((await inspector.post('HeapProfiler.stopSampling')).profile))
    const sealStart = performance.now()
    const mainBeforeSeal = mainThread()
    runtime.store.sealAll()
    const sealMs = performance.now() - sealStart
    const mainEnd = mainThread()
    const stored = runtime.store.countResults()
    opened.sqlite.close()
    const cpu = process.cpuUsage()
    process.stdout.write(
      JSON.stringify({ cpuMs: (cpu.user + cpu.system) / 1000, mainCpuMs: mainEnd.cpuMs - mainAtListen.cpuMs, mainWaitMs: mainEnd.waitMs - mainAtListen.waitMs, sealMs, sealMainCpuMs: mainEnd.cpuMs - mainBeforeSeal.cpuMs, maxRssMiB: process.resourceUsage().maxRSS / 1024, stored }) + '\n',
    )
    process.exit(0)
  })
})

/**
 * The main thread's CPU time and the time it waited for a core while it could run (ms), from
 * /proc (Linux schedstat: the thread whose id is the process id; the rest of the process's CPU is
 * V8's helper threads — garbage collection, compilation — and libuv's pool). NaN without /proc.
 */
function mainThread(): { cpuMs: number; waitMs: number } {
  try {
    const [onCpuNs, waitNs] = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').trim().split(' ').map(Number)
    return { cpuMs: (onCpuNs as number) / 1e6, waitMs: (waitNs as number) / 1e6 }
  } catch {
    return { cpuMs: NaN, waitMs: NaN }
  }
}
