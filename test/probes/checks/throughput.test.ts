import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { serve } from '@hono/node-server'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkThroughput } from '../../../probes/checks/throughput'
import type { CheckContext } from '../../../probes/checks/checker'
import { loadServerConfig } from '../../../server/config'
import { createServerRuntime } from '../../../server/runtime'
import { openDatabase } from '../../../server/store/db'
import { makeCtx, makeTarget, silentLog } from '../../helpers/probe-fixtures'
import { giveThroughputTarget } from '../../helpers/probe-targets'
import { closedTcpPort } from '../../helpers/probe-listen'
import { toolOrSkip } from '../../helpers/system-tool'

interface SpeedServer {
  port: number
  token: string
  close(): Promise<void>
}

/** A real Xanh server (speedtest routes included) listening on 127.0.0.1:0. */
async function startSpeedServer(limits: { maxBytes: number; maxSeconds: number; maxConcurrent: number }): Promise<SpeedServer> {
  const dir = mkdtempSync(join(tmpdir(), 'xanh-throughput-'))
  const opened = openDatabase(join(dir, 'xanh.db'))
  const config = loadServerConfig({ XANH_DATA_DIR: dir }, `speedtest: { maxBytes: ${limits.maxBytes}, maxSeconds: ${limits.maxSeconds}, maxConcurrent: ${limits.maxConcurrent} }\n`)
  const runtime = createServerRuntime({ config, log: pino({ level: 'silent' }), opened })
  const { probe, token } = runtime.store.createProbe('tp-probe', 'test')
  giveThroughputTarget(runtime.store, probe.id)
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: runtime.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server))
  })
  return {
    port: (server.address() as AddressInfo).port,
    token,
    async close() {
      server.closeAllConnections()
      await new Promise<void>((r) => server.close(() => r()))
      await runtime.close()
      opened.sqlite.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

const ctxWith = (timeoutSeconds: number, token: string | undefined, tools: CheckContext['tools'] = {}): CheckContext => ({
  ...makeCtx(timeoutSeconds, tools),
  ...(token !== undefined && { speedtest: { token } }),
})

const httpTarget = (port: number, o: { streams?: number; warmupSeconds?: number; durationSeconds?: number; timeoutSeconds?: number } = {}) =>
  makeTarget('throughput', {
    port,
    timeoutSeconds: o.timeoutSeconds ?? 5,
    options: { mode: 'http', streams: o.streams ?? 4, warmupSeconds: o.warmupSeconds ?? 0.3, durationSeconds: o.durationSeconds ?? 0.6 },
  })

describe('throughput, http mode, against a real server on 127.0.0.1', () => {
  let srv: SpeedServer
  beforeAll(async () => {
    srv = await startSpeedServer({ maxBytes: 2 ** 34, maxSeconds: 10, maxConcurrent: 4 })
  })
  afterAll(() => srv.close())

  it('measures both directions, bytes moved, and idle and loaded latency', async () => {
    const r = await checkThroughput(httpTarget(srv.port), ctxWith(5, srv.token))
    expect(r.error).toBeUndefined()
    expect(r.ok).toBe(true)
    const m = r.measurements
    // Loopback: only sanity here; rate accuracy on a capped link is the testbed's job.
    expect(m.download_bytes_per_second).toBeGreaterThan(1e6)
    expect(m.upload_bytes_per_second).toBeGreaterThan(1e6)
    expect(m.download_bytes).toBeGreaterThan((m.download_bytes_per_second ?? 0) * 0.6 * 0.5)
    expect(m.upload_bytes).toBeGreaterThan(0)
    expect(m.idle_rtt_seconds).toBeGreaterThan(0)
    expect(m.loaded_rtt_seconds).toBeGreaterThan(0)
    expect(m.loaded_rtt_seconds).toBeLessThan(1)
    expect(m.download_loaded_rtt_seconds).toBeGreaterThan(0)
    expect(m.upload_loaded_rtt_seconds).toBeGreaterThan(0)
  })

  it('a refused probe token is a clear error', async () => {
    const r = await checkThroughput(httpTarget(srv.port), ctxWith(5, 'not-a-token'))
    expect(r).toMatchObject({ ok: false, error: `speedtest at 127.0.0.1:${srv.port} refused the probe token (401: unknown or revoked probe token)` })
  })

  it('more streams than the server allows: busy, try later', async () => {
    const r = await checkThroughput(httpTarget(srv.port, { streams: 6 }), ctxWith(5, srv.token))
    expect(r.ok).toBe(false)
    expect(r.error).toMatch(new RegExp(`^speedtest at 127\\.0\\.0\\.1:${srv.port} is busy \\(503: .*\\); try later$`))
  })

  it('without a token from the agent it says so', async () => {
    const r = await checkThroughput(httpTarget(srv.port), ctxWith(5, undefined))
    expect(r).toMatchObject({ ok: false, error: `throughput to 127.0.0.1:${srv.port} needs the probe token and this agent was given none` })
  })

  it('refuses a test longer than the target timeout', async () => {
    const r = await checkThroughput(httpTarget(srv.port, { warmupSeconds: 2, durationSeconds: 8, timeoutSeconds: 15 }), ctxWith(15, srv.token))
    expect(r.ok).toBe(false)
    expect(r.error).toContain('raise timeoutSeconds')
  })

  it('stops at the deadline, naming the address', async () => {
    const started = performance.now()
    const ctx: CheckContext = { signal: AbortSignal.timeout(400), log: silentLog(), tools: {}, speedtest: { token: srv.token } }
    const r = await checkThroughput(httpTarget(srv.port, { durationSeconds: 2 }), ctx)
    expect(r).toMatchObject({ ok: false, error: `timeout after 5s waiting for 127.0.0.1:${srv.port} (throughput test unfinished)` })
    expect(performance.now() - started).toBeLessThan(1500)
  })

  it('a refused port fails before any transfer', async () => {
    const port = await closedTcpPort()
    const r = await checkThroughput(httpTarget(port), ctxWith(5, srv.token))
    expect(r).toMatchObject({ ok: false, error: `connect ECONNREFUSED 127.0.0.1:${port}`, measurements: {} })
  })
})

describe('throughput, http mode, streams cut by the server limits', () => {
  it('restarts streams the server ends early and still measures', async () => {
    const srv = await startSpeedServer({ maxBytes: 16 * 1024 * 1024, maxSeconds: 0.25, maxConcurrent: 2 })
    try {
      const r = await checkThroughput(httpTarget(srv.port, { streams: 2, warmupSeconds: 0.1, durationSeconds: 0.6 }), ctxWith(5, srv.token))
      expect(r.error).toBeUndefined()
      expect(r.measurements.download_bytes_per_second).toBeGreaterThan(0)
      expect(r.measurements.upload_bytes_per_second).toBeGreaterThan(0)
    } finally {
      await srv.close()
    }
  })
})

const iperf3 = toolOrSkip('iperf3', 'throughput iperf3-mode tests')

describe.skipIf(!iperf3)('throughput, iperf3 mode, against a local iperf3 -s', () => {
  let server: ChildProcess
  let port = 0
  let serverOut = ''
  beforeAll(async () => {
    port = await closedTcpPort()
    // Not -1: the check runs two tests (-R, then forward) against the same server.
    server = spawn(iperf3 ?? 'iperf3', ['-s', '-p', String(port), '--forceflush'], { stdio: ['ignore', 'pipe', 'pipe'] })
    server.stdout?.on('data', (d: Buffer) => (serverOut += d.toString()))
    await waitFor(() => serverOut.includes('Server listening'))
  })
  afterAll(() => {
    server.kill('SIGKILL')
  })
  const target = (p: number, timeoutSeconds = 6) =>
    makeTarget('throughput', { port: p, timeoutSeconds, options: { mode: 'iperf3', streams: 2, warmupSeconds: 0, durationSeconds: 1 } })

  it('measures both directions from the JSON report', async () => {
    const r = await checkThroughput(target(port), ctxWith(6, undefined, { iperf3 }))
    expect(r.error).toBeUndefined()
    expect(r.ok).toBe(true)
    expect(r.measurements.download_bytes_per_second).toBeGreaterThan(1e6)
    expect(r.measurements.upload_bytes_per_second).toBeGreaterThan(1e6)
    expect(r.measurements.download_bytes).toBeGreaterThan(0)
    expect(r.measurements.upload_bytes).toBeGreaterThan(0)
    expect(r.measurements.loaded_rtt_seconds).toBeGreaterThan(0)
  })

  it('the deadline kills the client', async () => {
    const started = performance.now()
    const ctx: CheckContext = { signal: AbortSignal.timeout(300), log: silentLog(), tools: { iperf3 } }
    const t = makeTarget('throughput', { port, timeoutSeconds: 6, options: { mode: 'iperf3', warmupSeconds: 0, durationSeconds: 2 } })
    const r = await checkThroughput(t, ctx)
    expect(r).toMatchObject({ ok: false, error: `timeout after 6s waiting for iperf3 at 127.0.0.1:${port}` })
    expect(performance.now() - started).toBeLessThan(1500)
    await waitFor(() => !clientRunning(port))
  })

  it('a busy server is a clear error', async () => {
    const mark = serverOut.length
    const blocker = spawn(iperf3 ?? 'iperf3', ['-c', '127.0.0.1', '-p', String(port), '-t', '3'], { stdio: 'ignore' })
    try {
      await waitFor(() => serverOut.indexOf('Accepted connection', mark) >= 0)
      const r = await checkThroughput(target(port), ctxWith(6, undefined, { iperf3 }))
      expect(r).toMatchObject({ ok: false, error: `iperf3 server at 127.0.0.1:${port} is busy running another test; try later` })
    } finally {
      blocker.kill('SIGKILL')
    }
  })

  it('a refused port names the address', async () => {
    const closed = await closedTcpPort()
    const r = await checkThroughput(target(closed), ctxWith(6, undefined, { iperf3 }))
    expect(r.ok).toBe(false)
    expect(r.error).toMatch(new RegExp(`^iperf3 to 127\\.0\\.0\\.1:${closed}: unable to connect.*refused`, 'i'))
  })

})

describe('throughput, iperf3 mode, without the binary', () => {
  it('is a clear per-target error', async () => {
    const r = await checkThroughput(
      makeTarget('throughput', { port: 5201, timeoutSeconds: 6, options: { mode: 'iperf3', warmupSeconds: 0, durationSeconds: 1 } }),
      ctxWith(6, undefined, { iperf3: '/nonexistent/iperf3' }),
    )
    expect(r).toEqual({ ok: false, error: 'iperf3 is not installed on this agent (needed for the throughput test to 127.0.0.1:5201)', measurements: {} })
  })
})

/** Whether an iperf3 client towards `port` is still running. */
function clientRunning(port: number): boolean {
  try {
    execFileSync('pgrep', ['-f', `iperf3 -c 127.0.0.1 -p ${port} `])
    return true
  } catch {
    return false
  }
}

async function waitFor(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 20))
}
