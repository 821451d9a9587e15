/** Contract of SupportGroupRepo, run against every implementation. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { AlertingRepos, NewSupportGroup, SupportGroupRepo } from '../../../server/store/types'
import { ALERTING_IMPLS } from './alerting-impls'

const group = (name: string, over: Partial<NewSupportGroup> = {}): NewSupportGroup => ({
  name,
  channels: [{ type: 'webhook', url: 'http://127.0.0.1:9/hook' }],
  communes: [],
  clusters: ['Cụm Kỳ Sơn'],
  escalation: [],
  ...over,
})

describe.each(ALERTING_IMPLS)('SupportGroupRepo ($name)', (impl) => {
  let repos: AlertingRepos
  let repo: SupportGroupRepo
  let close: () => void
  beforeEach(() => {
    const made = impl.make()
    repos = made.repos
    repo = repos.supportGroups
    close = made.close
  })
  afterEach(() => close())

  it('stores a group with the defaults for what was left out', () => {
    const g = repo.create(group('NOC'))
    expect(g).toEqual({ ...group('NOC'), id: g.id, roles: [], minSeverity: 'warning', language: 'vi', sendResolved: true })
    const h = repo.create(group('Tổ 2', { roles: ['mcu'], minSeverity: 'critical', language: 'en', sendResolved: false }))
    expect(h).toMatchObject({ roles: ['mcu'], minSeverity: 'critical', language: 'en', sendResolved: false })
    expect(repo.get(g.id)).toEqual(g)
    expect(repo.getByName('Tổ 2')).toEqual(h)
    expect(repo.getByName('nobody')).toBeUndefined()
    expect(repo.list()).toEqual([g, h])
  })

  it('refuses a second group of the same name', () => {
    repo.create(group('NOC'))
    expect(() => repo.create(group('NOC', { clusters: [] }))).toThrow()
    expect(repo.list()).toHaveLength(1)
  })

  it('replaces every field of a group; an unknown id updates nothing', () => {
    const g = repo.create(group('NOC'))
    const values = { ...group('NOC tỉnh', { communes: ['C1'], escalation: [{ afterMinutes: 15, group: 'Tổ 2' }] }), roles: ['line'], minSeverity: 'info', language: 'en', sendResolved: false }
    expect(repo.update(g.id, values)).toEqual({ ...values, id: g.id })
    expect(repo.get(g.id)).toEqual({ ...values, id: g.id })
    expect(repo.update(g.id + 100, values)).toBeUndefined()
  })

  it('replaces only the channels of a group', () => {
    const g = repo.create(group('NOC'))
    repo.setChannels(g.id, [{ type: 'telegram', botToken: 't', chatId: -100 }])
    expect(repo.get(g.id)).toEqual({ ...g, channels: [{ type: 'telegram', botToken: 't', chatId: -100 }] })
  })

  it('deletes a group, returning it, and with it the state of its channels', () => {
    const g = repo.create(group('NOC'))
    const other = repo.create(group('Tổ 2'))
    repos.channels.recordSuccess(g.id, 0, 'hash', 1)
    repos.channels.recordSuccess(other.id, 0, 'hash', 1)
    expect(repo.delete(g.id)).toEqual(g)
    expect(repo.delete(g.id)).toBeUndefined()
    expect(repo.list()).toEqual([other])
    expect(repos.channels.get(g.id, 0, 'hash')).toBeUndefined()
    expect(repos.channels.get(other.id, 0, 'hash')).toBeDefined()
  })
})
