/** Contract of NotificationLogRepo, run against every implementation. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { NotificationLogRepo } from '../../../server/store/types'
import { ALERTING_IMPLS } from './alerting-impls'

const sorted = <T extends { receiver: string; groupKey: string }>(rows: T[]): T[] => [...rows].sort((a, b) => `${a.receiver} ${a.groupKey}`.localeCompare(`${b.receiver} ${b.groupKey}`))

describe.each(ALERTING_IMPLS)('NotificationLogRepo ($name)', (impl) => {
  let repo: NotificationLogRepo
  let close: () => void
  beforeEach(() => {
    const made = impl.make()
    repo = made.repos.notificationLog
    close = made.close
  })
  afterEach(() => close())

  it('stores one entry per (receiver, group key); saving again replaces it', () => {
    repo.save({ receiver: 'NOC', groupKey: '{cluster="A"}', firing: ['k1'], sentAt: 1 })
    repo.save({ receiver: 'NOC', groupKey: '{cluster="B"}', firing: ['k2'], sentAt: 2 })
    repo.save({ receiver: 'Tổ 2', groupKey: '{cluster="A"}', firing: [], sentAt: 3 })
    repo.save({ receiver: 'NOC', groupKey: '{cluster="A"}', firing: ['k1', 'k3'], sentAt: 4 })
    expect(sorted(repo.list())).toEqual([
      { receiver: 'NOC', groupKey: '{cluster="A"}', firing: ['k1', 'k3'], sentAt: 4 },
      { receiver: 'NOC', groupKey: '{cluster="B"}', firing: ['k2'], sentAt: 2 },
      { receiver: 'Tổ 2', groupKey: '{cluster="A"}', firing: [], sentAt: 3 },
    ])
  })

  it('keeps pairs apart that would join into the same text', () => {
    repo.save({ receiver: 'a|b', groupKey: 'c', firing: ['x'], sentAt: 1 })
    repo.save({ receiver: 'a', groupKey: 'b|c', firing: ['y'], sentAt: 2 })
    expect(repo.list()).toHaveLength(2)
  })

  it('forgets an entry; forgetting an absent one is fine', () => {
    repo.save({ receiver: 'NOC', groupKey: 'g', firing: ['k1'], sentAt: 1 })
    repo.save({ receiver: 'NOC', groupKey: 'h', firing: ['k2'], sentAt: 1 })
    repo.delete('NOC', 'g')
    repo.delete('NOC', 'nothing')
    expect(repo.list().map((e) => e.groupKey)).toEqual(['h'])
  })
})
