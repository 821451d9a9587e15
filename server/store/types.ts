/**
 * Row types for code outside server/store/, which must not import the drizzle schema
 * (test/architecture.test.ts). Type-only: nothing here reaches the database.
 * @module
 */

// Inventory, probes, users, audit, state log, settings.
export type { AuditRow, CommuneRow, CoverageGapRow, ProbeRow, SessionRow, StateLogRow, TargetRow, UserRow } from './schema'
export type { LoggedEntity, LoggedState, StateLogEntry, StateLogRepo } from './state-log'
export type { SettingsRepo } from './settings'
export type { DatabaseAdmin, DatabaseStats, TableStats } from './stats'
