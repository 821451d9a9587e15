/**
 * ICMP probing CPU (SPEC §10): Xanh's real agent path (scheduler → checker set → icmp checker →
 * coalescing fping batcher → one `fping -C` per round) against raw `fping` with the same flags,
 * and against the one-process-per-target path (the `ping` package), all measured in the same
 * run; then a bounded continuous run (1 pps × N targets) against `fping -l`.
 *
 * Traffic: loopback only (127.20.x.y, every address of 127/8 answers on Linux).
 *
 * CPU accounting, the same for every scenario:
 * - children: `cutime + cstime` of /proc/self/stat, i.e. the kernel's exact per-task runtime
 *   (accumulated in ns) of every child this process has reaped, printed in clock ticks
 *   (`getconf CLK_TCK`, normally 100 Hz). The delta is read after the children of a scenario
 *   have exited and been reaped (libuv waitpid), so the error is < 2 ticks (20 ms) per
 *   scenario; every scenario burns ≥ 0.3 s, so that is a few per cent at most. Grandchildren
 *   (the ping package's `ping` processes are children of this process too) count the same way.
 * - Node: `process.cpuUsage()` delta (getrusage RUSAGE_SELF: all threads of this process,
 *   including the ping package's worker thread, libuv pool and GC threads; µs resolution).
 * The raw-fping references count the fping child only; Xanh's paths count child + Node.
 * @module
 */
import { spawn, execFileSync } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import pino from 'pino'
import { TargetSpec, type CheckResult } from '../protocol'
import { createCheckers, type CheckerSet } from '../probes/checks'
import { planIcmpRound } from '../probes/checks/icmp'
import { DEFAULT_AGENT_TIMING } from '../probes/agent'
import { systemClock, type Clock } from '../probes/clock'
import { createScheduler } from '../probes/scheduler'
import { detectTools } from '../probes/tools'
import type { ProbeTools } from '../probes/checks/checker'

export interface IcmpBenchOptions {
  /** Targets of the fping scenarios (SPEC: 1,000). */
  targets: number
  /** Targets of the one-process-per-target scenario (each one is a `ping` process). */
  pingTargets: number
  /** Length of the continuous comparison; 0 skips it. */
  continuousSeconds: number
}

const log = pino({ level: 'silent' })
const TICK = clockTicks()

/** Seconds of CPU so far: this process (all threads) and its reaped children. */
interface Cpu {
  node: number
  children: number
}

function clockTicks(): number {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim())
    return Number.isFinite(n) && n > 0 ? n : 100
  } catch {
    return 100
  }
}

function cpuNow(): Cpu {
  // Fields after "(comm)": state is field 3, so field n sits at index n - 3; cutime=16, cstime=17.
  const stat = readFileSync('/proc/self/stat', 'utf8')
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const u = process.cpuUsage()
  return { node: (u.user + u.system) / 1e6, children: (Number(f[13]) + Number(f[14])) / TICK }
}

function cpuSince(a: Cpu): Cpu {
  const b = cpuNow()
  return { node: b.node - a.node, children: b.children - a.children }
}

/** 127.20.0.1 … : `n` distinct loopback addresses (250 per /24, never .0 or .255). */
export function loopbackTargets(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `127.20.${Math.floor(i / 250)}.${(i % 250) + 1}`)
}

/**
 * The icmp targets of one round. Interval 60 s with `packets: 15` and timeout 14 s gives exactly
 * the plan of a default icmp target (15 s interval, 14 s timeout: 15 echoes 875 ms apart) while
 * making sure no second round starts before the first one is measured.
 */
function oneRoundTargets(hosts: string[], intervalSeconds = 60): TargetSpec[] {
  return hosts.map((host, i) =>
    TargetSpec.parse({
      id: `bench-icmp-${i}`,
      communeCode: 'BENCH',
      kind: 'icmp',
      host,
      role: 'line',
      intervalSeconds,
      timeoutSeconds: 14,
      options: intervalSeconds === 15 ? {} : { packets: 15 },
    }),
  )
}

/**
 * How long after the scheduler is built aligned targets fall due. Every target computes its
 * first due time in setTargets; a lead shorter than that call (tens of ms, more under load)
 * would push the last targets to the next interval and split the round.
 */
const LEAD_MS = 500

/** The real clock shifted so that targets aligned to `intervalMs` fall due `leadMs` from now. */
function clockDueIn(intervalMs: number, leadMs: number): Clock {
  const now = Date.now()
  const offset = (((intervalMs - leadMs - (now % intervalMs)) % intervalMs) + intervalMs) % intervalMs
  return { ...systemClock, now: () => Date.now() + offset }
}

interface XanhRun {
  results: CheckResult[]
  cpu: Cpu
  wallSeconds: number
  /** argv of the first fping the run spawned, as seen in /proc (hosts elided). */
  fpingArgs: string[] | undefined
}

/**
 * Xanh's agent path without the network shipper: createCheckers + createScheduler wired as
 * probes/agent.ts does (icmp aligned and unbounded when fping is present). Ends when every
 * target has one result (`untilResults`) or after `windowMs`, whichever is first.
 */
async function runXanh(opts: {
  checkers: CheckerSet
  targets: TargetSpec[]
  tools: ProbeTools
  untilResults?: number
  windowMs: number
  random?: () => number
}): Promise<XanhRun> {
  const intervalMs = (opts.targets[0]?.intervalSeconds ?? 15) * 1000
  const { checkers } = opts
  const coalesced = opts.tools.fping ? (['icmp'] as const) : []
  const results: CheckResult[] = []
  let done: () => void = () => {}
  const finished = new Promise<void>((resolve) => {
    done = resolve
  })
  const scheduler = createScheduler({
    run: checkers.run,
    tools: opts.tools,
    onResult: (r) => {
      results.push(r)
      if (opts.untilResults !== undefined && results.length >= opts.untilResults) done()
    },
    log,
    maxConcurrency: DEFAULT_AGENT_TIMING.maxConcurrency,
    unboundedKinds: coalesced,
    alignedKinds: coalesced,
    clock: clockDueIn(intervalMs, LEAD_MS),
    ...(opts.random && { random: opts.random }),
  })
  let fpingArgs: string[] | undefined
  const peek = opts.tools.fping
    ? setTimeout(() => {
        fpingArgs = childArgv(opts.tools.fping ?? '')
      }, 1500)
    : undefined
  const preexisting = new Set(childPids())
  // setTargets runs once per config change, not per round: done before measuring (the
  // first run is due LEAD_MS later).
  scheduler.setTargets(opts.targets)
  const window = setTimeout(done, opts.windowMs)
  const cpu0 = cpuNow()
  const t0 = performance.now()
  await finished
  clearTimeout(window)
  clearTimeout(peek)
  const wallSeconds = (performance.now() - t0) / 1000
  // The round's deadline timers (AbortSignal.timeout per check) still fire after its last
  // result; they are part of its cost, so wait them out before stopping.
  const deadlineMs = Math.max(...opts.targets.map((t) => t.timeoutSeconds)) * 1000 + LEAD_MS + 200
  if (opts.untilResults !== undefined) await new Promise((r) => setTimeout(r, Math.max(0, deadlineMs - (performance.now() - t0))))
  await scheduler.stop()
  // A check aborted at its deadline resolves at once, but its process may still run (the ping
  // package's `ping` ends by itself): wait until every child has exited and been reaped, so its
  // CPU lands in this scenario's cutime and not in the next one's.
  await childrenGone(preexisting, 20_000)
  return { results, cpu: cpuSince(cpu0), wallSeconds, fpingArgs }
}

/** Child pids of this process (every thread's /proc children list). */
function childPids(): string[] {
  const pids: string[] = []
  try {
    for (const tid of readdirSync(`/proc/${process.pid}/task`)) {
      pids.push(...readFileSync(`/proc/${process.pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean))
    }
  } catch {
    // A thread may end between listing and reading; the next poll sees the rest.
  }
  return pids
}

/**
 * Resolves once every child not in `before` has exited and been reaped, or after `maxMs`.
 * Children that predate the scenario (tsx's esbuild service) are long-lived and not ours.
 */
async function childrenGone(before: ReadonlySet<string>, maxMs: number): Promise<void> {
  const until = performance.now() + maxMs
  await new Promise((r) => setTimeout(r, 20))
  while (childPids().some((p) => !before.has(p)) && performance.now() < until) await new Promise((r) => setTimeout(r, 100))
}

/** argv (without the host list) of a running child of this process whose argv[0] is `exe`. */
function childArgv(exe: string): string[] | undefined {
  try {
    for (const pid of childPids()) {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean)
      if (argv[0] === exe) return argv.slice(1).filter((a) => !/^127\./.test(a))
    }
  } catch {
    // The child may exit between listing and reading; the caller reports "not captured".
  }
  return undefined
}

interface ChildRun {
  cpu: Cpu
  wallSeconds: number
  stderr: string
}

/** Runs `exe args…` to completion (or SIGINT after `stopAfterMs`), stderr collected. */
async function runChild(exe: string, args: string[], stopAfterMs?: number): Promise<ChildRun> {
  const cpu0 = cpuNow()
  const t0 = performance.now()
  const child = spawn(exe, args, { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', (c: string) => {
    stderr += c
  })
  // SIGINT: fping prints its per-host totals and exits.
  const timer = stopAfterMs !== undefined ? setTimeout(() => child.kill('SIGINT'), stopAfterMs) : undefined
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject)
    child.once('close', () => resolve())
  })
  clearTimeout(timer)
  return { cpu: cpuSince(cpu0), wallSeconds: (performance.now() - t0) / 1000, stderr }
}

/** fping -C summary lines with at least one reply, and the echoes they account for. */
function countFpingC(stderr: string): { hosts: number; answered: number; sent: number } {
  let hosts = 0
  let answered = 0
  let sent = 0
  for (const line of stderr.split('\n')) {
    const m = /^\S+\s+:\s+((?:[-\d.]+\s*)+)$/.exec(line.trim())
    if (!m?.[1]) continue
    const toks = m[1].trim().split(/\s+/)
    hosts++
    sent += toks.length
    if (toks.some((t) => t !== '-')) answered++
  }
  return { hosts, answered, sent }
}

/** Echo requests in fping's exit summary ("127.20.0.1 : xmt/rcv/%loss = 30/30/0%, …"). */
function countFpingLoopSent(stderr: string): number {
  let sent = 0
  for (const m of stderr.matchAll(/xmt\/rcv\/%loss = (\d+)\//g)) sent += Number(m[1])
  return sent
}

const num = (x: number, digits = 0): string => x.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits })
const sec = (x: number): string => `${x.toFixed(3)} s`

/** Runs the benchmark; returns a printable summary. */
export async function benchIcmp(opts: IcmpBenchOptions): Promise<string[]> {
  const out: string[] = []
  const started = performance.now()
  const tools = detectTools(process.env.PATH ?? '')
  if (!tools.fping || !tools.ping) return [`icmp: skipped (fping: ${tools.fping ?? 'missing'}, ping: ${tools.ping ?? 'missing'})`]
  const fping = tools.fping
  const hosts = loopbackTargets(opts.targets)
  const round = oneRoundTargets(hosts)
  const plan = planIcmpRound(round[0] as Extract<TargetSpec, { kind: 'icmp' }>)

  // One checker set per path, as one agent holds one (the ping package keeps a worker thread).
  const timing = { log, icmpCoalesceMs: DEFAULT_AGENT_TIMING.icmpCoalesceMs, udpEchoReplyWaitMs: DEFAULT_AGENT_TIMING.udpEchoReplyWaitMs }
  const fpingSet = createCheckers(timing)
  const pingSet = createCheckers(timing)
  // Warm-up (not measured): a tiny round through each path, so JIT, module initialisation and
  // the ping worker's start are not charged to the measured rounds (an agent pays them once).
  const warm = oneRoundTargets(loopbackTargets(4)).map((t) => ({ ...t, timeoutSeconds: 2, options: { packets: 1, payloadBytes: 56 } }) as TargetSpec)
  await runXanh({ checkers: fpingSet, targets: warm, tools: { fping }, untilResults: warm.length, windowMs: 10_000 })
  await runXanh({ checkers: pingSet, targets: warm, tools: { ping: tools.ping }, untilResults: warm.length, windowMs: 10_000, random: () => 0 })

  // 1. Xanh: one round for all targets through scheduler → checker → batcher → one fping.
  const xanh = await runXanh({ checkers: fpingSet, targets: round, tools: { fping }, untilResults: round.length, windowMs: 30_000 })
  const xanhOk = xanh.results.filter((r) => r.ok).length
  const xanhSent = xanh.results.reduce((s, r) => s + (r.measurements.sent ?? 0), 0)
  const xanhCpu = xanh.cpu.node + xanh.cpu.children
  const firstError = xanh.results.find((r) => !r.ok)?.error

  // 2. Reference: raw fping with the flags Xanh passed (captured from /proc; rebuilt if not).
  const gapMs = Math.max(0.01, Math.min(10, Math.floor((plan.periodMs / hosts.length / 2) * 100) / 100))
  const flags = xanh.fpingArgs ?? ['-C', String(plan.count), '-q', '-p', String(plan.periodMs), '-t', String(plan.timeoutMs), '-i', gapMs.toFixed(2), '-B1', '-r0']
  const raw = await runChild(fping, [...flags, ...hosts])
  const rawCount = countFpingC(raw.stderr)

  const rawRate = rawCount.hosts / raw.cpu.children
  const xanhRate = round.length / xanhCpu
  const header = [
    `icmp, ${num(opts.targets)} loopback targets, one round = ${plan.count} echoes ${plan.periodMs} ms apart (default 15 s target)`,
    `  fping flags (Xanh's, from /proc)     : ${xanh.fpingArgs ? flags.join(' ') : `not captured; used ${flags.join(' ')}`}`,
    `  raw fping                             : ${sec(raw.cpu.children)} CPU, ${raw.wallSeconds.toFixed(1)} s wall, ${rawCount.answered}/${rawCount.hosts} hosts answered → ${num(rawRate)} targets/CPU-s`,
    `  Xanh (scheduler+checker+fping)        : ${sec(xanhCpu)} CPU (fping ${sec(xanh.cpu.children)} + node ${sec(xanh.cpu.node)}), ${xanh.wallSeconds.toFixed(1)} s wall, ${xanh.results.length}/${round.length} results, ${xanhOk} ok, ${num(xanhSent)} echoes → ${num(xanhRate)} targets/CPU-s`,
  ]
  out.push(...header)
  if (firstError) out.push(`    first error: ${firstError}`)
  out.push(`  ratio Xanh / raw fping                : ${(xanhRate / rawRate).toFixed(2)} (target ≥ 0.50)`)

  // 3. One process per target (skipped with pingTargets 0, as --quick does).
  if (opts.pingTargets > 0) {
    // The ping package (tools without fping) under the agent's default concurrency bound,
    // every target due at once (default size: one full wave).
    const pingTargets = oneRoundTargets(hosts.slice(0, opts.pingTargets))
    const pingRun = await runXanh({ checkers: pingSet, targets: pingTargets, tools: { ping: tools.ping }, untilResults: pingTargets.length, windowMs: 90_000, random: () => 0 })
    // The same with a quarter of the targets: the difference is the cost per extra target, free
    // of what a round costs whatever its size (V8's idle-time GC during the 12 s wait, timers),
    // which 1,000 targets would amortise but 64 do not.
    const smallTargets = pingTargets.slice(0, Math.max(1, Math.floor(pingTargets.length / 4)))
    const smallRun = await runXanh({ checkers: pingSet, targets: smallTargets, tools: { ping: tools.ping }, untilResults: smallTargets.length, windowMs: 90_000, random: () => 0 })
    const smallCpu = smallRun.cpu.node + smallRun.cpu.children
    const pingOk = pingRun.results.filter((r) => r.ok).length
    const pingError = pingRun.results.find((r) => !r.ok)?.error
    const pingCpu = pingRun.cpu.node + pingRun.cpu.children

    const pingRate = pingTargets.length / pingCpu
    const marginal = pingTargets.length > smallTargets.length ? (pingCpu - smallCpu) / (pingTargets.length - smallTargets.length) : pingCpu / pingTargets.length
    const fixed = Math.max(0, smallCpu - marginal * smallTargets.length)
    const ping1000Rate = opts.targets / (fixed + marginal * opts.targets)
    out.push(
      `  ping package (${pingTargets.length} targets, ≤ ${DEFAULT_AGENT_TIMING.maxConcurrency} at once) : ${sec(pingCpu)} CPU (ping ${sec(pingRun.cpu.children)} + node ${sec(pingRun.cpu.node)}), ${pingRun.wallSeconds.toFixed(1)} s wall, ${pingOk}/${pingTargets.length} ok → ${num(pingRate)} targets/CPU-s`,
    )
    if (pingError) out.push(`    first error: ${pingError}`)
    out.push(
      `  ping package (${smallTargets.length} targets)             : ${sec(smallCpu)} CPU → ${num(marginal * 1e3, 1)} ms per extra target, ${sec(fixed)} per round; at ${num(opts.targets)} targets ≈ ${num(ping1000Rate)} targets/CPU-s`,
    )
    out.push(
      `  per unit                              : fping ${num((raw.cpu.children / Math.max(1, rawCount.sent)) * 1e6)} µs per echo; Xanh node ${num((xanh.cpu.node / round.length) * 1e6)} µs per target-round; ping package ${num((pingCpu / pingTargets.length) * 1e3, 1)} ms per target-round`,
    )
    out.push(
      `  ratio Xanh / ping package             : ${(xanhRate / pingRate).toFixed(1)}× vs ${pingTargets.length} targets measured, ${(xanhRate / ping1000Rate).toFixed(1)}× vs ${num(opts.targets)} extrapolated (target ≥ 10×)`,
    )
  }

  // 4. Continuous: 1 pps per target for a bounded window, Xanh's rounds vs one `fping -l`.
  if (opts.continuousSeconds > 0) {
    const windowMs = opts.continuousSeconds * 1000
    const gap = Math.min(10, 1000 / hosts.length / 2)
    const loopArgs = ['-l', '-q', '-p', '1000', '-i', gap.toFixed(2), '-B1', '-r0']
    const loop = await runChild(fping, [...loopArgs, ...hosts], windowMs)
    const loopSent = countFpingLoopSent(loop.stderr)
    // Default icmp targets (15 s interval, 14 s timeout): rounds start LEAD_MS and 15 s +
    // LEAD_MS in; the window closes after the second one's deadlines, before a third starts.
    const cont = await runXanh({ checkers: fpingSet, targets: oneRoundTargets(hosts, 15), tools: { fping }, windowMs })
    const contSent = cont.results.reduce((s, r) => s + (r.measurements.sent ?? 0), 0)
    const contCpu = cont.cpu.node + cont.cpu.children
    out.push(`icmp continuous, 1 pps × ${num(opts.targets)} targets, ${opts.continuousSeconds} s each`)
    const loopRate = loop.cpu.children / loop.wallSeconds
    const contRate = contCpu / cont.wallSeconds
    out.push(`  fping ${loopArgs.join(' ')} : ${sec(loop.cpu.children)} CPU in ${loop.wallSeconds.toFixed(1)} s = ${(loopRate * 100).toFixed(1)} % of a core, ${num(loopSent)} echoes`)
    out.push(
      `  Xanh (one fping -C per 15 s round)    : ${sec(contCpu)} CPU (fping ${sec(cont.cpu.children)} + node ${sec(cont.cpu.node)}) in ${cont.wallSeconds.toFixed(1)} s = ${(contRate * 100).toFixed(1)} % of a core, ${cont.results.length} results, ${cont.results.filter((r) => r.ok).length} ok, ${num(contSent)} echoes`,
    )
    out.push(`  ratio Xanh / fping -l                 : ${(contRate / loopRate).toFixed(2)}× CPU per second (target ≤ 2×)`)
  }
  await Promise.all([fpingSet.close(), pingSet.close()])
  out.push(`  (icmp bench wall time ${((performance.now() - started) / 1000).toFixed(0)} s)`)
  return out
}
