/**
 * Far-end services of a testbed commune, each a process inside its namespace bound to the far
 * address: the Xanh UDP echo reflector and `iperf3 -s`.
 * @module
 */
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'
import type { ChildProcess } from 'node:child_process'
import { stopChild, waitForLine, type Commune } from './netns'

/** Repository root (test/testbed/../..): far-end scripts run with it as cwd so `--import tsx` resolves. */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

export interface FarService {
  port: number
  child: ChildProcess
  stop(): Promise<void>
}

/** Starts test/testbed/reflector.ts in the namespace on an ephemeral port; resolves once it is bound. */
export async function startReflector(c: Commune, timeoutMs = 15_000): Promise<FarService> {
  const child = c.spawnIn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test/testbed/reflector.ts'), '--host', c.farAddr, '--port', '0'], {
    cwd: REPO_ROOT,
  })
  const m = await waitForLine(child, /"ready":true.*"port":(\d+)/, timeoutMs)
  return { port: Number(m[1]), child, stop: () => stopChild(child) }
}

/**
 * Starts `iperf3 -s` in the namespace on the far address (the namespace is ours, so the port is free).
 * iperf3 serves one test at a time; tests against it must be sequential.
 */
export async function startIperf3Server(c: Commune, iperf3: string, port = 5201, timeoutMs = 10_000): Promise<FarService> {
  const child = c.spawnIn(iperf3, ['-s', '-B', c.farAddr, '-p', String(port), '--forceflush'])
  await waitForLine(child, /Server listening on/, timeoutMs)
  return { port, child, stop: () => stopChild(child) }
}

/** The far-end Xanh server: its port and the probe token for `/api/v1/speedtest/*`. */
export interface FarSpeedtest extends FarService {
  token: string
  baseUrl: string
}

/** Starts test/testbed/speedtest-server.ts in the namespace; resolves once it listens on the far address. */
export async function startSpeedtestServer(c: Commune, timeoutMs = 30_000): Promise<FarSpeedtest> {
  const child = c.spawnIn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test/testbed/speedtest-server.ts'), '--host', c.farAddr], {
    cwd: REPO_ROOT,
  })
  const m = await waitForLine(child, /"ready":true,"port":(\d+),"token":"([^"]+)"/, timeoutMs)
  const port = Number(m[1])
  return { port, token: m[2] ?? '', baseUrl: `http://${c.farAddr}:${port}`, child, stop: () => stopChild(child) }
}

/** The far-end stand-in MCU: a SIP OPTIONS responder and an H.323 TCP port. */
export interface FarMcu {
  sipPort: number
  h323Port: number
  child: ChildProcess
  stop(): Promise<void>
}

/** Starts test/testbed/mcu.ts in the namespace; resolves once both ports are bound. */
export async function startMcu(c: Commune, timeoutMs = 15_000): Promise<FarMcu> {
  const child = c.spawnIn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test/testbed/mcu.ts'), '--host', c.farAddr], { cwd: REPO_ROOT })
  const m = await waitForLine(child, /"ready":true,"sip":(\d+),"h323":(\d+)/, timeoutMs)
  return { sipPort: Number(m[1]), h323Port: Number(m[2]), child, stop: () => stopChild(child) }
}
