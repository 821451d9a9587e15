/**
 * Cases every UDP echo reflector must pass: the server's (server/reflector/udp-echo.ts) and the
 * agent's (probes/reflector.ts), which are twins because server/ and probes/ may not import each
 * other. Not a test file itself: vitest only collects *.test.ts.
 */
import { createSocket, type Socket } from 'node:dgram'
import { pino, type Logger } from 'pino'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { UdpEchoType, decodeUdpEcho, encodeUdpEcho, type UdpEchoPacket } from '../../../protocol'
import { createUdpEchoChecker } from '../../../probes/checks/udp-echo'
import { makeCtx, makeTarget } from '../../helpers/probe-fixtures'

/** What both reflectors look like from outside. */
export interface ReflectorUnderTest {
  port: number
  stats(): { replied: number; ignored: number; rateLimited: number }
  close(): Promise<void>
}
export type StartReflector = (opts: { host: string; port: number; log: Logger; perSourcePps?: number; perSourceBurst?: number }) => Promise<ReflectorUnderTest>

/** A client socket on 127.0.0.1:0 that queues what it receives. */
async function client(): Promise<{ socket: Socket; next(): Promise<Buffer>; received: Buffer[]; close(): void }> {
  const socket = createSocket('udp4')
  const received: Buffer[] = []
  const waiters: ((b: Buffer) => void)[] = []
  socket.on('message', (m) => {
    const w = waiters.shift()
    if (w) w(m)
    else received.push(m)
  })
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r))
  return {
    socket,
    received,
    next: () => {
      const queued = received.shift()
      return queued ? Promise.resolve(queued) : new Promise<Buffer>((r) => waiters.push(r))
    },
    close: () => socket.close(),
  }
}

const request = (seq: number, size?: number): Uint8Array =>
  encodeUdpEcho({ type: UdpEchoType.request, seq, session: 0xabcdef, senderTxNs: 123456789n, reflectorRxNs: 0n, reflectorTxNs: 0n }, size)

const wallNs = (): bigint => BigInt(Date.now()) * 1_000_000n

export function runReflectorContract(name: string, start: StartReflector): void {
  describe(`UDP echo reflector: ${name}`, () => {
    const open: { close(): unknown }[] = []
    afterEach(async () => {
      for (const o of open.splice(0)) await o.close()
    })
    const startQuiet = async (extra: Partial<Parameters<StartReflector>[0]> = {}) => {
      const r = await start({ host: '127.0.0.1', port: 0, log: pino({ level: 'silent' }), ...extra })
      open.push(r)
      return r
    }
    const connect = async () => {
      const c = await client()
      open.push(c)
      return c
    }

    it('binds port 0 and answers a request with the same bytes turned into a stamped reply', async () => {
      const r = await startQuiet()
      expect(r.port).toBeGreaterThan(0)
      const c = await connect()
      const before = wallNs()
      c.socket.send(request(7, 200), r.port, '127.0.0.1')
      const reply = await c.next()
      const after = wallNs()
      expect(reply.length).toBe(200) // never larger than the request: no amplification
      const p = decodeUdpEcho(reply) as UdpEchoPacket
      expect(p).toMatchObject({ type: UdpEchoType.reply, seq: 7, session: 0xabcdef, senderTxNs: 123456789n })
      // Stamps are the reflector's wall clock (ms precision of Date.now bounds the check).
      expect(p.reflectorRxNs).toBeGreaterThanOrEqual(before - 5_000_000n)
      expect(p.reflectorRxNs).toBeLessThanOrEqual(after + 5_000_000n)
      expect(p.reflectorTxNs).toBeGreaterThanOrEqual(p.reflectorRxNs)
      expect(r.stats()).toEqual({ replied: 1, ignored: 0, rateLimited: 0 })
    })

    it('ignores garbage, short datagrams and replies (so two reflectors cannot ping-pong)', async () => {
      const r = await startQuiet()
      const c = await connect()
      const reply = encodeUdpEcho({ type: UdpEchoType.reply, seq: 1, session: 1, senderTxNs: 1n, reflectorRxNs: 1n, reflectorTxNs: 1n })
      for (const junk of [Buffer.from('GET / HTTP/1.1\r\n\r\n'), Buffer.alloc(10), Buffer.alloc(64, 0xff), reply]) c.socket.send(junk, r.port, '127.0.0.1')
      c.socket.send(request(42), r.port, '127.0.0.1')
      // Datagrams from one socket are handled in order: had any junk been answered, it would come first.
      const first = decodeUdpEcho(await c.next())
      expect(first?.seq).toBe(42)
      expect(c.received).toHaveLength(0)
      expect(r.stats()).toEqual({ replied: 1, ignored: 4, rateLimited: 0 })
    })

    it('rate-limits each source and says so in the log', async () => {
      const lines: { msg: string }[] = []
      const log = pino({ level: 'warn' }, { write: (s: string) => void lines.push(JSON.parse(s) as { msg: string }) })
      const r = await startQuiet({ log, perSourceBurst: 5, perSourcePps: 1 })
      const c = await connect()
      for (let i = 0; i < 30; i++) c.socket.send(request(i), r.port, '127.0.0.1')
      await vi.waitFor(() => expect(r.stats().replied + r.stats().rateLimited).toBe(30), { timeout: 2000, interval: 10 })
      expect(r.stats().replied).toBeLessThanOrEqual(6)
      expect(r.stats().rateLimited).toBeGreaterThanOrEqual(24)
      expect(lines.filter((l) => l.msg.includes('over the rate limit'))).toHaveLength(1)
    })

    it('rejects with EADDRINUSE when the port is taken, so the caller can log and go on', async () => {
      const r = await startQuiet()
      await expect(start({ host: '127.0.0.1', port: r.port, log: pino({ level: 'silent' }) })).rejects.toMatchObject({ code: 'EADDRINUSE' })
    })

    it('is what the udp_echo checker measures against: no loss, sane RTT', async () => {
      const r = await startQuiet()
      const check = createUdpEchoChecker({ replyWaitMs: 200 })
      const out = await check(makeTarget('udp_echo', { port: r.port, timeoutSeconds: 5, options: { packets: 20, ratePps: 500 } }), makeCtx(5))
      expect(out).toMatchObject({ ok: true })
      expect(out.measurements).toMatchObject({ sent: 20, received: 20, loss_ratio: 0, duplicates: 0 })
      expect(out.measurements.rtt_median_seconds).toBeLessThan(0.05)
    })
  })
}
