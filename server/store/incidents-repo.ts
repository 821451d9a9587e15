/**
 * Incident repository: alert episodes (open → acknowledged → resolved, tables `incidents`) and
 * their timelines (`incident_events`). Whether a transition is allowed is the caller's rule
 * (server/alerting/incidents.ts); the repository stores what it is told.
 * @module
 */
import { and, asc, desc, eq, gte, inArray, lt, ne, sql } from 'drizzle-orm'
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

/** Columns of a {@link NewIncident}, in one order (the prepared insert's placeholders). */
const NEW_INCIDENT_COLUMNS = ['key', 'alertname', 'severity', 'targetId', 'communeCode', 'labels', 'annotations', 'summary', 'affectedCommunes', 'flapping', 'openedAt'] as const satisfies ReadonlyArray<keyof NewIncident>

/**
 * The SQLite implementation over drizzle. The statements of an alert storm (thousands of
 * incidents opened, updated and resolved a minute, each with timeline entries) are prepared
 * once: building and compiling each query per call was most of the storm's alerting cost.
 */
export function createIncidentRepo(db: Db): IncidentRepo {
  const p = (name: string) => sql.placeholder(name)
  const getStmt = db.select().from(incidents).where(eq(incidents.id, p('id'))).prepare()
  const get = (id: number): IncidentRow | undefined => getStmt.get({ id })
  const openStmt = db
    .insert(incidents)
    .values({ ...(Object.fromEntries(NEW_INCIDENT_COLUMNS.map((c) => [c, p(c)])) as unknown as NewIncident), state: 'open' })
    .returning()
    .prepare()
  const resolveStmt = db.update(incidents).set({ state: 'resolved', resolvedAt: p('at') as unknown as number }).where(eq(incidents.id, p('id'))).prepare()
  const addEventStmt = db
    .insert(incidentEvents)
    .values({ incidentId: p('incidentId') as unknown as number, at: p('at') as unknown as number, type: p('type') as unknown as string, actor: p('actor') as unknown as string | null, detail: p('detail') as unknown as string })
    .prepare()
  const hasEventStmt = db
    .select({ id: incidentEvents.id })
    .from(incidentEvents)
    .where(and(eq(incidentEvents.incidentId, p('incidentId')), eq(incidentEvents.type, p('type'))))
    .limit(1)
    .prepare()
  const hasEventDetailStmt = db
    .select({ id: incidentEvents.id })
    .from(incidentEvents)
    .where(and(eq(incidentEvents.incidentId, p('incidentId')), eq(incidentEvents.type, p('type')), eq(incidentEvents.detail, p('detail'))))
    .limit(1)
    .prepare()
  /** Updates by the set of fields patched (a handful of shapes: severity, figures, labels…), each prepared once. */
  const updateStmts = new Map<string, { run: (values: Record<string, unknown>) => unknown }>()
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
      return openStmt.get(values) as IncidentRow
    },
    update(id, patch) {
      const keys = (Object.keys(patch) as Array<keyof IncidentPatch>).filter((k) => patch[k] !== undefined).sort()
      if (keys.length === 0) return
      const shape = keys.join(',')
      let stmt = updateStmts.get(shape)
      if (stmt === undefined) {
        stmt = db
          .update(incidents)
          .set(Object.fromEntries(keys.map((k) => [k, p(k)])) as IncidentPatch)
          .where(eq(incidents.id, p('id')))
          .prepare()
        updateStmts.set(shape, stmt)
      }
      stmt.run({ ...patch, id })
    },
    resolve(id, at) {
      resolveStmt.run({ id, at })
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
      addEventStmt.run(event)
    },
    hasEvent(incidentId, type, detail) {
      return (detail === undefined ? hasEventStmt.get({ incidentId, type }) : hasEventDetailStmt.get({ incidentId, type, detail })) !== undefined
    },
    events(incidentId) {
      return db.select().from(incidentEvents).where(eq(incidentEvents.incidentId, incidentId)).orderBy(asc(incidentEvents.id)).all()
    },
  }
}
