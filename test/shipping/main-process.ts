/**
 * `main.ts` as its own process, fed by real shipping agents (disk spool, client, shipper with
 * retries): what the server-fault tests share. Everything on 127.0.0.1; ports are chosen by
 * the kernel.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { expect, vi } from 'vitest'
import type { CheckResult, CommuneInput } from '../../protocol'
import { openDatabase } from '../../server/store/db'
import { Store } from '../../server/store/store'
import { openDiskSpool } from '../../probes/ship/disk-spool'
import { createIngestClient } from '../../probes/ship/client'
import { createShipper, type Shipper } from '../../probes/ship/shipper'
import { silentLog } from '../helpers/probe-fixtures'
import { ROOT } from './harness'

/** Targets each agent measures. */
export const TARGETS_PER_AGENT = 100

/** A free loopback port, chosen now and kept across the server's restarts (the agents' URL). */
export async function freePort(): Promise<number> {
  const srv = createServer()
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  const port = (srv.address() as { port: number }).port
  await new Promise<void>((r) => srv.close(() => r()))
  return port
}

export interface Main {
  child: ChildProcess
  exited: Promise<number | null>
  /** Every line the process wrote (stdout and stderr), for failure messages. */
  lines: string[]
  /** Resolves with the next stdout line matching `pattern`; rejects after `timeoutMs`. */
  nextLine(pattern: RegExp, timeoutMs: number): Promise<string>
}

/**
 * Starts `main.ts` on the data directory and port (demo, embedded probe and reflector off;
 * `env` added); resolves once it listens. The child is pushed to `children` so the caller's
 * `afterAll` can kill what is left.
 */
export async function startMain(dataDir: string, port: number, children: ChildProcess[], env: Record<string, string> = {}): Promise<Main> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'main.ts'], {
    cwd: ROOT,
    env: { ...process.env, XANH_PORT: String(port), XANH_HOST: '127.0.0.1', XANH_DATA_DIR: dataDir, XANH_DEMO: '0', XANH_EMBEDDED_PROBE: '0', XANH_UDP_ECHO_PORT: '0', XANH_LOG_LEVEL: 'info', XANH_ADMIN_PASSWORD: 'mat-khau-quan-tri-12', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(child)
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
  const lines: string[] = []
  child.stderr?.on('data', (d: Buffer) => lines.push(d.toString()))
  const stdout = createInterface({ input: child.stdout as NodeJS.ReadableStream })
  stdout.on('line', (line) => lines.push(line))
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${lines.join('\n')}`)), 60_000)
    stdout.on('line', (line) => {
      if (/listening on http/.test(line)) {
        clearTimeout(timer)
        resolve()
      }
    })
    child.once('exit', (code) => reject(new Error(`server exited ${String(code)}:\n${lines.join('\n')}`)))
  })
  const nextLine = (pattern: RegExp, timeoutMs: number): Promise<string> =>
    new Promise((resolve, reject) => {
      const onLine = (line: string): void => {
        if (!pattern.test(line)) return
        clearTimeout(timer)
        stdout.off('line', onLine)
        resolve(line)
      }
      const timer = setTimeout(() => {
        stdout.off('line', onLine)
        reject(new Error(`no line matching ${String(pattern)} within ${timeoutMs} ms`))
      }, timeoutMs)
      stdout.on('line', onLine)
    })
  return { child, exited, lines, nextLine }
}

export interface Agent {
  name: string
  shipper: Shipper
  targets: string[]
  /** Every result produced, as target → observed times. */
  produced: Map<string, number[]>
  /** The same, in the order produced (= the order shipped: batches go out oldest first). */
  sequence: Array<[string, number]>
  feed: ReturnType<typeof setInterval> | undefined
}

export interface ProbeSetup {
  name: string
  id: string
  token: string
  targets: string[]
}

/** The one commune of the fault tests that need no more. */
export const KY_SON: CommuneInput = { code: 'KS', name: 'Xã Mường Lống', kind: 'xa', districtCluster: 'Cụm Kỳ Sơn', lat: 19.4, lon: 104.2, contractedMbps: 100, priority: 0, notes: '' }

/**
 * Writes the inventory before the server starts: two probes (agents), 100 `line` targets each,
 * target i in `communes[i % communes.length]`; `more` adds what a test needs besides (support
 * groups) on the same store.
 */
export function prepareInventory(dataDir: string, communes: readonly CommuneInput[] = [KY_SON], more: (store: Store) => void = () => undefined): ProbeSetup[] {
  const tokens: ProbeSetup[] = []
  const opened = openDatabase(join(dataDir, 'xanh.db'))
  try {
    const store = new Store(opened.sqlite, opened.db)
    for (const c of communes) store.upsertCommune(c)
    for (const name of ['Trạm Mường Lống', 'Trạm Nậm Cắn']) {
      const { probe, token } = store.createProbe(name, 'Kỳ Sơn')
      const targets = Array.from({ length: TARGETS_PER_AGENT }, (_, i) => `${probe.id}-t${i}`)
      targets.forEach((id, i) => {
        const commune = communes[i % communes.length] as CommuneInput
        store.upsertTarget({ id, communeCode: commune.code, kind: 'udp_echo', host: '127.0.0.1', role: 'line', parents: [], options: {}, probeId: probe.id, enabled: true })
      })
      tokens.push({ name, id: probe.id, token, targets })
    }
    more(store)
  } finally {
    opened.sqlite.close()
  }
  return tokens
}

/**
 * A real agent's shipping half (disk spool, client, shipper) fed ~1,000 results a second, one
 * millisecond apart, two seconds behind the clock: each (target, observed time) is produced once.
 * A target for which `failing` says true at production time gets a failed check (total loss).
 */
export async function startAgent(t: ProbeSetup, port: number, spoolDir: string, failing: (target: string) => boolean = () => false): Promise<Agent> {
  const spool = await openDiskSpool({ dir: spoolDir, maxBytes: 256 * 2 ** 20, maxBatches: 100_000, log: silentLog() })
  const shipper = createShipper({
    client: createIngestClient({ serverUrl: `http://127.0.0.1:${port}`, token: t.token, timeoutMs: 5000 }),
    spool,
    log: silentLog(),
    probeId: () => t.id,
    agentStatus: () => ({ version: 'test', overruns: 0, unavailable: [] }),
    batchMaxResults: 500,
    batchMaxWaitMs: 50,
    heartbeatSeconds: 0,
    backoffBaseMs: 50,
    backoffMaxMs: 400,
    maxRetryAfterMs: 1000,
  })
  shipper.start()
  const agent: Agent = { name: t.name, shipper, targets: t.targets, produced: new Map(), sequence: [], feed: undefined }
  let last = Date.now() - 2000
  let n = 0
  agent.feed = setInterval(() => {
    const until = Date.now() - 2000
    for (; last < until; n++) {
      last++
      const target = t.targets[n % t.targets.length] as string
      const base = { id: randomUUID(), targetId: target, kind: 'udp_echo' as const, observedAt: new Date(last).toISOString(), durationSeconds: 0.01 }
      const r: CheckResult = failing(target)
        ? { ...base, ok: false, error: '127.0.0.1: no echo (10 sent, 0 received)', measurements: { loss_ratio: 1, sent: 10, received: 0 } }
        : { ...base, ok: true, measurements: { rtt_median_seconds: 0.012, loss_ratio: 0, sent: 10, received: 10 } }
      const list = agent.produced.get(target) ?? []
      list.push(last)
      agent.produced.set(target, list)
      agent.sequence.push([target, last])
      shipper.push(r)
    }
  }, 20)
  return agent
}

/** Waits until every agent has had `more` further batches acknowledged. */
export async function moreDelivered(agents: Agent[], more: number): Promise<void> {
  const before = agents.map((a) => a.shipper.stats().deliveredBatches)
  await vi.waitFor(() => expect(agents.every((a, i) => a.shipper.stats().deliveredBatches >= (before[i] as number) + more)).toBe(true), { timeout: 30_000, interval: 50 })
}

/** Stops producing, waits (≤ 60 s) until the agents have delivered everything, and stops them. */
export async function drainAgents(agents: Agent[]): Promise<void> {
  for (const a of agents) clearInterval(a.feed)
  await Promise.all(agents.map((a) => Promise.race([a.shipper.whenIdle(), new Promise((_, rej) => setTimeout(() => rej(new Error(`${a.name} did not drain within 60 s`)), 60_000))])))
  await Promise.all(agents.map((a) => a.shipper.stop({ drainTimeoutMs: 1000 })))
}

/**
 * Checks that every result the agents produced is stored exactly once (none dead-lettered).
 * @returns how many results that was
 */
export function expectAllStoredOnce(store: Store, agents: Agent[]): number {
  let produced = 0
  for (const a of agents) {
    expect(a.shipper.stats().deadLetteredBatches).toBe(0)
    for (const [target, times] of a.produced) {
      produced += times.length
      const stored = store.results.range(target, 0, Number.MAX_SAFE_INTEGER).map((r) => r.observedAt)
      expect(stored, target).toEqual(times)
    }
  }
  expect(store.countResults()).toBe(produced)
  return produced
}
