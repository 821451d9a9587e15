/**
 * `xanh db stats` and `xanh db backup FILE`: rows and bytes per table, and an online backup
 * taken while another process keeps writing (the server ingesting) that is a consistent copy.
 */
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli, type CliContext } from '../../server/cli/run-cli'
import { openDatabase } from '../../server/store/db'
import { Store } from '../../server/store/store'

let dir = ''
const ROWS = 20_000

function ctx(): CliContext & { out: string[]; err: string[] } {
  const out: string[] = []
  const err: string[] = []
  return { envDataDir: undefined, cwd: dir, actor: 'cli:test', stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), stderrIsTTY: false, out, err }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'xanh-dbcli-'))
  const opened = openDatabase(join(dir, 'xanh.db'))
  const store = new Store(opened.sqlite, opened.db)
  // 20 batches of 1,000 results of one target, sealed into chunks, not yet folded into rollups.
  for (let b = 0; b < ROWS / 1000; b++) {
    const batch = Array.from({ length: 1000 }, (_, i) => ({
      id: randomUUID(),
      targetId: 't1',
      kind: 'udp_echo' as const,
      observedAt: new Date(1_790_000_000_000 + (b * 1000 + i) * 1000).toISOString(),
      durationSeconds: 0.001,
      ok: true,
      measurements: { rtt_median_seconds: 0.01 },
    }))
    store.insertResults('p', batch, 1_790_000_000_000)
  }
  store.sealAll()
  opened.sqlite.close()
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('xanh db stats', () => {
  it('lists rows and bytes per table, largest first, and the file', async () => {
    const c = ctx()
    expect(await runCli(['--data-dir', dir, 'db', 'stats'], c)).toBe(0)
    const text = c.out.join('')
    const lines = text.split('\n')
    expect(lines[0]).toMatch(/^TABLE\s+ROWS\s+DATA\s+INDEXES\s+TOTAL$/)
    // 20,000 results over 5.6 hours of one target: 24 chunks of 15 minutes, folded as they were
    // sealed (rtt_median_seconds: 67 five-minute and 6 hourly buckets); the log is empty.
    expect(text).toMatch(/^result_chunks\s+24\s+[\d.]+ (KiB|MiB)\s+[\d.]+ (KiB|MiB)\s+[\d.]+ (KiB|MiB)$/m)
    expect(text).toMatch(/^result_log\s+0\s/m)
    expect(text).toMatch(/^rollup_series\s+1\s/m)
    expect(text).toMatch(/^state_log\s+0\s/m)
    expect(text).not.toMatch(/^results\s/m)
    expect(text).toMatch(/^file [\d.]+ (KiB|MiB) \(\d[\d,]* pages of 4096 B, \d+ free/m)
    expect(text).toContain('rollup backlog: 0 results')
    expect(text).toContain('stored results: 20,000')
  })

  it('explains itself and rejects unknown subcommands', async () => {
    const help = ctx()
    expect(await runCli(['db', '--help'], help)).toBe(0)
    expect(help.out.join('')).toContain('xanh db backup FILE')
    const bad = ctx()
    expect(await runCli(['--data-dir', dir, 'db', 'vacuum'], bad)).toBe(2)
    expect(bad.err.join('')).toContain('unknown db command (stats, backup)')
  })
})

describe('xanh db backup', () => {
  it('copies a consistent snapshot while another process keeps writing', async () => {
    // The writer: a separate process inserting a row every millisecond or so, as ingest would.
    const writer = join(dir, 'writer.cjs')
    const betterSqlite = createRequire(import.meta.url).resolve('better-sqlite3')
    writeFileSync(
      writer,
      `const D = require(${JSON.stringify(betterSqlite)}); const db = new D(process.argv[2]); db.pragma('busy_timeout = 5000')
       const ins = db.prepare("INSERT INTO audit_log (at, actor, action, entity, entity_id) VALUES (1, 'writer', 'test', 'x', ?)")
       let i = 0; process.stdout.write('ready\\n')
       const t = setInterval(() => { db.transaction(() => { for (let k = 0; k < 20; k++) ins.run('w' + (i++)) })() }, 1)
       process.on('SIGTERM', () => { clearInterval(t); db.close(); process.exit(0) })`,
    )
    const child = spawn(process.execPath, [writer, join(dir, 'xanh.db')], { stdio: ['ignore', 'pipe', 'inherit'] })
    try {
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()))
      await new Promise((r) => setTimeout(r, 200))
      const c = ctx()
      const code = await runCli(['--data-dir', dir, 'db', 'backup', 'copy.db'], c)
      expect(c.err.join('')).toBe('')
      expect(code).toBe(0)
      expect(c.out.join('')).toMatch(/^backup written to copy\.db: [\d.]+ (KiB|MiB) in [\d.]+ s\n$/)
    } finally {
      child.kill('SIGTERM')
      await new Promise((r) => child.once('exit', r))
    }
    expect(existsSync(join(dir, 'copy.db.partial'))).toBe(false)
    const copy = new Database(join(dir, 'copy.db'), { readonly: true })
    expect(copy.pragma('integrity_check', { simple: true })).toBe('ok')
    const written = copy.prepare("SELECT count(*) AS n FROM audit_log WHERE actor = 'writer'").get() as { n: number }
    expect(written.n).toBeGreaterThan(0)
    // Whole transactions only: the writer commits 20 rows at a time.
    expect(written.n % 20).toBe(0)
    expect((copy.prepare('SELECT sum(n) AS n FROM result_chunks').get() as { n: number }).n).toBe(ROWS)
    copy.close()

    const again = ctx()
    expect(await runCli(['--data-dir', dir, 'db', 'backup', 'copy.db'], again)).toBe(1)
    expect(again.err.join('')).toContain('E_CONFLICT')
    expect(await runCli(['--data-dir', dir, 'db', 'backup', 'copy.db', '--force'], ctx())).toBe(0)
  })
})
