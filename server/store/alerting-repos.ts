/**
 * The repositories alerting state lives in, as one bundle: the {@link Store} is one (SQLite),
 * `createMemoryAlertingRepos` (./memory/alerting-repos.ts) another, for tests that build the
 * incidents, the dispatcher and the outbox without a database.
 * @module
 */
import type { ChannelStateRepo } from './channel-state'
import type { IncidentRepo } from './incidents-repo'
import type { MaintenanceRepo } from './maintenance-repo'
import type { NotificationLogRepo } from './notification-log-repo'
import type { OutboxRepo } from './outbox-repo'
import type { SilenceRepo } from './silences-repo'
import type { SupportGroupRepo } from './support-groups-repo'

/** Alerting state behind interfaces. */
export interface AlertingRepos {
  readonly incidents: IncidentRepo
  readonly outbox: OutboxRepo
  readonly notificationLog: NotificationLogRepo
  readonly silences: SilenceRepo
  readonly maintenance: MaintenanceRepo
  readonly supportGroups: SupportGroupRepo
  readonly channels: ChannelStateRepo
  /** Runs `fn` so that all its writes to these repositories happen or none does (it threw). */
  transaction<T>(fn: () => T): T
}
