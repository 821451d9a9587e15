/**
 * SPEC §6 / issue Done-when: 50 notifications pending while the endpoint is down, the server
 * is killed with SIGKILL, then restarted with the endpoint up: all 50 arrive, none twice.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { afterAll, describe, expect, it } from 'vitest'
import { startRecordServer } from '../../helpers/record-server'

const CHILD = resolve(import.meta.dirname, 'outbox-child.ts')
const dir = mkdtempSync(join(tmpdir(), 'xanh-outbox-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function run(mode: 'enqueue' | 'deliver', url: string, until: (line: string) => boolean) {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, mode, dir, url], { stdio: ['ignore', 'pipe', 'inherit'] })
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
  const reached = new Promise<string>((resolveLine, reject) => {
    const timer = setTimeout(() => reject(new Error(`${mode}: condition not reached`)), 30_000)
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (until(line)) {
        clearTimeout(timer)
        resolveLine(line)
      }
    })
  })
  return { child, exited, reached }
}

describe('outbox survives kill -9', () => {
  it('delivers every pending notification exactly once after a crash', async () => {
    const hook = await startRecordServer()
    const url = `${hook.url}/hook`
    // Phase 1: endpoint down (503), so every attempt fails and retries pile up.
    hook.status = 503
    let seen503 = 0
    hook.status = () => {
      seen503++
      return 503
    }
    const first = run('enqueue', url, (l) => l.startsWith('COUNTS') && seen503 >= 60)
    await first.reached
    first.child.kill('SIGKILL')
    expect(await first.exited).toBeNull()
    expect(hook.requests).toHaveLength(0)

    // Phase 2: endpoint up, a fresh process on the same database.
    hook.status = 200
    const second = run('deliver', url, (l) => l.includes('"pending":0'))
    await second.reached
    expect(await second.exited).toBe(0)
    const ids = hook.requests.map((r) => r.headers['webhook-id'] ?? (r.body as { groupKey: string }).groupKey)
    expect(hook.requests).toHaveLength(50)
    expect(new Set(ids).size).toBe(50)
    await hook.close()
  }, 60_000)
})
