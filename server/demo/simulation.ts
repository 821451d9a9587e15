/**
 * The demo's impairment script and its real local responders per commune, on 127.X.Y.Z: a UDP
 * echo reflector for the line and one for the video path, a SIP OPTIONS responder and a TCP
 * listener standing in for the MCU, and a speedtest far end capped at the line's rate.
 * Impairments (delay, jitter, loss, outages) are injected in user space on a deterministic
 * script, so the real probe measures them and the whole pipeline runs. Simulation only.
 * @module
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram'
import { createServer, type Server } from 'node:net'
import type { Logger } from 'pino'
import { toUdpEchoReply } from '../../protocol'
import { DEMO_PORTS } from './province'
import { startPacedSpeedtest, type PacedSpeedtest } from './speedtest-responder'

/** Wall-clock time in ns with sub-millisecond resolution. */
function wallClockNs(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6))
}

/** What the script imposes on one commune at one moment. */
export interface Impairment {
  delayMs: number
  jitterMs: number
  loss: number
  lineOutage: boolean
  mcuOutage: boolean
  /** The line's capacity as a share of its contracted rate (the speedtest far end's cap). */
  rateShare: number
  /** Extra loss on the video path towards the MCU (on top of the line's). */
  videoLoss: number
}

/** Length of one outage rotation (ms): a few lines go down, then come back. */
const OUTAGE_WINDOW_MS = 240_000
const OUTAGE_DURATION_MS = 180_000
/** The simulated commune-office agent is offline for this part of each cycle. */
const AGENT_CYCLE_MS = 600_000
const AGENT_ONLINE_FROM_MS = 150_000
const AGENT_ONLINE_TO_MS = 420_000

/**
 * The script: a pure function of commune index and elapsed time, so tests can assert it and
 * every demo run looks alike: a normal day (about nine in ten communes healthy) with a few
 * problems — a handful of slow, lossy or under-contract lines, two lines down for three minutes
 * of every four (rotating), one MCU down behind a healthy line — so every state shows.
 */
export function impairmentAt(index: number, count: number, elapsedMs: number): Impairment {
  const epoch = Math.floor(elapsedMs / OUTAGE_WINDOW_MS)
  const imp = lineImpairmentAt(index, count, elapsedMs)
  imp.mcuOutage = mcuOutageIndex(epoch, count, elapsedMs) === index
  return imp
}

/**
 * The commune whose MCU is down this epoch: the first from a rotating start whose line is
 * healthy, so the demo shows an endpoint failing on its own (with a slow or cut line behind it,
 * its failure would read as the line's).
 */
function mcuOutageIndex(epoch: number, count: number, elapsedMs: number): number {
  const start = (epoch * 13 + 5) % count
  for (let k = 0; k < count; k++) {
    const i = (start + k) % count
    const l = lineImpairmentAt(i, count, elapsedMs)
    if (!l.lineOutage && l.loss === 0 && l.delayMs < 50 && l.jitterMs < 10) return i
  }
  return start
}

/**
 * Persistent troubles, one commune each: `index % 100` picks them (all from 30 up, so once in
 * the ~130-commune demo): eight, a normal day's share, and every state still shows.
 */
const TROUBLE = {
  slowLine: 31, // warning: RTT > 50 ms
  verySlowLine: 45, // critical: RTT > 100 ms
  lossyLine: 57, // critical: loss > 1 %
  slightlyLossyLine: 71, // warning: loss > 0.1 %
  jitteryLine: 88, // warning: jitter > 10 ms
  underContract: 34, // warning: below 0.8 × contracted (hourly throughput test)
  farUnderContract: 96, // critical: below 0.5 × contracted
  poorVideo: 62, // critical: MOS < 3.6 on the video path
} as const
/** Lines cut at once during an outage window. */
const LINES_DOWN = 2

/** Everything but the MCU outage. */
function lineImpairmentAt(index: number, count: number, elapsedMs: number): Impairment {
  const imp: Impairment = { delayMs: 4 + (index % 7) * 1.5, jitterMs: 0.5 + (index % 3) * 0.5, loss: 0, lineOutage: false, mcuOutage: false, rateShare: 0.93 + (index % 5) * 0.03, videoLoss: 0 }
  const slot = index % 100
  if (slot === TROUBLE.slowLine) imp.delayMs = 58 + (index % 4) * 8
  if (slot === TROUBLE.verySlowLine) imp.delayMs = 125 + (index % 3) * 15
  if (slot === TROUBLE.lossyLine) imp.loss = 0.03
  if (slot === TROUBLE.slightlyLossyLine) imp.loss = 0.004
  if (slot === TROUBLE.jitteryLine) imp.jitterMs = 18
  if (slot === TROUBLE.underContract) imp.rateShare = 0.57
  if (slot === TROUBLE.farUnderContract) imp.rateShare = 0.42
  if (slot === TROUBLE.poorVideo) imp.videoLoss = 0.12
  const epoch = Math.floor(elapsedMs / OUTAGE_WINDOW_MS)
  const inOutage = elapsedMs % OUTAGE_WINDOW_MS < OUTAGE_DURATION_MS
  for (let k = 0; k < LINES_DOWN; k++) if (inOutage && (epoch * 7 + k * 41 + 2) % count === index) imp.lineOutage = true
  return imp
}

/** Whether the simulated remote agent is online at this moment of the script. */
export function remoteAgentOnlineAt(elapsedMs: number): boolean {
  const t = elapsedMs % AGENT_CYCLE_MS
  return t >= AGENT_ONLINE_FROM_MS && t < AGENT_ONLINE_TO_MS
}

interface Responder {
  code: string
  index: number
  address: string
  /** Contracted rate of the commune (Mbit/s): its speedtest far end runs at `rateShare` of it. */
  contractedMbps: number
  udp: UdpSocket | undefined
  video: UdpSocket | undefined
  sip: UdpSocket | undefined
  tcp: Server | undefined
  tcpOpen: boolean
  speedtest: PacedSpeedtest | undefined
  imp: Impairment
}

export interface DemoSimulationOptions {
  /** Commune code → loopback address, in script order. */
  addresses: Map<string, string>
  /** Commune code → contracted rate (Mbit/s); 100 when absent. */
  contractedMbps?: ReadonlyMap<string, number>
  log: Logger
  now?: () => number
  /** How often the script is re-read (ms). */
  stepMs?: number
  /** Told when the simulated remote agent should go online or offline. */
  onRemoteAgent?: (online: boolean) => void
  random?: () => number
}

/** Runs the responders and the script. `start()` binds, `stop()` closes everything. */
export class DemoSimulation {
  private readonly responders: Responder[] = []
  private timer: NodeJS.Timeout | undefined
  private readonly startedAt: number
  private readonly now: () => number
  private readonly random: () => number
  private agentOnline: boolean | undefined
  private readonly pending = new Set<NodeJS.Timeout>()

  constructor(private readonly opts: DemoSimulationOptions) {
    this.now = opts.now ?? Date.now
    this.random = opts.random ?? Math.random
    this.startedAt = this.now()
    let index = 0
    for (const [code, address] of opts.addresses) {
      this.responders.push({
        code,
        index: index++,
        address,
        contractedMbps: opts.contractedMbps?.get(code) ?? 100,
        udp: undefined,
        video: undefined,
        sip: undefined,
        tcp: undefined,
        tcpOpen: false,
        speedtest: undefined,
        imp: impairmentAt(0, 1, 0),
      })
    }
  }

  /** Binds every responder; a responder that cannot bind is logged and its targets will read down. */
  async start(): Promise<void> {
    this.step()
    await Promise.all(this.responders.map((r) => this.bindUdp(r, 'line')))
    await Promise.all(this.responders.map((r) => this.bindUdp(r, 'video')))
    await Promise.all(this.responders.map((r) => this.bindSip(r)))
    await Promise.all(this.responders.map((r) => this.bindSpeedtest(r)))
    await Promise.all(this.responders.map((r) => this.syncTcp(r)))
    this.timer = setInterval(() => this.step(), this.opts.stepMs ?? 1000)
    this.timer.unref()
  }

  /** Current impairment of a commune (for tests and the log). */
  impairmentOf(code: string): Impairment | undefined {
    return this.responders.find((r) => r.code === code)?.imp
  }

  private step(): void {
    const elapsed = this.now() - this.startedAt
    for (const r of this.responders) {
      r.imp = impairmentAt(r.index, this.responders.length, elapsed)
      void this.syncTcp(r)
    }
    const online = remoteAgentOnlineAt(elapsed)
    if (online !== this.agentOnline) {
      this.agentOnline = online
      this.opts.onRemoteAgent?.(online)
    }
  }

  /**
   * The line's UDP echo reflector, or the video path's (towards the MCU: the line's impairments
   * plus its own loss).
   */
  private bindUdp(r: Responder, path: 'line' | 'video'): Promise<void> {
    const port = path === 'line' ? DEMO_PORTS.udpEcho : DEMO_PORTS.videoEcho
    return new Promise((resolve) => {
      const sock = createSocket('udp4')
      sock.on('message', (msg, rinfo) => {
        if (r.imp.lineOutage || this.random() < r.imp.loss) return
        if (path === 'video' && (r.imp.mcuOutage || this.random() < r.imp.videoLoss)) return
        const delay = Math.max(0, r.imp.delayMs + (this.random() * 2 - 1) * r.imp.jitterMs)
        const t = setTimeout(() => {
          this.pending.delete(t)
          // Stamped when the reply leaves: the injected delay plays the path, not the reflector,
          // so the sender's residence-time correction (TWAMP) does not remove it.
          const now = wallClockNs()
          if (!toUdpEchoReply(msg, now, now)) return
          sock.send(msg, rinfo.port, rinfo.address)
        }, delay)
        this.pending.add(t)
      })
      sock.once('error', (err) => {
        this.opts.log.warn({ err, address: r.address }, `demo: UDP echo responder ${r.address}:${port} could not start`)
        resolve()
      })
      sock.bind(port, r.address, () => {
        if (path === 'line') r.udp = sock
        else r.video = sock
        resolve()
      })
    })
  }

  /**
   * A minimal SIP user agent on 5060/udp answering OPTIONS: 200 OK normally, 503 during an
   * MCU outage, nothing during a line outage; the line's delay applies to the answer.
   */
  private bindSip(r: Responder): Promise<void> {
    return new Promise((resolve) => {
      const sock = createSocket('udp4')
      sock.on('message', (msg, rinfo) => {
        if (r.imp.lineOutage) return
        const text = msg.toString('latin1')
        if (!text.startsWith('OPTIONS ')) return
        const header = (name: string): string[] => text.split('\r\n').filter((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`))
        const to = header('To')[0] ?? 'To: <sip:demo@invalid>'
        const status = r.imp.mcuOutage ? '503 Service Unavailable' : '200 OK'
        const reply = [
          `SIP/2.0 ${status}`,
          ...header('Via'),
          ...header('From'),
          /;tag=/i.test(to) ? to : `${to};tag=xanh-demo`,
          ...header('Call-ID'),
          ...header('CSeq'),
          'Server: Xanh demo MCU (simulated)',
          'Content-Length: 0',
          '',
          '',
        ].join('\r\n')
        const t = setTimeout(() => {
          this.pending.delete(t)
          sock.send(Buffer.from(reply, 'latin1'), rinfo.port, rinfo.address)
        }, Math.max(0, r.imp.delayMs / 2))
        this.pending.add(t)
      })
      sock.once('error', (err) => {
        this.opts.log.warn({ err, address: r.address }, `demo: SIP responder ${r.address}:${DEMO_PORTS.sip} could not start`)
        resolve()
      })
      sock.bind(DEMO_PORTS.sip, r.address, () => {
        r.sip = sock
        resolve()
      })
    })
  }

  /** The line's speedtest far end, capped at the script's share of the contracted rate, cut during an outage. */
  private async bindSpeedtest(r: Responder): Promise<void> {
    try {
      r.speedtest = await startPacedSpeedtest({
        host: r.address,
        port: DEMO_PORTS.speedtest,
        rateBytesPerSecond: () => (r.imp.rateShare * r.contractedMbps * 1e6) / 8,
        down: () => r.imp.lineOutage,
      })
    } catch (err) {
      this.opts.log.warn({ err, address: r.address }, `demo: speedtest responder ${r.address}:${DEMO_PORTS.speedtest} could not start`)
    }
  }

  /** Opens or closes the MCU listener to match the script (closed = connection refused). */
  private syncTcp(r: Responder): Promise<void> {
    // A line outage cuts the MCU behind it too, as on a real commune line.
    const want = !r.imp.mcuOutage && !r.imp.lineOutage
    if (want === r.tcpOpen) return Promise.resolve()
    r.tcpOpen = want
    if (!want) {
      const server = r.tcp
      r.tcp = undefined
      return new Promise((resolve) => (server ? server.close(() => resolve()) : resolve()))
    }
    return new Promise((resolve) => {
      const server = createServer((socket) => {
        // An H.323 gatekeeper would talk; the connect itself is what the check measures.
        socket.on('error', () => undefined)
        socket.end()
      })
      server.once('error', (err) => {
        this.opts.log.warn({ err, address: r.address }, `demo: MCU responder ${r.address}:${DEMO_PORTS.h323} could not start`)
        resolve()
      })
      server.listen(DEMO_PORTS.h323, r.address, () => {
        r.tcp = server
        resolve()
      })
    })
  }

  /** Closes every socket and timer. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    for (const t of this.pending) clearTimeout(t)
    this.pending.clear()
    await Promise.all(
      this.responders.map(
        (r) =>
          new Promise<void>((resolve) => {
            r.tcpOpen = true // prevent a late step from reopening
            const closeTcp = (): void => (r.tcp ? (r.tcp.close(() => resolve()), undefined) : resolve())
            r.sip?.close()
            r.sip = undefined
            r.video?.close()
            r.video = undefined
            void r.speedtest?.close()
            r.speedtest = undefined
            if (r.udp) r.udp.close(closeTcp)
            else closeTcp()
            r.udp = undefined
          }),
      ),
    )
  }
}
