/**
 * The dispatcher decides WHETHER and WHEN to notify (Alertmanager semantics): alerts are
 * grouped per support group and group labels; a new group waits `groupWait` so parents and
 * siblings can arrive; changes are sent at most every `groupInterval`; an unchanged,
 * unacknowledged group is repeated every `repeatInterval`; escalation steps notify the next
 * group when nobody acknowledged in time. What it decides goes into the outbox.
 * @module
 */
import { createHash } from 'node:crypto'
import type { AlertingConfig } from '../config'
import type { AlertingRepos, IncidentRow } from '../store/types'
import type { IncidentChanges, IncidentStore } from './incidents'
import { renderMessage, type MessageAlert, type MessageKind } from './messages'
import type { OutgoingMessage } from './notifier'
import type { Outbox } from './outbox'
import { routeOf, type RouteGroup } from './routing'

export interface DispatcherDeps {
  /** Where the notification log lives, and the transaction a round runs in. */
  repos: Pick<AlertingRepos, 'notificationLog' | 'transaction'>
  incidents: IncidentStore
  outbox: Outbox
  config: AlertingConfig
  publicUrl: () => string
  groups: () => readonly RouteGroup[]
  /** True when a silence matches the labels now. */
  silenced: (labels: Record<string, string>) => boolean
  /** True when the target is in (or inherits) a maintenance window now. */
  inMaintenance: (targetId: string) => boolean
  now: () => number
}

interface GroupTimer {
  nextFlushAt: number
}

interface LogEntry {
  firing: string[]
  sentAt: number
}

const shortHash = (s: string): string => createHash('sha256').update(s).digest('base64url').slice(0, 16)

function messageAlert(row: IncidentRow): MessageAlert {
  return {
    incidentId: row.id,
    fingerprint: row.key,
    alertname: row.alertname,
    severity: row.severity,
    labels: row.labels,
    annotations: row.annotations,
    startsAt: row.openedAt,
    endsAt: row.resolvedAt,
    affectedCommunes: row.affectedCommunes,
    flapping: row.flapping,
  }
}

/** Creates the dispatcher; state that must survive restarts lives in `notification_log`. */
export function createDispatcher(deps: DispatcherDeps) {
  const { repos, config, now } = deps
  const timers = new Map<string, GroupTimer>()
  const log = new Map<string, LogEntry>()
  for (const r of repos.notificationLog.list()) log.set(`${r.receiver}|${r.groupKey}`, { firing: r.firing, sentAt: r.sentAt })

  const groupKeyOf = (labels: Record<string, string>): string => `{${config.groupBy.map((l) => `${l}=${JSON.stringify(labels[l] ?? '')}`).join(',')}}`
  const groupLabelsOf = (labels: Record<string, string>): Record<string, string> => Object.fromEntries(config.groupBy.map((l) => [l, labels[l] ?? '']))

  const muted = (row: IncidentRow): boolean => deps.silenced(row.labels) || (row.targetId !== null && deps.inMaintenance(row.targetId))

  function saveLog(receiver: string, groupKey: string, entry: LogEntry | undefined): void {
    const key = `${receiver}|${groupKey}`
    if (!entry) {
      log.delete(key)
      repos.notificationLog.delete(receiver, groupKey)
      return
    }
    log.set(key, entry)
    repos.notificationLog.save({ receiver, groupKey, firing: entry.firing, sentAt: entry.sentAt })
  }

  function render(group: RouteGroup, kind: MessageKind, idempotencyKey: string, groupKey: string, groupLabels: Record<string, string>, firing: IncidentRow[], resolved: IncidentRow[], extra: { escalatedFrom?: string } = {}): OutgoingMessage {
    return renderMessage(
      {
        language: group.language,
        kind,
        receiver: group.name,
        groupKey,
        groupLabels,
        firing: firing.map(messageAlert),
        resolved: resolved.map(messageAlert),
        now: now(),
        publicUrl: deps.publicUrl(),
        ...extra,
      },
      { idempotencyKey, threadKey: `${group.name}|${groupKey}`, fingerprintOf: (a) => shortHash(a.fingerprint) },
    )
  }

  function send(group: RouteGroup, kind: MessageKind, idempotencyKey: string, groupKey: string, groupLabels: Record<string, string>, firing: IncidentRow[], resolved: IncidentRow[], extra: { escalatedFrom?: string } = {}): void {
    const message = render(group, kind, idempotencyKey, groupKey, groupLabels, firing, resolved, extra)
    const incidentIds = [...firing, ...resolved].map((r) => r.id)
    group.channels.forEach((channel, channelIndex) => {
      deps.outbox.enqueue({ idempotencyKey: `${idempotencyKey}#${channelIndex}`, groupName: group.name, channelIndex, channel, message: { ...message, idempotencyKey: `${idempotencyKey}#${channelIndex}` }, incidentIds })
    })
  }

  /** One evaluation: flapping messages, grouped notifications, reminders, escalations. */
  function tick(changes: IncidentChanges): void {
    const groups = deps.groups()
    const byName = new Map(groups.map((g) => [g.name, g]))
    const active = [...deps.incidents.active().values()]

    // Flapping start/stop: one message each, straight away (the state changes themselves are quiet).
    for (const [rows, kind] of [
      [changes.flappingStarted, 'flapping_start'],
      [changes.flappingStopped, 'flapping_stop'],
    ] as const) {
      for (const row of rows) {
        if (muted(row)) continue
        for (const g of routeOf(groups, row.labels, row.severity)) {
          send(g, kind, `flap:${row.id}:${kind}:${now()}`, groupKeyOf(row.labels), groupLabelsOf(row.labels), [row], [])
        }
      }
    }

    // Bucket the active, unmuted incidents per receiver and group.
    const buckets = new Map<string, { group: RouteGroup; groupKey: string; labels: Record<string, string>; rows: IncidentRow[] }>()
    for (const row of active) {
      if (muted(row)) continue
      for (const g of routeOf(groups, row.labels, row.severity)) {
        const groupKey = groupKeyOf(row.labels)
        const k = `${g.name}|${groupKey}`
        const b = buckets.get(k) ?? { group: g, groupKey, labels: groupLabelsOf(row.labels), rows: [] }
        b.rows.push(row)
        buckets.set(k, b)
      }
    }
    const keys = new Set([...buckets.keys(), ...[...log.entries()].filter(([, e]) => e.firing.length > 0).map(([k]) => k)])
    repos.transaction(() => {
      for (const k of keys) {
        const sep = k.indexOf('|')
        const receiver = k.slice(0, sep)
        const groupKey = k.slice(sep + 1)
        const group = byName.get(receiver)
        const entry = log.get(k)
        if (!group) {
          if (entry) saveLog(receiver, groupKey, undefined)
          continue
        }
        const bucket = buckets.get(k)
        let timer = timers.get(k)
        if (!timer) {
          // Also after a restart: hold first, so a parent seen a moment later can absorb its children.
          timer = { nextFlushAt: now() + config.groupWaitSeconds * 1000 }
          timers.set(k, timer)
        }
        if (now() < timer.nextFlushAt) continue
        timer.nextFlushAt = now() + config.groupIntervalSeconds * 1000
        const firingRows = bucket?.rows ?? []
        const firing = new Set(firingRows.map((r) => r.key))
        const last = new Set(entry?.firing ?? [])
        const added = [...firing].filter((f) => !last.has(f))
        const resolvedKeys = [...last].filter((f) => !firing.has(f))
        const labels = bucket?.labels ?? Object.fromEntries(config.groupBy.map((l) => [l, '']))
        // One row per key: the latest episode.
        const resolvedLatest = deps.incidents.latestResolved(resolvedKeys)
        const sentAt = entry?.sentAt ?? 0
        // Firing incidents by id, not fingerprint: a target's second outage after a full resolve
        // is a new decision, and its key must not repeat the first outage's (the outbox would drop it).
        const firingIds = firingRows.map((r) => r.id).sort((x, y) => x - y)
        const baseKey = `n:${receiver}|${groupKey}|${shortHash(firingIds.join(','))}|${shortHash(resolvedKeys.sort().join(','))}|${sentAt}`
        if (added.length > 0 || (resolvedKeys.length > 0 && group.sendResolved)) {
          send(group, 'notification', baseKey, groupKey, labels, firingRows, group.sendResolved ? resolvedLatest : [])
          saveLog(receiver, groupKey, firing.size > 0 ? { firing: [...firing], sentAt: now() } : undefined)
        } else if (resolvedKeys.length > 0) {
          saveLog(receiver, groupKey, firing.size > 0 ? { firing: [...firing], sentAt } : undefined)
        } else if (firing.size > 0 && now() - sentAt >= config.repeatIntervalSeconds * 1000) {
          const unacked = firingRows.filter((r) => r.state === 'open')
          if (unacked.length > 0) {
            send(group, 'reminder', `r:${baseKey}`, groupKey, labels, unacked, [])
            saveLog(receiver, groupKey, { firing: [...firing], sentAt: now() })
          }
        }
        if (firing.size === 0 && !log.has(k)) timers.delete(k)
      }

      // Escalation: nobody acknowledged in time → the next group hears about it, once per step.
      for (const row of active) {
        if (row.state !== 'open' || muted(row)) continue
        for (const g of routeOf(groups, row.labels, row.severity)) {
          g.escalation.forEach((step, i) => {
            if (now() < row.openedAt + step.afterMinutes * 60_000) return
            const marker = `${g.name}#${i}`
            if (deps.incidents.hasEvent(row.id, 'escalated', marker)) return
            const next = byName.get(step.group)
            deps.incidents.event(row.id, 'escalated', null, marker)
            if (!next) return
            send(next, 'escalation', `e:${row.id}:${marker}`, groupKeyOf(row.labels), groupLabelsOf(row.labels), [row], [], { escalatedFrom: g.name })
          })
        }
      }
    })
  }

  /** The test message of a group (the "send test message" action sends it to every channel at once). */
  function testMessage(group: RouteGroup): OutgoingMessage {
    return render(group, 'test', `test:${group.name}:${now()}`, '{}', {}, [], [])
  }

  return { tick, testMessage }
}

export type Dispatcher = ReturnType<typeof createDispatcher>
