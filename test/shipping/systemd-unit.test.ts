/**
 * deploy/systemd/xanh-probe.service: hardening directives present, and `systemd-analyze verify`
 * accepts it where that binary exists. Containers in CI often have no systemd: then this skips
 * with one line (it is not a required tool, unlike fping).
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { findTool } from '../helpers/system-tool'
import { ROOT, tempDir } from './harness'

const UNIT = join(ROOT, 'deploy', 'systemd', 'xanh-probe.service')
const text = readFileSync(UNIT, 'utf8')

/** `Key=value` lines of one section (comments and blank lines skipped; repeated keys kept). */
function directives(section: string): Map<string, string[]> {
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

describe('systemd unit for the probe agent', () => {
  const service = directives('Service')

  it.each([
    ['DynamicUser', 'yes'],
    ['StateDirectory', 'xanh-probe'],
    ['ProtectSystem', 'strict'],
    ['ProtectHome', 'yes'],
    ['NoNewPrivileges', 'yes'],
    ['PrivateTmp', 'yes'],
    ['RestrictAddressFamilies', 'AF_INET AF_INET6 AF_UNIX AF_NETLINK'],
    ['AmbientCapabilities', 'CAP_NET_RAW'],
    ['CapabilityBoundingSet', 'CAP_NET_RAW'],
    ['EnvironmentFile', '/etc/xanh/probe.env'],
    ['Restart', 'on-failure'],
    ['ExecStart', '/usr/bin/node --import tsx probes/main.ts'],
  ])('%s=%s', (key, value) => {
    expect(service.get(key)).toEqual([value])
  })

  it('keeps the spool in the state directory', () => {
    expect(service.get('Environment')).toContain('XANH_SPOOL_DIR=%S/xanh-probe/spool')
  })

  const analyze = findTool('systemd-analyze')
  if (!analyze) console.warn('skipping systemd-analyze verify: systemd-analyze is not installed')
  const tmp = tempDir('xanh-unit-')
  afterAll(() => tmp.cleanup())

  it.skipIf(!analyze)('passes systemd-analyze verify without a warning about the unit', () => {
    // verify also checks that ExecStart's binary exists; point it at this machine's node if needed.
    const unit = join(tmp.dir, 'xanh-probe.service')
    if (existsSync('/usr/bin/node')) copyFileSync(UNIT, unit)
    else writeFileSync(unit, text.replace('ExecStart=/usr/bin/node', `ExecStart=${process.execPath}`))
    const r = spawnSync(analyze ?? 'systemd-analyze', ['verify', unit], { encoding: 'utf8', env: { ...process.env, SYSTEMD_LOG_COLOR: '0' } })
    const aboutUs = `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => l.includes('xanh-probe.service'))
    expect(aboutUs).toEqual([])
    expect(r.status).toBe(0)
  })

  it.skipIf(!analyze)('scores as well hardened in systemd-analyze security (offline)', () => {
    let out: string
    try {
      out = execFileSync(analyze ?? 'systemd-analyze', ['security', '--offline=true', UNIT], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    } catch {
      // --offline needs systemd ≥ 250; older ones cannot score a unit file that is not loaded.
      console.warn('skipping systemd-analyze security: this systemd cannot score unit files offline')
      return
    }
    const score = /Overall exposure level for xanh-probe\.service: ([\d.]+)/.exec(out)?.[1]
    expect(Number(score)).toBeLessThanOrEqual(3)
  })
})
