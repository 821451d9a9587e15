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
import { IncidentStore, syncIncidents } from '../../../server/alerting/incidents'
import type { Alert } from '../../../server/alerting/alerts'

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

describe.each(REPO_KINDS)('incidents kept in memory (%s repositories)', (kind) => {
  /** An alert as evaluateAlerts makes it for a slow line: RTT `value` over a 50 ms threshold. */
  const slowLine = (value: number, reason = 'rtt'): Alert => {
    const verdict = { rule: 'rtt', state: 'warning', value, threshold: 0.05, unit: 's' }
    const alert: Alert = {
      fingerprint: 'target:c1-line',
      alertname: 'XanhTargetDegraded',
      severity: 'warning',
      targetId: 'c1-line',
      communeCode: 'C1',
      labels: { alertname: 'XanhTargetDegraded', commune: 'Châu Tiến', commune_code: 'C1', target: 'c1-line', role: 'line', kind: 'udp_echo' },
      annotations: { state: 'warning', reason, verdict: JSON.stringify(verdict), rule: 'rtt', value: String(value), threshold: '0.05', unit: 's' },
      affectedCommunes: 1,
      flapping: false,
      startsAt: Date.parse('2026-11-24T03:00:00Z'),
      suppressed: null,
    }
    return alert
  }

  it('writes an incident whose value alone moved at most every figuresEveryMs, any other change at once', () => {
    const srv = harness(kind)
    const inc = new IncidentStore(srv.store, () => srv.clock.now)
    const sync = (a: Alert): void => void syncIncidents(inc, [a], new Set(), new Set(), { figuresEveryMs: 60_000, now: srv.clock.now })
    const stored = (): string | undefined => new IncidentStore(srv.store, () => srv.clock.now).active().get('target:c1-line')?.annotations.value
    sync(slowLine(0.06))
    expect(stored()).toBe('0.06')
    srv.clock.now += 15_000
    sync(slowLine(0.07))
    // Within the minute: the value alone moved, not written.
    expect(stored()).toBe('0.06')
    srv.clock.now += 15_000
    sync(slowLine(0.08, 'rtt-rising'))
    // The reason moved too: written at once, with the latest value.
    expect(stored()).toBe('0.08')
    srv.clock.now += 60_000
    sync(slowLine(0.09))
    expect(stored()).toBe('0.09')
  })

  it('keeps each unresolved incident exactly as the repository holds it (the compact copy it keeps drops nothing)', () => {
    const srv = harness(kind)
    const inc = new IncidentStore(srv.store, () => srv.clock.now)
    const other: Alert = { ...slowLine(0.2), fingerprint: 'target:c2-line', targetId: 'c2-line', communeCode: 'C2', severity: 'critical', labels: { ...slowLine(0.2).labels, target: 'c2-line', commune: 'Châu Hạnh', commune_code: 'C2' } }
    syncIncidents(inc, [slowLine(0.06), other], new Set(), new Set())
    const rows = [...inc.active().values()]
    inc.ack(rows[1]?.id ?? -1, 'Nguyễn Văn Tú', 'Đã gọi kỹ thuật viên xã')
    syncIncidents(inc, [slowLine(0.06, 'rtt-rising'), other], new Set(), new Set())
    const kept = [...inc.active().values()].sort((x, y) => x.id - y.id)
    const fromRepo = srv.store.incidents.unresolved().sort((x, y) => x.id - y.id)
    expect(kept).toEqual(fromRepo)
    expect(kept.map((r) => [r.state, r.ackedBy, r.annotations.reason])).toEqual([
      ['open', null, 'rtt-rising'],
      ['acknowledged', 'Nguyễn Văn Tú', 'rtt'],
    ])
  })

  it('reads the incidents again after a transaction that changed them rolled back', () => {
    const srv = harness(kind)
    const inc = new IncidentStore(srv.store, () => srv.clock.now)
    expect(inc.active().size).toBe(0)
    expect(() =>
      inc.transaction(() => {
        syncIncidents(inc, [slowLine(0.06)], new Set(), new Set())
        expect(inc.active().size).toBe(1)
        throw new Error('disk full')
      }),
    ).toThrow('disk full')
    expect(inc.active().size).toBe(0)
    syncIncidents(inc, [slowLine(0.06)], new Set(), new Set())
    expect([...inc.active().keys()]).toEqual(['target:c1-line'])
  })
})
