/**
 * Loss and jitter through a real lossy path (SPEC §3, §11): nft drops 5 % of the packets that
 * arrive at the far end of a veth (one way, so the round trip loses 5 %, not 1 − 0.95²), and the
 * real udp_echo and icmp (fping) checkers must see it over ≥ 1000 packets.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { PacketRound } from '../../probes/checks/stats'
import { createUdpEchoChecker } from '../../probes/checks/udp-echo'
import { createIcmpChecker } from '../../probes/checks/icmp'
import { makeCtx, makeTarget, silentLog } from '../helpers/probe-fixtures'
import { gateSystemTool } from '../helpers/probe-system-tools'
import { createCommune, skipUnlessTestbed, type Commune } from './netns'
import { startReflector, type FarService } from './services'

// Every round a checker summarises, exactly as the checker handed it over (RTTs in arrival
// order), so the test can recompute jitter and loss on the same per-packet data.
const seen = vi.hoisted(() => ({ rounds: [] as PacketRound[] }))
vi.mock('../../probes/checks/stats', async (importOriginal) => {
  const orig = await importOriginal<typeof import('../../probes/checks/stats')>()
  return {
    ...orig,
    summarizeRound(r: PacketRound) {
      seen.rounds.push({ sent: r.sent, rttsSeconds: [...r.rttsSeconds] })
      return orig.summarizeRound(r)
    },
  }
})

/** RFC 3550 §6.4.1 / A.8, written out independently: J += (|D(i−1,i)| − J)/16, D from consecutive RTTs. */
function referenceJitter(rtts: readonly number[]): number {
  let jitter = 0
  let previous: number | undefined
  for (const transit of rtts) {
    if (previous !== undefined) jitter += (Math.abs(transit - previous) - jitter) / 16
    previous = transit
  }
  return jitter
}

const gate = skipUnlessTestbed()
const fping = gateSystemTool('fping')
const DROP_PERCENT = 5

describe.skipIf(!gate.run)('testbed: 5 % random drop', () => {
  let commune: Commune
  let reflector: FarService

  beforeAll(async () => {
    commune = await createCommune()
    reflector = await startReflector(commune)
  })
  afterAll(async () => {
    await commune?.teardown()
  })

  /** Fresh drop table (zeroed counter), then a round; returns the checker outcome and what the testbed saw. */
  async function lossyRound<T extends { measurements: Record<string, number> }>(run: () => Promise<T>) {
    await commune.dropRandom(DROP_PERCENT, 'toFar')
    const before = await commune.counters()
    seen.rounds.length = 0
    const started = performance.now()
    const outcome = await run()
    const seconds = (performance.now() - started) / 1000
    const after = await commune.counters()
    const dropped = await commune.droppedPackets()
    await commune.clearDrop()
    return { outcome, seconds, dropped, txPackets: after.txPackets - before.txPackets, rounds: [...seen.rounds] }
  }

  function checkRound(name: string, m: Record<string, number>, rounds: PacketRound[], dropped: number, txPackets: number, seconds: number) {
    const sent = m.sent ?? 0
    const received = m.received ?? 0
    const loss = m.loss_ratio ?? NaN
    const jitter = m.jitter_seconds ?? NaN
    console.info(
      `${name}: sent ${sent}, received ${received}, loss ${(loss * 100).toFixed(2)} % (nft dropped ${dropped}), ` +
        `jitter ${(jitter * 1e6).toFixed(1)} µs, rtt median ${((m.rtt_median_seconds ?? NaN) * 1e6).toFixed(0)} µs, ${seconds.toFixed(1)} s`,
    )
    expect(sent).toBeGreaterThanOrEqual(1000)
    expect(loss).toBeGreaterThanOrEqual(0.02)
    expect(loss).toBeLessThanOrEqual(0.08)
    // The loss measured is exactly the loss injected: every missing reply is a request nft dropped.
    expect(sent - received).toBe(dropped)
    // Everything went into the veth towards the far end (plus at most a few ARP frames), nowhere else.
    expect(txPackets).toBeGreaterThanOrEqual(sent)
    expect(txPackets).toBeLessThanOrEqual(sent + 10)

    // Jitter: present, and the RFC 3550 value of the very RTTs the checker measured.
    expect(rounds).toHaveLength(1)
    const round = rounds[0] as PacketRound
    expect(round.sent).toBe(sent)
    expect(round.rttsSeconds).toHaveLength(received)
    expect(Number.isFinite(jitter)).toBe(true)
    expect(jitter).toBeGreaterThan(0)
    expect(jitter).toBeCloseTo(referenceJitter(round.rttsSeconds), 12)
    // Plausibility: J is a smoothed |D|, so it stays within the RTT spread, and sub-ms on a veth.
    expect(jitter).toBeLessThanOrEqual((m.rtt_max_seconds ?? 0) - (m.rtt_min_seconds ?? 0))
    expect(jitter).toBeLessThan(0.005)
  }

  it('udp_echo: 2000 packets at 500 pps see 2–8 % loss, RFC 3550 jitter', { timeout: 30_000 }, async () => {
    const check = createUdpEchoChecker({ replyWaitMs: 500 })
    const target = makeTarget('udp_echo', {
      host: commune.farAddr,
      port: reflector.port,
      timeoutSeconds: 10,
      options: { packets: 2000, ratePps: 500, payloadBytes: 64 },
    })
    const r = await lossyRound(() => check(target, makeCtx(10)))
    expect(r.outcome.ok).toBe(true)
    expect(r.outcome.measurements).toMatchObject({ sent: 2000, duplicates: 0 })
    checkRound('udp_echo', r.outcome.measurements, r.rounds, r.dropped, r.txPackets, r.seconds)
  })

  it.skipIf(!fping.run)('icmp via fping: 1000 echoes 5 ms apart see 2–8 % loss, RFC 3550 jitter', { timeout: 30_000 }, async () => {
    const icmp = createIcmpChecker({ coalesceMs: 0, log: silentLog() })
    try {
      // 1000 echoes spread over a 6 s timeout: fping -C 1000 -p 5 -t 5 (one round, as planned by the checker).
      const target = makeTarget('icmp', { host: commune.farAddr, timeoutSeconds: 6, options: { packets: 1000 } })
      const r = await lossyRound(() => icmp.check(target, makeCtx(6, { fping: fping.path })))
      expect(r.outcome.ok).toBe(true)
      expect(r.outcome.measurements.sent).toBe(1000)
      checkRound('icmp/fping', r.outcome.measurements, r.rounds, r.dropped, r.txPackets, r.seconds)
    } finally {
      await icmp.close()
    }
  })
})
