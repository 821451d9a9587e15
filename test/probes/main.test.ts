import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest'
import { unsupportedReasons } from '../../probes/checks/index'
import { makeTarget } from '../helpers/probe-fixtures'
import { listenTcp, type Listening } from '../helpers/probe-listen'
import { startFakeIngest, type FakeIngest } from '../helpers/probe-ingest-server'

const root = fileURLToPath(new URL('../..', import.meta.url))
const spoolRoot = mkdtempSync(join(tmpdir(), 'xanh-cli-'))
afterAll(() => rmSync(spoolRoot, { recursive: true, force: true }))
/** A plain file: a spool folder below it cannot be created (ENOTDIR). */
const notADir = join(spoolRoot, 'a-file')
writeFileSync(notADir, '')

/** Runs the CLI with tsx; `env` replaces the XANH_* variables of the test's environment. */
function runCli(args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('XANH_')))
  const child = spawn(process.execPath, ['--import', 'tsx', 'probes/main.ts', ...args], { cwd: root, env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
  return { child, exited, out: () => stdout, err: () => stderr }
}

describe('probe CLI', () => {
  it.concurrent.each([
    [['--sever', 'http://127.0.0.1:1', '--token', 't'], "Unknown option '--sever'"],
    [['--server', 'ftp://127.0.0.1', '--token', 't'], '--server (or XANH_SERVER): must be an http:// or https:// URL'],
    [['--server', 'http://127.0.0.1:1'], '--token (or XANH_PROBE_TOKEN): is required'],
    [['--server', 'http://127.0.0.1:1', '--token', 't', '--log-level', 'loud'], '--log-level (or XANH_LOG_LEVEL)'],
    [['--server', 'http://127.0.0.1:1', '--token', 't', '--config-poll-seconds', '0'], '--config-poll-seconds (or XANH_CONFIG_POLL_SECONDS)'],
    [['--server', 'http://127.0.0.1:1', '--token', 't', '--reflector-port', '70000'], '--reflector-port (or XANH_REFLECTOR_PORT)'],
    [['--server', 'http://127.0.0.1:1', '--token', 't', '--spool-dir', join(notADir, 'spool')], `--spool-dir (or XANH_SPOOL_DIR): cannot use ${join(notADir, 'spool')}`],
  ])('%j exits 2 with E_CONFIG naming the flag', async (args, message) => {
    const cli = runCli(args)
    expect(await cli.exited).toBe(2)
    expect(cli.err()).toContain('E_CONFIG: ')
    expect(cli.err()).toContain(message)
  })

  it('--help prints usage and exits 0', async () => {
    const cli = runCli(['--help'])
    expect(await cli.exited).toBe(0)
    for (const flag of ['--server URL', '--spool-dir DIR', 'XANH_SPOOL_DIR', '--reflector-port P', '--config-poll-seconds N', 'dead-letter/']) expect(cli.out()).toContain(flag)
  })

  describe('running against a server', () => {
    let server: FakeIngest
    let tcp: Listening
    let connections = 0
    let onConnection: () => void = () => {}
    beforeEach(async () => {
      server = await startFakeIngest()
      connections = 0
      tcp = await listenTcp((s) => {
        connections++
        onConnection()
        s.end()
      })
    })
    afterEach(async () => {
      await tcp.close()
      await server.close()
    })

    it('reads XANH_* env, logs JSON, and on SIGTERM drains results and exits 0', async () => {
      server.config = {
        probeId: 'cli-probe',
        generatedAt: '2026-01-01T00:00:00.000Z',
        targets: [makeTarget('tcp', { id: 'cli-tcp', port: tcp.port, intervalSeconds: 1, timeoutSeconds: 1 })],
      }
      const spoolDir = join(spoolRoot, 'env')
      const cli = runCli(['--drain-seconds', '5'], { XANH_SERVER: server.url, XANH_PROBE_TOKEN: 'cli-token', XANH_LOG_LEVEL: 'info', XANH_SPOOL_DIR: spoolDir })
      // The second connection means the first run has finished and its result sits in the 2 s batch buffer.
      await new Promise<void>((resolve) => {
        onConnection = () => connections >= 2 && resolve()
      })
      cli.child.kill('SIGTERM')
      expect(await cli.exited).toBe(0)
      const results = server.received.flatMap((r) => r.batch?.results ?? [])
      expect(results.filter((r) => r.targetId === 'cli-tcp').length).toBeGreaterThanOrEqual(1)
      expect(server.received.every((r) => r.headers.authorization === 'Bearer cli-token' && r.batch?.probeId === 'cli-probe')).toBe(true)
      const lines = cli.out().trim().split('\n').map((l) => JSON.parse(l) as { msg: string })
      const msgs = lines.map((l) => l.msg)
      expect(msgs).toContain('probe agent starting')
      for (const reason of unsupportedReasons()) expect(msgs).toContain(`cannot run: ${reason}`)
      expect(msgs).toContain('probe agent stopped')
      expect(msgs).toContain('spool opened')
      // Drained: nothing left on disk but the (empty) dead-letter folder.
      expect(readdirSync(spoolDir)).toEqual(['dead-letter'])
    })
  })
})
