import { describe, expect, it } from 'vitest'
import type { LiveMessage } from '../../protocol'
import { LiveModel, backoffDelay, liveUrl } from '../../web/src/models/live'
import { FakeClock, FakeSocket } from './fakes'

function setup(opts: { failConnect?: boolean } = {}) {
  const clock = new FakeClock()
  const sockets: FakeSocket[] = []
  const received: LiveMessage[] = []
  const live = new LiveModel({
    url: 'ws://x/api/v1/live',
    clock,
    connect: (url) => {
      if (opts.failConnect) throw new Error('blocked')
      const s = new FakeSocket(url)
      sockets.push(s)
      return s
    },
    onMessage: (m) => received.push(m),
    options: { staleAfterMs: 40_000, backoffBaseMs: 1_000, backoffMaxMs: 30_000, tickMs: 1_000, random: () => 1 },
  })
  const last = () => {
    const s = sockets.at(-1)
    if (!s) throw new Error('no socket')
    return s
  }
  return { clock, sockets, received, live, last }
}

const hello = { type: 'hello', serverTime: '2025-07-01T03:00:00Z', demo: true } as const
const heartbeat = { type: 'delta', at: '2025-07-01T03:00:15Z', counts: { ok: 1, warning: 0, critical: 0, down: 0, unknown: 0 }, communes: [], targets: [] } as const

describe('LiveModel', () => {
  it('is "connecting" until the first message, then "live"', () => {
    const { live, last, received } = setup()
    live.start()
    expect(live.status.value).toBe('connecting')
    last().open()
    expect(live.status.value).toBe('connecting')
    last().receive(hello)
    expect(live.status.value).toBe('live')
    expect(received).toEqual([hello])
  })

  it('turns stale after silence longer than the limit, by the injected clock', () => {
    const { live, last, clock } = setup()
    live.start()
    last().open()
    last().receive(hello)
    clock.advance(15_000)
    last().receive(heartbeat)
    clock.advance(39_000)
    expect(live.status.value).toBe('live')
    clock.advance(2_000)
    expect(live.status.value).toBe('stale')
  })

  it('recycles a silent socket and goes live again on the new one', () => {
    const { live, last, clock, sockets } = setup()
    live.start()
    last().open()
    last().receive(hello)
    clock.advance(41_000)
    expect(sockets[0]?.closed).toBe(true)
    expect(live.connected.value).toBe(false)
    clock.advance(1_000) // first retry after base delay (random=1 → full delay)
    expect(sockets).toHaveLength(2)
    last().open()
    last().receive(hello)
    expect(live.status.value).toBe('live')
    expect(live.attempts.value).toBe(0)
  })

  it('reconnects with exponential backoff after drops, and shows stale meanwhile', () => {
    const { live, last, clock, sockets } = setup()
    live.start()
    last().open()
    last().receive(hello)
    last().drop()
    expect(live.status.value).toBe('stale')
    clock.advance(999)
    expect(sockets).toHaveLength(1)
    clock.advance(1)
    expect(sockets).toHaveLength(2)
    last().drop() // second failure: 2 s
    clock.advance(1_999)
    expect(sockets).toHaveLength(2)
    clock.advance(1)
    expect(sockets).toHaveLength(3)
    last().drop() // third: 4 s
    clock.advance(4_000)
    expect(sockets).toHaveLength(4)
  })

  it('counts a socket factory that throws as a failed attempt', () => {
    const { live } = setup({ failConnect: true })
    live.start()
    expect(live.attempts.value).toBe(1)
    expect(live.status.value).toBe('stale')
  })

  it('drops invalid messages but counts them as signs of life', () => {
    const { live, last, received } = setup()
    live.start()
    last().open()
    last().receive('not json')
    last().receive({ type: 'delta', at: 'yesterday' })
    expect(received).toEqual([])
    expect(live.invalidMessages.value).toBe(2)
    expect(live.status.value).toBe('live')
  })

  it('stop() closes the socket and clears every timer; no reconnect follows', () => {
    const { live, last, clock, sockets } = setup()
    live.start()
    last().open()
    live.stop()
    expect(sockets[0]?.closed).toBe(true)
    expect(clock.pending).toBe(0)
    clock.advance(120_000)
    expect(sockets).toHaveLength(1)
  })

  it('dispose releases the same resources as stop()', () => {
    const { live, last, clock } = setup()
    live.start()
    last().open()
    live[Symbol.dispose]()
    expect(last().closed).toBe(true)
    expect(clock.pending).toBe(0)
  })
})

describe('backoffDelay', () => {
  it.each([
    [0, 1, 1000],
    [0, 0, 500],
    [3, 1, 8000],
    [10, 1, 30000],
    [10, 0, 15000],
  ])('attempt %i with random %d → %i ms', (attempt, r, expected) => {
    expect(backoffDelay(attempt, 1000, 30000, () => r)).toBe(expected)
  })
})

describe('liveUrl', () => {
  it('uses ws on http and wss on https, same host', () => {
    expect(liveUrl({ protocol: 'http:', host: '10.0.0.5:8080' })).toBe('ws://10.0.0.5:8080/api/v1/live')
    expect(liveUrl({ protocol: 'https:', host: 'xanh.hue.gov.vn' })).toBe('wss://xanh.hue.gov.vn/api/v1/live')
  })
})
