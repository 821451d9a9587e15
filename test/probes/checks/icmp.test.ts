import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ICMP_UNAVAILABLE, createIcmpChecker, planIcmpRound, type IcmpChecker } from '../../../probes/checks/icmp'
import { parseFpingSummary } from '../../../probes/checks/icmp-fping'
import { parsePingOutput } from '../../../probes/checks/icmp-ping'
import { makeCtx, makeTarget, silentLog } from '../../helpers/probe-fixtures'
import { gateSystemTool } from '../../helpers/probe-system-tools'

const fping = gateSystemTool('fping')
const ping = gateSystemTool('ping')

/** Short rounds: 3 echoes spread over 0.8 s (period 200 ms). */
const icmpTarget = (host = '127.0.0.1', id = `icmp-${host}`) =>
  makeTarget('icmp', { id, host, intervalSeconds: 1, timeoutSeconds: 0.8, options: { packets: 3 } })

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'xanh-icmp-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** An executable shell script in its own folder (so its file name can be `ping`). */
function script(sub: string, name: string, body: string): string {
  const folder = mkdtempSync(join(dir, `${sub}-`))
  const path = join(folder, name)
  writeFileSync(path, `#!/bin/sh\n${body}\n`)
  chmodSync(path, 0o755)
  return path
}

describe('icmp round plan', () => {
  it('defaults to one echo per second of interval, spread within the timeout', () => {
    const plan = planIcmpRound(makeTarget('icmp', { intervalSeconds: 15, timeoutSeconds: 14 }))
    expect(plan).toEqual({ count: 15, periodMs: 875, timeoutMs: 875, payloadBytes: 56 })
    expect((plan.count - 1) * plan.periodMs + plan.timeoutMs).toBeLessThan(14_000)
  })
  it('never sends faster than the budget allows nor slower than 1 per second', () => {
    expect(planIcmpRound(makeTarget('icmp', { intervalSeconds: 60, timeoutSeconds: 50, options: { packets: 5 } })).periodMs).toBe(1000)
  })
})

describe('icmp output parsers', () => {
  it('reads fping -C summaries, "-" as lost', () => {
    const m = parseFpingSummary('127.0.0.1 : 0.03 - 1.50\nnosuch.invalid: Name or service not known\n10.0.0.1 : - - -\n')
    expect(m.get('127.0.0.1')).toEqual([0.03 / 1000, undefined, 1.5 / 1000])
    expect(m.get('10.0.0.1')).toEqual([undefined, undefined, undefined])
    expect(m.has('nosuch.invalid:')).toBe(false)
  })
  it('reads iputils ping output in seq order, skipping duplicates', () => {
    const out = [
      'PING 127.0.0.1 (127.0.0.1) 56(84) bytes of data.',
      '64 bytes from 127.0.0.1: icmp_seq=1 ttl=64 time=0.040 ms',
      '64 bytes from 127.0.0.1: icmp_seq=3 ttl=64 time=0.060 ms',
      '64 bytes from 127.0.0.1: icmp_seq=3 ttl=64 time=0.070 ms (DUP!)',
      '',
      '--- 127.0.0.1 ping statistics ---',
      '3 packets transmitted, 2 received, +1 duplicates, 33.3333% packet loss, time 402ms',
    ].join('\n')
    expect(parsePingOutput(out, [], 3)).toEqual({ ok: true, sent: 3, rttsSeconds: [0.04 / 1000, undefined, 0.06 / 1000] })
  })
})

describe('icmp checker', () => {
  let checker: IcmpChecker
  beforeAll(() => {
    checker = createIcmpChecker({ coalesceMs: 30, log: silentLog() })
  })
  afterEach(async () => {
    await checker.close()
    checker = createIcmpChecker({ coalesceMs: 30, log: silentLog() })
  })
  afterAll(() => checker.close())

  it('without fping and ping every target fails clearly', async () => {
    const r = await checker.check(icmpTarget(), makeCtx(0.8, {}))
    expect(r).toEqual({ ok: false, error: ICMP_UNAVAILABLE, measurements: {} })
    expect(r.error).toBe('icmp: neither fping nor ping is installed on this agent')
  })

  it('a ping binary that is not there fails that target, naming the path', async () => {
    const r = await checker.check(icmpTarget(), makeCtx(0.8, { ping: join(dir, 'nowhere', 'ping') }))
    expect(r.ok).toBe(false)
    expect(r.error).toContain(`could not run ${join(dir, 'nowhere', 'ping')}`)
  })

  it('100% loss is ok:false but keeps sent/received/loss_ratio', async () => {
    const allLost = script('lost', 'fping', 'for h in "$@"; do :; done; echo "$h : - - -" >&2; exit 1')
    const r = await checker.check(icmpTarget(), makeCtx(0.8, { fping: allLost }))
    expect(r).toEqual({ ok: false, error: '100% loss to 127.0.0.1 (3 sent)', measurements: { sent: 3, received: 0, loss_ratio: 1 } })
  })

  it.runIf(fping.run)('fping: measures a round to 127.0.0.1', async () => {
    expect(fping.path, 'fping must be installed in CI').toBeDefined()
    const started = performance.now()
    const r = await checker.check(icmpTarget(), makeCtx(0.8, { fping: fping.path }))
    expect(performance.now() - started).toBeLessThan(800)
    expect(r.error).toBeUndefined()
    expect(r.ok).toBe(true)
    expect(r.measurements).toMatchObject({ sent: 3, received: 3, loss_ratio: 0 })
    expect(r.measurements.rtt_median_seconds).toBeGreaterThan(0)
    expect(r.measurements.rtt_max_seconds).toBeLessThan(0.1)
    expect(r.measurements.jitter_seconds).toBeGreaterThanOrEqual(0)
  })

  it.runIf(fping.run)('fping: targets due in the same window share ONE process', async () => {
    expect(fping.path, 'fping must be installed in CI').toBeDefined()
    const log = join(dir, 'fping-calls.log')
    const wrapper = script('wrap', 'fping', `echo "$@" >> ${log}\nexec ${fping.path} "$@"`)
    const hosts = ['127.0.0.1', '127.0.0.2', '127.0.0.3']
    const results = await Promise.all(hosts.map((h) => checker.check(icmpTarget(h), makeCtx(0.8, { fping: wrapper }))))
    expect(results.map((r) => r.measurements.received)).toEqual([3, 3, 3])
    const calls = readFileSync(log, 'utf8').trim().split('\n')
    expect(calls).toHaveLength(1)
    expect(calls[0]).toMatch(/^-C 3 -q -p 200 -t 200 -i [\d.]+ -B1 -r0 127\.0\.0\.1 127\.0\.0\.2 127\.0\.0\.3$/)
  })

  it.runIf(ping.run)('ping package: measures a round to 127.0.0.1 with the given binary', async () => {
    expect(ping.path, 'ping must be installed in CI').toBeDefined()
    const log = join(dir, 'ping-calls.log')
    // A wrapper named ping proves the package runs the injected binary, not the first ping on PATH.
    const wrapper = script('wrap', 'ping', `echo "$@" >> ${log}\nexec ${ping.path} "$@"`)
    const langBefore = process.env.LANG
    const r = await checker.check(icmpTarget(), makeCtx(0.8, { ping: wrapper }))
    expect(r.error).toBeUndefined()
    expect(r.ok).toBe(true)
    expect(r.measurements).toMatchObject({ sent: 3, received: 3, loss_ratio: 0 })
    expect(r.measurements.rtt_avg_seconds).toBeGreaterThan(0)
    expect(readFileSync(log, 'utf8')).toMatch(/-c 3 .*-i 0\.200 127\.0\.0\.1/)
    expect(process.env.LANG).toBe(langBefore) // the package sets LANG=C in its own worker, not here
  })

  it('the deadline wins over a round that runs too long', async () => {
    const slow = script('slow', 'fping', 'command -v sleep >/dev/null && exec sleep 5\nwhile :; do :; done')
    const started = performance.now()
    const r = await checker.check(makeTarget('icmp', { timeoutSeconds: 0.3, options: { packets: 2 } }), makeCtx(0.3, { fping: slow }))
    expect(performance.now() - started).toBeLessThan(1000)
    expect(r).toEqual({ ok: false, error: 'timeout after 0.3s waiting for echo replies from 127.0.0.1', measurements: {} })
  })
})
