/**
 * Maintenance repository (table `maintenance`): stored windows. Their time rules and the checks
 * against the inventory are server/alerting/maintenance.ts's.
 * @module
 */
import { asc, eq } from 'drizzle-orm'
import type { Db } from './db'
import { maintenance, type MaintenanceRow } from './schema'

/** What creating a window stores (`createdAt` is the store's clock). */
export type NewMaintenance = Pick<MaintenanceRow, 'scope' | 'startsAt' | 'endsAt' | 'recurrence' | 'reason' | 'createdBy'>

/** Stored maintenance windows. */
export interface MaintenanceRepo {
  /** Every window, past ones too, oldest id first. */
  list(): MaintenanceRow[]
  /** Stores a window. @returns the stored row with its id */
  create(values: NewMaintenance): MaintenanceRow
  /** Deletes a window. @returns the deleted row, or undefined for an unknown id */
  delete(id: number): MaintenanceRow | undefined
}

/** The SQLite implementation over drizzle. */
export function createMaintenanceRepo(db: Db): MaintenanceRepo {
  return {
    list() {
      return db.select().from(maintenance).orderBy(asc(maintenance.id)).all()
    },
    create(values) {
      return db.insert(maintenance).values(values).returning().get()
    },
    delete(id) {
      return db.delete(maintenance).where(eq(maintenance.id, id)).returning().get()
    },
  }
}
