/**
 * Test doubles for the web models: a manual clock, a scriptable socket, fixture rows.
 * @module
 */
import type { CommuneSummary, Overview, State, TargetStatus } from '../../protocol'
import type { Api } from '../../web/src/api'
import type { Clock, TimerHandle } from '../../web/src/models/clock'
import type { SocketLike } from '../../web/src/models/live'

interface Timer {
  id: number
  at: number
  fn: () => void
  every: number | null
}

/** A clock that only moves when told to; due timers fire in time order during `advance`. */
export class FakeClock implements Clock {
  private t: number
  private seq = 0
  private timers = new Map<number, Timer>()

  constructor(start = Date.parse('2025-07-01T03:00:00Z')) {
    this.t = start
  }

  now(): number {
    return this.t
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = ++this.seq
    this.timers.set(id, { id, at: this.t + ms, fn, every: null })
    return id
  }

  clearTimeout(h: TimerHandle): void {
    this.timers.delete(h as number)
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    const id = ++this.seq
    this.timers.set(id, { id, at: this.t + ms, fn, every: ms })
    return id
  }

  clearInterval(h: TimerHandle): void {
    this.timers.delete(h as number)
  }

  /** Number of pending timers (intervals included). */
  get pending(): number {
    return this.timers.size
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void {
    const end = this.t + ms
    for (;;) {
      let next: Timer | undefined
      for (const tm of this.timers.values()) if (tm.at <= end && (!next || tm.at < next.at)) next = tm
      if (!next) break
      this.t = next.at
      if (next.every !== null) next.at += next.every
      else this.timers.delete(next.id)
      next.fn()
    }
    this.t = end
  }
}

/** A socket the test drives: `open()`, `receive()`, `drop()`. */
export class FakeSocket implements SocketLike {
  onopen: ((ev: unknown) => void) | null = null
  onmessage: ((ev: { data: unknown }) => void) | null = null
  onclose: ((ev: unknown) => void) | null = null
  onerror: ((ev: unknown) => void) | null = null
  closed = false

  constructor(readonly url: string) {}

  close(): void {
    this.closed = true
  }
  open(): void {
    this.onopen?.({})
  }
  receive(msg: unknown): void {
    this.onmessage?.({ data: typeof msg === 'string' ? msg : JSON.stringify(msg) })
  }
  drop(): void {
    this.onclose?.({})
  }
}

/** A commune summary with sensible defaults. */
export function commune(code: string, over: Partial<CommuneSummary> = {}): CommuneSummary {
  return {
    code,
    name: `Xã ${code}`,
    kind: 'xa',
    cluster: 'Cụm 1',
    lat: 16.5,
    lon: 107.5,
    contractedMbps: 100,
    state: 'ok',
    since: '2025-07-01T01:00:00Z',
    reason: null,
    verdict: null,
    lineState: 'ok',
    mcuState: 'ok',
    rttSeconds: 0.012,
    lossRatio: 0,
    throughput: null,
    utilizationRatio: null,
    mos: null,
    lastSeenAt: '2025-07-01T02:59:50Z',
    openGaps: 0,
    ...over,
  }
}

/** A target status with sensible defaults. */
export function target(id: string, communeCode: string, over: Partial<TargetStatus> = {}): TargetStatus {
  return {
    id,
    communeCode,
    name: null,
    kind: 'icmp',
    role: 'line',
    host: '127.0.0.1',
    port: null,
    intervalSeconds: 15,
    state: 'ok',
    unreachable: false,
    awaitingParents: false,
    since: null,
    reason: null,
    lastResultAt: '2025-07-01T02:59:50Z',
    lastError: null,
    consecutiveFailures: 0,
    flapping: false,
    measurements: {},
    window: { rttMedianSeconds: 0.01, lossRatio: 0, packets: 900, asOf: '2025-07-01T02:59:50Z' },
    verdict: null,
    verdicts: [],
    ...over,
  }
}

/** Counts of a list of communes. */
export function countStates(list: readonly CommuneSummary[]): Record<State, number> {
  const c: Record<State, number> = { ok: 0, warning: 0, critical: 0, down: 0, unknown: 0 }
  for (const x of list) c[x.state]++
  return c
}

/** An overview of `communes` generated at `generatedAt`. */
export function overview(communes: CommuneSummary[], generatedAt = '2025-07-01T03:00:00Z'): Overview {
  return {
    province: { code: '46', name: 'Thành phố Huế' },
    demo: true,
    generatedAt,
    counts: countStates(communes),
    communes,
  }
}

/**
 * An Api whose every method rejects (a test calling one it did not script fails loudly),
 * with the given methods replaced.
 */
export function stubApi(over: Partial<Api> = {}): Api {
  const handler: ProxyHandler<Partial<Api>> = {
    get: (target, prop: string) => (prop in target ? target[prop as keyof Api] : () => Promise.reject(new Error(`unexpected api.${prop}()`))),
  }
  return new Proxy(over, handler) as Api
}
