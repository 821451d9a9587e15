import { describe, expect, it } from 'vitest'
import { attentionOrder, filterCommunes, foldSearch, mergeByKey, sortCommunes } from '../../web/src/models/communes'
import { commune } from './fakes'

const codes = (list: readonly { code: string }[]) => list.map((c) => c.code)

describe('mergeByKey', () => {
  it('replaces rows by code in place and appends new codes', () => {
    const list = [commune('A'), commune('B'), commune('C')]
    const out = mergeByKey(list, [commune('B', { state: 'down' }), commune('D')], (c) => c.code)
    expect(codes(out)).toEqual(['A', 'B', 'C', 'D'])
    expect(out[1]?.state).toBe('down')
    expect(out[0]).toBe(list[0])
  })

  it('returns the same array when nothing changed', () => {
    const list = [commune('A')]
    expect(mergeByKey(list, [], (c) => c.code)).toBe(list)
  })

  it('keeps the last row when a code repeats in one delta', () => {
    const out = mergeByKey([commune('A')], [commune('A', { state: 'warning' }), commune('A', { state: 'critical' })], (c) => c.code)
    expect(out.map((c) => c.state)).toEqual(['critical'])
  })
})

describe('filterCommunes', () => {
  const list = [
    commune('19768', { name: 'Phường Đông Hới', cluster: 'Bố Trạch' }),
    commune('19795', { name: 'Xã Quảng Ninh', cluster: 'Lệ Thủy', state: 'down' }),
    commune('19801', { name: 'Xã Ngư Thủy', cluster: 'Lệ Thủy', state: 'warning' }),
  ]

  it('folds diacritics and đ', () => {
    expect(foldSearch('Đông Hới')).toBe('dong hoi')
  })

  it.each([
    ['dong hoi', ['19768']],
    ['ĐÔNG', ['19768']],
    ['le thuy', ['19795', '19801']],
    ['1980', ['19801']],
    ['thuy ngu', ['19801']],
    ['', ['19768', '19795', '19801']],
    ['nothing', []],
  ])('query %j finds %j', (q, expected) => {
    expect(codes(filterCommunes(list, q, 'all'))).toEqual(expected)
  })

  it('filters by one state or by "not ok"', () => {
    expect(codes(filterCommunes(list, '', 'down'))).toEqual(['19795'])
    expect(codes(filterCommunes(list, '', 'attention'))).toEqual(['19795', '19801'])
    expect(codes(filterCommunes(list, 'ngu', 'attention'))).toEqual(['19801'])
  })
})

describe('sortCommunes', () => {
  const list = [
    commune('C', { name: 'Xã Ân', state: 'ok', rttSeconds: 0.02 }),
    commune('A', { name: 'Xã Bình', state: 'down', rttSeconds: null }),
    commune('B', { name: 'Xã An', state: 'unknown', rttSeconds: 0.005 }),
    commune('D', { name: 'Xã Ấp', state: 'critical', rttSeconds: 0.15 }),
  ]

  it('sorts by state with the attention rank (down > critical > unknown > warning > ok)', () => {
    expect(codes(sortCommunes(list, 'state', 'desc'))).toEqual(['A', 'D', 'B', 'C'])
    expect(codes(sortCommunes(list, 'state', 'asc'))).toEqual(['C', 'B', 'D', 'A'])
  })

  it('puts missing values last in both directions', () => {
    expect(codes(sortCommunes(list, 'rtt', 'asc'))).toEqual(['B', 'C', 'D', 'A'])
    expect(codes(sortCommunes(list, 'rtt', 'desc'))).toEqual(['D', 'C', 'B', 'A'])
  })

  it('sorts names with Vietnamese collation', () => {
    const names = sortCommunes(list, 'name', 'asc').map((c) => c.name)
    expect(names.indexOf('Xã Bình')).toBe(3)
    expect(sortCommunes(list, 'name', 'desc')[0]?.name).toBe('Xã Bình')
  })

  it('sorts codes as strings and does not mutate the input', () => {
    const before = codes(list)
    expect(codes(sortCommunes(list, 'code', 'asc'))).toEqual(['A', 'B', 'C', 'D'])
    expect(codes(list)).toEqual(before)
  })

  it('handles 3,321 rows quickly', () => {
    const many = Array.from({ length: 3321 }, (_, i) =>
      commune(String(10000 + i), { name: `Xã ${(i * 7919) % 3321}`, rttSeconds: ((i * 31) % 97) / 1000 }),
    )
    sortCommunes(many, 'name', 'asc') // warm the rank cache, as the first render does
    const t0 = performance.now()
    for (let i = 0; i < 10; i++) sortCommunes(many, i % 2 ? 'rtt' : 'name', 'asc')
    expect((performance.now() - t0) / 10).toBeLessThan(50)
  })
})

describe('attentionOrder', () => {
  it('lists non-ok communes: down, critical, unknown, warning; longest first within a state', () => {
    const list = [
      commune('ok1', { state: 'ok' }),
      commune('w1', { state: 'warning', since: '2025-07-01T00:00:00Z' }),
      commune('u1', { state: 'unknown', since: '2025-07-01T02:00:00Z' }),
      commune('d-new', { state: 'down', since: '2025-07-01T02:50:00Z' }),
      commune('c1', { state: 'critical', since: '2025-07-01T01:00:00Z' }),
      commune('d-old', { state: 'down', since: '2025-07-01T01:10:00Z' }),
      commune('d-nosince', { state: 'down', since: null }),
    ]
    expect(codes(attentionOrder(list))).toEqual(['d-nosince', 'd-old', 'd-new', 'c1', 'u1', 'w1'])
  })
})
