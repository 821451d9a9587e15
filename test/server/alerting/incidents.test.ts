/**
 * What the alerts page reads of an incident: its start is the same instant as its timeline's
 * first entry (also when opening was held back), and the silence that mutes it now, per commune.
 * Real engine and store, injected clock.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { commune, makeTestServer, udpTarget, type TestServer } from '../../helpers/server'
import { createMaintenance } from '../../../server/alerting/maintenance'
import { createSilence, expireSilence } from '../../../server/alerting/silences'

let s: TestServer | undefined
afterEach(() => s?.close())

function server(): TestServer {
  s = makeTestServer({
    communes: [commune('C1', { name: 'Châu Tiến' }), commune('C2', { name: 'Châu Hạnh' })],
    targets: [udpTarget('c1-line', 'C1'), udpTarget('c2-line', 'C2')],
  })
  return s
}

/** One 15 s round: both lines fail, then the alerting evaluates. */
function failingRound(srv: TestServer): void {
  srv.clock.now += 15_000
  srv.runtime.engine.ingest(
    ['c1-line', 'c2-line'].map((targetId) => ({ targetId, observedAt: srv.clock.now, ok: false, error: 'timeout after 5s', measurements: { sent: 50, received: 0 } })) as never,
  )
  srv.runtime.tick()
}

describe('incident start', () => {
  it('is the instant of the first timeline entry when a maintenance window held the incident back', () => {
    const srv = server()
    // C1 is in maintenance for the next 2 minutes: its line goes down inside the window, the
    // incident opens only when the window ends, minutes after the outage began.
    createMaintenance(srv.runtime.store, {
      scope: { communes: ['C1'], clusters: [], targets: [] },
      startsAt: new Date(srv.clock.now - 60_000).toISOString(),
      endsAt: new Date(srv.clock.now + 120_000).toISOString(),
      recurrence: null,
      reason: 'Thay bộ chuyển mạch',
      createdBy: 'test',
    })
    srv.runtime.reloadInventory()
    for (let r = 0; r < 14; r++) failingRound(srv)
    const downSince = Date.parse(srv.runtime.engine.targetStatus('c1-line')?.since ?? '')
    const list = srv.runtime.alerting.list('open', 10)
    const c1 = list.find((i) => i.communeCode === 'C1')
    expect(c1, 'an incident for C1 once the window ended').toBeDefined()
    const detail = srv.runtime.alerting.get(c1?.id ?? -1)
    const first = detail.timeline?.[0]
    expect(first?.type).toBe('opened')
    // The outage began inside the window, well before the incident could open.
    expect(Date.parse(detail.openedAt)).toBe(downSince)
    expect(srv.clock.now - downSince).toBeGreaterThan(60_000)
    expect(first?.at).toBe(detail.openedAt)
    // Every later entry follows it.
    for (const e of detail.timeline ?? []) expect(Date.parse(e.at)).toBeGreaterThanOrEqual(Date.parse(detail.openedAt))
  })

  it('is the instant of the first timeline entry for an incident opened at once', () => {
    const srv = server()
    for (let r = 0; r < 4; r++) failingRound(srv)
    for (const i of srv.runtime.alerting.list('open', 10)) {
      const d = srv.runtime.alerting.get(i.id)
      expect(d.timeline?.[0]?.at).toBe(i.openedAt)
    }
  })
})

describe('incident silence', () => {
  it('names the silence of its own commune, not a neighbour’s, and drops it when expired', () => {
    const srv = server()
    for (let r = 0; r < 4; r++) failingRound(srv)
    const before = srv.runtime.alerting.list('open', 10)
    expect(before.map((i) => i.communeCode).sort()).toEqual(['C1', 'C2'])
    expect(before.every((i) => i.silence === null)).toBe(true)
    const silence = createSilence(
      srv.runtime.store,
      { matchers: [{ name: 'commune_code', value: 'C1', isRegex: false, isEqual: true }], startsAt: new Date(srv.clock.now).toISOString(), endsAt: new Date(srv.clock.now + 3600_000).toISOString(), createdBy: 'test', comment: 'Đang sửa cáp' },
      srv.clock.now,
    )
    // Read at once, without waiting for the debounced reload of the alerting's cache.
    const after = srv.runtime.alerting.list('open', 10)
    const by = (code: string) => after.find((i) => i.communeCode === code)
    expect(by('C1')?.silence).toEqual({ id: silence.id, endsAt: new Date(silence.endsAt).toISOString() })
    expect(by('C2')?.silence).toBeNull()
    expect(srv.runtime.alerting.get(by('C1')?.id ?? -1).silence?.id).toBe(silence.id)
    expireSilence(srv.runtime.store, silence.id, srv.clock.now)
    expect(srv.runtime.alerting.list('open', 10).every((i) => i.silence === null)).toBe(true)
  })
})
