/**
 * Every state transition of SPEC §4 as seen by the people paged: a table of round patterns
 * per target, and what must happen to incidents and notifications. Real engine, store,
 * dispatcher and outbox; a real HTTP receiver; an injected clock.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { commune, makeTestServer, udpTarget, type TestServer } from '../../helpers/server'
import { startRecordServer, type RecordServer } from '../../helpers/record-server'
import { createMaintenance } from '../../../server/alerting/maintenance'
import { createSilence } from '../../../server/alerting/silences'

let s: TestServer | undefined
let hook: RecordServer | undefined
afterEach(async () => {
  s?.close()
  await hook?.close()
})

/** Round symbols: + good, - failed, s slow (RTT 130 ms), w warm (RTT 70 ms), _ silent (no result). */
type Setup = 'plain' | 'maintenance' | 'silence' | 'parent-down'

async function scenario(pattern: string, setup: Setup = 'plain', then = pattern.at(-1) ?? '+') {
  hook = await startRecordServer()
  s = makeTestServer({
    communes: [commune('CORE'), commune('C1', { name: 'Châu Tiến' })],
    targets: [udpTarget('core', 'CORE', 'uplink'), udpTarget('line', 'C1', 'line', { parents: ['core'] })],
  })
  const srv = s
  srv.runtime.store.supportGroups.create({ name: 'NOC', channels: [{ type: 'webhook', url: `${hook.url}/h` }], communes: [], clusters: [], escalation: [] })
  if (setup === 'maintenance') {
    createMaintenance(srv.runtime.store, {
      scope: { communes: [], clusters: [], targets: ['core'] },
      startsAt: new Date(srv.clock.now - 60_000).toISOString(),
      endsAt: new Date(srv.clock.now + 86_400_000).toISOString(),
      recurrence: null,
      reason: 'Nâng cấp thiết bị',
      createdBy: 'test',
    })
  }
  if (setup === 'silence') {
    createSilence(
      srv.runtime.store,
      { matchers: [{ name: 'commune_code', value: 'C1', isRegex: false, isEqual: true }], startsAt: new Date(srv.clock.now).toISOString(), endsAt: new Date(srv.clock.now + 86_400_000).toISOString(), createdBy: 'test', comment: 'test' },
      srv.clock.now,
    )
  }
  srv.runtime.reloadInventory()
  const round = async (ch: string): Promise<void> => {
    srv.clock.now += 15_000
    const results = []
    const coreOk = setup !== 'parent-down' || ch === '+'
    results.push({ targetId: 'core', observedAt: srv.clock.now, ok: coreOk, error: coreOk ? null : 'timeout', measurements: coreOk ? { rtt_median_seconds: 0.005, sent: 50, received: 50 } : { sent: 50, received: 0 } })
    if (ch !== '_') {
      const ok = ch !== '-'
      const rtt = ch === 's' ? 0.13 : ch === 'w' ? 0.07 : 0.01
      results.push({ targetId: 'line', observedAt: srv.clock.now, ok, error: ok ? null : 'timeout after 5s waiting for 10.0.0.2:8620', measurements: ok ? { rtt_median_seconds: rtt, sent: 50, received: 50 } : { sent: 50, received: 0 } })
    }
    srv.runtime.engine.ingest(results as never)
    srv.runtime.tick()
    await srv.runtime.alerting.outbox.deliverDue()
  }
  for (const ch of pattern) await round(ch)
  const stateAfterPattern = srv.runtime.engine.targetStatus('line')?.state
  // Then the steady state for 6 minutes (past group_wait and one group_interval), ticking every 5 s.
  for (let r = 0; r < 24; r++) {
    for (let k = 0; k < 2; k++) {
      srv.clock.now += 5_000
      srv.runtime.tick()
      await srv.runtime.alerting.outbox.deliverDue()
    }
    srv.clock.now -= 10_000
    await round(then)
  }
  const incidents = srv.runtime.alerting.list('all', 50).filter((i) => i.targetId === 'line')
  const messages = (hook.requests.map((r) => r.body) as Array<{ status: string; alerts: Array<{ labels: Record<string, string> }> }>).filter((m) => m.alerts.some((a) => a.labels.target === 'line'))
  return {
    state: stateAfterPattern,
    incidents: incidents.map((i) => `${i.alertname}:${i.state}`),
    messages: messages.map((m) => m.status),
  }
}

describe('SPEC §4 transitions → incidents and notifications', () => {
  it.each<[string, string, string, Setup, { state: string; incidents: string[]; messages: string[] }]>([
    ['two failed rounds are not an outage', '++--', '+', 'plain', { state: 'warning', incidents: [], messages: [] }],
    ['three failed rounds: down, one incident, one message', '++---', '-', 'plain', { state: 'down', incidents: ['XanhTargetDown:open'], messages: ['firing'] }],
    ['down and back within group_wait: resolved, nobody bothered', '++---++', '+', 'plain', { state: 'ok', incidents: ['XanhTargetDown:resolved'], messages: [] }],
    ['down long enough to be told, then back: firing, then resolved', '++------', '+', 'plain', { state: 'down', incidents: ['XanhTargetDown:resolved'], messages: ['firing', 'resolved'] }],
    ['one good round after down is not up yet', '++---+', '-', 'plain', { state: 'down', incidents: ['XanhTargetDown:open'], messages: ['firing'] }],
    ['slow line (RTT 130 ms): critical degradation', '+sss', 's', 'plain', { state: 'critical', incidents: ['XanhTargetDegraded:open'], messages: ['firing'] }],
    ['warm line (RTT 70 ms): warning degradation', '+www', 'w', 'plain', { state: 'warning', incidents: ['XanhTargetDegraded:open'], messages: ['firing'] }],
    ['then silent: unknown, incident kept open (a gap is not a recovery)', '++---', '_', 'plain', { state: 'down', incidents: ['XanhTargetDown:open'], messages: ['firing'] }],
    ['silent from the start: unknown, no incident', '____', '_', 'plain', { state: 'unknown', incidents: [], messages: [] }],
    ['parent down: unreachable, no incident of its own', '++---', '-', 'parent-down', { state: 'down', incidents: [], messages: [] }],
    ['maintenance inherited from the parent: no incident', '++---', '-', 'maintenance', { state: 'down', incidents: [], messages: [] }],
    ['silenced: incident recorded, nobody paged', '++---', '-', 'silence', { state: 'down', incidents: ['XanhTargetDown:open'], messages: [] }],
  ])('%s', async (_name, pattern, then, setup, expected) => {
    const got = await scenario(pattern, setup, then)
    expect(got).toEqual(expected)
  })

  it('flapping (down/up again and again): one incident kept open while it flaps, one flapping message each way, no storm', async () => {
    const got = await scenario('++' + '---++'.repeat(8), 'plain', '+')
    const rt = s?.runtime
    const told = (rt?.alerting.list('all', 10) ?? []).filter((i) => i.targetId === 'line').map((i) => rt?.alerting.get(i.id).timeline?.map((e) => e.type) ?? [])
    // The first episode ended inside group_wait (nobody told); the second was told and then held open while flapping.
    const notified = told.filter((t) => t.includes('notified'))
    expect(notified).toHaveLength(1)
    expect(notified[0]).toEqual(expect.arrayContaining(['opened', 'flapping_start', 'flapping_stop', 'resolved']))
    expect(notified[0]?.filter((t) => t === 'opened')).toHaveLength(1)
    // 8 outages would have been 16 messages without flap detection.
    expect(got.messages.length).toBeLessThanOrEqual(4)
  })
})
