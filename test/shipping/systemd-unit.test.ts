/**
 * deploy/systemd/xanh-probe.service and xanh.service (the server): hardening directives present,
 * data in the state directory, and `systemd-analyze verify` accepts each where that binary
 * exists. Containers in CI often have no systemd: then this skips with one line (it is not a
 * required tool, unlike fping).
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { startCommand } from '../../bench/start-command'
import { findTool } from '../helpers/system-tool'
import { ROOT, tempDir } from './harness'

/** `Key=value` lines of one section of a unit file (comments and blank lines skipped; repeated keys kept). */
function directives(text: string, section: string): Map<string, string[]> {
  const out = new Map<string, string[]>()
  let current = ''
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const header = /^\[(.+)\]$/.exec(line)
    if (header?.[1]) {
      current = header[1]
      continue
    }
    const eq = line.indexOf('=')
    if (current !== section || eq < 0) continue
    const key = line.slice(0, eq)
    out.set(key, [...(out.get(key) ?? []), line.slice(eq + 1)])
  }
  return out
}

/** Hardening every Xanh unit carries. */
const HARDENING: Array<[string, string]> = [
  ['DynamicUser', 'yes'],
  ['ProtectSystem', 'strict'],
  ['ProtectHome', 'yes'],
  ['NoNewPrivileges', 'yes'],
  ['PrivateTmp', 'yes'],
  ['RestrictAddressFamilies', 'AF_INET AF_INET6 AF_UNIX AF_NETLINK'],
  ['AmbientCapabilities', 'CAP_NET_RAW'],
  ['CapabilityBoundingSet', 'CAP_NET_RAW'],
  ['Restart', 'on-failure'],
]

/** `npm start`: the server unit runs the same command with the same allocator settings. */
const START = startCommand()

const UNITS = [
  {
    name: 'xanh-probe.service',
    what: 'the probe agent',
    directives: [...HARDENING, ['StateDirectory', 'xanh-probe'], ['EnvironmentFile', '/etc/xanh/probe.env'], ['ExecStart', '/usr/bin/node --import tsx probes/main.ts']] as Array<[string, string]>,
    // The spool survives restarts in the state directory.
    environment: 'XANH_SPOOL_DIR=%S/xanh-probe/spool',
  },
  {
    name: 'xanh.service',
    what: 'the server',
    directives: [...HARDENING, ['StateDirectory', 'xanh'], ['EnvironmentFile', '/etc/xanh/server.env'], ['ExecStart', `/usr/bin/node ${START.args.join(' ')}`], ['KillSignal', 'SIGTERM']] as Array<[string, string]>,
    // The database (and the embedded probe's spool under it) lives in the state directory.
    environment: 'XANH_DATA_DIR=%S/xanh',
    // The allocator's settings of `npm start`, so the unit runs the server as benchmarked.
    sameAsNpmStart: true,
  },
]

const analyze = findTool('systemd-analyze')
if (!analyze) console.warn('skipping systemd-analyze verify: systemd-analyze is not installed')
const tmp = tempDir('xanh-unit-')
afterAll(() => tmp.cleanup())

describe.each(UNITS)('systemd unit $name ($what)', (u) => {
  const file = join(ROOT, 'deploy', 'systemd', u.name)
  const text = readFileSync(file, 'utf8')
  const service = directives(text, 'Service')

  it.each(u.directives)('%s=%s', (key, value) => {
    expect(service.get(key)).toEqual([value])
  })

  it('keeps its data in the state directory', () => {
    expect(service.get('Environment')).toContain(u.environment)
  })

  it.runIf('sameAsNpmStart' in u)('sets the environment `npm start` sets', () => {
    expect(Object.keys(START.env)).toContain('GLIBC_TUNABLES')
    for (const [k, v] of Object.entries(START.env)) expect(service.get('Environment')).toContain(`${k}=${v}`)
  })

  it.skipIf(!analyze)('passes systemd-analyze verify without a warning about the unit', () => {
    // verify also checks that ExecStart's binary exists; point it at this machine's node if needed.
    const unit = join(tmp.dir, u.name)
    if (existsSync('/usr/bin/node')) copyFileSync(file, unit)
    else writeFileSync(unit, text.replace('ExecStart=/usr/bin/node', `ExecStart=${process.execPath}`))
    const r = spawnSync(analyze ?? 'systemd-analyze', ['verify', unit], { encoding: 'utf8', env: { ...process.env, SYSTEMD_LOG_COLOR: '0' } })
    const aboutUs = `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => l.includes(u.name))
    expect(aboutUs).toEqual([])
    expect(r.status).toBe(0)
  })

  it.skipIf(!analyze)('scores as well hardened in systemd-analyze security (offline)', () => {
    let out: string
    try {
      out = execFileSync(analyze ?? 'systemd-analyze', ['security', '--offline=true', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    } catch {
      // --offline needs systemd ≥ 250; older ones cannot score a unit file that is not loaded.
      console.warn('skipping systemd-analyze security: this systemd cannot score unit files offline')
      return
    }
    const score = new RegExp(`Overall exposure level for ${u.name.replace('.', '\\.')}: ([\\d.]+)`).exec(out)?.[1]
    expect(Number(score)).toBeLessThanOrEqual(3)
  })
})
