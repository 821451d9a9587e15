/**
 * Incident repository: alert episodes (open → acknowledged → resolved, tables `incidents`) and
 * their timelines (`incident_events`). Whether a transition is allowed is the caller's rule
 * (server/alerting/incidents.ts); the repository stores what it is told.
 * @module
 */
import { and, asc, desc, eq, gte, inArray, lt, ne } from 'drizzle-orm'
import type { Db } from './db'
import { incidentEvents, incidents, type IncidentEventRow, type IncidentRow } from './schema'

/** What opening an incident stores; it starts `open`, never acknowledged or resolved. */
export type NewIncident = Pick<IncidentRow, 'key' | 'alertname' | 'severity' | 'targetId' | 'communeCode' | 'labels' | 'annotations' | 'summary' | 'affectedCommunes' | 'flapping' | 'openedAt'>

/** The fields that follow the alert while the incident lasts. */
export type IncidentPatch = Partial<Pick<IncidentRow, 'alertname' | 'severity' | 'labels' | 'annotations' | 'affectedCommunes' | 'flapping' | 'summary'>>

/** One timeline entry to append. */
export type NewIncidentEvent = Omit<IncidentEventRow, 'id'>

/** The questions alerting asks about incidents. */
export interface IncidentRepo {
  /** Incidents not resolved (open or acknowledged), oldest id first. */
  unresolved(): IncidentRow[]
  /** One incident, or undefined. */
  get(id: number): IncidentRow | undefined
  /** The incidents of these ids that exist, by id. */
  byIds(ids: readonly number[]): IncidentRow[]
  /** Stores a new incident in state `open`. @returns the stored row with its id */
  open(values: NewIncident): IncidentRow
  /** Changes the fields that follow the alert; an unknown id changes nothing. */
  update(id: number, patch: IncidentPatch): void
  /** Sets the incident `resolved` at `at`. */
  resolve(id: number, at: number): void
  /** Sets the incident `acknowledged` by `actor`. @returns the row after, or undefined for an unknown id */
  acknowledge(id: number, at: number, actor: string, comment: string): IncidentRow | undefined
  /** Resolved incidents whose key is one of `keys`, newest id first (the dispatcher keeps the first per key). */
  resolvedWithKeys(keys: readonly string[]): IncidentRow[]
  /**
   * Incidents for the API: `open` = not resolved, `all` = every one; latest `openedAt` first,
   * ties newest id first; at most `limit`.
   */
  list(opts: { state: 'open' | 'all'; limit: number }): IncidentRow[]
  /** How many incidents each commune had opened in [fromMs, toMs); incidents without a commune are not counted. */
  countOpenedByCommune(fromMs: number, toMs: number): Map<string, number>
  /** Appends a timeline entry. */
  addEvent(event: NewIncidentEvent): void
  /** Whether the incident's timeline holds an entry of this type (and this detail, when given). */
  hasEvent(incidentId: number, type: string, detail?: string): boolean
  /** The incident's timeline in the order it was written. */
  events(incidentId: number): IncidentEventRow[]
}

/** The SQLite implementation over drizzle. */
export function createIncidentRepo(db: Db): IncidentRepo {
  const get = (id: number): IncidentRow | undefined => db.select().from(incidents).where(eq(incidents.id, id)).get()
  return {
    unresolved() {
      return db.select().from(incidents).where(ne(incidents.state, 'resolved')).orderBy(asc(incidents.id)).all()
    },
    get,
    byIds(ids) {
      if (ids.length === 0) return []
      return db.select().from(incidents).where(inArray(incidents.id, [...ids])).orderBy(asc(incidents.id)).all()
    },
    open(values) {
      return db
        .insert(incidents)
        .values({ ...values, state: 'open' })
        .returning()
        .get()
    },
    update(id, patch) {
      if (Object.keys(patch).length === 0) return
      db.update(incidents).set(patch).where(eq(incidents.id, id)).run()
    },
    resolve(id, at) {
      db.update(incidents).set({ state: 'resolved', resolvedAt: at }).where(eq(incidents.id, id)).run()
    },
    acknowledge(id, at, actor, comment) {
      return db.update(incidents).set({ state: 'acknowledged', ackedAt: at, ackedBy: actor, ackComment: comment }).where(eq(incidents.id, id)).returning().get()
    },
    resolvedWithKeys(keys) {
      if (keys.length === 0) return []
      return db
        .select()
        .from(incidents)
        .where(and(inArray(incidents.key, [...keys]), eq(incidents.state, 'resolved')))
        .orderBy(desc(incidents.id))
        .all()
    },
    list(opts) {
      const q = db.select().from(incidents)
      const filtered = opts.state === 'all' ? q : q.where(ne(incidents.state, 'resolved'))
      return filtered.orderBy(desc(incidents.openedAt), desc(incidents.id)).limit(opts.limit).all()
    },
    countOpenedByCommune(fromMs, toMs) {
      const counts = new Map<string, number>()
      const rows = db
        .select({ communeCode: incidents.communeCode })
        .from(incidents)
        .where(and(gte(incidents.openedAt, fromMs), lt(incidents.openedAt, toMs)))
        .all()
      for (const r of rows) if (r.communeCode !== null) counts.set(r.communeCode, (counts.get(r.communeCode) ?? 0) + 1)
      return counts
    },
    addEvent(event) {
      db.insert(incidentEvents).values(event).run()
    },
    hasEvent(incidentId, type, detail) {
      const cond =
        detail === undefined
          ? and(eq(incidentEvents.incidentId, incidentId), eq(incidentEvents.type, type))
          : and(eq(incidentEvents.incidentId, incidentId), eq(incidentEvents.type, type), eq(incidentEvents.detail, detail))
      return db.select({ id: incidentEvents.id }).from(incidentEvents).where(cond).limit(1).get() !== undefined
    },
    events(incidentId) {
      return db.select().from(incidentEvents).where(eq(incidentEvents.incidentId, incidentId)).orderBy(asc(incidentEvents.id)).all()
    },
  }
}
