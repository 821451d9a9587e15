/** Contract of SilenceRepo, run against every implementation. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { NewSilence, SilenceRepo } from '../../../server/store/types'
import { ALERTING_IMPLS } from './alerting-impls'

const T0 = Date.parse('2026-11-24T03:00:00Z')

const silence = (over: Partial<NewSilence> = {}): NewSilence => ({
  matchers: [
    { name: 'commune_code', value: 'C1', isRegex: false, isEqual: true },
    { name: 'role', value: 'line|uplink', isRegex: true, isEqual: false },
  ],
  startsAt: T0,
  endsAt: T0 + 3_600_000,
  createdBy: 'trucca',
  comment: 'Thay cáp quang',
  ...over,
})

describe.each(ALERTING_IMPLS)('SilenceRepo ($name)', (impl) => {
  let repo: SilenceRepo
  let close: () => void
  beforeEach(() => {
    const made = impl.make()
    repo = made.repos.silences
    close = made.close
  })
  afterEach(() => close())

  it('stores a silence as given, with an id and a creation time', () => {
    const s = repo.create(silence())
    expect(s).toEqual({ ...silence(), id: s.id, createdAt: s.createdAt })
    expect(typeof s.createdAt).toBe('number')
    expect(repo.get(s.id)).toEqual(s)
    expect(repo.get(s.id + 100)).toBeUndefined()
  })

  it('lists every silence oldest first, expired ones too', () => {
    const a = repo.create(silence({ comment: 'a', endsAt: T0 + 1 }))
    const b = repo.create(silence({ comment: 'b' }))
    expect(repo.list().map((s) => s.id)).toEqual([a.id, b.id])
  })

  it('moves the end, or both times, of one silence', () => {
    const a = repo.create(silence())
    const b = repo.create(silence({ comment: 'b' }))
    expect(repo.setTimes(a.id, { endsAt: T0 + 60_000 })).toEqual({ ...a, endsAt: T0 + 60_000 })
    expect(repo.setTimes(b.id, { startsAt: T0 + 5, endsAt: T0 + 5 })).toEqual({ ...b, startsAt: T0 + 5, endsAt: T0 + 5 })
    expect(repo.get(a.id)?.endsAt).toBe(T0 + 60_000)
    expect(repo.setTimes(b.id + 100, { endsAt: T0 })).toBeUndefined()
  })
})
