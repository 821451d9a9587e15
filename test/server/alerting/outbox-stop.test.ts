/**
 * The outbox at shutdown (`stop`), over both implementations of its repositories and a real
 * webhook receiver on loopback: no attempt starts once stopping; an attempt answered before the
 * deadline is recorded as sent; one still unanswered at the deadline is cut short and its row
 * left pending exactly as it was (no attempt counted, the channel not marked failing), due at
 * the next start; and `stop` resolves only once nothing writes any more.
 */
import type { ServerResponse } from 'node:http'
import pino from 'pino'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { WebhookChannel } from '../../../protocol'
import { AlertingConfig } from '../../../server/config'
import { channelConfigHash, createNotifier } from '../../../server/alerting/notifiers/index'
import type { OutgoingMessage } from '../../../server/alerting/notifier'
import { createOutbox, type Outbox } from '../../../server/alerting/outbox'
import type { AlertingRepos } from '../../../server/store/types'
import { listenFake, type FakeHttp } from '../../helpers/fake-http'
import { ALERTING_IMPLS } from '../store/alerting-impls'

const T0 = Date.parse('2026-12-06T03:00:00Z')

const message = (key: string): OutgoingMessage => ({
  idempotencyKey: key,
  threadKey: 'Tổ Kỳ Sơn|{}',
  status: 'firing',
  title: `Mất kết nối ${key}`,
  text: key,
  html: key,
  receiver: 'Tổ Kỳ Sơn',
  groupKey: '{}',
  groupLabels: {},
  commonLabels: {},
  alerts: [],
})

describe.each(ALERTING_IMPLS)('outbox stop ($name)', (impl) => {
  let repos: AlertingRepos
  let close: () => void
  let receiver: FakeHttp
  /** Requests the receiver holds unanswered, in arrival order. */
  let held: ServerResponse[]
  let outbox: Outbox
  let groupId: number
  let channel: WebhookChannel

  beforeEach(async () => {
    const made = impl.make()
    repos = made.repos
    close = made.close
    held = []
    receiver = await listenFake((_req, res) => held.push(res))
    channel = { type: 'webhook', url: `${receiver.url}/hook` }
    groupId = repos.supportGroups.create({ name: 'Tổ Kỳ Sơn', channels: [channel], communes: [], clusters: [], escalation: [] }).id
    outbox = createOutbox({
      repos,
      // A send deadline far away: only `stop` may end a held attempt here.
      config: AlertingConfig.parse({ sendTimeoutSeconds: 120 }),
      log: pino({ level: 'silent' }),
      now: () => T0,
      fetch,
      destination: (groupName, channelIndex) => ({
        notifier: createNotifier(channel),
        perMinute: 60,
        language: 'vi',
        groupId,
        channelIndex,
        configHash: channelConfigHash(channel),
        credentials: { load: () => undefined, save: () => undefined },
        disabledReason: null,
      }),
      onOutcome: () => undefined,
      onChannelUpdate: () => undefined,
      onOverdue: () => undefined,
    })
    for (const key of ['a', 'b', 'c']) outbox.enqueue({ idempotencyKey: key, groupName: 'Tổ Kỳ Sơn', channelIndex: 0, channel, message: message(key), incidentIds: [1] })
  })
  afterEach(async () => {
    await receiver.close()
    close()
  })

  /** Starts a round and waits until the receiver holds its first request (the round, boxed: not awaited here). */
  async function roundInFlight(): Promise<{ round: Promise<number> }> {
    const round = outbox.deliverDue()
    await vi.waitFor(() => expect(held).toHaveLength(1), { timeout: 5000, interval: 10 })
    return { round }
  }

  it('cuts an attempt still unanswered at the deadline: its row stays pending as it was, nothing else is attempted', async () => {
    const { round } = await roundInFlight()
    const deadline = new AbortController()
    const stopped = outbox.stop(deadline.signal)
    deadline.abort()
    await stopped
    await round
    expect(receiver.requests).toHaveLength(1)
    expect(outbox.counts()).toEqual({ pending: 3, sent: 0, dead: 0, collapsed: 0 })
    expect(repos.outbox.get(1)).toMatchObject({ idempotencyKey: 'a', status: 'pending', attempts: 0, lastError: null, nextAttemptAt: T0 })
    // Cut short by the shutdown is not the channel failing.
    expect(repos.channels.get(groupId, 0, channelConfigHash(channel))?.consecutiveFailures ?? 0).toBe(0)
    // Stopped: a later round starts nothing.
    expect(await outbox.deliverDue()).toBe(0)
    expect(receiver.requests).toHaveLength(1)
    // Due at the next start.
    expect(repos.outbox.due(T0, 10).map((r) => r.idempotencyKey)).toEqual(['a', 'b', 'c'])
  })

  it('records an attempt answered before the deadline as sent, then starts no other', async () => {
    const { round } = await roundInFlight()
    const stopped = outbox.stop(new AbortController().signal)
    let settled = false
    void stopped.then(() => (settled = true))
    // Still waiting for the attempt in flight: the caller must not close the database yet.
    await new Promise((r) => setImmediate(r))
    expect(settled).toBe(false)
    held[0]?.writeHead(204).end()
    await stopped
    await round
    expect(receiver.requests).toHaveLength(1)
    expect(outbox.counts()).toEqual({ pending: 2, sent: 1, dead: 0, collapsed: 0 })
    expect(repos.outbox.get(1)).toMatchObject({ idempotencyKey: 'a', status: 'sent', sentAt: T0, attempts: 1 })
  })

  it('with no round in progress, resolves at once and no round starts after it', async () => {
    await outbox.stop(new AbortController().signal)
    expect(await outbox.deliverDue()).toBe(0)
    expect(receiver.requests).toHaveLength(0)
    expect(outbox.counts().pending).toBe(3)
  })
})
