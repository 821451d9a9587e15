/**
 * The server under faults while two agents ship results at ~1,000 results/s each (issue 15,
 * done-when 1 and 4): `main.ts` as its own process is killed with SIGKILL five times mid-ingest
 * and restarted on the same data directory and port; then stopped with SIGTERM under load. The
 * agents are the real shipping code (disk spool, client, shipper with retries). At the end every
 * result the agents produced is in the database exactly once, `PRAGMA integrity_check` is ok,
 * and SIGTERM took less than 10 s and exited 0. Then a restore drill: `xanh db backup` under load,
 * a server started on the copy, every result acknowledged before the backup found in it.
 */
import type { ChildProcess } from 'node:child_process'
import { copyFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { openDatabase } from '../../server/store/db'
import { Store } from '../../server/store/store'
import { runCli } from '../../server/cli/run-cli'
import { tempDir } from './harness'
import { drainAgents, expectAllStoredOnce, freePort, moreDelivered, prepareInventory, startAgent, startMain, type Agent } from './main-process'

const KILLS = 5
const tmp = tempDir('xanh-faults-')
const children: ChildProcess[] = []
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
  tmp.cleanup()
})

/** A data directory `name` with the inventory, main.ts serving it, and the two agents shipping to it. */
async function startRig(name: string): Promise<{ dataDir: string; port: number; server: Awaited<ReturnType<typeof startMain>>; agents: Agent[] }> {
  const dataDir = join(tmp.dir, name)
  mkdirSync(dataDir)
  const port = await freePort()
  const tokens = prepareInventory(dataDir)
  const server = await startMain(dataDir, port, children)
  const agents: Agent[] = []
  for (const t of tokens) agents.push(await startAgent(t, port, join(tmp.dir, `${name}-spool-${t.id}`)))
  return { dataDir, port, server, agents }
}

it('kill -9 five times and SIGTERM under load: every result stored once, integrity ok, SIGTERM exits 0 within 10 s', async () => {
  const rig = await startRig('data')
  const { dataDir, port, agents } = rig
  let server = rig.server

  for (let k = 0; k < KILLS; k++) {
    // Mid-ingest: both agents have had batches acknowledged by this server instance.
    await moreDelivered(agents, 3)
    server.child.kill('SIGKILL')
    await server.exited
    server = await startMain(dataDir, port, children)
  }

  // SIGTERM under load: exits within 10 s, cleanly.
  await moreDelivered(agents, 3)
  const termAt = performance.now()
  server.child.kill('SIGTERM')
  expect(await server.exited).toBe(0)
  const termMs = performance.now() - termAt
  expect(termMs).toBeLessThan(10_000)

  // Restart; stop producing; the agents replay what was not acknowledged and go idle.
  server = await startMain(dataDir, port, children)
  await drainAgents(agents)
  server.child.kill('SIGTERM')
  expect(await server.exited).toBe(0)

  const opened = openDatabase(join(dataDir, 'xanh.db'))
  try {
    expect(opened.sqlite.pragma('integrity_check', { simple: true })).toBe('ok')
    const store = new Store(opened.sqlite, opened.db)
    const produced = expectAllStoredOnce(store, agents)
    console.log(`faults: ${KILLS} × kill -9 and a SIGTERM (${termMs.toFixed(0)} ms) during ingest of ${produced.toLocaleString('en')} results from 2 agents; all stored once`)
  } finally {
    opened.sqlite.close()
  }
}, 240_000)

it('restore drill: a backup taken under load, a server started on the copy, every result acknowledged before the backup is in it', async () => {
  const { dataDir, server, agents } = await startRig('drill')
  await moreDelivered(agents, 10)

  // What the server had acknowledged when the backup started (batches go out in production order).
  const acked = agents.map((a) => a.sequence.slice(0, a.shipper.stats().deliveredResults))
  const out: string[] = []
  const err: string[] = []
  const code = await runCli(['--data-dir', dataDir, 'db', 'backup', join(tmp.dir, 'xanh-backup.db')], {
    envDataDir: undefined,
    cwd: tmp.dir,
    actor: 'cli:test',
    stdout: (t) => void out.push(t),
    stderr: (t) => void err.push(t),
    stderrIsTTY: false,
  })
  expect(err.join('')).toBe('')
  expect(code).toBe(0)
  await moreDelivered(agents, 2)
  for (const a of agents) {
    clearInterval(a.feed)
    await a.shipper.stop({ drainTimeoutMs: 1000 })
  }
  server.child.kill('SIGTERM')
  expect(await server.exited).toBe(0)

  // The copy becomes the data directory of a new server, which starts, and stops cleanly.
  const restored = join(tmp.dir, 'restored')
  mkdirSync(restored)
  copyFileSync(join(tmp.dir, 'xanh-backup.db'), join(restored, 'xanh.db'))
  const second = await startMain(restored, await freePort(), children)
  second.child.kill('SIGTERM')
  expect(await second.exited).toBe(0)

  const opened = openDatabase(join(restored, 'xanh.db'))
  try {
    expect(opened.sqlite.pragma('integrity_check', { simple: true })).toBe('ok')
    const store = new Store(opened.sqlite, opened.db)
    let checked = 0
    for (const list of acked) {
      for (const [target, at] of list) {
        expect(store.results.range(target, at, at + 1).length, `${target} @ ${at}`).toBe(1)
        checked++
      }
    }
    expect(checked).toBeGreaterThan(500)
    console.log(`restore drill: ${checked.toLocaleString('en')} acknowledged results in the copy (${out.join('').trim()})`)
  } finally {
    opened.sqlite.close()
  }
}, 120_000)
