/** The alerts model's issue-13 parts: rows that stay put after an ack, and silencing one commune. */
import { describe, expect, it } from 'vitest'
import type { IncidentView } from '../../protocol'
import { AlertsModel, orderOpenIncidents, silenceOptions, type OpenFilters } from '../../web/src/models/alerts'
import type { SilenceView } from '../../web/src/wire'
import { FakeClock, stubApi } from './fakes'

function incident(id: number, over: Partial<IncidentView> = {}): IncidentView {
  return {
    id,
    key: `target:t${id}`,
    alertname: 'XanhTargetDown',
    state: 'open',
    severity: 'critical',
    targetId: `t${id}`,
    communeCode: `NA-${id}`,
    communeName: `Xã Châu ${id}`,
    cluster: 'Cụm Quỳ Châu',
    role: 'line',
    targetName: `Cáp quang ${id}`,
    kind: 'tcp',
    reason: 'down',
    verdict: null,
    error: null,
    summary: `line "Cáp quang ${id}" (tcp): down`,
    labels: {},
    affectedCommunes: 1,
    flapping: false,
    openedAt: `2026-02-12T0${id}:00:00Z`,
    ackedAt: null,
    ackedBy: null,
    ackComment: null,
    resolvedAt: null,
    silence: null,
    ...over,
  }
}

const ALL: OpenFilters = { show: 'all', severity: 'all', query: '' }
const ids = (l: IncidentView[]): number[] => l.map((i) => i.id)

describe('orderOpenIncidents', () => {
  const list = [incident(1), incident(2), incident(3, { state: 'acknowledged', ackedBy: 'lan.pt' }), incident(4, { alertname: 'XanhTargetDegraded', severity: 'warning' })]

  it('lists unacknowledged outages first, oldest first, acknowledged last', () => {
    expect(ids(orderOpenIncidents(list, ALL, new Set()))).toEqual([1, 2, 4, 3])
  })

  it('keeps an incident acknowledged here in its place, also under "unacknowledged"', () => {
    const acked = list.map((i) => (i.id === 1 ? { ...i, state: 'acknowledged' as const, ackedBy: 'huong.nt' } : i))
    // Without the memory it would jump to the end (and out of the unacknowledged filter).
    expect(ids(orderOpenIncidents(acked, ALL, new Set()))).toEqual([2, 4, 1, 3])
    expect(ids(orderOpenIncidents(acked, ALL, new Set([1])))).toEqual([1, 2, 4, 3])
    expect(ids(orderOpenIncidents(acked, { ...ALL, show: 'unacked' }, new Set([1])))).toEqual([1, 2, 4])
    expect(ids(orderOpenIncidents(acked, { ...ALL, show: 'acked' }, new Set([1])))).toEqual([1, 3])
  })

  it('finds an incident by its target name without diacritics', () => {
    expect(ids(orderOpenIncidents(list, { ...ALL, query: 'cap quang 2' }, new Set()))).toEqual([2])
    expect(ids(orderOpenIncidents(list, { ...ALL, severity: 'warning' }, new Set()))).toEqual([4])
  })
})

describe('silenceOptions', () => {
  const at = (iso: string) => silenceOptions(Date.parse(iso)).map((o) => [o.id, new Date(o.untilMs).toISOString(), o.date])

  it('offers 1 h, 4 h and the next 08:00 Vietnam time after an evening outage', () => {
    // 21:30 in Vietnam.
    expect(at('2026-02-12T14:30:00Z')).toEqual([
      ['1h', '2026-02-12T15:30:00.000Z', '12/02'],
      ['4h', '2026-02-12T18:30:00.000Z', '13/02'],
      ['morning', '2026-02-13T01:00:00.000Z', '13/02'],
    ])
  })

  it('takes this morning’s 08:00 in the small hours, the next day’s when 08:00 is under 4 h away', () => {
    expect(at('2026-02-12T19:00:00Z')[2]).toEqual(['morning', '2026-02-13T01:00:00.000Z', '13/02']) // 02:00 → 08:00 the same day
    expect(at('2026-02-12T22:30:00Z')[2]).toEqual(['morning', '2026-02-14T01:00:00.000Z', '14/02']) // 05:30 → 08:00 the next day
    expect(at('2026-02-12T06:00:00Z')[2]).toEqual(['morning', '2026-02-13T01:00:00.000Z', '13/02']) // 13:00 → tomorrow
  })
})

describe('AlertsModel', () => {
  it('silences exactly one commune by equality and re-reads the open incidents', async () => {
    const clock = new FakeClock(Date.parse('2026-02-12T14:30:00Z'))
    const sent: unknown[] = []
    let reads = 0
    const view: SilenceView = { id: 9, matchers: [{ name: 'commune_code', value: 'NA-2', isRegex: false, isEqual: true }], startsAt: '2026-02-12T14:30:00.000Z', endsAt: '2026-02-12T15:30:00.000Z', createdBy: 'huong.nt', comment: 'c', state: 'active' }
    const api = stubApi({
      incidents: async () => (reads++, { ok: true, data: [incident(2, reads > 1 ? { silence: { id: 9, endsAt: view.endsAt } } : {})] }),
      createSilence: async (input) => (sent.push(input), { ok: true, data: view }),
    })
    const m = new AlertsModel({ api, clock })
    await m.loadOpen()
    const r = await m.silenceCommune('NA-2', clock.now() + 3600_000, 'Tạm tắt từ sự cố #2')
    expect(r).toEqual({ ok: true, silence: view })
    expect(sent).toEqual([{ matchers: [{ name: 'commune_code', value: 'NA-2', isRegex: false, isEqual: true }], startsAt: '2026-02-12T14:30:00.000Z', endsAt: '2026-02-12T15:30:00.000Z', comment: 'Tạm tắt từ sự cố #2' }])
    await new Promise((r) => setTimeout(r, 0))
    expect(m.open.value.data?.[0]?.silence).toEqual({ id: 9, endsAt: view.endsAt })
  })

  it('passes a refusal on', async () => {
    const m = new AlertsModel({ api: stubApi({ createSilence: async () => ({ ok: false, error: { code: 'E_FORBIDDEN', message: 'operator role required' } }) }), clock: new FakeClock() })
    expect(await m.silenceCommune('NA-2', Date.now() + 3600_000, 'x')).toEqual({ ok: false, error: { code: 'E_FORBIDDEN', message: 'operator role required' } })
  })

  it('remembers incidents acknowledged here until the page is left', async () => {
    const api = stubApi({
      incidents: async () => ({ ok: true, data: [incident(1), incident(2)] }),
      ack: async (id, comment) => ({ ok: true, data: incident(id, { state: 'acknowledged', ackedBy: 'huong.nt', ackedAt: '2026-02-12T05:00:00Z', ackComment: comment }) }),
    })
    const m = new AlertsModel({ api, clock: new FakeClock() })
    await m.loadOpen()
    await m.ack(1, 'Đã gọi nhà mạng')
    expect([...m.justAcked.value]).toEqual([1])
    expect(ids(orderOpenIncidents(m.open.value.data ?? [], ALL, m.justAcked.value))).toEqual([1, 2])
    m.forgetJustAcked()
    expect(m.justAcked.value.size).toBe(0)
  })
})
