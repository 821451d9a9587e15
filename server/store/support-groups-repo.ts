/**
 * Support group repository (table `support_groups`): who is told about which alerts, and through
 * which channels. Rows are validated by the routes before they are written; names are unique.
 * Deleting a group also drops its channels' state (foreign key, cascade).
 * @module
 */
import { asc, eq } from 'drizzle-orm'
import type { Db } from './db'
import { supportGroups, type SupportGroupRow } from './schema'

/** Every field of a group but its id. */
export type SupportGroupValues = Omit<SupportGroupRow, 'id'>

/** A new group: the fields with a default (no role filter, `warning`, `vi`, resolved sent) may be left out. */
export type NewSupportGroup = Pick<SupportGroupValues, 'name' | 'channels' | 'communes' | 'clusters' | 'escalation'> & Partial<SupportGroupValues>

/** The defaults of {@link NewSupportGroup}'s optional fields (the table's column defaults). */
export const SUPPORT_GROUP_DEFAULTS: Pick<SupportGroupValues, 'roles' | 'minSeverity' | 'language' | 'sendResolved'> = { roles: [], minSeverity: 'warning', language: 'vi', sendResolved: true }

/** Stored support groups. */
export interface SupportGroupRepo {
  /** Every group, oldest id first. */
  list(): SupportGroupRow[]
  /** One group, or undefined. */
  get(id: number): SupportGroupRow | undefined
  /** The group of this name, or undefined. */
  getByName(name: string): SupportGroupRow | undefined
  /**
   * Stores a new group.
   * @returns the stored row with its id
   * @throws Error when the name is taken (callers check first; this is the last line)
   */
  create(values: NewSupportGroup): SupportGroupRow
  /** Replaces every field of a group. @returns the row after, or undefined for an unknown id */
  update(id: number, values: SupportGroupValues): SupportGroupRow | undefined
  /** Deletes a group. @returns the deleted row, or undefined for an unknown id */
  delete(id: number): SupportGroupRow | undefined
  /** Replaces a group's channel configs (a provider moved a destination). */
  setChannels(id: number, channels: readonly unknown[]): void
}

/** The SQLite implementation over drizzle. */
export function createSupportGroupRepo(db: Db): SupportGroupRepo {
  return {
    list() {
      return db.select().from(supportGroups).orderBy(asc(supportGroups.id)).all()
    },
    get(id) {
      return db.select().from(supportGroups).where(eq(supportGroups.id, id)).get()
    },
    getByName(name) {
      return db.select().from(supportGroups).where(eq(supportGroups.name, name)).get()
    },
    create(values) {
      return db.insert(supportGroups).values({ ...SUPPORT_GROUP_DEFAULTS, ...values }).returning().get()
    },
    update(id, values) {
      return db.update(supportGroups).set(values).where(eq(supportGroups.id, id)).returning().get()
    },
    delete(id) {
      return db.delete(supportGroups).where(eq(supportGroups.id, id)).returning().get()
    },
    setChannels(id, channels) {
      db.update(supportGroups).set({ channels: [...channels] }).where(eq(supportGroups.id, id)).run()
    },
  }
}
