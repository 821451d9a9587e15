/**
 * `snmp` check: interface counters of a commune router via SNMP v2c/v3 (SPEC §3, IF-MIB).
 * @module
 */
import { isIPv6 } from 'node:net'
import { performance } from 'node:perf_hooks'
import type { Logger } from 'pino'
import {
  AuthProtocols,
  createSession,
  createV3Session,
  isVarbindError,
  PrivProtocols,
  ResponseInvalidCode,
  ResponseInvalidError,
  SecurityLevel,
  Version2c,
  Version3,
  type Session,
  type User,
  type Varbind,
} from 'net-snmp'
import { KIND_DEFAULTS, type TargetOf } from '../../protocol'
import type { Checker, CheckOutcome } from './checker'
import { hostPort, oneLine, stripBrackets, timeoutError } from './describe'

type SnmpTarget = TargetOf<'snmp'>

/** IF-MIB (RFC 2863) columns read for one interface, plus sysUpTime for counter resets. */
const OIDS = {
  sysUpTime: '1.3.6.1.2.1.1.3.0',
  ifOperStatus: '1.3.6.1.2.1.2.2.1.8',
  ifInOctets: '1.3.6.1.2.1.2.2.1.10',
  ifInDiscards: '1.3.6.1.2.1.2.2.1.13',
  ifInErrors: '1.3.6.1.2.1.2.2.1.14',
  ifOutOctets: '1.3.6.1.2.1.2.2.1.16',
  ifOutDiscards: '1.3.6.1.2.1.2.2.1.19',
  ifOutErrors: '1.3.6.1.2.1.2.2.1.20',
  ifHCInOctets: '1.3.6.1.2.1.31.1.1.1.6',
  ifHCOutOctets: '1.3.6.1.2.1.31.1.1.1.10',
  ifHighSpeed: '1.3.6.1.2.1.31.1.1.1.15',
} as const
type Column = keyof typeof OIDS

/** ifOperStatus values (RFC 2863). */
const OPER_STATUS: Readonly<Record<number, string>> = {
  1: 'up',
  2: 'down',
  3: 'testing',
  4: 'unknown',
  5: 'dormant',
  6: 'notPresent',
  7: 'lowerLayerDown',
}

/**
 * A counter that went down is taken as a wrap only when the wrapped delta fits what the
 * interface could carry in the time between samples, with this much headroom over its
 * nominal speed; otherwise it is a reset (reboot, counter clear) and that rate is skipped.
 */
const WRAP_PLAUSIBILITY_FACTOR = 2
/** A previous sample older than this many intervals is too old to rate against (target paused or changed). */
const STALE_AFTER_INTERVALS = 3

/** One reading of the interface, kept per target between rounds. */
interface Sample {
  /** Where and how it was read; a changed target starts over. */
  key: string
  atMs: number
  staleAtMs: number
  uptimeTicks?: number
  bits: 32 | 64
  inOctets: bigint
  outOctets: bigint
  inErrors?: number
  outErrors?: number
}

/**
 * Builds an snmp checker with its own memory of the previous reading of each target (rates
 * need two samples; no module state, so two agents in one process do not share it).
 *
 * Each round GETs, for `options.ifIndex`: ifHCInOctets/ifHCOutOctets (ifInOctets/ifOutOctets
 * when the agent has no 64-bit counters), ifOperStatus, ifIn/OutErrors, ifIn/OutDiscards,
 * ifHighSpeed and sysUpTime, over v2c (`community`) or v3 USM (`user`, auth/priv protocols and
 * passwords). Measurements: `oper_status` (1 up, 2 down, …), `in_bytes_total`,
 * `out_bytes_total`, `in_errors_total`, `out_errors_total`, `in_discards_total`,
 * `out_discards_total`, `speed_bytes_per_second` (ifHighSpeed), `uptime_seconds`; from the
 * second round on also `in_bytes_per_second`, `out_bytes_per_second`, `in_errors_per_second`,
 * `out_errors_per_second` and `utilization_ratio_in`/`_out` against
 * `options.contractedBytesPerSecond`, else against ifHighSpeed. Counter wraps are handled
 * (32- and 64-bit); a reset (sysUpTime went back, or a decrease no wrap explains) skips the
 * rates of that round. `ok` is true when the interface is up.
 *
 * No answer resolves `ok: false` "timeout after Ns waiting for host:port: no answer (wrong
 * community?)"; v3 USM failures name the reason (wrong digest, unknown user, decryption error).
 */
export function createSnmpChecker(): Checker<SnmpTarget> {
  const previous = new Map<string, Sample>()

  return async (target, ctx): Promise<CheckOutcome> => {
    const port = target.port ?? KIND_DEFAULTS.snmp.port ?? 161
    const host = stripBrackets(target.host)
    const address = hostPort(host, port)
    const o = target.options
    const opened = openSession(target, host, port, address)
    if ('error' in opened) return { ok: false, error: opened.error, measurements: {} }
    const read = await get(opened.session, columnsFor(o.ifIndex), ctx.signal)
    if (!read.ok) return { ok: false, error: describeSnmpError(read.error, target, address), measurements: {} }

    const nowMs = performance.now()
    for (const [id, s] of previous) if (s.staleAtMs < nowMs) previous.delete(id)
    const v = read.values
    const operStatus = asNumber(v.ifOperStatus)
    if (operStatus === undefined) {
      return { ok: false, error: `no interface with ifIndex ${o.ifIndex} on ${address} (ifOperStatus.${o.ifIndex} does not exist)`, measurements: {} }
    }
    const hcIn = asBigInt(v.ifHCInOctets)
    const hcOut = asBigInt(v.ifHCOutOctets)
    const bits: 32 | 64 = hcIn !== undefined && hcOut !== undefined ? 64 : 32
    const inOctets = hcIn ?? asBigInt(v.ifInOctets)
    const outOctets = hcOut ?? asBigInt(v.ifOutOctets)
    const m: Record<string, number> = { oper_status: operStatus }
    const uptimeTicks = asNumber(v.sysUpTime)
    if (uptimeTicks !== undefined) m.uptime_seconds = uptimeTicks / 100
    const speedMbps = asNumber(v.ifHighSpeed)
    const speed = speedMbps !== undefined && speedMbps > 0 ? (speedMbps * 1e6) / 8 : undefined
    if (speed !== undefined) m.speed_bytes_per_second = speed
    const counters: [string, number | undefined][] = [
      ['in_errors_total', asNumber(v.ifInErrors)],
      ['out_errors_total', asNumber(v.ifOutErrors)],
      ['in_discards_total', asNumber(v.ifInDiscards)],
      ['out_discards_total', asNumber(v.ifOutDiscards)],
    ]
    for (const [name, value] of counters) if (value !== undefined) m[name] = value

    if (inOctets !== undefined && outOctets !== undefined) {
      m.in_bytes_total = Number(inOctets)
      m.out_bytes_total = Number(outOctets)
      const cur: Sample = {
        key: `${address}|${o.version}|${o.ifIndex}|${bits}`,
        atMs: nowMs,
        staleAtMs: nowMs + STALE_AFTER_INTERVALS * target.intervalSeconds * 1000,
        ...(uptimeTicks !== undefined && { uptimeTicks }),
        bits,
        inOctets,
        outOctets,
        ...(m.in_errors_total !== undefined && { inErrors: m.in_errors_total }),
        ...(m.out_errors_total !== undefined && { outErrors: m.out_errors_total }),
      }
      const prev = previous.get(target.id)
      previous.set(target.id, cur)
      if (prev && prev.key === cur.key) addRates(m, prev, cur, speed, o.contractedBytesPerSecond ?? speed, ctx.log)
    }
    if (operStatus !== 1) {
      return { ok: false, error: `interface ${o.ifIndex} on ${address} is ${OPER_STATUS[operStatus] ?? 'in an unknown state'} (ifOperStatus ${operStatus})`, measurements: m }
    }
    return { ok: true, measurements: m }
  }
}

/** Rates between two samples of the same interface; skipped pieces are logged, never guessed. */
function addRates(
  m: Record<string, number>,
  prev: Sample,
  cur: Sample,
  speed: number | undefined,
  capacity: number | undefined,
  log: Logger,
): void {
  const seconds = (cur.atMs - prev.atMs) / 1000
  if (seconds <= 0) return
  if (prev.uptimeTicks !== undefined && cur.uptimeTicks !== undefined && cur.uptimeTicks < prev.uptimeTicks) {
    log.debug({ before: prev.uptimeTicks, now: cur.uptimeTicks }, 'snmp: sysUpTime went back (agent restarted); no rates this round')
    return
  }
  const maxBytes = speed !== undefined ? speed * seconds * WRAP_PLAUSIBILITY_FACTOR : undefined
  const din = counterDelta(prev.inOctets, cur.inOctets, cur.bits, maxBytes)
  const dout = counterDelta(prev.outOctets, cur.outOctets, cur.bits, maxBytes)
  if (din === undefined || dout === undefined) log.debug({ bits: cur.bits }, 'snmp: an octet counter went back with no plausible wrap (reset); rate skipped')
  if (din !== undefined) {
    m.in_bytes_per_second = din / seconds
    if (capacity !== undefined) m.utilization_ratio_in = m.in_bytes_per_second / capacity
  }
  if (dout !== undefined) {
    m.out_bytes_per_second = dout / seconds
    if (capacity !== undefined) m.utilization_ratio_out = m.out_bytes_per_second / capacity
  }
  // Error counters are Counter32 with no speed bound: one wrap is assumed, as MRTG does.
  if (prev.inErrors !== undefined && cur.inErrors !== undefined) {
    const d = counterDelta(BigInt(prev.inErrors), BigInt(cur.inErrors), 32, undefined)
    if (d !== undefined) m.in_errors_per_second = d / seconds
  }
  if (prev.outErrors !== undefined && cur.outErrors !== undefined) {
    const d = counterDelta(BigInt(prev.outErrors), BigInt(cur.outErrors), 32, undefined)
    if (d !== undefined) m.out_errors_per_second = d / seconds
  }
}

/**
 * The increase of a `bits`-wide counter from `prev` to `cur`. A decrease is a wrap when the
 * wrapped delta is at most `maxDelta` (or, without a bound, for 32-bit counters, which wrap
 * within a minute at gigabit speeds); otherwise — including any decrease of a 64-bit counter
 * without a bound, which would take decades to wrap — it is a reset and `undefined`.
 */
export function counterDelta(prev: bigint, cur: bigint, bits: 32 | 64, maxDelta: number | undefined): number | undefined {
  if (cur >= prev) return Number(cur - prev)
  const wrapped = cur + (1n << BigInt(bits)) - prev
  if (maxDelta !== undefined) return Number(wrapped) <= maxDelta ? Number(wrapped) : undefined
  return bits === 32 ? Number(wrapped) : undefined
}

function columnsFor(ifIndex: number): Record<Column, string> {
  const out = {} as Record<Column, string>
  for (const [name, oid] of Object.entries(OIDS) as [Column, string][]) out[name] = name === 'sysUpTime' ? oid : `${oid}.${ifIndex}`
  return out
}

type Opened = { session: Session } | { error: string }

/** A v2c or v3 session, or why the target's options cannot make one. */
function openSession(target: SnmpTarget, host: string, port: number, address: string): Opened {
  const o = target.options
  // net-snmp retries on its own; the check's signal still bounds the whole exchange.
  const common = { port, retries: 1, timeout: Math.max(1, Math.floor((target.timeoutSeconds * 1000) / 2)), transport: isIPv6(host) ? ('udp6' as const) : ('udp4' as const) }
  if (o.version === '2c') {
    if (!o.community) return { error: `snmp v2c target ${address} has no options.community` }
    return { session: createSession(host, o.community, { ...common, version: Version2c }) }
  }
  if (!o.user) return { error: `snmp v3 target ${address} has no options.user` }
  const level = o.securityLevel ?? (o.privPassword ? 'authPriv' : o.authPassword ? 'authNoPriv' : 'noAuthNoPriv')
  const user: User = { name: o.user, level: SecurityLevel[level] }
  if (level !== 'noAuthNoPriv') {
    if (!o.authPassword) return { error: `snmp v3 target ${address} with securityLevel ${level} has no options.authPassword` }
    user.authProtocol = AuthProtocols[o.authProtocol ?? 'sha']
    user.authKey = o.authPassword
  }
  if (level === 'authPriv') {
    if (!o.privPassword) return { error: `snmp v3 target ${address} with securityLevel authPriv has no options.privPassword` }
    user.privProtocol = PrivProtocols[o.privProtocol ?? 'aes']
    user.privKey = o.privPassword
  }
  return { session: createV3Session(host, user, { ...common, version: Version3 }) }
}

type GetResult = { ok: true; values: Partial<Record<Column, Varbind['value']>> } | { ok: false; error: unknown }

/** One GET of every column; varbinds the agent lacks (noSuchInstance…) are left out. Closes the session. */
function get(session: Session, columns: Record<Column, string>, signal: AbortSignal): Promise<GetResult> {
  const names = Object.keys(columns) as Column[]
  return new Promise<GetResult>((resolve) => {
    let settled = false
    const finish = (r: GetResult): void => {
      if (settled) return
      settled = true
      signal.removeEventListener('abort', onAbort)
      session.close()
      resolve(r)
    }
    const onAbort = (): void => finish({ ok: false, error: new DeadlineError() })
    if (signal.aborted) return onAbort()
    signal.addEventListener('abort', onAbort, { once: true })
    // A socket error (e.g. ICMP unreachable on some systems) arrives as an event, not a callback.
    session.on('error', (err: unknown) => finish({ ok: false, error: err }))
    session.get(
      names.map((n) => columns[n]),
      (err, varbinds) => {
        if (err) return finish({ ok: false, error: err })
        const values: Partial<Record<Column, Varbind['value']>> = {}
        names.forEach((n, i) => {
          const vb = varbinds?.[i]
          if (vb && !isVarbindError(vb)) values[n] = vb.value
        })
        finish({ ok: true, values })
      },
    )
  })
}

class DeadlineError extends Error {}

/** The one-line, address-naming error of a failed exchange. */
function describeSnmpError(err: unknown, target: SnmpTarget, address: string): string {
  const o = target.options
  // Agents drop what they cannot decode without a word: a wrong community (v2c) or privacy
  // key (v3 authPriv; RFC 3414 §3.2 step 8 sends no Report for it) looks like silence.
  const noAnswer =
    o.version === '2c'
      ? 'no answer (wrong community?)'
      : o.privPassword !== undefined
        ? 'no answer (wrong privPassword, or agent down or filtered?)'
        : 'no answer (agent down or filtered?)'
  if (err instanceof DeadlineError) return `${timeoutError(target.timeoutSeconds, address)}: ${noAnswer}`
  if (err instanceof Error && err.name === 'RequestTimedOutError') return `${timeoutError(target.timeoutSeconds, address)}: ${noAnswer}`
  if (err instanceof ResponseInvalidError) {
    // USM Report texts ("Wrong Digest (…)", "Unknown User Name") read better in lower case.
    if (err.code === ResponseInvalidCode.EAuthFailure) return `snmp v3 authentication failed at ${address}: ${oneLine(err.message, 200).toLowerCase()}`
    if (err.code === ResponseInvalidCode.ECouldNotDecrypt) return `snmp v3 decryption failed at ${address} (wrong privPassword or privProtocol?)`
    return `invalid snmp response from ${address}: ${lowerFirst(oneLine(err.message, 200))}`
  }
  if (err instanceof Error) {
    const msg = oneLine(err.message, 300)
    // Agents answer v3 USM failures with a Report whose text net-snmp passes through.
    if (/digest|unknown user|security level|decryption/i.test(msg)) return `snmp v3 authentication failed at ${address}: ${msg.toLowerCase()}`
    return `snmp ${o.version === '2c' ? 'v2c' : 'v3'} request to ${address} failed: ${lowerFirst(msg)}`
  }
  return `snmp request to ${address} failed: ${String(err)}`
}

function lowerFirst(s: string): string {
  return /^[A-Z][a-z]/.test(s) ? s.charAt(0).toLowerCase() + s.slice(1) : s
}

function asNumber(v: Varbind['value']): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v
  if (typeof v === 'bigint') return Number(v)
  if (Buffer.isBuffer(v)) return Number(bufferToBigInt(v))
  return undefined
}

/** Counter64 arrives as the raw BER integer bytes (big-endian, maybe a leading 0). */
function asBigInt(v: Varbind['value']): bigint | undefined {
  if (typeof v === 'bigint') return v
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return BigInt(Math.trunc(v))
  if (Buffer.isBuffer(v)) return bufferToBigInt(v)
  return undefined
}

function bufferToBigInt(b: Buffer): bigint {
  let n = 0n
  for (const byte of b) n = (n << 8n) | BigInt(byte)
  return n
}
