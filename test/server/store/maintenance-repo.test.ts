/** Contract of MaintenanceRepo, run against every implementation. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { MaintenanceRepo, NewMaintenance } from '../../../server/store/types'
import { ALERTING_IMPLS } from './alerting-impls'

const T0 = Date.parse('2026-11-24T03:00:00Z')

const window = (over: Partial<NewMaintenance> = {}): NewMaintenance => ({
  scope: { communes: ['C1'], clusters: [], targets: ['c2-line'] },
  startsAt: T0,
  endsAt: T0 + 7 * 86_400_000,
  recurrence: { weekdays: [5], start: '22:00', end: '02:00' },
  reason: 'Bảo trì định kỳ',
  createdBy: 'admin',
  ...over,
})

describe.each(ALERTING_IMPLS)('MaintenanceRepo ($name)', (impl) => {
  let repo: MaintenanceRepo
  let close: () => void
  beforeEach(() => {
    const made = impl.make()
    repo = made.repos.maintenance
    close = made.close
  })
  afterEach(() => close())

  it('stores recurring and one-off windows as given, listed oldest first', () => {
    const a = repo.create(window())
    const b = repo.create(window({ recurrence: null, scope: { communes: [], clusters: ['Cụm A'], targets: [] } }))
    expect(a).toEqual({ ...window(), id: a.id, createdAt: a.createdAt })
    expect(b.recurrence).toBeNull()
    expect(repo.list()).toEqual([a, b])
  })

  it('deletes a window and returns it; an unknown id deletes nothing', () => {
    const a = repo.create(window())
    const b = repo.create(window({ reason: 'b' }))
    expect(repo.delete(a.id)).toEqual(a)
    expect(repo.delete(a.id)).toBeUndefined()
    expect(repo.list()).toEqual([b])
  })
})
