/**
 * ICMP through fping: every round due in the same short window is coalesced into ONE fping
 * process (`fping -C`), so 1,000 targets cost one process per round, not 1,000 (SPEC §10).
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process'
import type { Logger } from 'pino'
import { stripBrackets } from './describe'
import type { IcmpPlan, IcmpRoundResult, Pinger } from './icmp-round'

export interface FpingPingerOptions {
  /** Absolute path of the fping binary. */
  fpingPath: string
  /** Rounds requested within this many ms of the first one share a process. */
  coalesceMs: number
  log: Logger
}

interface Member {
  host: string
  signal: AbortSignal
  settled: boolean
  resolve: (r: IcmpRoundResult) => void
}

interface Group {
  plan: IcmpPlan
  members: Member[]
  timer: NodeJS.Timeout
}

/** fping's own default gap between any two packets (ms); we only ever go below it. */
const FPING_DEFAULT_INTERVAL_MS = 10

/**
 * Builds a pinger that batches requests with the same plan into one
 * `fping -C <count> -q -p <period> -t <timeout> -B1 -r0 -i <gap> [-b <bytes>] host…` and parses
 * the per-host summary lines fping prints on stderr ("-" = lost). A request whose signal aborts
 * resolves at once; the process is killed when no member still waits for it.
 */
export function createFpingPinger(opts: FpingPingerOptions): Pinger {
  const groups = new Map<string, Group>()
  const running = new Set<ChildProcess>()
  let closed = false

  const launch = (key: string): void => {
    const group = groups.get(key)
    if (!group) return
    groups.delete(key)
    const members = group.members.filter((m) => !m.settled)
    if (members.length === 0) return
    const hosts = [...new Set(members.map((m) => m.host))]
    const { plan } = group
    // fping spends ~0.1 ms per packet on top of -i, so sending a cycle over all hosts in a whole
    // period overruns it (1,000 hosts at -i 0.88: ~0.97 s per 875 ms cycle, and every round
    // outlived its deadline). Send each cycle in half a period, rounded down (bench/icmp.ts).
    const gapMs = Math.max(0.01, Math.min(FPING_DEFAULT_INTERVAL_MS, Math.floor((plan.periodMs / hosts.length / 2) * 100) / 100))
    const args = [
      '-C', String(plan.count), '-q',
      '-p', String(plan.periodMs),
      '-t', String(plan.timeoutMs),
      '-i', gapMs.toFixed(2),
      '-B1', '-r0',
      ...(plan.payloadBytes !== 56 ? ['-b', String(plan.payloadBytes)] : []),
      ...hosts,
    ]
    const child = spawn(opts.fpingPath, args, { stdio: ['ignore', 'ignore', 'pipe'] })
    running.add(child)
    opts.log.debug({ hosts: hosts.length, count: plan.count, periodMs: plan.periodMs }, 'fping round started')
    let stderr = ''
    child.stderr?.setEncoding('utf8')
    child.stderr?.on('data', (chunk: string) => {
      stderr += chunk
    })
    const settle = (m: Member, r: IcmpRoundResult): void => {
      if (m.settled) return
      m.settled = true
      m.resolve(r)
    }
    const killIfUnwanted = (): void => {
      if (members.every((m) => m.settled) && child.exitCode === null) child.kill('SIGTERM')
    }
    for (const m of members) {
      // The checker reports the deadline itself; here we only stop waiting and free the process.
      m.signal.addEventListener('abort', killIfUnwanted, { once: true })
    }
    child.once('error', (err) => {
      running.delete(child)
      for (const m of members) settle(m, { ok: false, error: `icmp: could not run ${opts.fpingPath}: ${err.message}` })
    })
    child.once('close', (code, sig) => {
      running.delete(child)
      const parsed = parseFpingSummary(stderr)
      const problem = firstProblemLine(stderr)
      for (const m of members) {
        const rtts = parsed.get(m.host)
        if (rtts) {
          settle(m, { ok: true, sent: rtts.length, rttsSeconds: rtts })
        } else {
          const why = problemFor(stderr, m.host) ?? problem ?? (sig ? `killed by ${sig}` : `exit code ${code}`)
          settle(m, { ok: false, error: `icmp: fping gave no result for ${m.host}: ${why}` })
        }
      }
    })
  }

  return {
    ping(host, plan, signal) {
      return new Promise((resolve) => {
        if (closed) {
          resolve({ ok: false, error: 'icmp: agent is shutting down' })
          return
        }
        if (signal.aborted) {
          resolve({ ok: false, error: 'aborted' })
          return
        }
        const member: Member = { host: stripBrackets(host), signal, settled: false, resolve }
        signal.addEventListener(
          'abort',
          () => {
            if (member.settled) return
            member.settled = true
            resolve({ ok: false, error: 'aborted' })
          },
          { once: true },
        )
        const key = `${plan.count}/${plan.periodMs}/${plan.timeoutMs}/${plan.payloadBytes}`
        const group = groups.get(key)
        if (group) group.members.push(member)
        else groups.set(key, { plan, members: [member], timer: setTimeout(() => launch(key), opts.coalesceMs) })
      })
    },
    async close() {
      closed = true
      for (const [key, g] of groups) {
        clearTimeout(g.timer)
        groups.delete(key)
        for (const m of g.members) {
          if (!m.settled) {
            m.settled = true
            m.resolve({ ok: false, error: 'icmp: agent is shutting down' })
          }
        }
      }
      // 'exit', not 'close': a grandchild holding stderr open must not delay shutdown.
      const exits = [...running].map((c) => new Promise<void>((r) => {
        if (c.exitCode !== null || c.signalCode !== null) return r()
        c.once('exit', () => r())
        c.kill('SIGTERM')
      }))
      await Promise.all(exits)
    },
  }
}

/**
 * Parses fping `-C -q` summary lines: `host : 0.04 - 0.05` → RTTs in seconds, `undefined` for "-".
 * Lines that are not summaries (warnings, resolution errors) are skipped. Tokens are checked one
 * by one: a single regex with a repeated `(-|\d+(\.\d+)?)\s*` group backtracks exponentially on
 * a line that ends in junk (12 values + junk took 0.6 s, 16 values never finished).
 */
export function parseFpingSummary(text: string): Map<string, (number | undefined)[]> {
  const out = new Map<string, (number | undefined)[]>()
  for (const line of text.split('\n')) {
    const m = /^(\S+)\s+:\s+(\S.*)$/.exec(line.trim())
    if (!m || m[1] === undefined || m[2] === undefined) continue
    const tokens = m[2].split(/\s+/)
    if (!tokens.every((tok) => tok === '-' || /^\d+(?:\.\d+)?$/.test(tok))) continue
    out.set(m[1], tokens.map((tok) => (tok === '-' ? undefined : Number(tok) / 1000)))
  }
  return out
}

function problemFor(stderr: string, host: string): string | undefined {
  for (const line of stderr.split('\n')) {
    const t = line.trim()
    if (t.startsWith(`${host}:`) || t.startsWith(`${host} `)) return t.slice(host.length).replace(/^[:\s]+/, '')
  }
  return undefined
}

function firstProblemLine(stderr: string): string | undefined {
  const line = stderr.split('\n').find((l) => l.trim() !== '' && !/^\S+\s+:\s+[-\d]/.test(l.trim()))
  return line?.trim()
}
