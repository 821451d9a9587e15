/**
 * Silence repository (table `silences`). Matching and validation are server/alerting/silences.ts's;
 * the repository stores what it is given.
 * @module
 */
import { asc, eq } from 'drizzle-orm'
import type { Db } from './db'
import { silences, type SilenceRow } from './schema'

/** What creating a silence stores (`createdAt` is the store's clock). */
export type NewSilence = Pick<SilenceRow, 'matchers' | 'startsAt' | 'endsAt' | 'createdBy' | 'comment'>

/** Stored silences. */
export interface SilenceRepo {
  /** Every silence, expired ones too, oldest id first. */
  list(): SilenceRow[]
  /** One silence, or undefined. */
  get(id: number): SilenceRow | undefined
  /** Stores a silence. @returns the stored row with its id */
  create(values: NewSilence): SilenceRow
  /** Moves a silence's start and/or end (expiring it). @returns the row after, or undefined for an unknown id */
  setTimes(id: number, times: Partial<Pick<SilenceRow, 'startsAt' | 'endsAt'>>): SilenceRow | undefined
}

/** The SQLite implementation over drizzle. */
export function createSilenceRepo(db: Db): SilenceRepo {
  return {
    list() {
      return db.select().from(silences).orderBy(asc(silences.id)).all()
    },
    get(id) {
      return db.select().from(silences).where(eq(silences.id, id)).get()
    },
    create(values) {
      return db.insert(silences).values(values).returning().get()
    },
    setTimes(id, times) {
      if (times.startsAt === undefined && times.endsAt === undefined) return this.get(id)
      return db.update(silences).set(times).where(eq(silences.id, id)).returning().get()
    },
  }
}
