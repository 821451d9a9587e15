/**
 * The quick start, for real: what `npm start` runs (scripts/start.mjs: the server bundle
 * dist/server/main.mjs under plain Node, built first when stale) as a child process on a free
 * port with the demo province, the embedded probe measuring the demo's local responders.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCommand } from '../bench/start-command'
import { Overview } from '../protocol'

const ROOT = resolve(import.meta.dirname, '..')
let child: ChildProcess
let base = ''
let dir = ''
const logs: string[] = []
let exited: Promise<number | null>

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'xanh-main-'))
  // Exactly what `npm start` runs: package.json's start command, node's flags included.
  const start = startCommand()
  child = spawn(process.execPath, start.args, {
    cwd: ROOT,
    env: {
      ...process.env,
      ...start.env,
      XANH_PORT: '0',
      XANH_HOST: '127.0.0.1',
      XANH_DATA_DIR: dir,
      XANH_DEMO_NET: String(100 + Math.floor(Math.random() * 150)),
      XANH_ADMIN_PASSWORD: 'correct-horse-battery',
      XANH_LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  exited = new Promise((r) => child.once('exit', (code) => r(code)))
  const rl = createInterface({ input: child.stdout as NodeJS.ReadableStream })
  child.stderr?.on('data', (d: Buffer) => logs.push(d.toString()))
  base = await new Promise<string>((resolveUrl, reject) => {
    // A stale bundle or dashboard is built first (a few seconds).
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${logs.join('')}`)), 90_000)
    rl.on('line', (line) => {
      logs.push(line)
      const m = /listening on (http:\/\/localhost:\d+)/.exec(line)
      if (m?.[1]) {
        clearTimeout(timer)
        resolveUrl(m[1].replace('localhost', '127.0.0.1'))
      }
    })
    child.once('exit', (code) => reject(new Error(`server exited ${code}:\n${logs.join('\n')}`)))
  })
}, 120_000)

afterAll(async () => {
  if (child.exitCode === null) child.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})

/** The first admin (XANH_ADMIN_PASSWORD above): reads need a signed-in user. */
const ADMIN = { authorization: `Basic ${Buffer.from('admin:correct-horse-battery').toString('base64')}` }

describe('npm start (main.ts) with the demo province', () => {
  it('runs the bundle under plain Node, which finds package.json and the migrations from the app root', async () => {
    const listening = logs.find((l) => /listening on http/.test(l)) as string
    expect(JSON.parse(listening)).toMatchObject({ entry: join('dist', 'server', 'main.mjs') })
    expect(logs.join('\n')).not.toMatch(/through tsx/)
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version
    const openapi = (await (await fetch(`${base}/api/openapi.json`)).json()) as { info: { version: string } }
    expect(openapi.info.version).toBe(version)
  })

  it('serves the dashboard and the health routes', async () => {
    const page = await fetch(`${base}/`)
    expect(page.status).toBe(200)
    expect(await page.text()).toMatch(/<div id="app"/)
    expect((await fetch(`${base}/readyz`)).status).toBe(200)
  })

  it('shows ≥ 100 simulated communes in at least three different states within two minutes', async () => {
    const deadline = Date.now() + 120_000
    let states = new Set<string>()
    let overview: Overview | undefined
    while (Date.now() < deadline) {
      overview = Overview.parse(await (await fetch(`${base}/api/v1/overview`, { headers: ADMIN })).json())
      states = new Set(overview.communes.map((c) => c.state))
      if (states.size >= 3 && states.has('ok')) break
      await new Promise((r) => setTimeout(r, 2000))
    }
    expect(overview?.demo).toBe(true)
    expect(overview?.communes.length).toBeGreaterThanOrEqual(100)
    expect(states.size).toBeGreaterThanOrEqual(3)
    expect(states.has('ok')).toBe(true)
  }, 130_000)

  it('labels the demo in /metrics and measures real packets', async () => {
    const text = await (await fetch(`${base}/metrics`)).text()
    expect(text).toMatch(/^xanh_demo 1$/m)
    expect(text).toMatch(/xanh_packet_loss_ratio\{target="[a-z-]+-line"/)
    expect(text).toMatch(/xanh_ingest_results_total\{result="accepted"\} [1-9]/)
  })

  it('drains and exits 0 on SIGTERM', async () => {
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
    expect(logs.join('\n')).toMatch(/"msg":"stopped"/)
  }, 30_000)
})
