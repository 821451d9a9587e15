/**
 * What the alerts page reads of an incident: its start is the same instant as its timeline's
 * first entry (also when opening was held back), and the silence that mutes it now, per commune.
 * Real engine and alerting over in-memory and SQLite repositories, injected clock.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { commune, udpTarget } from '../../helpers/server'
import { makeAlertingHarness, REPO_KINDS, type AlertingHarness, type RepoKind } from '../../helpers/alerting'
import { createMaintenance } from '../../../server/alerting/maintenance'
import { createSilence, expireSilence } from '../../../server/alerting/silences'

let h: AlertingHarness | undefined
afterEach(() => h?.close())

function harness(kind: RepoKind): AlertingHarness {
  h = makeAlertingHarness(kind, {
    communes: [commune('C1', { name: 'Châu Tiến' }), commune('C2', { name: 'Châu Hạnh' })],
    targets: [udpTarget('c1-line', 'C1'), udpTarget('c2-line', 'C2')],
  })
  return h
}

/** One 15 s round: both lines fail, then the alerting evaluates. */
function failingRound(srv: AlertingHarness): void {
  srv.clock.now += 15_000
  srv.engine.ingest(['c1-line', 'c2-line'].map((targetId) => ({ targetId, observedAt: srv.clock.now, ok: false, error: 'timeout after 5s', measurements: { sent: 50, received: 0 } })))
  srv.tick()
}

describe.each(REPO_KINDS)('incident start (%s repositories)', (kind) => {
  it('is the instant of the first timeline entry when a maintenance window held the incident back', () => {
    const srv = harness(kind)
    // C1 is in maintenance for the next 2 minutes: its line goes down inside the window, the
    // incident opens only when the window ends, minutes after the outage began.
    createMaintenance(srv.store, {
      scope: { communes: ['C1'], clusters: [], targets: [] },
      startsAt: new Date(srv.clock.now - 60_000).toISOString(),
      endsAt: new Date(srv.clock.now + 120_000).toISOString(),
      recurrence: null,
      reason: 'Thay bộ chuyển mạch',
      createdBy: 'test',
    })
    srv.alerting.reload()
    for (let r = 0; r < 14; r++) failingRound(srv)
    const downSince = Date.parse(srv.engine.targetStatus('c1-line')?.since ?? '')
    const list = srv.alerting.list('open', 10)
    const c1 = list.find((i) => i.communeCode === 'C1')
    expect(c1, 'an incident for C1 once the window ended').toBeDefined()
    const detail = srv.alerting.get(c1?.id ?? -1)
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
    const srv = harness(kind)
    for (let r = 0; r < 4; r++) failingRound(srv)
    for (const i of srv.alerting.list('open', 10)) {
      const d = srv.alerting.get(i.id)
      expect(d.timeline?.[0]?.at).toBe(i.openedAt)
    }
  })
})

describe.each(REPO_KINDS)('incident silence (%s repositories)', (kind) => {
  it('names the silence of its own commune, not a neighbour’s, and drops it when expired', () => {
    const srv = harness(kind)
    for (let r = 0; r < 4; r++) failingRound(srv)
    const before = srv.alerting.list('open', 10)
    expect(before.map((i) => i.communeCode).sort()).toEqual(['C1', 'C2'])
    expect(before.every((i) => i.silence === null)).toBe(true)
    const silence = createSilence(
      srv.store,
      { matchers: [{ name: 'commune_code', value: 'C1', isRegex: false, isEqual: true }], startsAt: new Date(srv.clock.now).toISOString(), endsAt: new Date(srv.clock.now + 3600_000).toISOString(), createdBy: 'test', comment: 'Đang sửa cáp' },
      srv.clock.now,
    )
    // Read at once, without waiting for the debounced reload of the alerting's cache.
    const after = srv.alerting.list('open', 10)
    const by = (code: string) => after.find((i) => i.communeCode === code)
    expect(by('C1')?.silence).toEqual({ id: silence.id, endsAt: new Date(silence.endsAt).toISOString() })
    expect(by('C2')?.silence).toBeNull()
    expect(srv.alerting.get(by('C1')?.id ?? -1).silence?.id).toBe(silence.id)
    expireSilence(srv.store, silence.id, srv.clock.now)
    expect(srv.alerting.list('open', 10).every((i) => i.silence === null)).toBe(true)
  })
})
