import { describe, expect, it } from 'vitest'
import { toUdpEchoReply } from '../../../protocol'
import { createUdpEchoChecker } from '../../../probes/checks/udp-echo'
import { makeCtx, makeTarget } from '../../helpers/probe-fixtures'
import { closedUdpPort, listenUdp, type Listening } from '../../helpers/probe-listen'
import type { RemoteInfo, Socket } from 'node:dgram'

const check = createUdpEchoChecker({ replyWaitMs: 200 })
const nowNs = () => BigInt(Date.now()) * 1_000_000n

/** A reflector that turns requests into replies and lets `shape` decide what goes back. */
async function reflector(shape: (reply: Buffer, seq: number, send: (b: Buffer) => void) => void): Promise<Listening> {
  return listenUdp((data: Buffer, from: RemoteInfo, socket: Socket) => {
    const rx = nowNs()
    if (!toUdpEchoReply(data, rx, nowNs())) return
    shape(data, data.readUInt32BE(8), (b) => socket.send(b, from.port, from.address))
  })
}

const target = (port: number, packets: number, extra: { timeoutSeconds?: number; ratePps?: number } = {}) =>
  makeTarget('udp_echo', { port, timeoutSeconds: extra.timeoutSeconds ?? 5, options: { packets, ratePps: extra.ratePps ?? 500 } })

describe('udp_echo checker', () => {
  it('counts loss against a reflector that drops every 5th packet', async () => {
    const r5 = await reflector((b, seq, send) => (seq % 5 === 4 ? undefined : send(b)))
    try {
      const r = await check(target(r5.port, 20), makeCtx(5))
      expect(r.ok).toBe(true)
      expect(r.measurements).toMatchObject({ sent: 20, received: 16, loss_ratio: 0.2, duplicates: 0, reordered: 0 })
      for (const k of ['rtt_min_seconds', 'rtt_avg_seconds', 'rtt_max_seconds', 'rtt_median_seconds', 'jitter_seconds']) {
        expect(r.measurements[k], k).toBeGreaterThanOrEqual(0)
      }
      expect(r.measurements.rtt_min_seconds).toBeLessThanOrEqual(r.measurements.rtt_median_seconds ?? 0)
      expect(r.measurements.rtt_max_seconds).toBeLessThan(1)
    } finally {
      await r5.close()
    }
  })

  it('finishes as soon as every reply is in', async () => {
    const all = await reflector((b, _seq, send) => send(b))
    try {
      const started = performance.now()
      const r = await check(target(all.port, 10), makeCtx(5))
      expect(r.measurements).toMatchObject({ sent: 10, received: 10, loss_ratio: 0 })
      expect(performance.now() - started).toBeLessThan(150) // 10 packets at 500 pps, no reply wait
    } finally {
      await all.close()
    }
  })

  it('ignores garbage datagrams: a garbage-only reflector is 100% loss', async () => {
    const garbage = await listenUdp((_d, from, socket) => socket.send(Buffer.from('not an echo reply at all, just noise.....'), from.port, from.address))
    try {
      const r = await check(target(garbage.port, 5), makeCtx(5))
      expect(r).toMatchObject({ ok: false, error: `100% loss to 127.0.0.1:${garbage.port} (5 sent)` })
      expect(r.measurements).toMatchObject({ sent: 5, received: 0, loss_ratio: 1 })
      expect(r.measurements.rtt_avg_seconds).toBeUndefined()
    } finally {
      await garbage.close()
    }
  })

  it('ignores garbage and foreign sessions mixed with real replies', async () => {
    const noisy = await reflector((b, _seq, send) => {
      send(Buffer.from('garbage'))
      const foreign = Buffer.from(b)
      foreign.writeUInt32BE((foreign.readUInt32BE(12) + 1) >>> 0, 12)
      send(foreign)
      send(b)
    })
    try {
      const r = await check(target(noisy.port, 8), makeCtx(5))
      expect(r.ok).toBe(true)
      expect(r.measurements).toMatchObject({ sent: 8, received: 8, loss_ratio: 0, duplicates: 0 })
    } finally {
      await noisy.close()
    }
  })

  it('counts duplicates and reordering', async () => {
    let held: Buffer | undefined
    const odd = await reflector((b, seq, send) => {
      if (seq === 2) {
        held = Buffer.from(b) // seq 2 comes back after seq 3
        return
      }
      send(b)
      if (seq === 3 && held) send(held)
      if (seq === 1) send(b)
    })
    try {
      const r = await check(target(odd.port, 6), makeCtx(5))
      expect(r.measurements).toMatchObject({ sent: 6, received: 6, duplicates: 1, reordered: 1, loss_ratio: 0 })
    } finally {
      await odd.close()
    }
  })

  it('reports port-unreachable with the address', async () => {
    const port = await closedUdpPort()
    const r = await check(target(port, 3), makeCtx(5))
    expect(r.ok).toBe(false)
    expect(r.error).toContain(`127.0.0.1:${port}`)
    expect(r.error).toContain('ECONNREFUSED')
    expect(r.measurements).toMatchObject({ sent: 3, received: 0, loss_ratio: 1 })
  })

  it('stops at the deadline and says how far the stream got', async () => {
    const all = await reflector((b, _seq, send) => send(b))
    try {
      const started = performance.now()
      const r = await check(target(all.port, 100, { ratePps: 20, timeoutSeconds: 0.3 }), makeCtx(0.3))
      expect(performance.now() - started).toBeLessThan(800)
      expect(r.ok).toBe(false)
      expect(r.error).toMatch(new RegExp(`^timeout after 0\\.3s waiting for 127\\.0\\.0\\.1:${all.port} \\(\\d+ of 100 packets sent\\)$`))
      expect(r.measurements.sent).toBeGreaterThan(0)
      expect(r.measurements.sent).toBeLessThan(100)
    } finally {
      await all.close()
    }
  })
})
