/**
 * `throughput` check, http mode: parallel HTTP streams against a Xanh server's
 * `/api/v1/speedtest/*` (SPEC §3; LibreSpeed/Cloudflare model, reference §4).
 * @module
 */
import { randomBytes } from 'node:crypto'
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import { performance } from 'node:perf_hooks'
import { setTimeout as delay } from 'node:timers/promises'
import { SpeedtestUploadResult, type TargetOf } from '../../protocol'
import { linkSignals } from '../abort'
import type { CheckContext, CheckOutcome } from './checker'
import { openConnection } from './connect'
import { describeError, hostPort, oneLine, sniName, stripBrackets, timeoutError } from './describe'
import { median } from './stats'

/** Random block uploads repeat: larger than any compressor's window, so nothing on the path can shrink it. */
const RANDOM_BLOCK_BYTES = 1024 * 1024
/**
 * Bytes one download request asks for: "until told to stop". The server clamps it to its own
 * maxBytes/maxSeconds; a stream that ends early is simply restarted until the phase is over.
 */
const DOWNLOAD_REQUEST_BYTES = 2 ** 40
/** Period of loaded-latency samples while streams run (LibreSpeed's 200 ms tick). */
const LOADED_RTT_PERIOD_MS = 200
/** TCP handshakes timed before the transfer, for the unloaded baseline. */
const IDLE_RTT_SAMPLES = 3
/** Error bodies are read only this far (they are short JSON). */
const MAX_ERROR_BODY_BYTES = 4096

type ThroughputTarget = TargetOf<'throughput'>

/** Everything the phases of one check share. */
interface Run {
  host: string
  port: number
  address: string
  base: string
  token: string
  agent: HttpAgent
  request: typeof httpRequest
  streams: number
  warmupMs: number
  durationMs: number
  timeoutSeconds: number
  payload: Buffer
  ctx: CheckContext
}

/** One direction's transfer window: warm-up, then the measured part, then stop. */
interface Phase {
  /** Aborts at the end of the phase, on a stream failure, or when the check's deadline fires. */
  signal: AbortSignal
  startedAt: number
  warmEndAt: number
  /** When the phase stopped (set once `signal` has fired). */
  endedAt: number
  /** Stops every stream of the phase at once (first failure wins `error`). */
  fail(error: string): void
  error: string | undefined
  dispose(): void
}

interface DirectionResult {
  bytesPerSecond?: number
  totalBytes: number
  loadedRtts: number[]
  error?: string
}

/**
 * Runs the http-mode test: idle RTT (a few TCP handshakes), then download and then upload,
 * each with `streams` parallel requests for `warmupSeconds` (discarded) + `durationSeconds`
 * (measured), timing TCP handshakes to the same host:port every 200 ms of the measured part as
 * loaded latency. Download bytes are counted as they arrive here; upload bytes as they arrive
 * at the server (its answer), falling back to bytes handed to the kernel after the warm-up when
 * the server's answer does not come in time. Measurements: `download_bytes_per_second`,
 * `upload_bytes_per_second`, `download_bytes`, `upload_bytes` (all bytes moved, warm-up
 * included: what the test cost the line), `idle_rtt_seconds`, `loaded_rtt_seconds` (median of
 * both directions' samples) and per direction `download_loaded_rtt_seconds`,
 * `upload_loaded_rtt_seconds`. Any failure (refused, token refused, server busy, deadline)
 * resolves `ok: false` naming host:port, with whatever was measured before it.
 */
export async function runHttpThroughput(target: ThroughputTarget, ctx: CheckContext): Promise<CheckOutcome> {
  const o = target.options
  const scheme = o.scheme ?? 'http'
  const host = stripBrackets(target.host)
  const port = target.port ?? (scheme === 'https' ? 443 : 80)
  const address = hostPort(host, port)
  if (!ctx.speedtest) {
    return { ok: false, error: `throughput to ${address} needs the probe token and this agent was given none`, measurements: {} }
  }
  const testSeconds = 2 * (o.warmupSeconds + o.durationSeconds)
  if (testSeconds >= target.timeoutSeconds) {
    return {
      ok: false,
      error: `throughput to ${address} runs 2 × (${o.warmupSeconds} s warm-up + ${o.durationSeconds} s) but the target's timeout is ${target.timeoutSeconds} s; raise timeoutSeconds`,
      measurements: {},
    }
  }
  const https = scheme === 'https'
  const agent = https
    ? new HttpsAgent({ keepAlive: true, maxSockets: o.streams, rejectUnauthorized: !(o.insecure ?? false), servername: sniName(host) })
    : new HttpAgent({ keepAlive: true, maxSockets: o.streams })
  const run: Run = {
    host,
    port,
    address,
    base: `${scheme}://${address}/api/v1/speedtest`,
    token: ctx.speedtest.token,
    agent,
    request: https ? httpsRequest : httpRequest,
    streams: o.streams,
    warmupMs: o.warmupSeconds * 1000,
    durationMs: o.durationSeconds * 1000,
    timeoutSeconds: target.timeoutSeconds,
    // Fresh per check: every 6 h is cheap, and no state outlives the check.
    payload: randomBytes(RANDOM_BLOCK_BYTES),
    ctx,
  }
  const m: Record<string, number> = {}
  let downRtts: number[] = []
  let upRtts: number[] = []
  const done = (error?: string): CheckOutcome => {
    const samples = [...(m.download_loaded_rtt_seconds !== undefined ? downRtts : []), ...(m.upload_loaded_rtt_seconds !== undefined ? upRtts : [])]
    if (samples.length > 0) m.loaded_rtt_seconds = median(samples)
    if (error === undefined) return { ok: true, measurements: m }
    return { ok: false, error: ctx.signal.aborted ? `${timeoutError(target.timeoutSeconds, address)} (throughput test unfinished)` : error, measurements: m }
  }
  try {
    const idle: number[] = []
    for (let i = 0; i < IDLE_RTT_SAMPLES; i++) {
      const c = await openConnection({ host, port, signal: ctx.signal, timeoutSeconds: target.timeoutSeconds })
      if (!c.ok) return done(c.error)
      c.socket.destroy()
      idle.push(c.connectSeconds)
    }
    m.idle_rtt_seconds = median(idle)

    const down = await runDownload(run)
    m.download_bytes = down.totalBytes
    if (down.bytesPerSecond !== undefined) m.download_bytes_per_second = down.bytesPerSecond
    downRtts = down.loadedRtts
    if (downRtts.length > 0) m.download_loaded_rtt_seconds = median(downRtts)
    if (down.error !== undefined) return done(down.error)

    const up = await runUpload(run)
    m.upload_bytes = up.totalBytes
    if (up.bytesPerSecond !== undefined) m.upload_bytes_per_second = up.bytesPerSecond
    upRtts = up.loadedRtts
    if (upRtts.length > 0) m.upload_loaded_rtt_seconds = median(upRtts)
    if (up.error !== undefined) return done(up.error)
    return done()
  } finally {
    agent.destroy()
  }
}

function startPhase(run: Run): Phase {
  const stop = new AbortController()
  const linked = linkSignals([run.ctx.signal, stop.signal])
  const startedAt = performance.now()
  const phase: Phase = {
    signal: linked.signal,
    startedAt,
    warmEndAt: startedAt + run.warmupMs,
    endedAt: Infinity,
    error: undefined,
    fail(error) {
      phase.error ??= error
      stop.abort()
    },
    dispose() {
      clearTimeout(timer)
      linked.dispose()
    },
  }
  linked.signal.addEventListener('abort', () => (phase.endedAt = performance.now()), { once: true })
  const timer = setTimeout(() => stop.abort(), run.warmupMs + run.durationMs)
  return phase
}

/** The measured seconds of a phase that has ended (warm-up excluded). */
function measuredSeconds(phase: Phase): number {
  return Math.max(0, phase.endedAt - phase.warmEndAt) / 1000
}

async function runDownload(run: Run): Promise<DirectionResult> {
  const phase = startPhase(run)
  let total = 0
  let measured = 0
  const onData = (n: number): void => {
    total += n
    if (performance.now() >= phase.warmEndAt && !phase.signal.aborted) measured += n
  }
  try {
    const rtts = sampleLoadedRtt(run, phase)
    await Promise.all(
      Array.from({ length: run.streams }, async () => {
        while (!phase.signal.aborted) {
          try {
            await getOnce(run, phase.signal, onData)
          } catch (err) {
            phase.fail(requestError(err, run.address, 'download'))
          }
        }
      }),
    )
    const loadedRtts = await rtts
    const seconds = measuredSeconds(phase)
    return {
      totalBytes: total,
      loadedRtts,
      ...(phase.error === undefined && !run.ctx.signal.aborted && seconds > 0 && { bytesPerSecond: measured / seconds }),
      ...((phase.error !== undefined || run.ctx.signal.aborted) && { error: phase.error ?? 'deadline' }),
    }
  } finally {
    phase.dispose()
  }
}

/** One streaming GET; resolves when the body ends or the phase stops it, rejects on failures. */
function getOnce(run: Run, signal: AbortSignal, onData: (n: number) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const req = run.request(`${run.base}/download?bytes=${DOWNLOAD_REQUEST_BYTES}`, {
      agent: run.agent,
      headers: { authorization: `Bearer ${run.token}`, 'accept-encoding': 'identity' },
      signal,
    })
    const settle = (err?: unknown): void => (err === undefined || signal.aborted ? resolve() : reject(err))
    req.on('error', settle)
    req.on('response', (res) => {
      if (res.statusCode !== 200) {
        readSmall(res).then((body) => settle(new StatusError(res.statusCode ?? 0, body)), settle)
        return
      }
      res.on('data', (chunk: Buffer) => onData(chunk.length))
      res.on('end', () => settle())
      res.on('error', settle)
      res.on('aborted', () => settle(new Error(`download from ${run.address} cut off mid-stream`)))
    })
    req.end()
  })
}

async function runUpload(run: Run): Promise<DirectionResult> {
  const phase = startPhase(run)
  // After the phase, answers still in flight get one more measured duration to arrive.
  const drain = new AbortController()
  const hard = linkSignals([run.ctx.signal, drain.signal])
  let drainTimer: NodeJS.Timeout | undefined
  phase.signal.addEventListener('abort', () => (drainTimer = setTimeout(() => drain.abort(), run.durationMs)), { once: true })
  let written = 0
  let writtenMeasured = 0
  const lanes = Array.from({ length: run.streams }, () => ({ bytes: 0, measuredBytes: 0, measuredSeconds: 0, answered: true }))
  const onWritten = (n: number): void => {
    written += n
    const now = performance.now()
    if (now >= phase.warmEndAt && now <= phase.endedAt) writtenMeasured += n
  }
  try {
    const rtts = sampleLoadedRtt(run, phase)
    await Promise.all(
      lanes.map(async (lane) => {
        while (!phase.signal.aborted) {
          const skipSeconds = Math.max(0, phase.warmEndAt - performance.now()) / 1000
          try {
            const answer = await postOnce(run, phase.signal, hard.signal, skipSeconds, onWritten)
            if (answer === undefined) lane.answered = false
            else {
              lane.bytes += answer.bytes
              lane.measuredBytes += answer.measuredBytes
              lane.measuredSeconds += answer.measuredSeconds
            }
          } catch (err) {
            phase.fail(requestError(err, run.address, 'upload'))
          }
        }
      }),
    )
    const loadedRtts = await rtts
    if (phase.error !== undefined || run.ctx.signal.aborted) return { totalBytes: written, loadedRtts, error: phase.error ?? 'deadline' }
    const slowest = Math.max(...lanes.map((l) => l.measuredSeconds))
    if (lanes.every((l) => l.answered) && slowest > 0) {
      const received = lanes.reduce((s, l) => s + l.measuredBytes, 0)
      return { totalBytes: lanes.reduce((s, l) => s + l.bytes, 0), loadedRtts, bytesPerSecond: received / slowest }
    }
    run.ctx.log.debug('throughput: upload answers missing; using bytes handed to the kernel after the warm-up')
    const seconds = measuredSeconds(phase)
    return { totalBytes: written, loadedRtts, ...(seconds > 0 && { bytesPerSecond: writtenMeasured / seconds }) }
  } finally {
    clearTimeout(drainTimer)
    hard.dispose()
    phase.dispose()
  }
}

/**
 * One streaming POST: writes the random block with backpressure until the phase ends (or the
 * server answers early at its limit), then ends the body and waits for the server's count.
 * Resolves `undefined` when the answer did not arrive before `hard` fired.
 */
function postOnce(
  run: Run,
  phaseSignal: AbortSignal,
  hard: AbortSignal,
  skipSeconds: number,
  onWritten: (n: number) => void,
): Promise<SpeedtestUploadResult | undefined> {
  return new Promise((resolve, reject) => {
    const req: ClientRequest = run.request(`${run.base}/upload?skipSeconds=${skipSeconds.toFixed(3)}`, {
      method: 'POST',
      agent: run.agent,
      headers: { authorization: `Bearer ${run.token}`, 'content-type': 'application/octet-stream' },
      signal: hard,
    })
    let answered = false
    let settled = false
    const settle = (f: () => void): void => {
      if (settled) return
      settled = true
      phaseSignal.removeEventListener('abort', endBody)
      f()
    }
    const endBody = (): void => {
      if (!req.writableEnded) req.end()
    }
    const countWrite = (err?: Error | null): void => {
      if (!err) onWritten(run.payload.length)
    }
    const pump = (): void => {
      while (!phaseSignal.aborted && !answered && !req.destroyed) {
        if (!req.write(run.payload, countWrite)) {
          req.once('drain', pump)
          return
        }
      }
      endBody()
    }
    req.on('error', (err) => {
      // Once the server has answered (at its byte or time limit), a write that hits the closed
      // connection is expected; the answer decides.
      if (answered && !hard.aborted) return
      settle(() => (hard.aborted ? resolve(undefined) : reject(err)))
    })
    req.on('response', (res) => {
      answered = true
      readSmall(res).then(
        (text) =>
          settle(() => {
            if (res.statusCode !== 200) return reject(new StatusError(res.statusCode ?? 0, text))
            let json: unknown
            try {
              json = JSON.parse(text)
            } catch {
              json = undefined
            }
            const parsed = SpeedtestUploadResult.safeParse(json)
            if (!parsed.success) return reject(new Error(`unexpected upload answer from ${run.address}: ${oneLine(text, 120)}`))
            resolve(parsed.data)
          }),
        (err: unknown) => settle(() => (hard.aborted ? resolve(undefined) : reject(err))),
      )
    })
    phaseSignal.addEventListener('abort', endBody, { once: true })
    pump()
  })
}

/**
 * TCP handshake times to the far end, one at a time at most every 200 ms, from the end of the
 * warm-up until the phase stops. A handshake crosses the same queues as the streams, so it
 * shows the latency the load adds (bufferbloat) without any HTTP processing in it.
 */
async function sampleLoadedRtt(run: Run, phase: Phase): Promise<number[]> {
  const out: number[] = []
  if (!(await pause(phase.warmEndAt - performance.now(), phase.signal))) return out
  while (!phase.signal.aborted) {
    const t0 = performance.now()
    const c = await openConnection({ host: run.host, port: run.port, signal: phase.signal, timeoutSeconds: run.timeoutSeconds })
    if (c.ok) {
      c.socket.destroy()
      if (!phase.signal.aborted) out.push(c.connectSeconds)
    }
    if (!(await pause(LOADED_RTT_PERIOD_MS - (performance.now() - t0), phase.signal))) break
  }
  return out
}

/** Waits `ms` (≤ 0: not at all); false when `signal` fired first. */
async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false
  if (ms <= 0) return true
  try {
    await delay(ms, undefined, { signal })
    return true
  } catch {
    return false
  }
}

class StatusError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`status ${status}`)
  }
}

/** The one-line, address-naming error of a failed stream. */
function requestError(err: unknown, address: string, direction: 'download' | 'upload'): string {
  if (err instanceof StatusError) {
    const detail = serverMessage(err.body)
    if (err.status === 401 || err.status === 403) return `speedtest at ${address} refused the probe token (${err.status}${detail})`
    if (err.status === 503 || err.status === 429) return `speedtest at ${address} is busy (${err.status}${detail}); try later`
    if (err.status === 404) return `no speedtest endpoint at ${address} (404): is it a Xanh server?`
    return `speedtest ${direction} at ${address} answered ${err.status}${detail}`
  }
  return `${direction}: ${describeError(err, address)}`
}

/** `: message` from a Xanh error body, or nothing. */
function serverMessage(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body)
    if (typeof parsed === 'object' && parsed !== null && 'error' in parsed) {
      const e: unknown = parsed.error
      if (typeof e === 'object' && e !== null && 'message' in e && typeof e.message === 'string') return `: ${oneLine(e.message, 200)}`
    }
  } catch {
    // Not JSON: the status says enough.
  }
  return ''
}

/** Reads at most MAX_ERROR_BODY_BYTES of a response as text, dropping the rest. */
function readSmall(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    res.on('data', (c: Buffer) => {
      if (size < MAX_ERROR_BODY_BYTES) chunks.push(c)
      size += c.length
    })
    res.on('end', () => resolve(Buffer.concat(chunks).subarray(0, MAX_ERROR_BODY_BYTES).toString('utf8')))
    res.on('error', reject)
  })
}
