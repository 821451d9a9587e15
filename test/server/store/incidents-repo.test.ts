/** Contract of IncidentRepo, run against every implementation. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { IncidentRepo, NewIncident } from '../../../server/store/types'
import { ALERTING_IMPLS } from './alerting-impls'

const T0 = Date.parse('2026-11-24T03:00:00Z')

const incident = (over: Partial<NewIncident> = {}): NewIncident => ({
  key: 'target:c1-line',
  alertname: 'XanhTargetDown',
  severity: 'critical',
  targetId: 'c1-line',
  communeCode: 'C1',
  labels: { commune_code: 'C1', role: 'line' },
  annotations: { reason: 'down' },
  summary: 'line down',
  affectedCommunes: 1,
  flapping: false,
  openedAt: T0,
  ...over,
})

describe.each(ALERTING_IMPLS)('IncidentRepo ($name)', (impl) => {
  let repo: IncidentRepo
  let close: () => void
  beforeEach(() => {
    const made = impl.make()
    repo = made.repos.incidents
    close = made.close
  })
  afterEach(() => close())

  it('opens an incident in state open, with nothing acknowledged or resolved, under a new id', () => {
    const a = repo.open(incident())
    const b = repo.open(incident({ key: 'target:c2-line' }))
    expect(a).toEqual({ ...incident(), id: a.id, state: 'open', ackedAt: null, ackedBy: null, ackComment: null, resolvedAt: null })
    expect(b.id).toBeGreaterThan(a.id)
    expect(repo.get(a.id)).toEqual(a)
    expect(repo.get(b.id + 100)).toBeUndefined()
  })

  it('moves open → acknowledged → resolved; unresolved holds open and acknowledged ones, by id', () => {
    const a = repo.open(incident({ key: 'a' }))
    const b = repo.open(incident({ key: 'b' }))
    const c = repo.open(incident({ key: 'c' }))
    const acked = repo.acknowledge(b.id, T0 + 1000, 'admin', 'đang xử lý')
    expect(acked).toMatchObject({ id: b.id, state: 'acknowledged', ackedAt: T0 + 1000, ackedBy: 'admin', ackComment: 'đang xử lý', resolvedAt: null })
    repo.resolve(a.id, T0 + 2000)
    expect(repo.get(a.id)).toMatchObject({ state: 'resolved', resolvedAt: T0 + 2000 })
    expect(repo.unresolved().map((r) => r.key)).toEqual(['b', 'c'])
    repo.resolve(b.id, T0 + 3000)
    expect(repo.get(b.id)).toMatchObject({ state: 'resolved', ackedBy: 'admin', resolvedAt: T0 + 3000 })
    expect(repo.unresolved().map((r) => r.id)).toEqual([c.id])
    expect(repo.acknowledge(c.id + 100, T0, 'admin', '')).toBeUndefined()
  })

  it('updates only the fields given; an empty patch or an unknown id changes nothing', () => {
    const a = repo.open(incident())
    repo.update(a.id, { severity: 'warning', alertname: 'XanhTargetDegraded', flapping: true, labels: { commune_code: 'C1', role: 'line', kind: 'udp_echo' } })
    const after = repo.get(a.id)
    expect(after).toEqual({ ...a, severity: 'warning', alertname: 'XanhTargetDegraded', flapping: true, labels: { commune_code: 'C1', role: 'line', kind: 'udp_echo' } })
    repo.update(a.id, {})
    repo.update(a.id + 100, { summary: 'ghost' })
    expect(repo.get(a.id)).toEqual(after)
    expect(repo.list({ state: 'all', limit: 10 })).toHaveLength(1)
  })

  it('hands out copies: changing a returned row changes nothing stored', () => {
    const a = repo.open(incident())
    a.labels.commune_code = 'changed'
    const got = repo.get(a.id)
    expect(got?.labels.commune_code).toBe('C1')
    if (got) got.annotations.reason = 'changed'
    expect(repo.unresolved()[0]?.annotations.reason).toBe('down')
  })

  it('finds incidents by ids, ignoring unknown ones', () => {
    const a = repo.open(incident({ key: 'a' }))
    const b = repo.open(incident({ key: 'b' }))
    expect(repo.byIds([b.id, a.id, b.id + 100]).map((r) => r.id)).toEqual([a.id, b.id])
    expect(repo.byIds([])).toEqual([])
  })

  it('finds resolved incidents by key, newest first, and none that are still open', () => {
    const old = repo.open(incident({ key: 'k1' }))
    repo.resolve(old.id, T0 + 1)
    const newer = repo.open(incident({ key: 'k1', openedAt: T0 + 10 }))
    repo.resolve(newer.id, T0 + 20)
    repo.open(incident({ key: 'k1', openedAt: T0 + 30 })) // the current episode, open
    const other = repo.open(incident({ key: 'k2' }))
    repo.resolve(other.id, T0 + 5)
    repo.resolve(repo.open(incident({ key: 'k3' })).id, T0)
    expect(repo.resolvedWithKeys(['k1', 'k2']).map((r) => r.id)).toEqual([other.id, newer.id, old.id])
    expect(repo.resolvedWithKeys([])).toEqual([])
  })

  it('lists open or all incidents, latest opened first (ties: newest id first), up to the limit', () => {
    const a = repo.open(incident({ key: 'a', openedAt: T0 + 5000 }))
    const b = repo.open(incident({ key: 'b', openedAt: T0 }))
    const c = repo.open(incident({ key: 'c', openedAt: T0 + 5000 }))
    const d = repo.open(incident({ key: 'd', openedAt: T0 + 9000 }))
    repo.resolve(d.id, T0 + 10_000)
    expect(repo.list({ state: 'open', limit: 10 }).map((r) => r.key)).toEqual(['c', 'a', 'b'])
    expect(repo.list({ state: 'all', limit: 10 }).map((r) => r.id)).toEqual([d.id, c.id, a.id, b.id])
    expect(repo.list({ state: 'all', limit: 2 }).map((r) => r.id)).toEqual([d.id, c.id])
  })

  it('counts incidents opened in [from, to) per commune, leaving out those without a commune', () => {
    repo.open(incident({ key: 'a', communeCode: 'C1', openedAt: T0 - 1 }))
    repo.open(incident({ key: 'b', communeCode: 'C1', openedAt: T0 }))
    repo.resolve(repo.open(incident({ key: 'c', communeCode: 'C1', openedAt: T0 + 500 })).id, T0 + 600)
    repo.open(incident({ key: 'd', communeCode: 'C2', openedAt: T0 + 999 }))
    repo.open(incident({ key: 'e', communeCode: 'C2', openedAt: T0 + 1000 }))
    repo.open(incident({ key: 'f', communeCode: null, targetId: null, openedAt: T0 + 10 }))
    expect(Object.fromEntries(repo.countOpenedByCommune(T0, T0 + 1000))).toEqual({ C1: 2, C2: 1 })
    expect(repo.countOpenedByCommune(T0 + 2000, T0 + 3000).size).toBe(0)
  })

  it('keeps a timeline per incident in the order written, and answers whether an entry exists', () => {
    const a = repo.open(incident({ key: 'a' }))
    const b = repo.open(incident({ key: 'b' }))
    repo.addEvent({ incidentId: a.id, at: T0 + 2, type: 'opened', actor: null, detail: 'line down' })
    repo.addEvent({ incidentId: b.id, at: T0, type: 'opened', actor: null, detail: '' })
    repo.addEvent({ incidentId: a.id, at: T0 + 1, type: 'escalated', actor: null, detail: 'Tổ 1#0' })
    repo.addEvent({ incidentId: a.id, at: T0 + 3, type: 'ack', actor: 'admin', detail: 'ok' })
    expect(repo.events(a.id).map((e) => [e.type, e.at, e.actor, e.detail])).toEqual([
      ['opened', T0 + 2, null, 'line down'],
      ['escalated', T0 + 1, null, 'Tổ 1#0'],
      ['ack', T0 + 3, 'admin', 'ok'],
    ])
    expect(repo.events(a.id).every((e) => e.incidentId === a.id)).toBe(true)
    expect(repo.hasEvent(a.id, 'escalated')).toBe(true)
    expect(repo.hasEvent(a.id, 'escalated', 'Tổ 1#0')).toBe(true)
    expect(repo.hasEvent(a.id, 'escalated', 'Tổ 1#1')).toBe(false)
    expect(repo.hasEvent(b.id, 'escalated')).toBe(false)
    expect(repo.events(b.id + 100)).toEqual([])
  })
})
