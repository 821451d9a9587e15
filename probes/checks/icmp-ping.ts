/**
 * ICMP through the `ping` npm package (system `ping`, one process per target and round): the
 * fallback when fping is not installed.
 * @module
 */
import { Worker } from 'node:worker_threads'
import { createRequire } from 'node:module'
import { basename, dirname } from 'node:path'
import type { Logger } from 'pino'
import { stripBrackets } from './describe'
import type { IcmpPlan, IcmpRoundResult, Pinger } from './icmp-round'

export interface PingPackagePingerOptions {
  /** Absolute path of the system ping binary; its file name must be `ping`. */
  pingPath: string
  log: Logger
}

/**
 * The ping package spawns whatever `ping` its PATH finds and sets `process.env.LANG` as a side
 * effect. Running it in a worker with its own environment makes it use exactly `pingPath` and
 * keeps the host process's environment untouched. Plain CommonJS, so it needs no TS loader.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const ping = require(workerData.pingModule);
parentPort.on('message', (m) => {
  ping.promise.probe(m.host, m.config).then(
    (r) => parentPort.postMessage({ id: m.id, output: String(r.output), times: Array.isArray(r.times) ? r.times : [] }),
    (e) => parentPort.postMessage({ id: m.id, error: String(e && e.message ? e.message : e) }),
  );
});
`

interface WorkerAnswer {
  id: number
  output?: string
  times?: number[]
  error?: string
}

/**
 * Builds a pinger that runs `ping -n -c <count> -i <period> -W <wait> -s <bytes> host` through the
 * ping package, in one long-lived worker started on first use. A request whose signal aborts
 * resolves at once (the child still ends by itself within its own count and wait).
 */
export function createPingPackagePinger(opts: PingPackagePingerOptions): Pinger {
  const pending = new Map<number, (a: WorkerAnswer) => void>()
  let worker: Worker | undefined
  let nextId = 1

  const getWorker = (): Worker => {
    if (worker) return worker
    const w = new Worker(WORKER_SOURCE, {
      eval: true,
      env: { ...process.env, PATH: dirname(opts.pingPath), LANG: 'C' },
      workerData: { pingModule: createRequire(import.meta.url).resolve('ping') },
    })
    w.unref()
    w.on('message', (a: WorkerAnswer) => {
      const done = pending.get(a.id)
      pending.delete(a.id)
      done?.(a)
    })
    w.on('error', (err) => {
      opts.log.error({ err }, 'icmp: ping worker failed')
      for (const [id, done] of pending) {
        pending.delete(id)
        done({ id, error: `ping worker failed: ${err.message}` })
      }
    })
    w.on('exit', () => {
      if (worker === w) worker = undefined
    })
    worker = w
    return w
  }

  return {
    ping(host, plan, signal) {
      if (basename(opts.pingPath) !== 'ping') {
        return Promise.resolve({ ok: false, error: `icmp: the ping package can only run a binary named ping, not ${opts.pingPath}` })
      }
      return new Promise<IcmpRoundResult>((resolve) => {
        if (signal.aborted) return resolve({ ok: false, error: 'aborted' })
        const id = nextId++
        const onAbort = (): void => {
          pending.delete(id)
          resolve({ ok: false, error: 'aborted' })
        }
        signal.addEventListener('abort', onAbort, { once: true })
        pending.set(id, (a) => {
          signal.removeEventListener('abort', onAbort)
          if (a.error !== undefined) {
            resolve({ ok: false, error: `icmp: could not run ${opts.pingPath}: ${a.error}` })
            return
          }
          resolve(parsePingOutput(a.output ?? '', a.times ?? [], plan.count))
        })
        getWorker().postMessage({ id, host: stripBrackets(host), config: pingConfig(plan) })
      })
    },
    async close() {
      for (const [id, done] of pending) {
        pending.delete(id)
        done({ id, error: 'agent is shutting down' })
      }
      const w = worker
      worker = undefined
      if (w) await w.terminate()
    },
  }
}

/** The ping package's config for one round (its linux builder formats timeout/deadline as integers). */
function pingConfig(plan: IcmpPlan): Record<string, unknown> {
  return {
    numeric: true,
    // -W is whole seconds, and 0 would fall back to the package default of 2.
    timeout: Math.max(1, Math.ceil(plan.timeoutMs / 1000)),
    min_reply: plan.count,
    packetSize: plan.payloadBytes,
    v6: false,
    extra: ['-i', (plan.periodMs / 1000).toFixed(3)],
  }
}

/**
 * Reads iputils ping output: reply lines in seq order (duplicates skipped) and the
 * "N packets transmitted" summary; falls back to the package's `times` when lines don't match.
 */
export function parsePingOutput(output: string, times: readonly number[], count: number): IcmpRoundResult {
  const summary = /(\d+) packets transmitted, (\d+) (?:packets )?received/.exec(output)
  const sent = summary?.[1] !== undefined ? Number(summary[1]) : count
  const bySeq = new Map<number, number>()
  for (const line of output.split('\n')) {
    const m = /icmp_seq=(\d+).*?time[=<]([\d.]+) ms/.exec(line)
    if (!m || m[1] === undefined || m[2] === undefined || line.includes('DUP!')) continue
    const seq = Number(m[1])
    if (!bySeq.has(seq)) bySeq.set(seq, Number(m[2]) / 1000)
  }
  if (!summary && bySeq.size === 0 && times.length === 0) {
    const why = output.trim().split('\n')[0] ?? ''
    return { ok: false, error: `icmp: ping printed no summary${why ? `: ${why}` : ''}` }
  }
  const rtts: (number | undefined)[] = []
  if (bySeq.size > 0) {
    for (let seq = 1; seq <= sent; seq++) rtts.push(bySeq.get(seq))
  } else {
    for (let i = 0; i < sent; i++) {
      const ms = times[i]
      rtts.push(ms !== undefined ? ms / 1000 : undefined)
    }
  }
  return { ok: true, sent, rttsSeconds: rtts }
}
