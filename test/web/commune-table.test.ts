import { signal } from '@preact/signals'
import { describe, expect, it } from 'vitest'
import type { CommuneSummary } from '../../protocol'
import { CommuneTableModel } from '../../web/src/models/commune-table'
import { ROW_HEIGHT, visibleWindow } from '../../web/src/virtual-window'
import { commune } from './fakes'

describe('CommuneTableModel', () => {
  const rows = signal<readonly CommuneSummary[]>([
    commune('A', { name: 'Xã Hòa Bình', state: 'ok', lossRatio: 0 }),
    commune('B', { name: 'Xã An Lạc', state: 'down', lossRatio: 1 }),
    commune('C', { name: 'Phường Đông Hà', state: 'warning', lossRatio: 0.002 }),
  ])
  const locale = signal('vi-VN')

  it('starts worst-first and flips direction when the same header is clicked', () => {
    const m = new CommuneTableModel({ communes: rows, locale })
    expect(m.rows.value.map((c) => c.code)).toEqual(['B', 'C', 'A'])
    m.toggleSort('state')
    expect(m.sortDir.value).toBe('asc')
    expect(m.rows.value.map((c) => c.code)).toEqual(['A', 'C', 'B'])
  })

  it('a new column starts in its natural direction', () => {
    const m = new CommuneTableModel({ communes: rows, locale })
    m.toggleSort('name')
    expect([m.sortKey.value, m.sortDir.value]).toEqual(['name', 'asc'])
    expect(m.rows.value.map((c) => c.name)).toEqual(['Phường Đông Hà', 'Xã An Lạc', 'Xã Hòa Bình'])
    m.toggleSort('loss')
    expect(m.sortDir.value).toBe('desc')
    expect(m.rows.value.map((c) => c.code)).toEqual(['B', 'C', 'A'])
  })

  it('filters by text and state, and follows live row changes', () => {
    const m = new CommuneTableModel({ communes: rows, locale })
    m.setQuery('dong')
    expect(m.rows.value.map((c) => c.code)).toEqual(['C'])
    m.setQuery('')
    m.setStateFilter('attention')
    expect(m.rows.value.map((c) => c.code)).toEqual(['B', 'C'])
    rows.value = rows.value.map((c) => (c.code === 'A' ? { ...c, state: 'critical' as const } : c))
    expect(m.rows.value.map((c) => c.code)).toEqual(['B', 'A', 'C'])
    m.clearFilters()
    expect(m.rows.value).toHaveLength(3)
  })
})

describe('visibleWindow', () => {
  it('renders only the visible rows plus overscan', () => {
    const w = visibleWindow(ROW_HEIGHT * 1000, 600, 3321)
    expect(w.last - w.first).toBeLessThan(60)
    expect(w.first).toBeGreaterThan(900)
    expect(visibleWindow(0, 600, 3321).first).toBe(0)
    expect(visibleWindow(ROW_HEIGHT * 5000, 600, 3321).last).toBe(3321)
    expect(visibleWindow(0, 600, 5)).toEqual({ first: 0, last: 5 })
  })
})
