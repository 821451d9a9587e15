/**
 * The server under faults while two agents ship results at ~1,000 results/s each (issue 15,
 * done-when 1 and 4): `main.ts` as its own process is killed with SIGKILL five times mid-ingest
 * and restarted on the same data directory and port; then stopped with SIGTERM under load. The
 * agents are the real shipping code (disk spool, client, shipper with retries). At the end every
 * result the agents produced is in the database exactly once, `PRAGMA integrity_check` is ok,
 * and SIGTERM took less than 10 s and exited 0. Then a restore drill: `xanh db backup` under load,
 * a server started on the copy, every result acknowledged before the backup found in it.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { copyFileSync, mkdirSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { afterAll, expect, it, vi } from 'vitest'
import type { CheckResult } from '../../protocol'
import { openDiskSpool } from '../../probes/ship/disk-spool'
import { createIngestClient } from '../../probes/ship/client'
import { createShipper, type Shipper } from '../../probes/ship/shipper'
import { openDatabase } from '../../server/store/db'
import { Store } from '../../server/store/store'
import { runCli } from '../../server/cli/run-cli'
import { silentLog } from '../helpers/probe-fixtures'
import { ROOT, tempDir } from './harness'

const TARGETS_PER_AGENT = 100
const KILLS = 5
const tmp = tempDir('xanh-faults-')
const children: ChildProcess[] = []
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
  tmp.cleanup()
})

/** A free loopback port, chosen now and kept across the server's restarts (the agents' URL). */
async function freePort(): Promise<number> {
  const srv = createServer()
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  const port = (srv.address() as { port: number }).port
  await new Promise<void>((r) => srv.close(() => r()))
  return port
}

interface Main {
  child: ChildProcess
  exited: Promise<number | null>
}

/** Starts `main.ts` on the data directory and port; resolves once it listens. */
async function startMain(dataDir: string, port: number): Promise<Main> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'main.ts'], {
    cwd: ROOT,
    env: { ...process.env, XANH_PORT: String(port), XANH_HOST: '127.0.0.1', XANH_DATA_DIR: dataDir, XANH_DEMO: '0', XANH_EMBEDDED_PROBE: '0', XANH_UDP_ECHO_PORT: '0', XANH_LOG_LEVEL: 'info', XANH_ADMIN_PASSWORD: 'mat-khau-quan-tri-12' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(child)
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
  const lines: string[] = []
  child.stderr?.on('data', (d: Buffer) => lines.push(d.toString()))
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${lines.join('')}`)), 60_000)
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      lines.push(line)
      if (/listening on http/.test(line)) {
        clearTimeout(timer)
        resolve()
      }
    })
    child.once('exit', (code) => reject(new Error(`server exited ${String(code)}:\n${lines.join('\n')}`)))
  })
  return { child, exited }
}

interface Agent {
  name: string
  shipper: Shipper
  targets: string[]
  /** Every result produced, as target → observed times. */
  produced: Map<string, number[]>
  /** The same, in the order produced (= the order shipped: batches go out oldest first). */
  sequence: Array<[string, number]>
  feed: ReturnType<typeof setInterval> | undefined
}

interface ProbeSetup {
  name: string
  id: string
  token: string
  targets: string[]
}

/** Writes the inventory before the server starts: two probes (agents), 100 targets each. */
function prepareInventory(dataDir: string): ProbeSetup[] {
  const tokens: ProbeSetup[] = []
  const opened = openDatabase(join(dataDir, 'xanh.db'))
  const store = new Store(opened.sqlite, opened.db)
  store.upsertCommune({ code: 'KS', name: 'Xã Mường Lống', kind: 'xa', districtCluster: 'Cụm Kỳ Sơn', lat: 19.4, lon: 104.2, contractedMbps: 100, priority: 0, notes: '' })
  for (const name of ['Trạm Mường Lống', 'Trạm Nậm Cắn']) {
    const { probe, token } = store.createProbe(name, 'Kỳ Sơn')
    const targets = Array.from({ length: TARGETS_PER_AGENT }, (_, i) => `${probe.id}-t${i}`)
    for (const id of targets) store.upsertTarget({ id, communeCode: 'KS', kind: 'udp_echo', host: '127.0.0.1', role: 'line', parents: [], options: {}, probeId: probe.id, enabled: true })
    tokens.push({ name, id: probe.id, token, targets })
  }
  opened.sqlite.close()
  return tokens
}

/**
 * A real agent's shipping half (disk spool, client, shipper) fed ~1,000 results a second, one
 * millisecond apart, two seconds behind the clock: each (target, observed time) is produced once.
 */
async function startAgent(t: ProbeSetup, port: number, spoolDir: string): Promise<Agent> {
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
      const r: CheckResult = { id: randomUUID(), targetId: target, kind: 'udp_echo', observedAt: new Date(last).toISOString(), durationSeconds: 0.01, ok: true, measurements: { rtt_median_seconds: 0.012, loss_ratio: 0, sent: 10, received: 10 } }
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
async function moreDelivered(agents: Agent[], more: number): Promise<void> {
  const before = agents.map((a) => a.shipper.stats().deliveredBatches)
  await vi.waitFor(() => expect(agents.every((a, i) => a.shipper.stats().deliveredBatches >= (before[i] as number) + more)).toBe(true), { timeout: 30_000, interval: 50 })
}

it('kill -9 five times and SIGTERM under load: every result stored once, integrity ok, SIGTERM exits 0 within 10 s', async () => {
  const dataDir = join(tmp.dir, 'data')
  mkdirSync(dataDir)
  const port = await freePort()

  const tokens = prepareInventory(dataDir)
  let server = await startMain(dataDir, port)
  const agents: Agent[] = []
  for (const t of tokens) agents.push(await startAgent(t, port, join(tmp.dir, `spool-${t.id}`)))

  for (let k = 0; k < KILLS; k++) {
    // Mid-ingest: both agents have had batches acknowledged by this server instance.
    await moreDelivered(agents, 3)
    server.child.kill('SIGKILL')
    await server.exited
    server = await startMain(dataDir, port)
  }

  // SIGTERM under load: exits within 10 s, cleanly.
  await moreDelivered(agents, 3)
  const termAt = performance.now()
  server.child.kill('SIGTERM')
  expect(await server.exited).toBe(0)
  const termMs = performance.now() - termAt
  expect(termMs).toBeLessThan(10_000)

  // Restart; stop producing; the agents replay what was not acknowledged and go idle.
  server = await startMain(dataDir, port)
  for (const a of agents) clearInterval(a.feed)
  await Promise.all(agents.map((a) => Promise.race([a.shipper.whenIdle(), new Promise((_, rej) => setTimeout(() => rej(new Error(`${a.name} did not drain within 60 s`)), 60_000))])))
  await Promise.all(agents.map((a) => a.shipper.stop({ drainTimeoutMs: 1000 })))
  server.child.kill('SIGTERM')
  expect(await server.exited).toBe(0)

  const opened = openDatabase(join(dataDir, 'xanh.db'))
  try {
    expect(opened.sqlite.pragma('integrity_check', { simple: true })).toBe('ok')
    const store = new Store(opened.sqlite, opened.db)
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
    console.log(`faults: ${KILLS} × kill -9 and a SIGTERM (${termMs.toFixed(0)} ms) during ingest of ${produced.toLocaleString('en')} results from 2 agents; all stored once`)
  } finally {
    opened.sqlite.close()
  }
}, 240_000)

it('restore drill: a backup taken under load, a server started on the copy, every result acknowledged before the backup is in it', async () => {
  const dataDir = join(tmp.dir, 'drill')
  mkdirSync(dataDir)
  const port = await freePort()
  const tokens = prepareInventory(dataDir)
  const server = await startMain(dataDir, port)
  const agents: Agent[] = []
  for (const t of tokens) agents.push(await startAgent(t, port, join(tmp.dir, `drill-spool-${t.id}`)))
  await moreDelivered(agents, 10)

  // What the server had acknowledged when the backup started (batches go out in production order).
  const acked = agents.map((a) => a.sequence.slice(0, a.shipper.stats().deliveredResults))
  const out: string[] = []
  const err: string[] = []
  const code = await runCli(['--data-dir', dataDir, 'db', 'backup', join(tmp.dir, 'xanh-backup.db')], {
    envDataDir: undefined,
    cwd: tmp.dir,
    actor: 'cli:test',
    stdout: (t) => void out.push(t),
    stderr: (t) => void err.push(t),
    stderrIsTTY: false,
  })
  expect(err.join('')).toBe('')
  expect(code).toBe(0)
  await moreDelivered(agents, 2)
  for (const a of agents) {
    clearInterval(a.feed)
    await a.shipper.stop({ drainTimeoutMs: 1000 })
  }
  server.child.kill('SIGTERM')
  expect(await server.exited).toBe(0)

  // The copy becomes the data directory of a new server, which starts, and stops cleanly.
  const restored = join(tmp.dir, 'restored')
  mkdirSync(restored)
  copyFileSync(join(tmp.dir, 'xanh-backup.db'), join(restored, 'xanh.db'))
  const second = await startMain(restored, await freePort())
  second.child.kill('SIGTERM')
  expect(await second.exited).toBe(0)

  const opened = openDatabase(join(restored, 'xanh.db'))
  try {
    expect(opened.sqlite.pragma('integrity_check', { simple: true })).toBe('ok')
    const store = new Store(opened.sqlite, opened.db)
    let checked = 0
    for (const list of acked) {
      for (const [target, at] of list) {
        expect(store.results.range(target, at, at + 1).length, `${target} @ ${at}`).toBe(1)
        checked++
      }
    }
    expect(checked).toBeGreaterThan(500)
    console.log(`restore drill: ${checked.toLocaleString('en')} acknowledged results in the copy (${out.join('').trim()})`)
  } finally {
    opened.sqlite.close()
  }
}, 120_000)
