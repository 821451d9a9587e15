import { createSocket } from 'node:dgram'
import { connect } from 'node:net'
import pino from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { decodeUdpEcho, encodeUdpEcho, UdpEchoType } from '../../../protocol'
import { buildDemoInventory, DEMO_PORTS } from '../../../server/demo/province'
import { DemoSimulation, impairmentAt, remoteAgentOnlineAt } from '../../../server/demo/simulation'
import { checkThroughput } from '../../../probes/checks/throughput'
import { makeCtx, makeTarget } from '../../helpers/probe-fixtures'

describe('demo script', () => {
  const inv = buildDemoInventory(77)
  const count = inv.communes.length

  it('builds ~130 communes inside Nghệ An with a line and an MCU each, ASCII codes, unique addresses', () => {
    expect(count).toBeGreaterThanOrEqual(100)
    expect(new Set(inv.communes.map((c) => c.code)).size).toBe(count)
    for (const c of inv.communes) {
      expect(c.code).toMatch(/^[A-Z0-9-]+$/)
      expect(c.lat).toBeGreaterThan(18.5)
      expect(c.lat).toBeLessThan(20.1)
      expect(c.lon).toBeGreaterThan(103.8)
      expect(c.lon).toBeLessThan(105.9)
    }
    expect(inv.communes.map((c) => c.name)).toContain('Mường Típ')
    expect(inv.targets.filter((t) => t.role === 'line' && t.kind === 'udp_echo')).toHaveLength(count)
    expect(inv.targets.filter((t) => t.role === 'line' && t.kind === 'throughput')).toHaveLength(count)
    expect(inv.targets.filter((t) => t.role === 'mcu' && t.kind === 'udp_echo')).toHaveLength(count)
    expect(inv.targets.filter((t) => t.role === 'mcu' && t.kind === 'sip')).toHaveLength(count)
    expect(inv.targets.filter((t) => t.role === 'mcu' && t.kind === 'h323')).toHaveLength(count)
    expect(new Set(inv.addresses.values()).size).toBe(count)
  })

  it('always has healthy, slow, lossy and down communes, and rotates outages', () => {
    for (const t of [0, 60_000, 300_000, 900_000]) {
      const imps = inv.communes.map((_, i) => impairmentAt(i, count, t))
      expect(imps.filter((x) => !x.lineOutage && x.delayMs < 40 && x.loss === 0).length).toBeGreaterThan(count / 2)
      expect(imps.some((x) => x.delayMs > 50 && x.delayMs < 100)).toBe(true)
      expect(imps.some((x) => x.delayMs > 100)).toBe(true)
      expect(imps.some((x) => x.loss > 0.01)).toBe(true)
      // Lines below their contract (warning and critical) and poor video paths.
      expect(imps.some((x) => x.rateShare < 0.8 && x.rateShare >= 0.5)).toBe(true)
      expect(imps.some((x) => x.rateShare < 0.5)).toBe(true)
      expect(imps.filter((x) => x.rateShare >= 0.9).length).toBeGreaterThan(count / 2)
      expect(imps.some((x) => x.videoLoss >= 0.1)).toBe(true)
    }
    const downAt = (t: number) => inv.communes.flatMap((_, i) => (impairmentAt(i, count, t).lineOutage ? [i] : []))
    expect(downAt(0)).toHaveLength(2)
    expect(downAt(200_000)).toHaveLength(0) // recovery part of the window
    expect(downAt(240_000)).not.toEqual(downAt(0))
  })

  it('takes the simulated remote agent offline and back on a cycle', () => {
    expect(remoteAgentOnlineAt(0)).toBe(false)
    expect(remoteAgentOnlineAt(200_000)).toBe(true)
    expect(remoteAgentOnlineAt(500_000)).toBe(false)
  })
})

describe('DemoSimulation responders (real sockets)', () => {
  let sim: DemoSimulation | undefined
  afterEach(async () => {
    await sim?.stop()
    sim = undefined
  })

  const net = 100 + Math.floor(Math.random() * 150)

  function echo(address: string): Promise<number | undefined> {
    return new Promise((resolve) => {
      const sock = createSocket('udp4')
      const t0 = performance.now()
      const timer = setTimeout(() => {
        sock.close()
        resolve(undefined)
      }, 1000)
      sock.on('message', (msg) => {
        const p = decodeUdpEcho(msg)
        if (p?.type !== UdpEchoType.reply || p.seq !== 7) return
        clearTimeout(timer)
        sock.close()
        resolve(performance.now() - t0)
      })
      sock.send(encodeUdpEcho({ type: UdpEchoType.request, seq: 7, session: 1, senderTxNs: 1n, reflectorRxNs: 0n, reflectorTxNs: 0n }, 64), DEMO_PORTS.udpEcho, address)
    })
  }
  function tcpOpen(address: string): Promise<boolean> {
    return new Promise((resolve) => {
      const s = connect(DEMO_PORTS.h323, address)
      s.on('connect', () => {
        s.destroy()
        resolve(true)
      })
      s.on('error', () => resolve(false))
    })
  }

  function sipStatus(address: string): Promise<number | undefined> {
    return new Promise((resolve) => {
      const sock = createSocket('udp4')
      const timer = setTimeout(() => {
        sock.close()
        resolve(undefined)
      }, 1000)
      sock.on('message', (msg) => {
        clearTimeout(timer)
        sock.close()
        const m = /^SIP\/2\.0 (\d{3}) /.exec(msg.toString('latin1'))
        expect(msg.toString('latin1')).toContain('Call-ID: test-call-1')
        resolve(m ? Number(m[1]) : -1)
      })
      const req = ['OPTIONS sip:mcu@demo SIP/2.0', 'Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bKtest', 'From: <sip:xanh@probe>;tag=1', 'To: <sip:mcu@demo>', 'Call-ID: test-call-1', 'CSeq: 1 OPTIONS', 'Content-Length: 0', '', ''].join('\r\n')
      sock.send(req, DEMO_PORTS.sip, address)
    })
  }

  it('echoes with the scripted delay, drops during an outage, refuses the MCU port when its outage is on', async () => {
    const inv = buildDemoInventory(net, 130)
    const clock = { now: 0 }
    sim = new DemoSimulation({ addresses: inv.addresses, log: pino({ level: 'silent' }), now: () => clock.now, stepMs: 10 })
    await sim.start()
    const codes = [...inv.addresses.keys()]
    const addr = (i: number) => inv.addresses.get(codes[i] as string) as string
    const healthy = 0
    const slow = 31 // index % 100 === 31: ~82 ms
    const lineDown = 2 // (0*7 + 0*41 + 2) % 130: down in the first outage window
    const mcuDown = 5 // (0 * 13 + 5), whose line is healthy
    expect(sim.impairmentOf(codes[lineDown] as string)?.lineOutage).toBe(true)
    // The scripted MCU outage sits behind a healthy line: it reads as the endpoint's own failure.
    expect(sim.impairmentOf(codes[mcuDown] as string)).toMatchObject({ mcuOutage: true, lineOutage: false, loss: 0 })
    expect(sim.impairmentOf(codes[mcuDown] as string)?.delayMs).toBeLessThan(50)
    // The least of three echoes: a stall of the machine running the suite (another test's
    // worker, a GC) only adds to one, while the scripted delay is a floor under every one.
    const leastOf3 = async (address: string): Promise<number | undefined> => {
      const rtts = (await Promise.all([echo(address), echo(address), echo(address)])).filter((x): x is number => x !== undefined)
      return rtts.length === 0 ? undefined : Math.min(...rtts)
    }
    const fast = await leastOf3(addr(healthy))
    const slowRtt = await leastOf3(addr(slow))
    expect(fast).toBeDefined()
    expect(fast as number).toBeLessThan(40)
    expect(slowRtt as number).toBeGreaterThan(50)
    expect(await echo(addr(lineDown))).toBeUndefined()
    expect(await tcpOpen(addr(healthy))).toBe(true)
    expect(await tcpOpen(addr(mcuDown))).toBe(false)
    expect(await sipStatus(addr(healthy))).toBe(200)
    expect(await sipStatus(addr(mcuDown))).toBe(503)
    expect(await sipStatus(addr(lineDown))).toBeUndefined()
  })

  it("a slow commune's speedtest far end reads its scripted share of the contract through the real throughput checker", async () => {
    const inv = buildDemoInventory(net, 130)
    const contracts = new Map(inv.communes.map((c) => [c.code, c.contractedMbps]))
    sim = new DemoSimulation({ addresses: inv.addresses, contractedMbps: contracts, log: pino({ level: 'silent' }), now: () => 0, stepMs: 1000 })
    await sim.start()
    const codes = [...inv.addresses.keys()]
    const slow = codes[34] as string // index % 100 === 34: 0.57 × contracted
    const contract = contracts.get(slow) as number
    const r = await checkThroughput(
      makeTarget('throughput', { host: inv.addresses.get(slow) as string, port: DEMO_PORTS.speedtest, timeoutSeconds: 20, options: { mode: 'http', streams: 2, warmupSeconds: 0.3, durationSeconds: 1 } }),
      { ...makeCtx(20), speedtest: { token: 'demo' } },
    )
    expect(r.ok).toBe(true)
    const share = ((r.measurements.download_bytes_per_second ?? 0) * 8) / 1e6 / contract
    expect(share).toBeGreaterThan(0.57 * 0.9)
    expect(share).toBeLessThan(0.57 * 1.1)
  })
})
