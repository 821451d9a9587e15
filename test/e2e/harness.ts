/**
 * Pieces of the dashboard e2e: the real server as a child process (main.ts, like
 * test/main.test.ts), an admin API client, a probe that feeds results, a TCP service the test
 * can break, a proxy that refuses everything (so any request that escapes the server's origin
 * fails loudly instead of reaching the Internet), and Debian's chromium driven by playwright-core.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { createServer, type Server, type Socket } from 'node:net'
import { resolve } from 'node:path'
import { createInterface } from 'node:readline'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import type { CheckResult, ResultBatch } from '../../protocol'

export const ROOT = resolve(import.meta.dirname, '..', '..')

/** Every wait of the e2e is bounded by one of these (ms). */
export const LIMITS = { serverStart: 90_000, request: 15_000 } as const

export interface RunningServer {
  base: string
  logs: string[]
  stop(): Promise<void>
}

/**
 * Starts `main.ts` on a free port and resolves once it listens.
 * @param env extra environment (XANH_DATA_DIR, XANH_CONFIG, …)
 */
export async function startServer(env: Record<string, string>): Promise<RunningServer> {
  const logs: string[] = []
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'main.ts'], {
    cwd: ROOT,
    env: { ...process.env, XANH_PORT: '0', XANH_HOST: '127.0.0.1', XANH_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
  const keep = (line: string): void => {
    logs.push(line)
    if (logs.length > 400) logs.shift()
  }
  child.stderr?.on('data', (d: Buffer) => keep(d.toString()))
  const rl = createInterface({ input: child.stdout as NodeJS.ReadableStream })
  const base = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${logs.join('\n')}`)), LIMITS.serverStart)
    rl.on('line', (line) => {
      keep(line)
      const m = /listening on (http:\/\/localhost:\d+)/.exec(line)
      if (m?.[1]) {
        clearTimeout(timer)
        resolveUrl(m[1].replace('localhost', '127.0.0.1'))
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`server exited ${code}:\n${logs.join('\n')}`))
    })
  })
  return {
    base,
    logs,
    async stop() {
      if (child.exitCode !== null) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(timer)
    },
  }
}

/** The admin API over HTTP Basic. */
export function adminApi(base: string, password: string) {
  const auth = `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`
  async function call(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<unknown> {
    const res = await fetch(base + path, {
      method,
      headers: { authorization: auth, 'content-type': contentType, accept: 'application/json' },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      signal: AbortSignal.timeout(LIMITS.request),
    })
    const text = await res.text()
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text.slice(0, 2000)}`)
    return text ? (JSON.parse(text) as unknown) : null
  }
  return {
    call,
    importCsv: (kind: 'communes' | 'targets' | 'gaps', csv: string) => call('POST', `/api/v1/${kind}/import?format=csv`, csv, 'text/csv'),
  }
}

/** A remote probe the test speaks for: ships results to `POST /api/v1/ingest` in batches of 1000. */
export function feedingProbe(base: string, probeId: string, token: string) {
  return async function ingest(results: Array<Omit<CheckResult, 'id' | 'durationSeconds'> & { durationSeconds?: number }>): Promise<void> {
    for (let i = 0; i < results.length; i += 1000) {
      const batch: ResultBatch = {
        protocolVersion: 1,
        probeId,
        sentAt: new Date().toISOString(),
        results: results.slice(i, i + 1000).map((r) => ({ durationSeconds: 2.5, ...r, id: randomUUID() })),
      }
      const res = await fetch(`${base}/api/v1/ingest`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(batch),
        signal: AbortSignal.timeout(LIMITS.request),
      })
      if (res.status !== 202) throw new Error(`ingest → ${res.status}: ${await res.text()}`)
    }
  }
}

/** A TCP service on 127.0.0.1:0 that a `tcp` target checks; `break()` closes it so connects are refused. */
export async function breakableService(): Promise<{ port: number; break: () => Promise<void> }> {
  const sockets = new Set<Socket>()
  const server: Server = createServer((s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
    s.on('error', () => undefined)
    s.end()
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    port,
    break: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy()
        server.close(() => r())
      }),
  }
}

/**
 * An HTTP proxy that refuses everything and records what was asked of it. Chromium is pointed
 * at it, so a request to anywhere but the server (which bypasses the proxy) cannot leave the
 * machine; the list shows what tried.
 */
export async function refusingProxy(): Promise<{ port: number; hits: string[]; close: () => Promise<void> }> {
  const hits: string[] = []
  const server = createServer((s) => {
    s.once('data', (d: Buffer) => {
      hits.push(d.toString('latin1').split('\r\n')[0] ?? '?')
      s.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
    })
    s.on('error', () => undefined)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return { port, hits, close: () => new Promise<void>((r) => server.close(() => r())) }
}

/** Chromium's flags for the e2e: headless, no sandbox (CI runs as root), no background traffic. */
export function chromiumArgs(proxyPort: number): string[] {
  return [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--no-first-run',
    '--disable-sync',
    // Beyond the required flags: keep Chromium's own housekeeping (autofill, sign-in,
    // component and safe-browsing updates) quiet, so the proxy log shows what is left.
    '--disable-default-apps',
    '--disable-domain-reliability',
    '--disable-client-side-phishing-detection',
    '--disable-features=AutofillServerCommunication,OptimizationHints,MediaRouter,Translate,InterestFeedContentSuggestions',
    '--no-default-browser-check',
    '--metrics-recording-only',
    `--proxy-server=http://127.0.0.1:${proxyPort}`,
    '--proxy-bypass-list=127.0.0.1;localhost',
  ]
}

/** Launches Debian's chromium at `path` with {@link chromiumArgs}. */
export async function launchChromium(path: string, proxyPort: number): Promise<Browser> {
  const { chromium } = await import('playwright-core')
  return chromium.launch({ executablePath: path, args: chromiumArgs(proxyPort), timeout: 30_000 })
}

/** Resolves when `check` returns a truthy value, polling every `everyMs`; rejects after `timeoutMs`. */
export async function waitFor<T>(what: string | (() => string), check: () => Promise<T | undefined | null | false>, timeoutMs: number, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await check()
    if (v) return v
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
}

/**
 * Every request the pages of `ctx` make passes here: the server's origin, `data:` and `blob:`
 * continue; anything else is recorded in `foreign` (the test asserts it stays empty) and aborted.
 */
export async function guardOrigin(ctx: BrowserContext, base: string, foreign: string[]): Promise<void> {
  await ctx.route('**/*', (route) => {
    const url = route.request().url()
    if (url.startsWith(`${base}/`) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue()
    foreign.push(url)
    return route.abort()
  })
}

/** Records the console errors and uncaught exceptions of page `p` in `errors` (the test asserts it stays empty). */
export function recordErrors(p: Page, errors: string[]): void {
  p.on('console', (m) => {
    if (m.type() === 'error') errors.push(`${p.url()}: ${m.text()} (${m.location().url})`)
  })
  p.on('pageerror', (e) => errors.push(`${p.url()}: uncaught ${e.message}`))
}
