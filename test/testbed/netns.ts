/**
 * Network-namespace testbed (SPEC §11): a "commune" namespace joined to the root namespace by a
 * veth pair, with `tc tbf` rate caps, `nft` random drop and link down/up for outages.
 *
 * Topology of one commune (X, Y picked per run and locked, see {@link allocateSubnet}):
 *
 * ```
 *  root namespace (test process, checkers)          namespace xanhtb-<pid>-<rand> (far end)
 *  rootDev  10.231.X.Y+1/30  ── veth ──  farDev  10.231.X.Y+2/30   ← reflector, iperf3, speedtest
 *  egress tbf caps "toFar"                egress tbf caps "fromFar"; nft table `xanhtb` (drop)
 * ```
 *
 * Safety (tests may only send to 127/8, ::1 or inside namespaces they created): traffic is only
 * ever addressed to `farAddr`; IPv6 is disabled on both veth ends; the namespace has no default
 * route; and the root namespace gets an `unreachable 10.231.X.Y/30` route (metric 4000, proto 231)
 * so that, if the connected route disappears (root side down), packets for the far end fail with
 * EHOSTUNREACH instead of following the machine's default route.
 *
 * Cleanup: {@link Commune.teardown} in afterAll, plus a synchronous sweep on process exit and on
 * SIGINT/SIGTERM/SIGHUP; processes started in the namespace also get `setpriv --pdeathsig KILL`.
 * Leftovers of crashed runs (namespaces/routes/locks whose owner pid is gone) are swept at the
 * next {@link createCommune}.
 * @module
 */
import { execFile, execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process'
import { randomBytes, randomInt } from 'node:crypto'
import { mkdirSync, openSync, closeSync, readFileSync, readdirSync, unlinkSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { findTool } from '../helpers/system-tool'

/** Which way a rate cap or a drop acts, seen from the root namespace (where the checkers run). */
export type Direction = 'toFar' | 'fromFar' | 'both'

export interface Commune {
  /** Namespace name, `xanhtb-<pid>-<hex>`. */
  readonly ns: string
  /** veth end in the root namespace (≤ 15 chars). */
  readonly rootDev: string
  /** veth end inside the namespace. */
  readonly farDev: string
  /** Address of rootDev (the source of the test's traffic). */
  readonly rootAddr: string
  /** Address of farDev: the ONLY address tests send to. */
  readonly farAddr: string
  /**
   * Caps each direction with a `tbf` on the egress of the sending end: rootDev's egress shapes
   * root→far ("toFar", the checker's upload), farDev's egress shapes far→root ("fromFar", the
   * checker's download). tbf counts L2 bytes (Ethernet header included, no FCS/preamble).
   */
  rateLimit(mbit: number, opts?: RateLimitOptions): Promise<void>
  /** Removes the caps (both ends). */
  clearRateLimit(): Promise<void>
  /**
   * Drops `percent` of IP packets at random with nft `numgen random mod 10000 < N drop` in the
   * namespace: "toFar" on its input hook (packets arriving at the far end), "fromFar" on its
   * output hook (packets the far end sends), "both" on each (round-trip loss is then
   * 1 − (1 − p)², not p). Replaces any earlier drop.
   */
  dropRandom(percent: number, direction?: Direction): Promise<void>
  /** Removes the nft drop table. */
  clearDrop(): Promise<void>
  /** Packets the nft drop rules dropped so far (0 without a table). */
  droppedPackets(): Promise<number>
  /**
   * Takes the line down. `far` (default) downs farDev: rootDev loses carrier, packets to the far
   * end are sent and silently lost, as on a cut line. `root` downs rootDev: sends fail at once with
   * "no route" (the unreachable safety route).
   */
  linkDown(side?: 'far' | 'root'): Promise<void>
  /** Brings both ends up, waits (bounded, 3 s) until both are operationally UP, and flushes stale neighbour entries. */
  linkUp(): Promise<void>
  /** rootDev's packet counters (what went into the veth towards the far end, and back). */
  counters(): Promise<{ txPackets: number; rxPackets: number; txBytes: number; rxBytes: number }>
  /** Runs a command inside the namespace and resolves its output; rejects on non-zero exit or timeout. */
  execIn(cmd: string, args: readonly string[], opts?: { timeoutMs?: number }): Promise<{ stdout: string; stderr: string }>
  /** Starts a long-running process inside the namespace; it is killed at teardown (and if we die). */
  spawnIn(cmd: string, args: readonly string[], opts?: SpawnOptions): ChildProcess
  /** Kills processes started here, deletes the nft table, the namespace, the veth, the safety route, the lock. Idempotent. */
  teardown(): Promise<void>
}

export interface RateLimitOptions {
  /** Which direction(s) to cap; default both. */
  direction?: Direction
  /** tbf `latency` (queue bound) in ms; default 50. */
  latencyMs?: number
  /** tbf `burst` in bytes; default max(32 KiB, 4 ms at the rate). */
  burstBytes?: number
}

/** Whether the testbed can run here; `missing` names what is not available. */
export interface TestbedGate {
  run: boolean
  missing: string[]
}

const PREFIX = 'xanhtb'
/** Routing protocol number tagging our safety routes (so stale ones can be found). */
const ROUTE_PROTO = '231'
const SAFETY_METRIC = '4000'
const LOCK_DIR = join(tmpdir(), 'xanh-testbed-locks')
const EXEC_TIMEOUT_MS = 10_000

// ---------------------------------------------------------------------------------------------
// Gate

let gateCache: TestbedGate | undefined

/**
 * SPEC §11 rule for the testbed: needs root, `ip`, `tc` and `nft` (and a kernel that lets us make
 * a namespace, a veth, a tbf and an nft table: probed once with a throwaway namespace). Outside CI
 * a missing capability skips the testbed tests with ONE line naming it; in CI (CI=true) it throws,
 * so the file fails.
 * @example const gate = skipUnlessTestbed(); describe.skipIf(!gate.run)('…', …)
 */
export function skipUnlessTestbed(extraTools: readonly string[] = []): TestbedGate {
  const gate = probeTestbed(extraTools)
  if (gate.run) return gate
  const line = `testbed: ${gate.missing.join(', ')}`
  if (process.env.CI === 'true') throw new Error(`${line} (required in CI; scripts/install-system-deps.sh installs the tools, and the job must run as root)`)
  console.warn(`skipping network-namespace testbed tests: missing ${gate.missing.join(', ')}`)
  return gate
}

function probeTestbed(extraTools: readonly string[]): TestbedGate {
  const missing: string[] = []
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) missing.push('root')
  for (const t of ['ip', 'tc', 'nft', ...extraTools]) if (!findTool(t)) missing.push(t)
  if (missing.length > 0) return { run: false, missing }
  gateCache ??= kernelProbe()
  return gateCache
}

/** Creates and deletes a throwaway namespace with a veth, a tbf and an nft table. */
function kernelProbe(): TestbedGate {
  const tag = randomBytes(3).toString('hex')
  const ns = `${PREFIX}-${process.pid}-p${tag}`
  const a = `xpa${tag}`
  const b = `xpb${tag}`
  let step = 'network namespaces (ip netns add)'
  try {
    run('ip', ['netns', 'add', ns])
    step = 'veth pairs (ip link add type veth)'
    run('ip', ['link', 'add', a, 'type', 'veth', 'peer', 'name', b, 'netns', ns])
    step = 'tc tbf (sch_tbf)'
    run('tc', ['-n', ns, 'qdisc', 'add', 'dev', b, 'root', 'tbf', 'rate', '10mbit', 'burst', '32kb', 'latency', '50ms'])
    step = 'nft numgen (nf_tables)'
    run('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], `table inet ${PREFIX} {\n chain in { type filter hook input priority 0; policy accept; numgen random mod 10000 < 1 drop; }\n}\n`)
    return { run: true, missing: [] }
  } catch {
    return { run: false, missing: [`kernel support for ${step}`] }
  } finally {
    tryRun('ip', ['link', 'del', a])
    tryRun('ip', ['netns', 'del', ns])
  }
}

// ---------------------------------------------------------------------------------------------
// Process-wide registry and exit cleanup

interface Owned {
  ns: string
  rootDev: string
  subnet: string
  lock: string
  children: Set<ChildProcess>
  done: boolean
}

const live = new Set<Owned>()
let hooksInstalled = false

function installExitHooks(): void {
  if (hooksInstalled) return
  hooksInstalled = true
  process.on('exit', cleanupAllSync)
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      cleanupAllSync()
      process.removeListener(sig, onSignal)
      // Nobody else handles it: die of the signal as we would have without this hook.
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig)
    }
    process.on(sig, onSignal)
  }
}

function cleanupAllSync(): void {
  for (const o of live) cleanupSync(o)
}

function cleanupSync(o: Owned): void {
  if (o.done) return
  o.done = true
  live.delete(o)
  for (const c of o.children) killHard(c)
  o.children.clear()
  tryRun('ip', ['netns', 'exec', o.ns, 'nft', 'delete', 'table', 'inet', PREFIX])
  tryRun('ip', ['netns', 'del', o.ns])
  // Deleting the namespace deletes farDev and with it the pair; this is for a half-built pair.
  tryRun('ip', ['link', 'del', o.rootDev])
  tryRun('ip', ['route', 'del', 'unreachable', o.subnet, 'metric', SAFETY_METRIC, 'proto', ROUTE_PROTO])
  tryUnlink(o.lock)
}

function killHard(c: ChildProcess): void {
  if (c.pid === undefined || c.exitCode !== null || c.signalCode !== null) return
  try {
    process.kill(c.pid, 'SIGKILL')
  } catch {
    // Already gone.
  }
}

// ---------------------------------------------------------------------------------------------
// Subnet allocation (one /30 per commune, locked across parallel test workers)

function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Picks a free 10.231.X.Y/30 (Y a multiple of 4): random, not configured on any interface or
 * route here, and claimed with an O_EXCL lock file holding our pid (stale locks of dead pids are
 * reclaimed). Bounded: 64 attempts.
 */
function allocateSubnet(): { base: [number, number]; subnet: string; lock: string } {
  mkdirSync(LOCK_DIR, { recursive: true })
  const inUse = run('ip', ['-4', 'route', 'show', 'table', 'all']) + run('ip', ['-4', '-o', 'addr', 'show'])
  for (let attempt = 0; attempt < 64; attempt++) {
    const x = randomInt(0, 256)
    const y = randomInt(0, 64) * 4
    const subnet = `10.231.${x}.${y}/30`
    if (inUse.includes(`10.231.${x}.${y}/30`) || inUse.includes(`10.231.${x}.${y + 1}/`) || inUse.includes(`10.231.${x}.${y + 2}/`)) continue
    const lock = join(LOCK_DIR, `10.231.${x}.${y}.lock`)
    if (claimLock(lock)) return { base: [x, y], subnet, lock }
  }
  throw new Error('testbed: no free 10.231.X.Y/30 after 64 attempts')
}

function claimLock(path: string): boolean {
  for (let i = 0; i < 2; i++) {
    try {
      const fd = openSync(path, 'wx')
      writeSync(fd, String(process.pid))
      closeSync(fd)
      return true
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
      if (pidAlive(Number(readText(path)))) return false
      tryUnlink(path)
    }
  }
  return false
}

/**
 * Removes what crashed runs left behind (their owner pid is gone): namespaces `xanhtb-<pid>-…`
 * with no process left inside, safety routes whose lock is stale, stale locks.
 */
function sweepStale(): void {
  for (const line of tryRun('ip', ['netns', 'list']).split('\n')) {
    const name = line.trim().split(/\s+/)[0] ?? ''
    const m = /^xanhtb-(\d+)-[0-9a-fp]+$/.exec(name)
    if (!m || pidAlive(Number(m[1]))) continue
    if (tryRun('ip', ['netns', 'pids', name]).trim() !== '') continue
    tryRun('ip', ['netns', 'del', name])
  }
  let locks: string[] = []
  try {
    locks = readdirSync(LOCK_DIR)
  } catch {
    return
  }
  const routes = tryRun('ip', ['-4', 'route', 'show', 'proto', ROUTE_PROTO])
  for (const f of locks) {
    const m = /^(10\.231\.\d+\.\d+)\.lock$/.exec(f)
    if (!m) continue
    const path = join(LOCK_DIR, f)
    if (pidAlive(Number(readText(path)))) continue
    const subnet = `${m[1]}/30`
    if (routes.includes(subnet)) tryRun('ip', ['route', 'del', 'unreachable', subnet, 'metric', SAFETY_METRIC, 'proto', ROUTE_PROTO])
    tryUnlink(path)
  }
}

// ---------------------------------------------------------------------------------------------
// The commune

/**
 * Creates a commune namespace with its veth pair up and addressed, IPv6 off on both ends,
 * loopback up inside, no default route inside, and the root-side safety route.
 */
export async function createCommune(): Promise<Commune> {
  installExitHooks()
  sweepStale()
  const tag = randomBytes(4).toString('hex')
  const ns = `${PREFIX}-${process.pid}-${tag}`
  const rootDev = `xtr${tag}` // 11 chars
  const farDev = `xtf${tag}`
  const { base, subnet, lock } = allocateSubnet()
  const [x, y] = base
  const rootAddr = `10.231.${x}.${y + 1}`
  const farAddr = `10.231.${x}.${y + 2}`
  const owned: Owned = { ns, rootDev, subnet, lock, children: new Set(), done: false }
  live.add(owned)
  const setpriv = findTool('setpriv')

  try {
    await sh('ip', ['netns', 'add', ns])
    await sh('ip', ['link', 'add', rootDev, 'type', 'veth', 'peer', 'name', farDev, 'netns', ns])
    await sh('sysctl', ['-q', '-w', `net.ipv6.conf.${rootDev}.disable_ipv6=1`])
    await sh('sysctl', ['-q', '-w', `net.ipv4.conf.${rootDev}.ignore_routes_with_linkdown=0`])
    await sh('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', 'net.ipv6.conf.all.disable_ipv6=1'])
    await sh('ip', ['addr', 'add', `${rootAddr}/30`, 'dev', rootDev])
    await sh('ip', ['-n', ns, 'addr', 'add', `${farAddr}/30`, 'dev', farDev])
    await sh('ip', ['route', 'add', 'unreachable', subnet, 'metric', SAFETY_METRIC, 'proto', ROUTE_PROTO])
    await sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up'])
    await sh('ip', ['-n', ns, 'link', 'set', farDev, 'up'])
    await sh('ip', ['link', 'set', rootDev, 'up'])
    await waitOperUp(ns, rootDev, farDev)
  } catch (e) {
    cleanupSync(owned)
    throw e
  }

  const nft = (script: string) => sh('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], { input: script })

  const commune: Commune = {
    ns,
    rootDev,
    farDev,
    rootAddr,
    farAddr,

    async rateLimit(mbit, opts = {}) {
      if (!(mbit > 0)) throw new Error(`rateLimit: ${mbit} Mbit/s`)
      const direction = opts.direction ?? 'both'
      const latencyMs = opts.latencyMs ?? 50
      const burst = Math.round(opts.burstBytes ?? Math.max(32 * 1024, (mbit * 1e6) / 8 * 0.004))
      const tbf = ['root', 'tbf', 'rate', `${mbit}mbit`, 'burst', String(burst), 'latency', `${latencyMs}ms`]
      if (direction !== 'fromFar') await sh('tc', ['qdisc', 'replace', 'dev', rootDev, ...tbf])
      if (direction !== 'toFar') await sh('tc', ['-n', ns, 'qdisc', 'replace', 'dev', farDev, ...tbf])
    },

    async clearRateLimit() {
      await trySh('tc', ['qdisc', 'del', 'dev', rootDev, 'root'])
      await trySh('tc', ['-n', ns, 'qdisc', 'del', 'dev', farDev, 'root'])
    },

    async dropRandom(percent, direction = 'toFar') {
      if (!(percent >= 0 && percent <= 100)) throw new Error(`dropRandom: ${percent} %`)
      const n = Math.round(percent * 100) // out of 10000: 0.01 % steps
      const rule = `meta nfproto ipv4 numgen random mod 10000 < ${n} counter drop;`
      const chains = [
        direction !== 'fromFar' ? `  chain in { type filter hook input priority 0; policy accept; ${rule} }` : '',
        direction !== 'toFar' ? `  chain out { type filter hook output priority 0; policy accept; ${rule} }` : '',
      ]
      await commune.clearDrop()
      await nft(`table inet ${PREFIX} {\n${chains.filter(Boolean).join('\n')}\n}\n`)
    },

    async clearDrop() {
      await trySh('ip', ['netns', 'exec', ns, 'nft', 'delete', 'table', 'inet', PREFIX])
    },

    async droppedPackets() {
      const r = await trySh('ip', ['netns', 'exec', ns, 'nft', '-j', 'list', 'table', 'inet', PREFIX])
      if (!r) return 0
      let total = 0
      const doc = JSON.parse(r.stdout) as { nftables: Array<{ rule?: { expr?: Array<{ counter?: { packets: number } }> } }> }
      for (const item of doc.nftables) for (const e of item.rule?.expr ?? []) total += e.counter?.packets ?? 0
      return total
    },

    async linkDown(side = 'far') {
      if (side === 'far') await sh('ip', ['-n', ns, 'link', 'set', farDev, 'down'])
      else await sh('ip', ['link', 'set', rootDev, 'down'])
    },

    async linkUp() {
      await sh('ip', ['-n', ns, 'link', 'set', farDev, 'up'])
      await sh('ip', ['link', 'set', rootDev, 'up'])
      await waitOperUp(ns, rootDev, farDev)
      // ARP probes sent into the dead line left the far end INCOMPLETE/FAILED; the next retry
      // would come up to 1 s (retrans_time) later. Start the restored line with fresh neighbours,
      // as a re-plugged link does, so "the first round after up" is not an ARP-timer race.
      await sh('ip', ['neigh', 'flush', 'dev', rootDev])
      await sh('ip', ['-n', ns, 'neigh', 'flush', 'dev', farDev])
    },

    async counters() {
      const { stdout } = await sh('ip', ['-s', '-j', 'link', 'show', 'dev', rootDev])
      const [link] = JSON.parse(stdout) as Array<{ stats64: { rx: { bytes: number; packets: number }; tx: { bytes: number; packets: number } } }>
      if (!link) throw new Error(`no link ${rootDev}`)
      return { txPackets: link.stats64.tx.packets, rxPackets: link.stats64.rx.packets, txBytes: link.stats64.tx.bytes, rxBytes: link.stats64.rx.bytes }
    },

    execIn(cmd, args, opts = {}) {
      return sh('ip', ['netns', 'exec', ns, cmd, ...args], { timeoutMs: opts.timeoutMs })
    },

    spawnIn(cmd, args, opts = {}) {
      if (owned.done) throw new Error(`spawnIn: ${ns} was torn down`)
      // setpriv --pdeathsig: the process dies with us even if we are SIGKILLed (no exit hook runs).
      const argv = setpriv ? ['netns', 'exec', ns, setpriv, '--pdeathsig', 'KILL', '--', cmd, ...args] : ['netns', 'exec', ns, cmd, ...args]
      const child = spawn('ip', argv, { stdio: ['pipe', 'pipe', 'pipe'], ...opts })
      owned.children.add(child)
      child.once('exit', () => owned.children.delete(child))
      child.on('error', () => owned.children.delete(child))
      return child
    },

    async teardown() {
      if (owned.done) return
      await Promise.all([...owned.children].map((c) => stopChild(c, 2000)))
      cleanupSync(owned)
    },
  }
  return commune
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the child has exited. */
export function stopChild(c: ChildProcess, graceMs = 2000): Promise<void> {
  if (c.pid === undefined || c.exitCode !== null || c.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      killHard(c)
      // Bounded even if 'exit' never comes.
      setTimeout(resolve, 500).unref()
    }, graceMs)
    c.once('exit', () => {
      clearTimeout(t)
      resolve()
    })
    try {
      c.kill('SIGTERM')
    } catch {
      clearTimeout(t)
      resolve()
    }
  })
}

/**
 * Resolves with the first stdout line of `child` matching `re` (e.g. a "ready" line), or rejects
 * at `timeoutMs`, when the process exits first, or on a spawn error (with its stderr).
 */
export function waitForLine(child: ChildProcess, re: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let out = ''
    let err = ''
    const done = (f: () => void): void => {
      clearTimeout(t)
      child.stdout?.off('data', onOut)
      child.stderr?.off('data', onErr)
      child.off('exit', onExit)
      child.off('error', onError)
      f()
    }
    const onOut = (b: Buffer): void => {
      out += b.toString('utf8')
      for (const line of out.split('\n')) {
        const m = re.exec(line)
        if (m) return done(() => resolve(m))
      }
    }
    const onErr = (b: Buffer): void => {
      err = (err + b.toString('utf8')).slice(-4000)
    }
    const onExit = (code: number | null, sig: string | null): void =>
      done(() => reject(new Error(`process exited (${code ?? sig}) before printing ${re}: ${err.trim() || out.trim()}`)))
    const onError = (e: Error): void => done(() => reject(e))
    const t = setTimeout(() => done(() => reject(new Error(`no line matching ${re} within ${timeoutMs} ms: ${err.trim() || out.trim()}`))), timeoutMs)
    child.stdout?.on('data', onOut)
    child.stderr?.on('data', onErr)
    child.once('exit', onExit)
    child.once('error', onError)
  })
}

// ---------------------------------------------------------------------------------------------
// Small exec helpers (every call bounded in time)

function sh(cmd: string, args: readonly string[], opts: { input?: string; timeoutMs?: number | undefined } = {}): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { timeout: opts.timeoutMs ?? EXEC_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${(stderr || err.message).trim()}`))
      else resolve({ stdout, stderr })
    })
    if (opts.input !== undefined) child.stdin?.end(opts.input)
  })
}

async function trySh(cmd: string, args: readonly string[]): Promise<{ stdout: string; stderr: string } | undefined> {
  try {
    return await sh(cmd, args)
  } catch {
    return undefined
  }
}

function run(cmd: string, args: readonly string[], input?: string): string {
  return execFileSync(cmd, args, { encoding: 'utf8', timeout: EXEC_TIMEOUT_MS, stdio: ['pipe', 'pipe', 'pipe'], ...(input !== undefined && { input }) })
}

function tryRun(cmd: string, args: readonly string[]): string {
  try {
    return run(cmd, args)
  } catch {
    return ''
  }
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim()
  } catch {
    return ''
  }
}

function tryUnlink(path: string): void {
  try {
    unlinkSync(path)
  } catch {
    // Already gone.
  }
}

/**
 * Polls (≤ 3 s) until both veth ends are operationally UP. Carrier (LOWER_UP) alone is not enough:
 * the kernel activates the qdisc in linkwatch, up to a second later, and drops packets until then.
 */
async function waitOperUp(ns: string, rootDev: string, farDev: string): Promise<void> {
  const until = Date.now() + 3000
  const up = async (args: string[], dev: string): Promise<boolean> => {
    const { stdout } = await sh('ip', [...args, '-j', 'link', 'show', 'dev', dev])
    const [link] = JSON.parse(stdout) as Array<{ operstate: string }>
    return link?.operstate === 'UP'
  }
  for (let i = 0; i < 300; i++) {
    if ((await up([], rootDev)) && (await up(['-n', ns], farDev))) return
    if (Date.now() > until) break
    await new Promise((r) => setTimeout(r, 10))
  }
  throw new Error(`testbed: ${rootDev}/${farDev} not operationally up after 3 s`)
}
