/**
 * The live connection (`/api/v1/live` WebSocket): reconnects with capped exponential
 * backoff and tells the views whether what they show is live or stale (SPEC §8).
 * Staleness is judged by silence, not only by the socket state: the server sends a delta
 * at least every 15 s, so a half-open connection that delivers nothing also reads stale.
 * @module
 */
import { computed, createModel, effect, signal, type ReadonlySignal } from '@preact/signals'
import { LiveMessage } from '../../../protocol'
import type { Clock, TimerHandle } from './clock'

/** The subset of the browser WebSocket the model uses; inject a fake in tests. */
export interface SocketLike {
  onopen: ((ev: unknown) => void) | null
  onmessage: ((ev: { data: unknown }) => void) | null
  onclose: ((ev: unknown) => void) | null
  onerror: ((ev: unknown) => void) | null
  close(): void
}

/** Opens a socket to `url`; may throw (bad URL, blocked), which counts as a failed attempt. */
export type SocketFactory = (url: string) => SocketLike

/** What the indicator shows. */
export type LiveStatus = 'connecting' | 'live' | 'stale'

/** Tuning; defaults suit the server's 15 s heartbeat. */
export interface LiveOptions {
  /** Silence after which data counts as stale and the socket is recycled. Default 40 s. */
  staleAfterMs?: number
  /** First reconnect delay. Default 1 s. */
  backoffBaseMs?: number
  /** Reconnect delay cap. Default 30 s. */
  backoffMaxMs?: number
  /** How often `now` advances (drives staleness and "since" durations). Default 1 s. */
  tickMs?: number
  /** Random source in [0, 1) for backoff jitter. Default Math.random. */
  random?: () => number
}

/** Dependencies of {@link LiveModel}. */
export interface LiveDeps {
  connect: SocketFactory
  url: string
  clock: Clock
  /** Receives every valid message, in order. */
  onMessage: (msg: LiveMessage) => void
  options?: LiveOptions
}

/** Read-only live state plus its actions. */
export interface LiveState {
  status: ReadonlySignal<LiveStatus>
  /** True while a socket is open. */
  connected: ReadonlySignal<boolean>
  /** Local time (epoch ms) the last message arrived; null before the first. */
  lastMessageAt: ReadonlySignal<number | null>
  /** Local clock, advanced every tick; views use it for durations so they stay current. */
  now: ReadonlySignal<number>
  /** Failed attempts since the last successful message; drives the backoff. */
  attempts: ReadonlySignal<number>
  /** Messages dropped because they did not parse as a LiveMessage. */
  invalidMessages: ReadonlySignal<number>
  /** Opens the socket and starts the clock tick. Idempotent. */
  start: () => void
  /** Closes the socket and stops every timer. */
  stop: () => void
  /** Re-evaluates staleness now (the tick calls it; tests may too). */
  tick: () => void
}

/**
 * Builds the WebSocket URL of `/api/v1/live` on the page's own origin (ws: for http:,
 * wss: for https:), so it works behind any reverse proxy that serves the dashboard.
 */
export function liveUrl(location: { protocol: string; host: string }): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/api/v1/live`
}

/**
 * Reconnect delay for the n-th consecutive failure (0-based): base·2ⁿ capped at max, with
 * "equal jitter" (between half and all of it) so a province's worth of browsers do not
 * reconnect in lockstep after a server restart.
 */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  const full = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30))
  return Math.round(full / 2 + (full / 2) * random())
}

/** Live connection model. Call `start()` once; dispose or `stop()` to tear down. */
export const LiveModel = createModel((deps: LiveDeps): LiveState => {
  const { clock } = deps
  const staleAfterMs = deps.options?.staleAfterMs ?? 40_000
  const baseMs = deps.options?.backoffBaseMs ?? 1_000
  const maxMs = deps.options?.backoffMaxMs ?? 30_000
  const tickMs = deps.options?.tickMs ?? 1_000
  const random = deps.options?.random ?? Math.random

  const connected = signal(false, { name: 'live-connected' })
  const lastMessageAt = signal<number | null>(null, { name: 'live-last-message' })
  const now = signal(clock.now(), { name: 'live-now' })
  const attempts = signal(0, { name: 'live-attempts' })
  const invalidMessages = signal(0, { name: 'live-invalid' })
  const running = signal(false, { name: 'live-running' })

  const status = computed<LiveStatus>(
    () => {
      const last = lastMessageAt.value
      if (connected.value && last !== null && now.value - last <= staleAfterMs) return 'live'
      // Before anything has ever arrived, and before the first attempt failed, we are
      // simply starting up: do not alarm anyone with "disconnected".
      if (last === null && attempts.value === 0) return 'connecting'
      return 'stale'
    },
    { name: 'live-status' },
  )

  let socket: SocketLike | null = null
  let openedAt = 0
  let retryTimer: TimerHandle | null = null

  function detach(s: SocketLike): void {
    s.onopen = s.onmessage = s.onclose = s.onerror = null
  }

  function scheduleReconnect(): void {
    if (!running.peek() || retryTimer !== null) return
    const delay = backoffDelay(attempts.peek(), baseMs, maxMs, random)
    attempts.value = attempts.peek() + 1
    retryTimer = clock.setTimeout(() => {
      retryTimer = null
      open()
    }, delay)
  }

  function dropSocket(): void {
    if (!socket) return
    const s = socket
    socket = null
    detach(s)
    connected.value = false
    try {
      s.close()
    } catch {
      // Closing a socket that never opened can throw in some browsers; it is gone either way.
    }
  }

  function open(): void {
    if (!running.peek()) return
    let s: SocketLike
    try {
      s = deps.connect(deps.url)
    } catch {
      scheduleReconnect()
      return
    }
    socket = s
    s.onopen = () => {
      connected.value = true
      openedAt = clock.now()
    }
    s.onmessage = (ev) => {
      const at = clock.now()
      lastMessageAt.value = at
      now.value = at
      attempts.value = 0
      let msg: LiveMessage
      try {
        const parsed = LiveMessage.safeParse(typeof ev.data === 'string' ? JSON.parse(ev.data) : undefined)
        if (!parsed.success) {
          invalidMessages.value = invalidMessages.peek() + 1
          return
        }
        msg = parsed.data
      } catch {
        invalidMessages.value = invalidMessages.peek() + 1
        return
      }
      deps.onMessage(msg)
    }
    const lost = (): void => {
      if (socket !== s) return
      dropSocket()
      scheduleReconnect()
    }
    s.onclose = lost
    s.onerror = lost
  }

  function tick(): void {
    const t = clock.now()
    now.value = t
    if (!socket || !connected.peek()) return
    // Watchdog: an open socket that has been silent longer than the stale limit is treated
    // as dead (NAT timeout, proxy dropping frames) and replaced.
    const last = Math.max(lastMessageAt.peek() ?? 0, openedAt)
    if (t - last > staleAfterMs) {
      dropSocket()
      scheduleReconnect()
    }
  }

  function start(): void {
    if (running.peek()) return
    running.value = true
    open()
  }

  function stop(): void {
    running.value = false
  }

  // Everything a started model holds (tick, retry timer, socket) is released by this
  // effect's cleanup, which runs on stop() and when the model is disposed.
  effect(() => {
    if (!running.value) return
    const h = clock.setInterval(tick, tickMs)
    return () => {
      clock.clearInterval(h)
      if (retryTimer !== null) clock.clearTimeout(retryTimer)
      retryTimer = null
      dropSocket()
    }
  })

  return { status, connected, lastMessageAt, now, attempts, invalidMessages, start, stop, tick }
})

/** An instance of {@link LiveModel}. */
export type LiveModel = InstanceType<typeof LiveModel>
