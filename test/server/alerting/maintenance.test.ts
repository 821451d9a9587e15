import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { MaintenanceInput } from '../../../protocol'
import { AppError } from '../../../server/errors'
import {
  createMaintenance,
  createMaintenanceIndex,
  deleteMaintenance,
  listMaintenance,
  maintenanceMinutes,
  windowActiveAt,
  type MaintenanceTopology,
  type MaintenanceWindow,
} from '../../../server/alerting/maintenance'
import { commune, udpTarget } from '../../helpers/server'
import { createTempStore } from '../inventory/temp-store'

const at = (iso: string): number => Date.parse(iso)
const MIN = 60_000

function win(over: Partial<MaintenanceWindow> = {}): MaintenanceWindow {
  return {
    id: 1,
    scope: { communes: [], clusters: [], targets: ['t'] },
    startsAt: at('2026-11-01T00:00:00+07:00'),
    endsAt: at('2027-01-01T00:00:00+07:00'),
    recurrence: null,
    reason: 'bảo trì',
    createdBy: 'op',
    ...over,
  }
}

describe('windowActiveAt: one-off', () => {
  // Friday 27 Nov 2026, 22:00 → Saturday 02:00 local (15:00Z → 19:00Z Friday).
  const w = win({ startsAt: at('2026-11-27T15:00:00Z'), endsAt: at('2026-11-27T19:00:00Z') })
  it.each<[string, string, boolean]>([
    ['2026-11-27T14:59:59.999Z', 'Fri 21:59:59.999 local, just before', false],
    ['2026-11-27T15:00:00Z', 'Fri 22:00 local, start is inclusive', true],
    ['2026-11-27T17:00:00Z', 'Sat 00:00 local, across Vietnamese midnight', true],
    ['2026-11-27T18:59:59Z', 'Sat 01:59:59 local', true],
    ['2026-11-27T19:00:00Z', 'Sat 02:00 local, end is exclusive', false],
  ])('%s (%s) → %s', (iso, _local, expected) => {
    expect(windowActiveAt(w, at(iso))).toBe(expected)
  })
})

describe('windowActiveAt: weekly recurring in Asia/Ho_Chi_Minh', () => {
  it.each<[string, MaintenanceWindow['recurrence'], string, string, boolean]>([
    // Friday 22:00–02:00, crossing midnight; belongs to Friday.
    ['Fri 22–02', { weekdays: [5], start: '22:00', end: '02:00' }, '2026-11-27T14:59:00Z', 'Fri 21:59 local', false],
    ['Fri 22–02', { weekdays: [5], start: '22:00', end: '02:00' }, '2026-11-27T15:00:00Z', 'Fri 22:00 local', true],
    ['Fri 22–02', { weekdays: [5], start: '22:00', end: '02:00' }, '2026-11-27T17:30:00Z', 'Sat 00:30 local (UTC still Fri)', true],
    ['Fri 22–02', { weekdays: [5], start: '22:00', end: '02:00' }, '2026-11-27T18:59:59Z', 'Sat 01:59:59 local', true],
    ['Fri 22–02', { weekdays: [5], start: '22:00', end: '02:00' }, '2026-11-27T19:00:00Z', 'Sat 02:00 local', false],
    ['Fri 22–02', { weekdays: [5], start: '22:00', end: '02:00' }, '2026-11-28T15:30:00Z', 'Sat 22:30 local: Saturday not listed', false],
    ['Fri 22–02', { weekdays: [5], start: '22:00', end: '02:00' }, '2026-11-26T18:00:00Z', 'Fri 01:00 local: belongs to Thursday, not listed', false],
    ['Fri 22–02', { weekdays: [5], start: '22:00', end: '02:00' }, '2026-11-20T16:00:00Z', 'Fri 23:00 local a week earlier', true],
    // Sunday 23:00–01:00 crosses into Monday, i.e. across the ISO week boundary (7 → 1).
    ['Sun 23–01', { weekdays: [7], start: '23:00', end: '01:00' }, '2026-11-29T16:00:00Z', 'Sun 23:00 local', true],
    ['Sun 23–01', { weekdays: [7], start: '23:00', end: '01:00' }, '2026-11-29T17:30:00Z', 'Mon 00:30 local (UTC Sun)', true],
    ['Sun 23–01', { weekdays: [7], start: '23:00', end: '01:00' }, '2026-11-29T18:00:00Z', 'Mon 01:00 local', false],
    ['Sun 23–01', { weekdays: [7], start: '23:00', end: '01:00' }, '2026-11-22T17:30:00Z', 'Mon 23 Nov 00:30 local', true],
    // Monday 00:00–06:00: the whole window lies on Sunday in UTC.
    ['Mon 00–06', { weekdays: [1], start: '00:00', end: '06:00' }, '2026-11-29T16:59:59Z', 'Sun 23:59:59 local', false],
    ['Mon 00–06', { weekdays: [1], start: '00:00', end: '06:00' }, '2026-11-29T17:00:00Z', 'Mon 00:00 local (UTC Sun 17:00)', true],
    ['Mon 00–06', { weekdays: [1], start: '00:00', end: '06:00' }, '2026-11-29T22:59:00Z', 'Mon 05:59 local', true],
    ['Mon 00–06', { weekdays: [1], start: '00:00', end: '06:00' }, '2026-11-30T17:00:00Z', 'Tue 00:00 local (UTC Mon)', false],
    // Business hours Mon–Fri 09:00–17:00.
    ['Mon–Fri 09–17', { weekdays: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' }, '2026-11-24T03:00:00Z', 'Tue 10:00 local', true],
    ['Mon–Fri 09–17', { weekdays: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' }, '2026-11-24T10:00:00Z', 'Tue 17:00 local', false],
    ['Mon–Fri 09–17', { weekdays: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' }, '2026-11-28T03:00:00Z', 'Sat 10:00 local', false],
    // start = end: a full 24 hours from start.
    ['Wed all day', { weekdays: [3], start: '00:00', end: '00:00' }, '2026-11-24T17:00:00Z', 'Wed 00:00 local', true],
    ['Wed all day', { weekdays: [3], start: '00:00', end: '00:00' }, '2026-11-25T16:59:59Z', 'Wed 23:59:59 local', true],
    ['Wed all day', { weekdays: [3], start: '00:00', end: '00:00' }, '2026-11-25T17:00:00Z', 'Thu 00:00 local', false],
  ])('%s at %s (%s) → %s', (_name, recurrence, iso, _local, expected) => {
    expect(windowActiveAt(win({ recurrence }), at(iso))).toBe(expected)
  })

  it('stays inside its validity period, even mid-occurrence', () => {
    // Valid from Fri 27 Nov 23:00 local until Sat 28 Nov 01:00 local.
    const w = win({ startsAt: at('2026-11-27T23:00:00+07:00'), endsAt: at('2026-11-28T01:00:00+07:00'), recurrence: { weekdays: [5], start: '22:00', end: '02:00' } })
    expect(windowActiveAt(w, at('2026-11-27T22:30:00+07:00'))).toBe(false)
    expect(windowActiveAt(w, at('2026-11-27T23:30:00+07:00'))).toBe(true)
    expect(windowActiveAt(w, at('2026-11-28T01:30:00+07:00'))).toBe(false)
  })
})

describe('maintenanceMinutes', () => {
  const fridayNight = win({ recurrence: { weekdays: [5], start: '22:00', end: '02:00' } })

  it('counts the overlap of a one-off window', () => {
    const w = win({ startsAt: at('2026-11-27T22:00:00+07:00'), endsAt: at('2026-11-28T02:00:00+07:00') })
    expect(maintenanceMinutes(w, at('2026-11-01T00:00:00+07:00'), at('2026-12-01T00:00:00+07:00'))).toBe(240)
    expect(maintenanceMinutes(w, at('2026-11-28T01:00:00+07:00'), at('2026-12-01T00:00:00+07:00'))).toBe(60)
    expect(maintenanceMinutes(w, at('2026-11-28T02:00:00+07:00'), at('2026-12-01T00:00:00+07:00'))).toBe(0)
  })

  it('counts every occurrence in a local month: Fridays 6, 13, 20, 27 Nov 2026 × 4 h', () => {
    expect(maintenanceMinutes(fridayNight, at('2026-11-01T00:00:00+07:00'), at('2026-12-01T00:00:00+07:00'))).toBe(4 * 240)
  })

  it('counts the tail of an occurrence that started before the range', () => {
    // From Sat 28 Nov 01:00 local: the last hour of Friday's window, nothing else that week.
    expect(maintenanceMinutes(fridayNight, at('2026-11-28T01:00:00+07:00'), at('2026-12-04T00:00:00+07:00'))).toBe(60)
  })

  it('clips to the validity period', () => {
    const w = { ...fridayNight, endsAt: at('2026-11-28T00:30:00+07:00') }
    expect(maintenanceMinutes(w, at('2026-11-27T00:00:00+07:00'), at('2026-11-29T00:00:00+07:00'))).toBe(150)
  })

  it.each([
    { weekdays: [5], start: '22:00', end: '02:00' },
    { weekdays: [1, 7], start: '23:30', end: '00:15' },
    { weekdays: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' },
    { weekdays: [3, 4], start: '06:00', end: '06:00' },
  ])('agrees with windowActiveAt sampled every minute over two weeks (%o)', (recurrence) => {
    const w = win({ recurrence, startsAt: at('2026-11-23T05:07:00+07:00') })
    const from = at('2026-11-22T00:00:00+07:00')
    const to = at('2026-12-06T00:00:00+07:00')
    let sampled = 0
    for (let t = from; t < to; t += MIN) if (windowActiveAt(w, t)) sampled++
    expect(maintenanceMinutes(w, from, to)).toBe(sampled)
  })
})

describe('createMaintenanceIndex: scope and inheritance', () => {
  // Province core → cluster hub uplink (commune C2, Cụm B) → commune line of C1 → MCU of C1.
  const topology: MaintenanceTopology = {
    communes: [
      { code: 'C1', cluster: 'Cụm A' },
      { code: 'C2', cluster: 'Cụm B' },
      { code: 'C3', cluster: 'Cụm A' },
    ],
    targets: [
      { id: 'core', communeCode: 'C2', parents: [] },
      { id: 'hub-uplink', communeCode: 'C2', parents: ['core'] },
      { id: 'c1-line', communeCode: 'C1', parents: ['hub-uplink'] },
      { id: 'c1-mcu', communeCode: 'C1', parents: ['c1-line'] },
      { id: 'c3-line', communeCode: 'C3', parents: [] },
      { id: 'loop-a', communeCode: 'C3', parents: ['loop-b'] },
      { id: 'loop-b', communeCode: 'C3', parents: ['loop-a', 'ghost'] },
    ],
  }
  const NOW = at('2026-11-24T10:00:00+07:00')
  const scoped = (scope: Partial<MaintenanceWindow['scope']>, id = 7): MaintenanceWindow => win({ id, scope: { communes: [], clusters: [], targets: [], ...scope } })
  const inMaint = (windows: MaintenanceWindow[], now = NOW): string[] => {
    const idx = createMaintenanceIndex(windows, topology)
    return topology.targets.map((t) => t.id).filter((id) => idx.targetInMaintenance(id, now) !== undefined)
  }

  it('a target window covers the target and every descendant, transitively', () => {
    expect(inMaint([scoped({ targets: ['hub-uplink'] })])).toEqual(['hub-uplink', 'c1-line', 'c1-mcu'])
    expect(inMaint([scoped({ targets: ['core'] })])).toEqual(['core', 'hub-uplink', 'c1-line', 'c1-mcu'])
    expect(inMaint([scoped({ targets: ['c1-mcu'] })])).toEqual(['c1-mcu'])
  })

  it('a commune window covers its targets and, through them, their descendants in other communes', () => {
    expect(inMaint([scoped({ communes: ['C1'] })])).toEqual(['c1-line', 'c1-mcu'])
    expect(inMaint([scoped({ communes: ['C2'] })])).toEqual(['core', 'hub-uplink', 'c1-line', 'c1-mcu'])
  })

  it('a cluster window covers every commune of the cluster', () => {
    expect(inMaint([scoped({ clusters: ['Cụm A'] })])).toEqual(['c1-line', 'c1-mcu', 'c3-line', 'loop-a', 'loop-b'])
  })

  it('only while the window is active', () => {
    const w = win({ id: 3, scope: { communes: [], clusters: [], targets: ['hub-uplink'] }, startsAt: at('2026-11-27T22:00:00+07:00'), endsAt: at('2026-11-28T02:00:00+07:00') })
    expect(inMaint([w], at('2026-11-27T21:59:00+07:00'))).toEqual([])
    expect(createMaintenanceIndex([w], topology).targetInMaintenance('c1-mcu', at('2026-11-28T00:00:00+07:00'))?.id).toBe(3)
  })

  it('survives parent cycles and unknown ids', () => {
    const idx = createMaintenanceIndex([scoped({ targets: ['c1-line'] })], topology)
    expect(idx.targetInMaintenance('loop-a', NOW)).toBeUndefined()
    expect(idx.targetInMaintenance('nope', NOW)).toBeUndefined()
    expect(inMaint([scoped({ targets: ['loop-b'] })])).toEqual(['loop-a', 'loop-b'])
  })

  it('a commune is in maintenance when scoped directly, by cluster, or when all its targets inherit it', () => {
    const communes = (windows: MaintenanceWindow[]): string[] => {
      const idx = createMaintenanceIndex(windows, topology)
      return ['C1', 'C2', 'C3', 'C9'].filter((c) => idx.communeInMaintenance(c, NOW))
    }
    expect(communes([scoped({ communes: ['C1'] })])).toEqual(['C1'])
    expect(communes([scoped({ clusters: ['Cụm A'] })])).toEqual(['C1', 'C3'])
    expect(communes([scoped({ targets: ['hub-uplink'] })])).toEqual(['C1']) // C2's core is not under it
    expect(communes([scoped({ targets: ['core'] })])).toEqual(['C1', 'C2'])
    expect(communes([scoped({ targets: ['c1-mcu'] })])).toEqual([]) // the line is not in maintenance
  })
})

describe('maintenance storage', () => {
  let t: ReturnType<typeof createTempStore>
  beforeEach(() => {
    t = createTempStore()
    t.store.upsertCommune(commune('C1', { districtCluster: 'Cụm A' }))
    t.store.upsertTarget(udpTarget('c1-line', 'C1'))
  })
  afterEach(() => t.dispose())
  const input = (over: Partial<MaintenanceInput> = {}): MaintenanceInput => ({
    scope: { communes: ['C1'], clusters: [], targets: [] },
    startsAt: '2026-11-27T22:00:00+07:00',
    endsAt: '2026-11-28T02:00:00+07:00',
    recurrence: null,
    reason: 'VNPT thay thiết bị',
    createdBy: 'op',
    ...over,
  })
  const failure = (fn: () => unknown): string[] => {
    try {
      fn()
    } catch (e) {
      if (e instanceof AppError) return [e.code, ...(e.issues ?? []).map((i) => i.path)]
      throw e
    }
    return []
  }

  it('creates, lists and deletes', () => {
    const w = createMaintenance(t.store, input({ recurrence: { weekdays: [5], start: '22:00', end: '02:00' } }))
    expect(w).toMatchObject({ startsAt: at('2026-11-27T15:00:00Z'), recurrence: { weekdays: [5], start: '22:00', end: '02:00' }, reason: 'VNPT thay thiết bị' })
    expect(listMaintenance(t.store)).toEqual([w])
    expect(deleteMaintenance(t.store, w.id)).toEqual(w)
    expect(listMaintenance(t.store)).toEqual([])
    expect(failure(() => deleteMaintenance(t.store, w.id))).toEqual(['E_NOT_FOUND'])
  })

  it('refuses endsAt ≤ startsAt and unknown scope references, with paths, writing nothing', () => {
    expect(failure(() => createMaintenance(t.store, input({ endsAt: '2026-11-27T22:00:00+07:00' })))).toEqual(['E_VALIDATION', 'endsAt'])
    expect(
      failure(() => createMaintenance(t.store, input({ scope: { communes: ['C1', 'NOPE'], clusters: ['Cụm A', 'Cụm Z'], targets: ['c1-line', 'ghost'] } }))),
    ).toEqual(['E_VALIDATION', 'scope.communes.1', 'scope.clusters.1', 'scope.targets.1'])
    expect(listMaintenance(t.store)).toEqual([])
  })
})
