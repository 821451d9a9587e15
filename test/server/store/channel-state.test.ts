/** Contract of ChannelStateRepo, run against every implementation. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ChannelStateRepo } from '../../../server/store/channel-state'
import { ALERTING_IMPLS } from './alerting-impls'

describe.each(ALERTING_IMPLS)('ChannelStateRepo ($name)', (impl) => {
  let repo: ChannelStateRepo
  let gid: number
  let close: () => void
  beforeEach(() => {
    const made = impl.make()
    repo = made.repos.channels
    // The SQLite table references the group: state exists only for a stored group.
    gid = made.repos.supportGroups.create({ name: 'NOC', channels: [], communes: [], clusters: [], escalation: [] }).id
    close = made.close
  })
  afterEach(() => close())

  it('knows nothing of an unused channel', () => {
    expect(repo.get(gid, 0, 'h1')).toBeUndefined()
    expect(repo.credentials(gid, 0)).toBeUndefined()
    expect(repo.list()).toEqual([])
  })

  it('counts failures in a row until a success', () => {
    repo.recordFailure(gid, 0, 'h1', { at: 10, error: 'HTTP 503', action: 'retry', code: 'http_5xx', nextRetryAt: 40 })
    repo.recordFailure(gid, 0, 'h1', { at: 50, error: 'HTTP 503', action: 'retry', code: 'http_5xx', nextRetryAt: 110 })
    expect(repo.get(gid, 0, 'h1')).toMatchObject({ consecutiveFailures: 2, lastAttemptAt: 50, lastErrorAt: 50, lastError: 'HTTP 503', lastErrorAction: 'retry', lastErrorCode: 'http_5xx', nextRetryAt: 110, lastSuccessAt: null, updatedAt: 50 })
    repo.recordSuccess(gid, 0, 'h1', 120)
    expect(repo.get(gid, 0, 'h1')).toMatchObject({ consecutiveFailures: 0, lastAttemptAt: 120, lastSuccessAt: 120, nextRetryAt: null, lastError: 'HTTP 503' })
  })

  it('starts afresh under a new config hash, keeping the credentials', () => {
    repo.recordFailure(gid, 1, 'h1', { at: 10, error: 'x', action: 'admin', code: null, nextRetryAt: null })
    repo.saveCredentials(gid, 1, 'h1', { accessToken: 'a', refreshToken: 'r' }, 11)
    expect(repo.get(gid, 1, 'h2')).toBeUndefined()
    repo.recordSuccess(gid, 1, 'h2', 20)
    expect(repo.get(gid, 1, 'h2')).toMatchObject({ configHash: 'h2', consecutiveFailures: 0, lastError: null, lastSuccessAt: 20, credentials: { accessToken: 'a', refreshToken: 'r' } })
    expect(repo.get(gid, 1, 'h1')).toBeUndefined()
    expect(repo.credentials(gid, 1)).toEqual({ accessToken: 'a', refreshToken: 'r' })
  })

  it('a disabled channel stays disabled until enabled, which clears its failures', () => {
    repo.recordFailure(gid, 0, 'h1', { at: 10, error: 'HTTP 410', action: 'admin', code: 'http_410', nextRetryAt: null })
    repo.disable(gid, 0, 'h1', 10, 'HTTP 410 Gone')
    expect(repo.get(gid, 0, 'h1')).toMatchObject({ disabledAt: 10, disabledReason: 'HTTP 410 Gone', consecutiveFailures: 1 })
    expect(repo.enable(gid, 0)).toBe(true)
    expect(repo.get(gid, 0, 'h1')).toMatchObject({ disabledAt: null, disabledReason: null, consecutiveFailures: 0 })
    expect(repo.enable(gid, 5)).toBe(false)
  })

  it('forgets the channels of a group from an index on', () => {
    for (const i of [0, 1, 2]) repo.recordSuccess(gid, i, 'h', 1)
    repo.forget(gid, 1)
    expect(repo.list().map((r) => r.channelIndex)).toEqual([0])
    repo.forget(gid)
    expect(repo.list()).toEqual([])
  })
})
