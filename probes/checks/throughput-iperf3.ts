/**
 * `throughput` check, iperf3 mode: the system `iperf3` client against an `iperf3 -s` at the
 * far end (SPEC §3, reference §4).
 * @module
 */
import { spawn } from 'node:child_process'
import { z } from 'zod'
import type { TargetOf } from '../../protocol'
import type { CheckContext, CheckOutcome } from './checker'
import { hostPort, oneLine, stripBrackets, timeoutError } from './describe'

/** iperf3's own default server port. */
const IPERF3_DEFAULT_PORT = 5201
/** A JSON report of a test of at most a minute is tens of kB; anything far larger is not one. */
const MAX_OUTPUT_BYTES = 8 * 1024 * 1024

/** The parts of `iperf3 -J` output used here (iperf3 3.x; everything else passes through). */
const Iperf3Report = z.object({
  error: z.string().optional(),
  intervals: z.array(z.object({ sum: z.object({ bytes: z.number().nonnegative() }) })).optional(),
  end: z
    .object({
      sum_received: z.object({ bytes: z.number().nonnegative(), bits_per_second: z.number().nonnegative() }).optional(),
      streams: z.array(z.object({ sender: z.object({ mean_rtt: z.number().optional() }).optional() })).optional(),
    })
    .optional(),
})
type Iperf3Report = z.infer<typeof Iperf3Report>

type RunResult = { ok: true; report: Iperf3Report; bytesPerSecond: number } | { ok: false; error: string }

/**
 * Runs `iperf3 -c host -p port -J -t D -O W -P streams -R` (download: the far end sends) and
 * then without `-R` (upload), one after the other. iperf3 takes whole seconds, so D and W are
 * rounded up (D at least 1). Throughput is `end.sum_received.bits_per_second / 8` (the
 * receiver's count, omitted seconds excluded); `download_bytes` is every byte received,
 * omitted seconds included; `upload_bytes` is the far end's count of the measured seconds. In the upload run this host is the TCP sender, so the
 * streams' mean smoothed RTT is reported as `upload_loaded_rtt_seconds` and `loaded_rtt_seconds`.
 * A missing binary, a busy server ("the server is busy running a test"), a refused port and the
 * deadline resolve `ok: false` naming host:port; the child is killed when the deadline fires.
 */
export async function runIperf3Throughput(target: TargetOf<'throughput'>, ctx: CheckContext): Promise<CheckOutcome> {
  const o = target.options
  const host = stripBrackets(target.host)
  const port = target.port ?? IPERF3_DEFAULT_PORT
  const address = hostPort(host, port)
  const duration = Math.max(1, Math.ceil(o.durationSeconds))
  const omit = Math.ceil(o.warmupSeconds)
  if (2 * (duration + omit) >= target.timeoutSeconds) {
    return {
      ok: false,
      error: `iperf3 to ${address} runs 2 × (${omit} s omitted + ${duration} s) but the target's timeout is ${target.timeoutSeconds} s; raise timeoutSeconds`,
      measurements: {},
    }
  }
  const args = ['-c', host, '-p', String(port), '-J', '-t', String(duration), '-O', String(omit), '-P', String(o.streams)]
  const m: Record<string, number> = {}

  const down = await runIperf3(ctx.tools.iperf3 ?? 'iperf3', [...args, '-R'], ctx, address, target.timeoutSeconds)
  if (!down.ok) return { ok: false, error: down.error, measurements: m }
  m.download_bytes_per_second = down.bytesPerSecond
  m.download_bytes = receivedBytes(down.report)

  const up = await runIperf3(ctx.tools.iperf3 ?? 'iperf3', args, ctx, address, target.timeoutSeconds)
  if (!up.ok) return { ok: false, error: up.error, measurements: m }
  m.upload_bytes_per_second = up.bytesPerSecond
  // In the upload run this host is the sender: its interval counts are bytes handed to the
  // socket (megabytes never leave the buffer), so the far end's count is the honest one.
  m.upload_bytes = up.report.end?.sum_received?.bytes ?? 0
  const rttsUs = (up.report.end?.streams ?? []).map((s) => s.sender?.mean_rtt ?? 0).filter((v) => v > 0)
  if (rttsUs.length > 0) {
    const mean = rttsUs.reduce((a, b) => a + b, 0) / rttsUs.length / 1e6
    m.upload_loaded_rtt_seconds = mean
    m.loaded_rtt_seconds = mean
  }
  return { ok: true, measurements: m }
}

/** Every byte the receiver counted, omitted intervals included (what the test cost the line). */
function receivedBytes(report: Iperf3Report): number {
  const intervals = report.intervals ?? []
  if (intervals.length > 0) return intervals.reduce((s, i) => s + i.sum.bytes, 0)
  return report.end?.sum_received?.bytes ?? 0
}

/** Spawns one iperf3 client run and reads its JSON report. Never rejects. */
function runIperf3(bin: string, args: string[], ctx: CheckContext, address: string, timeoutSeconds: number): Promise<RunResult> {
  return new Promise<RunResult>((resolve) => {
    if (ctx.signal.aborted) return resolve({ ok: false, error: timeoutError(timeoutSeconds, `iperf3 at ${address}`) })
    let settled = false
    const finish = (r: RunResult): void => {
      if (settled) return
      settled = true
      resolve(r)
    }
    // SIGKILL on abort: the far end notices the closed control connection and frees itself.
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], signal: ctx.signal, killSignal: 'SIGKILL' })
    const out: Buffer[] = []
    let outBytes = 0
    let errText = ''
    child.stdout.on('data', (c: Buffer) => {
      outBytes += c.length
      if (outBytes <= MAX_OUTPUT_BYTES) out.push(c)
    })
    child.stderr.on('data', (c: Buffer) => {
      if (errText.length < 2000) errText += c.toString('utf8')
    })
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return finish({ ok: false, error: `iperf3 is not installed on this agent (needed for the throughput test to ${address})` })
      if (ctx.signal.aborted) return finish({ ok: false, error: timeoutError(timeoutSeconds, `iperf3 at ${address}`) })
      finish({ ok: false, error: `iperf3 to ${address}: ${oneLine(err.message)}` })
    })
    child.on('close', (code) => {
      if (ctx.signal.aborted) return finish({ ok: false, error: timeoutError(timeoutSeconds, `iperf3 at ${address}`) })
      finish(interpret(Buffer.concat(out).toString('utf8'), code, errText, address))
    })
  })
}

/** Turns iperf3's stdout (a JSON report, also on failures) into a result. */
function interpret(stdout: string, code: number | null, stderr: string, address: string): RunResult {
  let json: unknown
  try {
    json = JSON.parse(stdout)
  } catch {
    const why = oneLine(stderr || stdout, 200) || `exit code ${code}`
    return { ok: false, error: `iperf3 to ${address} gave no report: ${why}` }
  }
  const parsed = Iperf3Report.safeParse(json)
  if (!parsed.success) return { ok: false, error: `iperf3 to ${address} gave a report in an unknown shape` }
  const report = parsed.data
  if (report.error !== undefined) {
    if (/busy/i.test(report.error)) return { ok: false, error: `iperf3 server at ${address} is busy running another test; try later` }
    return { ok: false, error: `iperf3 to ${address}: ${oneLine(report.error, 300)}` }
  }
  const sum = report.end?.sum_received
  if (!sum) return { ok: false, error: `iperf3 to ${address} reported no received total` }
  return { ok: true, report, bytesPerSecond: sum.bits_per_second / 8 }
}
