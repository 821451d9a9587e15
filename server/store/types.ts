/**
 * Row and repository types for code outside server/store/: type-only re-exports, so nothing
 * outside the store imports the drizzle schema or a SQLite module.
 * @module
 */

// Inventory, probes, users, audit, state log, settings.
export type { AuditRow, CommuneRow, CoverageGapRow, ProbeRow, SessionRow, StateLogRow, TargetRow, UserRow } from './schema'
export type { LoggedEntity, LoggedState, StateLogEntry, StateLogRepo } from './state-log'
export type { SettingsRepo } from './settings'
export type { DatabaseAdmin, DatabaseStats, TableStats } from './stats'

// ---- alerting state ----
export type { IncidentEventRow, IncidentRow, MaintenanceRow, NotificationLogRow, OutboxRow, SilenceRow, SupportGroupRow } from './schema'
export type { AlertingRepos } from './alerting-repos'
export type { IncidentPatch, IncidentRepo, NewIncident, NewIncidentEvent } from './incidents-repo'
export type { NewOutboxMessage, OutboxRepo, OutboxStatus, PendingSummary } from './outbox-repo'
export type { NotificationLogEntry, NotificationLogRepo } from './notification-log-repo'
export type { NewSilence, SilenceRepo } from './silences-repo'
export type { MaintenanceRepo, NewMaintenance } from './maintenance-repo'
export type { NewSupportGroup, SupportGroupRepo, SupportGroupValues } from './support-groups-repo'
