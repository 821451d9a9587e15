/** Contract of AlertingRepos.transaction (all or nothing), run against every implementation. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { AlertingRepos } from '../../../server/store/types'
import { ALERTING_IMPLS } from './alerting-impls'

const incident = { key: 'k', alertname: 'XanhTargetDown', severity: 'critical', targetId: 't', communeCode: 'C1', labels: {}, annotations: {}, summary: '', affectedCommunes: 0, flapping: false, openedAt: 1 } as const
const message = (key: string) => ({ idempotencyKey: key, destination: 'NOC#0', channelType: 'webhook', groupName: 'NOC', channelIndex: 0, message: '{}', incidentIds: [], nextAttemptAt: 1, createdAt: 1 })

describe.each(ALERTING_IMPLS)('AlertingRepos.transaction ($name)', (impl) => {
  let repos: AlertingRepos
  let close: () => void
  beforeEach(() => {
    const made = impl.make()
    repos = made.repos
    close = made.close
  })
  afterEach(() => close())

  it('keeps every write of a transaction that returns, and passes its value on', () => {
    const id = repos.transaction(() => {
      const row = repos.incidents.open({ ...incident, labels: {}, annotations: {} })
      repos.incidents.addEvent({ incidentId: row.id, at: 1, type: 'opened', actor: null, detail: '' })
      repos.outbox.enqueue(message('a'))
      return row.id
    })
    expect(repos.incidents.get(id)).toBeDefined()
    expect(repos.incidents.events(id)).toHaveLength(1)
    expect(repos.outbox.counts().pending).toBe(1)
  })

  it('drops every write of a transaction that throws, across repositories', () => {
    const before = repos.incidents.open({ ...incident, labels: {}, annotations: {} })
    repos.outbox.enqueue(message('a'))
    expect(() =>
      repos.transaction(() => {
        repos.incidents.resolve(before.id, 5)
        repos.incidents.open({ ...incident, key: 'k2', labels: {}, annotations: {} })
        repos.outbox.enqueue(message('b'))
        repos.notificationLog.save({ receiver: 'NOC', groupKey: 'g', firing: ['k'], sentAt: 5 })
        repos.silences.create({ matchers: [], startsAt: 1, endsAt: 2, createdBy: 'x', comment: '' })
        throw new Error('boom')
      }),
    ).toThrow('boom')
    expect(repos.incidents.unresolved()).toEqual([before])
    expect(repos.outbox.counts().pending).toBe(1)
    expect(repos.notificationLog.list()).toEqual([])
    expect(repos.silences.list()).toEqual([])
    // Ids handed out inside are not a problem afterwards.
    const next = repos.incidents.open({ ...incident, key: 'k3', labels: {}, annotations: {} })
    expect(repos.incidents.get(next.id)?.key).toBe('k3')
  })
})
