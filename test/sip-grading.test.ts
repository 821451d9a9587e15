/**
 * SIP grading (issue 10, done-when 3): real SIP OPTIONS responders on 127.0.0.1 answering 404,
 * 503, 200 after 2 s, and not at all; the real sip checker runs three rounds against each and
 * the state engine grades them: warning (a non-2xx answer), down (503 is a failure: three make
 * it down), warning (answered, but slower than 1 s), down (timeouts).
 */
import { createSocket, type Socket } from 'node:dgram'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkSip } from '../probes/checks/sip'
import { StateConfig, Thresholds } from '../server/config'
import { StateEngine } from '../server/state/engine'
import { makeCtx, makeTarget } from './helpers/probe-fixtures'

type Mode = '404' | '503' | 'slow' | 'silent'

/** A SIP UA on 127.0.0.1:0 that answers OPTIONS the way `mode` says (RFC 3261 §8.2.6 headers copied). */
async function sipResponder(mode: Mode): Promise<{ port: number; socket: Socket }> {
  const socket = createSocket('udp4')
  socket.on('message', (msg, from) => {
    const text = msg.toString('latin1')
    if (!text.startsWith('OPTIONS ') || mode === 'silent') return
    const headers = (name: string) => text.split('\r\n').filter((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`))
    const status = mode === '404' ? '404 Not Found' : mode === '503' ? '503 Service Unavailable' : '200 OK'
    const to = headers('To')[0] ?? 'To: <sip:mcu@test>'
    const reply = [`SIP/2.0 ${status}`, ...headers('Via'), ...headers('From'), /;tag=/i.test(to) ? to : `${to};tag=t1`, ...headers('Call-ID'), ...headers('CSeq'), 'Content-Length: 0', '', ''].join('\r\n')
    setTimeout(() => socket.send(Buffer.from(reply, 'latin1'), from.port, from.address), mode === 'slow' ? 2000 : 0)
  })
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r))
  return { port: (socket.address() as AddressInfo).port, socket }
}

const MODES: ReadonlyArray<{ mode: Mode; timeoutSeconds: number; state: string; reason: string }> = [
  { mode: '404', timeoutSeconds: 4, state: 'warning', reason: 'sip' },
  { mode: '503', timeoutSeconds: 4, state: 'down', reason: 'down' },
  { mode: 'slow', timeoutSeconds: 4, state: 'warning', reason: 'sip' },
  { mode: 'silent', timeoutSeconds: 1, state: 'down', reason: 'down' },
]

describe('SIP OPTIONS responders graded by the engine', () => {
  const responders = new Map<Mode, { port: number; socket: Socket }>()
  beforeAll(async () => {
    for (const m of MODES) responders.set(m.mode, await sipResponder(m.mode))
  })
  afterAll(() => {
    for (const r of responders.values()) r.socket.close()
  })

  it('404 → warning, 503 → down, 200 after 2 s → warning, no answer → down', { timeout: 60_000 }, async () => {
    const engine = new StateEngine(StateConfig.parse({}), Thresholds.parse({}))
    engine.setInventory(
      [{ code: 'KS-ML', name: 'Xã Mường Lống', kind: 'xa', cluster: 'Cụm Kỳ Sơn', lat: 19.4, lon: 104.2, contractedMbps: 100, priority: 0, notes: '', openGaps: 0 }],
      MODES.map((m) => ({ id: `mcu-${m.mode}`, communeCode: 'KS-ML', name: `Điểm cầu (${m.mode})`, kind: 'sip' as const, role: 'mcu' as const, host: '127.0.0.1', port: responders.get(m.mode)?.port ?? 0, intervalSeconds: 30, parents: [], enabled: true })),
    )
    await Promise.all(
      MODES.map(async (m) => {
        const target = makeTarget('sip', { id: `mcu-${m.mode}`, host: '127.0.0.1', port: responders.get(m.mode)?.port, timeoutSeconds: m.timeoutSeconds, intervalSeconds: 30 })
        for (let round = 0; round < 3; round++) {
          const observedAt = Date.now()
          const r = await checkSip(target, makeCtx(m.timeoutSeconds))
          engine.ingest([{ targetId: target.id, observedAt, ok: r.ok, error: r.error ?? null, measurements: r.measurements }])
        }
      }),
    )
    const got = MODES.map((m) => {
      const s = engine.targetStatus(`mcu-${m.mode}`)
      return { mode: m.mode, state: s?.state, reason: s?.reason }
    })
    expect(got).toEqual(MODES.map((m) => ({ mode: m.mode, state: m.state, reason: m.reason })))
    expect(engine.targetStatus('mcu-404')?.verdict).toMatchObject({ rule: 'sip', part: 'status', value: 404, state: 'warning' })
    const slow = engine.targetStatus('mcu-slow')?.verdict
    expect(slow).toMatchObject({ rule: 'sip', part: 'response', state: 'warning', threshold: 1 })
    // The responder answers 2 s after it received the request; Node's timers are whole
    // milliseconds and may fire up to 1 ms early by the probe's clock (seen: 1.99991 s).
    expect(slow?.value).toBeGreaterThanOrEqual(1.995)
    expect(slow?.value).toBeLessThan(2.5)
    expect(engine.targetStatus('mcu-503')?.lastError).toMatch(/^503 Service Unavailable from 127\.0\.0\.1:\d+$/)
    expect(engine.targetStatus('mcu-silent')?.lastError).toMatch(/timeout after 1s/)
  })
})
