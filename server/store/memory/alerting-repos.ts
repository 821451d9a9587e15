/**
 * Alerting state in memory: every repository of {@link AlertingRepos} over plain tables, with
 * transactions that roll back when they throw. For tests that build the incidents, the
 * dispatcher and the outbox without a database; each repository passes the same contract suite
 * as its SQLite implementation (test/server/store/).
 * @module
 */
import type { AlertingRepos } from '../alerting-repos'
import type { MaintenanceRow, OutboxRow, SilenceRow, SupportGroupRow } from '../schema'
import { createMemoryChannelStateRepo, type MemoryChannelStateTable } from './channel-state'
import { createMemoryIncidentRepo, memoryIncidentTables } from './incidents-repo'
import { createMemoryMaintenanceRepo } from './maintenance-repo'
import { createMemoryNotificationLogRepo, type MemoryNotificationLogTable } from './notification-log-repo'
import { createMemoryOutboxRepo } from './outbox-repo'
import { createMemorySilenceRepo } from './silences-repo'
import { createMemorySupportGroupRepo } from './support-groups-repo'
import { memoryTable } from './table'

/**
 * Fresh, empty alerting repositories in memory.
 * @param now stamps `createdAt` of silences and maintenance windows (the SQLite default is the wall clock)
 */
export function createMemoryAlertingRepos(now: () => number = Date.now): AlertingRepos {
  const tables = {
    incidents: memoryIncidentTables(),
    outbox: memoryTable<OutboxRow>(),
    notificationLog: { entries: new Map() } as MemoryNotificationLogTable,
    silences: memoryTable<SilenceRow>(),
    maintenance: memoryTable<MaintenanceRow>(),
    supportGroups: memoryTable<SupportGroupRow>(),
    channels: { rows: new Map() } as MemoryChannelStateTable,
  }
  const channels = createMemoryChannelStateRepo(tables.channels)
  return {
    incidents: createMemoryIncidentRepo(tables.incidents),
    outbox: createMemoryOutboxRepo(tables.outbox),
    notificationLog: createMemoryNotificationLogRepo(tables.notificationLog),
    silences: createMemorySilenceRepo(tables.silences, now),
    maintenance: createMemoryMaintenanceRepo(tables.maintenance, now),
    supportGroups: createMemorySupportGroupRepo(tables.supportGroups, (id) => channels.forget(id)),
    channels,
    transaction<T>(fn: () => T): T {
      // Snapshot and restore in place: the repositories hold these very objects.
      const saved = structuredClone(tables)
      try {
        return fn()
      } catch (e) {
        for (const k of Object.keys(tables) as Array<keyof typeof tables>) Object.assign(tables[k], saved[k])
        throw e
      }
    },
  }
}
