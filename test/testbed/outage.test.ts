/**
 * Outage hysteresis end to end (SPEC §4): real udp_echo results through a veth whose far end is
 * taken down and brought back, fed round by round into a real StateEngine on the real clock.
 * Down after exactly 3 failed rounds, up (ok) again after exactly 2 good ones.
 */
import { execFileSync } from 'node:child_process'
import { createSocket } from 'node:dgram'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUdpEchoChecker } from '../../probes/checks/udp-echo'
import { StateEngine, type TargetMeta } from '../../server/state/engine'
import { StateConfig, Thresholds } from '../../server/config'
import type { State } from '../../protocol'
import { makeCtx, makeTarget } from '../helpers/probe-fixtures'
import { createCommune, skipUnlessTestbed, type Commune } from './netns'
import { startReflector, type FarService } from './services'

const gate = skipUnlessTestbed()

describe.skipIf(!gate.run)('testbed: line outage through the state engine', () => {
  let commune: Commune
  let reflector: FarService

  beforeAll(async () => {
    commune = await createCommune()
    reflector = await startReflector(commune)
  })
  afterAll(async () => {
    await commune?.teardown()
  })

  it('link down → down after exactly 3 failed rounds; link up → ok after exactly 2 good rounds', { timeout: 30_000 }, async () => {
    const TARGET = 'tb-line'
    const COMMUNE = 'TB-01'
    // Short rounds: 10 packets at 100 pps, replies waited 300 ms, 2 s deadline.
    const check = createUdpEchoChecker({ replyWaitMs: 300 })
    const target = makeTarget('udp_echo', {
      id: TARGET,
      host: commune.farAddr,
      port: reflector.port,
      intervalSeconds: 2,
      timeoutSeconds: 2,
      options: { packets: 10, ratePps: 100 },
    })
    const config = StateConfig.parse({}) // the defaults under test: downAfter 3, upAfter 2
    expect(config).toMatchObject({ downAfter: 3, upAfter: 2 })
    const engine = new StateEngine(config, Thresholds.parse({}), Date.now)
    const meta: TargetMeta = {
      id: TARGET,
      communeCode: COMMUNE,
      name: 'commune line',
      kind: 'udp_echo',
      role: 'line',
      host: commune.farAddr,
      port: reflector.port,
      intervalSeconds: 2,
      parents: [],
      enabled: true,
    }
    engine.setInventory(
      [{ code: COMMUNE, name: 'Xã Thử', kind: 'xa', cluster: 'Cụm A', lat: 19, lon: 105, contractedMbps: 100, priority: 0, notes: '', openGaps: 0 }],
      [meta],
    )

    const log: string[] = []
    /** One real round: check, ingest at the observed time, read the target's state back. */
    const round = async (label: string): Promise<{ ok: boolean; state: State }> => {
      const r = await check(target, makeCtx(2))
      engine.ingest([{ targetId: TARGET, observedAt: Date.now(), ok: r.ok, error: r.error ?? null, measurements: r.measurements }])
      const st = engine.targetStatus(TARGET)
      if (!st) throw new Error('target vanished from the engine')
      log.push(`${label}: ok=${r.ok} received=${r.measurements.received}/${r.measurements.sent} → ${st.state}${r.error ? ` (${r.error})` : ''}`)
      return { ok: r.ok, state: st.state }
    }

    try {
      // Healthy line.
      const before = [await round('up 1'), await round('up 2')]
      expect(before.map((x) => x.ok)).toEqual([true, true])
      expect(before.at(-1)?.state).toBe('ok')

      // Line cut at the commune end: the very next round fails, and only the third one is down.
      await commune.linkDown('far')
      const cut = [await round('cut 1'), await round('cut 2'), await round('cut 3'), await round('cut 4')]
      expect(cut.map((x) => x.ok)).toEqual([false, false, false, false])
      expect(cut.map((x) => x.state)).toEqual(['warning', 'warning', 'down', 'down'])
      expect(engine.targetStatus(TARGET)?.lastError).toMatch(new RegExp(`^100% loss to ${commune.farAddr.replace(/\./g, '\\.')}:${reflector.port} \\(10 sent\\)$`))
      expect(engine.communeSummary(COMMUNE)).toMatchObject({ state: 'down', reason: 'line:down' })

      // Line restored: the first good round is not enough, the second one is.
      await commune.linkUp()
      const back = [await round('back 1'), await round('back 2')]
      expect(back.map((x) => x.ok)).toEqual([true, true])
      expect(back.map((x) => x.state)).toEqual(['down', 'ok'])
      expect(engine.communeSummary(COMMUNE)).toMatchObject({ state: 'ok' })
    } finally {
      console.info(log.join('\n'))
    }
  })

  it('root-side link down: the kernel refuses sends to the far end (no leak via the default route)', { timeout: 15_000 }, async () => {
    await commune.linkDown('root')
    try {
      // The safety route answers instead of the machine's default route.
      expect(() => execFileSync('ip', ['route', 'get', commune.farAddr], { stdio: 'pipe' })).toThrow(/No route to host/)
      const socket = createSocket('udp4')
      try {
        const err = await new Promise<NodeJS.ErrnoException | null>((resolve) => socket.send(Buffer.alloc(40), reflector.port, commune.farAddr, resolve))
        expect(err?.code).toBe('EHOSTUNREACH')
      } finally {
        socket.close()
      }
    } finally {
      await commune.linkUp()
    }
  })

  // Regression: a failed connect() (EHOSTUNREACH when the agent's own uplink is down) used to
  // reach sendNext() on an unconnected socket and crash the agent with an uncaught exception.
  it('udp_echo with no route to the far end resolves ok:false naming host:port', { timeout: 15_000 }, async () => {
    const check = createUdpEchoChecker({ replyWaitMs: 300 })
    const target = makeTarget('udp_echo', { host: commune.farAddr, port: reflector.port, timeoutSeconds: 2, options: { packets: 10, ratePps: 100 } })
    await commune.linkDown('root')
    try {
      const r = await check(target, makeCtx(2))
      expect(r.ok).toBe(false)
      expect(r.error).toContain(`${commune.farAddr}:${reflector.port}`)
    } finally {
      await commune.linkUp()
    }
    expect(await check(target, makeCtx(2))).toMatchObject({ ok: true })
  })
})
