/**
 * Cross-process shipping tests: a real Xanh server over a SQLite file that outlives it (stop,
 * restart on the same port), and the probe CLI as a child process. Everything on 127.0.0.1.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { serve } from '@hono/node-server'
import { pino } from 'pino'
import type { TargetInput } from '../../protocol'
import { loadServerConfig } from '../../server/config'
import { createServerRuntime, type ServerRuntime } from '../../server/runtime'
import { openDatabase, type OpenedDb } from '../../server/store/db'
import { IDLE_LOOP } from '../helpers/server'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/** A temp folder removed by `cleanup()`. */
export function tempDir(prefix: string): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

export interface RunningServer {
  port: number
  url: string
  runtime: ServerRuntime
  opened: OpenedDb
  /** Rows in `results`, and distinct result ids among them. */
  counts(): { rows: number; distinct: number }
  /** Closes connections, the listener and the database. */
  stop(): Promise<void>
}

/**
 * Serves the real app over `<dataDir>/xanh.db` on 127.0.0.1:`port` (0 = any), with the real
 * clock, as main.ts does minus the timers.
 */
export async function startServer(dataDir: string, port = 0): Promise<RunningServer> {
  const opened = openDatabase(join(dataDir, 'xanh.db'))
  const config = loadServerConfig({ XANH_DATA_DIR: dataDir, XANH_EMBEDDED_PROBE: '0', XANH_UDP_ECHO_PORT: '0' })
  // This loop also runs the agents under test: their work is not the server's load (ingest back-pressure off here).
  const runtime = createServerRuntime({ config, log: pino({ level: 'silent' }), opened, loopUtilization: IDLE_LOOP })
  const http = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: runtime.app.fetch, port, hostname: '127.0.0.1' }, () => resolve(s as Server))
    ;(s as Server).once('error', reject)
  })
  const bound = (http.address() as AddressInfo).port

  return {
    port: bound,
    url: `http://127.0.0.1:${bound}`,
    runtime,
    opened,
    counts() {
      // Every stored result, and how many distinct (target, observed time) keys they carry.
      const all = runtime.store.recentResults(0)
      return { rows: all.length, distinct: new Set(all.map((r) => `${r.targetId}\u0000${r.observedAt}`)).size }
    },
    async stop() {
      http.closeAllConnections()
      await new Promise<void>((r) => http.close(() => r()))
      await runtime.close()
      opened.sqlite.close()
    },
  }
}

/** `n` fast h323 (TCP connect) targets on one local port, all assigned to `probeId`. */
export function connectTargets(n: number, port: number, probeId: string, communeCode = 'C1'): TargetInput[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `line-${String(i).padStart(4, '0')}-h323`,
    communeCode,
    kind: 'h323' as const,
    host: '127.0.0.1',
    port,
    role: 'mcu' as const,
    intervalSeconds: 1,
    timeoutSeconds: 0.9,
    parents: [],
    options: {},
    probeId,
    enabled: true,
  }))
}

export interface LogLine {
  level: number
  msg: string
  [key: string]: unknown
}

export interface AgentProcess {
  child: ChildProcess
  lines: LogLine[]
  stderr(): string
  exited: Promise<number | null>
  /** Resolves with the first log line (past or future) matching `pred`; rejects after `ms` or on exit. */
  waitForLine(pred: (l: LogLine) => boolean, ms: number): Promise<LogLine>
  /** Like waitForLine, for the `n`th matching line. */
  waitForLines(pred: (l: LogLine) => boolean, n: number, ms: number): Promise<LogLine>
}

/**
 * Spawns the probe CLI exactly as `npm run probe -- …` runs it (tsx probes/main.ts), with JSON
 * logs parsed line by line. XANH_* variables of the test environment are removed.
 */
export function spawnAgent(args: string[]): AgentProcess {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('XANH_')))
  const child = spawn(process.execPath, ['--import', 'tsx', 'probes/main.ts', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
  const lines: LogLine[] = []
  const watchers = new Set<() => void>()
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (text) => {
    try {
      lines.push(JSON.parse(text) as LogLine)
    } catch {
      lines.push({ level: 30, msg: text })
    }
    for (const w of watchers) w()
  })
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
  const waitForLines = (pred: (l: LogLine) => boolean, n: number, ms: number): Promise<LogLine> =>
    new Promise<LogLine>((resolve, reject) => {
      const check = (): boolean => {
        const hit = lines.filter(pred)[n - 1]
        if (!hit) return false
        done()
        resolve(hit)
        return true
      }
      const timer = setTimeout(() => {
        done()
        reject(new Error(`no matching agent log line within ${ms} ms; last lines:\n${lines.slice(-10).map((l) => JSON.stringify(l)).join('\n')}\n${stderr}`))
      }, ms)
      const onExit = (): void => {
        if (check()) return
        done()
        reject(new Error(`agent exited before the expected log line:\n${stderr}`))
      }
      const done = (): void => {
        clearTimeout(timer)
        watchers.delete(watcher)
        child.off('exit', onExit)
      }
      const watcher = (): void => void check()
      if (check()) return
      watchers.add(watcher)
      child.once('exit', onExit)
    })
  return {
    child,
    lines,
    stderr: () => stderr,
    exited,
    waitForLine: (pred, ms) => waitForLines(pred, 1, ms),
    waitForLines,
  }
}
