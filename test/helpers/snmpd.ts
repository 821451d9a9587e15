/**
 * A real net-snmp `snmpd` on 127.0.0.1 for tests: its own config (never the system one), its
 * own persistent folder (for the v3 user), killed and removed by `stop()`. Resolves once it
 * answers a GET of the given interface.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createSnmpChecker } from '../../probes/checks/snmp'
import { makeCtx, makeTarget } from './probe-fixtures'
import { closedUdpPort } from './probe-listen'

export interface RunningSnmpd {
  port: number
  stop(): void
}

export interface SnmpdOptions {
  /** Path of the snmpd binary. */
  binary: string
  community: string
  /** An SNMPv3 user with SHA auth and AES privacy, when given. */
  v3?: { user: string; authPassword: string; privPassword: string }
  /** Interface the readiness check reads. */
  ifIndex: number
}

/** Starts snmpd and waits (bounded: 50 tries of 0.3 s) until it answers. */
export async function startSnmpd(opts: SnmpdOptions): Promise<RunningSnmpd> {
  const dir = mkdtempSync(join(tmpdir(), 'xanh-snmpd-'))
  const port = await closedUdpPort()
  const conf = [`agentAddress udp:127.0.0.1:${port}`, `rocommunity ${opts.community} 127.0.0.1`]
  if (opts.v3) conf.push(`createUser ${opts.v3.user} SHA "${opts.v3.authPassword}" AES "${opts.v3.privPassword}"`, `rouser ${opts.v3.user} priv`)
  writeFileSync(join(dir, 'snmpd.conf'), [...conf, ''].join('\n'))
  // -C: only this config, never the system one; its own persistent dir for the v3 user.
  const agent: ChildProcess = spawn(opts.binary, ['-f', '-C', '-c', join(dir, 'snmpd.conf'), '-p', join(dir, 'snmpd.pid'), '-Lf', join(dir, 'snmpd.log')], {
    env: { ...process.env, SNMP_PERSISTENT_DIR: join(dir, 'persist'), MIBS: '' },
    stdio: 'ignore',
  })
  const stop = (): void => {
    agent.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  }
  const check = createSnmpChecker()
  const probe = makeTarget('snmp', { port, timeoutSeconds: 0.3, options: { community: opts.community, ifIndex: opts.ifIndex } })
  for (let i = 0; i < 50; i++) {
    if ((await check(probe, makeCtx(0.3))).ok) return { port, stop }
  }
  const log = readFileSync(join(dir, 'snmpd.log'), 'utf8').slice(-500)
  stop()
  throw new Error(`snmpd did not answer on 127.0.0.1:${port}: ${log}`)
}
