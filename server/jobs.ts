/**
 * The server process's periodic jobs, started by an entry point once it listens: main.ts, and
 * the ingest benchmark's server (bench/ingest-server.ts), which must run what production runs.
 * Library code starts no timer of its own; this is the one place that knows them all.
 * @module
 */
import type { Logger } from 'pino'
import type { ServerConfig } from './config'
import type { HeapPolicy } from './heap-policy'
import type { ServerRuntime } from './runtime'

/** How often the inventory is checked for writes by another process (the CLI import), ms. */
const INVENTORY_WATCH_MS = 2000

/** What the jobs call on the server's runtime. */
export type JobsRuntime = Pick<ServerRuntime, 'tick' | 'reloadInventory'> & {
  storage: { fold: () => Promise<unknown>; retention: Pick<ServerRuntime['storage']['retention'], 'run'> }
  store: { database: { dataVersion(): number } }
}

/** The running jobs. */
export interface ServerJobs {
  /** Stops every timer. A storage job in progress finishes its current step and stops there. */
  stop(): void
}

/**
 * Starts the state tick (`state.tickSeconds`), the heap policy's sampling
 * (`heap.sampleSeconds`), the storage jobs — seal and fold every `retention.rollupEverySeconds`,
 * retention every `retention.retentionEverySeconds`, never two at once: both work in small
 * transactions and yield between them, so requests interleave — and the inventory watch (SQLite's
 * data_version: another process changed the inventory, reload it).
 */
export function startServerJobs(deps: { runtime: JobsRuntime; config: ServerConfig; heapPolicy: Pick<HeapPolicy, 'check'>; log: Logger }): ServerJobs {
  const { runtime, config, heapPolicy } = deps
  const storageLog = deps.log.child({ component: 'storage' })
  let storageBusy = false
  const storageJob = (job: () => Promise<unknown>) => (): void => {
    if (storageBusy) return
    storageBusy = true
    job()
      .catch((err: unknown) => storageLog.error({ err }, 'storage job failed; retried on the next run'))
      .finally(() => {
        storageBusy = false
      })
  }
  let dataVersion = runtime.store.database.dataVersion()
  const timers = [
    setInterval(() => runtime.tick(), config.state.tickSeconds * 1000),
    setInterval(() => heapPolicy.check(), config.heap.sampleSeconds * 1000),
    setInterval(storageJob(runtime.storage.fold), config.retention.rollupEverySeconds * 1000),
    setInterval(
      storageJob(async () => {
        const run = await runtime.storage.retention.run()
        const total = Object.values(run.deleted).reduce((a, b) => a + b, 0)
        if (total > 0) storageLog.debug({ ...run }, 'retention sweep')
      }),
      config.retention.retentionEverySeconds * 1000,
    ),
    setInterval(() => {
      const v = runtime.store.database.dataVersion()
      if (v !== dataVersion) {
        dataVersion = v
        runtime.reloadInventory()
      }
    }, INVENTORY_WATCH_MS),
  ]
  return {
    stop: () => {
      for (const t of timers) clearInterval(t)
    },
  }
}
