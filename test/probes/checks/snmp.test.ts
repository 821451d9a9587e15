import { createSocket } from 'node:dgram'
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { counterDelta, createSnmpChecker } from '../../../probes/checks/snmp'
import { makeCtx, makeTarget } from '../../helpers/probe-fixtures'
import { closedUdpPort } from '../../helpers/probe-listen'
import { startSnmpd, type RunningSnmpd } from '../../helpers/snmpd'
import { toolOrSkip } from '../../helpers/system-tool'

const COMMUNITY = 'xanh-test-ro'
const V3 = { user: 'xanhv3', authPassword: 'auth-pass-123', privPassword: 'priv-pass-456' }
const snmpd = toolOrSkip('snmpd', 'snmp checker tests against a real snmpd')

/** ifIndex of the loopback interface (1 on Linux, but read it rather than assume). */
function loopbackIfIndex(): number {
  try {
    return Number(readFileSync('/sys/class/net/lo/ifindex', 'utf8').trim()) || 1
  } catch {
    return 1
  }
}

/** Sends `bytes` of UDP over loopback, so its counters move. */
async function loopbackTraffic(bytes: number): Promise<void> {
  const sink = createSocket('udp4')
  await new Promise<void>((r) => sink.bind(0, '127.0.0.1', r))
  const sender = createSocket('udp4')
  const chunk = Buffer.alloc(1400)
  const port = sink.address().port
  for (let sent = 0; sent < bytes; sent += chunk.length) {
    await new Promise<void>((r) => sender.send(chunk, port, '127.0.0.1', () => r()))
  }
  sender.close()
  sink.close()
}

describe.skipIf(!snmpd)('snmp checker against a real snmpd on 127.0.0.1', () => {
  let agent: RunningSnmpd | undefined
  let port = 0
  const ifIndex = loopbackIfIndex()

  beforeAll(async () => {
    agent = await startSnmpd({ binary: snmpd ?? 'snmpd', community: COMMUNITY, v3: V3, ifIndex })
    port = agent.port
  })
  afterAll(() => agent?.stop())

  const v2c = (over: Record<string, unknown> = {}, timeoutSeconds = 2) =>
    makeTarget('snmp', { id: 'router-v2c', port, timeoutSeconds, intervalSeconds: 60, options: { community: COMMUNITY, ifIndex, ...over } })
  const v3 = (over: Record<string, unknown> = {}, timeoutSeconds = 2) =>
    makeTarget('snmp', {
      id: 'router-v3',
      port,
      timeoutSeconds,
      options: { version: '3', user: V3.user, authProtocol: 'sha', authPassword: V3.authPassword, privProtocol: 'aes', privPassword: V3.privPassword, ifIndex, ...over },
    })

  it('v2c: first round has counters and status only; a later round has rates', async () => {
    const check = createSnmpChecker()
    const first = await check(v2c(), makeCtx(2))
    expect(first.error).toBeUndefined()
    expect(first).toMatchObject({ ok: true, measurements: { oper_status: 1 } })
    expect(first.measurements.in_bytes_total).toBeGreaterThan(0)
    expect(first.measurements.out_bytes_total).toBeGreaterThan(0)
    expect(first.measurements.in_errors_total).toBeGreaterThanOrEqual(0)
    expect(first.measurements.uptime_seconds).toBeGreaterThanOrEqual(0)
    expect(first.measurements.in_bytes_per_second).toBeUndefined()
    // snmpd caches interface counters for a few seconds: poll until a refreshed reading shows
    // the traffic sent in between (each poll is a round; the rate covers the last interval).
    let rate: number | undefined
    let last = first
    for (let i = 0; i < 20 && !(rate && rate > 0); i++) {
      await loopbackTraffic(2_000_000)
      await new Promise((r) => setTimeout(r, 300))
      last = await check(v2c(), makeCtx(2))
      expect(last.ok).toBe(true)
      rate = last.measurements.in_bytes_per_second
    }
    expect(rate).toBeGreaterThan(0)
    expect(last.measurements.out_bytes_per_second).toBeGreaterThan(0)
    // No contracted rate given: utilization is against ifHighSpeed.
    const speed = last.measurements.speed_bytes_per_second
    if (speed !== undefined) expect(last.measurements.utilization_ratio_in).toBeCloseTo((rate ?? 0) / speed, 9)
    expect(last.measurements.in_errors_per_second).toBe(0)
  })

  it('utilization is against the contracted rate when the server gives one', async () => {
    const check = createSnmpChecker()
    await check(v2c({ contractedBytesPerSecond: 12_500_000 }), makeCtx(2))
    await loopbackTraffic(500_000)
    const r = await check(v2c({ contractedBytesPerSecond: 12_500_000 }), makeCtx(2))
    expect(r.ok).toBe(true)
    expect(r.measurements.utilization_ratio_in).toBeCloseTo((r.measurements.in_bytes_per_second ?? NaN) / 12_500_000, 9)
  })

  it('v3 authPriv (SHA/AES) reads the same interface', async () => {
    const r = await createSnmpChecker()(v3(), makeCtx(2))
    expect(r.error).toBeUndefined()
    expect(r).toMatchObject({ ok: true, measurements: { oper_status: 1 } })
    expect(r.measurements.in_bytes_total).toBeGreaterThan(0)
  })

  it('a wrong community is a timeout that says so', async () => {
    const r = await createSnmpChecker()(v2c({ community: 'wrong' }, 0.6), makeCtx(0.6))
    expect(r).toEqual({ ok: false, error: `timeout after 0.6s waiting for 127.0.0.1:${port}: no answer (wrong community?)`, measurements: {} })
  })

  it('a wrong v3 auth password is an authentication failure', async () => {
    const r = await createSnmpChecker()(v3({ authPassword: 'not-the-password' }), makeCtx(2))
    expect(r.ok).toBe(false)
    expect(r.error).toBe(`snmp v3 authentication failed at 127.0.0.1:${port}: wrong digest (incorrect password, community or key)`)
  })

  it('an unknown v3 user is an authentication failure', async () => {
    const r = await createSnmpChecker()(v3({ user: 'nobody' }), makeCtx(2))
    expect(r.ok).toBe(false)
    expect(r.error).toBe(`snmp v3 authentication failed at 127.0.0.1:${port}: unknown user name`)
  })

  it('a wrong v3 privacy password: the agent stays silent, and the error says what to suspect', async () => {
    const r = await createSnmpChecker()(v3({ privPassword: 'not-the-priv-key' }, 0.6), makeCtx(0.6))
    expect(r).toEqual({ ok: false, error: `timeout after 0.6s waiting for 127.0.0.1:${port}: no answer (wrong privPassword, or agent down or filtered?)`, measurements: {} })
  })

  it('an interface that does not exist is named', async () => {
    const r = await createSnmpChecker()(v2c({ ifIndex: 99_999 }), makeCtx(2))
    expect(r).toEqual({ ok: false, error: `no interface with ifIndex 99999 on 127.0.0.1:${port} (ifOperStatus.99999 does not exist)`, measurements: {} })
  })
})

describe('snmp checker without an agent', () => {
  it('v3 without a user or a password is a configuration error', async () => {
    const check = createSnmpChecker()
    const noUser = await check(makeTarget('snmp', { port: 1161, options: { version: '3', ifIndex: 1 } }), makeCtx(1))
    expect(noUser.error).toBe('snmp v3 target 127.0.0.1:1161 has no options.user')
    const noAuth = await check(makeTarget('snmp', { port: 1161, options: { version: '3', user: 'u', securityLevel: 'authPriv', ifIndex: 1 } }), makeCtx(1))
    expect(noAuth.error).toBe('snmp v3 target 127.0.0.1:1161 with securityLevel authPriv has no options.authPassword')
    const noCommunity = await check(makeTarget('snmp', { port: 1161, options: { ifIndex: 1 } }), makeCtx(1))
    expect(noCommunity.error).toBe('snmp v2c target 127.0.0.1:1161 has no options.community')
  })

  it('a silent port times out within the deadline', async () => {
    const port = await closedUdpPort()
    const started = performance.now()
    const r = await createSnmpChecker()(makeTarget('snmp', { port, timeoutSeconds: 0.4, options: { community: 'c', ifIndex: 1 } }), makeCtx(0.4))
    expect(r.ok).toBe(false)
    expect(r.error).toContain(`127.0.0.1:${port}`)
    expect(performance.now() - started).toBeLessThan(1500)
  })
})

describe('counterDelta', () => {
  it.each([
    ['increase', 100n, 250n, 64, undefined, 150],
    ['32-bit wrap without a bound', 2n ** 32n - 10n, 5n, 32, undefined, 15],
    ['32-bit wrap within the speed bound', 2n ** 32n - 10n, 5n, 32, 1000, 15],
    ['32-bit reset beyond the speed bound', 4_000_000_000n, 5n, 32, 1000, undefined],
    ['64-bit decrease without a bound is a reset', 1_000_000n, 10n, 64, undefined, undefined],
    ['64-bit wrap within the bound', 2n ** 64n - 100n, 50n, 64, 1e9, 150],
    ['64-bit reset beyond the bound', 10n ** 12n, 10n, 64, 1e9, undefined],
  ] as const)('%s', (_name, prev, cur, bits, max, expected) => {
    expect(counterDelta(prev, cur, bits, max)).toBe(expected)
  })
})
