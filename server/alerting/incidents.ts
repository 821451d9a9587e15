/**
 * Incidents: the persistent record of each alert episode (open → acknowledged → resolved) and
 * its timeline. `syncIncidents` turns the current alert set into incident changes: suppress
 * creation (unreachable, maintenance), never resolution; keep incidents through data gaps
 * and while flapping.
 * @module
 */
import { Verdict as VerdictSchema, describeVerdict, type IncidentEvent, type IncidentView, type Verdict } from '../../protocol'
import { AppError } from '../errors'
import type { AlertingRepos, IncidentPatch, IncidentRow } from '../store/types'
import type { Alert } from './alerts'
import { interner } from '../intern'

export type EventType = IncidentEvent['type']

/** Incidents over the incident repository: the transition rules and the clock. */
export class IncidentStore {
  /**
   * The unresolved incidents by key, mirrored in memory once read: every alerting tick reads
   * them (thousands in a storm of failures, each with JSON labels), and every change to them
   * goes through this class. Dropped by {@link forget} when a transaction that changed them
   * rolled back, and read again.
   */
  private unresolvedByKey: Map<string, IncidentRow> | null = null
  private readonly keyOf = new Map<number, string>()
  /** When each incident's figures-only annotations were last written (see {@link syncIncidents}). */
  readonly figuresWrittenAt = new Map<number, number>()

  constructor(
    private readonly repos: Pick<AlertingRepos, 'incidents' | 'transaction'>,
    private readonly now: () => number,
  ) {}

  /** Incidents that are not resolved, by key (a copy: the caller may keep it while they change). */
  active(): Map<string, IncidentRow> {
    if (this.unresolvedByKey === null) {
      this.unresolvedByKey = new Map()
      this.keyOf.clear()
      for (const r of this.repos.incidents.unresolved()) this.remember(r)
    }
    return new Map(this.unresolvedByKey)
  }

  /** Forgets the in-memory copy (a transaction that changed incidents failed); the next read reloads it. */
  forget(): void {
    this.unresolvedByKey = null
    this.keyOf.clear()
  }

  /**
   * Runs `fn` in one transaction of the alerting state; if it throws, the in-memory copy is
   * forgotten, since what `fn` changed in it was rolled back in the database.
   */
  transaction<T>(fn: () => T): T {
    try {
      return this.repos.transaction(fn)
    } catch (err) {
      this.forget()
      throw err
    }
  }

  private remember(row: IncidentRow): void {
    if (this.unresolvedByKey === null) return
    if (row.state === 'resolved') {
      this.unresolvedByKey.delete(row.key)
      this.keyOf.delete(row.id)
      this.figuresWrittenAt.delete(row.id)
      return
    }
    const kept = keptRow(row)
    this.unresolvedByKey.set(kept.key, kept)
    this.keyOf.set(kept.id, kept.key)
  }

  private cached(id: number): IncidentRow | undefined {
    const key = this.keyOf.get(id)
    return key === undefined ? undefined : this.unresolvedByKey?.get(key)
  }

  get(id: number): IncidentRow | undefined {
    return this.repos.incidents.get(id)
  }

  byIds(ids: number[]): IncidentRow[] {
    return this.repos.incidents.byIds(ids)
  }

  /** The latest resolved episode of each of these keys. */
  latestResolved(keys: readonly string[]): IncidentRow[] {
    const latest = new Map<string, IncidentRow>()
    // Newest first: the first row seen of a key is its latest episode.
    for (const r of this.repos.incidents.resolvedWithKeys(keys)) if (!latest.has(r.key)) latest.set(r.key, r)
    return [...latest.values()]
  }

  /**
   * Opens an incident for an alert and records it in the timeline. The incident starts when its
   * target's state did (`alert.startsAt`), which can be earlier than now when opening was held
   * (hysteresis, parents, maintenance); the timeline's "opened" entry carries that same instant,
   * so the start shown on a row and the first line of its timeline never disagree.
   */
  open(alert: Pick<Alert, 'fingerprint' | 'alertname' | 'severity' | 'targetId' | 'communeCode' | 'labels' | 'annotations' | 'affectedCommunes' | 'flapping' | 'startsAt'>, summary: string): IncidentRow {
    const at = this.now()
    const row = this.repos.incidents.open({
      key: alert.fingerprint,
      alertname: alert.alertname,
      severity: alert.severity,
      targetId: alert.targetId,
      communeCode: alert.communeCode,
      labels: alert.labels,
      annotations: alert.annotations,
      summary,
      affectedCommunes: alert.affectedCommunes,
      flapping: alert.flapping,
      openedAt: Math.min(alert.startsAt, at),
    })
    this.event(row.id, 'opened', null, summary, row.openedAt)
    this.remember(row)
    return row
  }

  update(id: number, patch: IncidentPatch): void {
    this.repos.incidents.update(id, patch)
    const row = this.cached(id)
    if (row) this.remember({ ...row, ...patch })
  }

  resolve(id: number, detail: string): void {
    const at = this.now()
    this.repos.incidents.resolve(id, at)
    this.event(id, 'resolved', null, detail, at)
    const row = this.cached(id)
    if (row) this.remember({ ...row, state: 'resolved', resolvedAt: at })
    this.figuresWrittenAt.delete(id)
  }

  /**
   * Acknowledges an open incident: reminders and escalation stop.
   * @throws AppError E_NOT_FOUND, or E_CONFLICT when it is already resolved
   */
  ack(id: number, actor: string, comment: string): IncidentRow {
    const row = this.get(id)
    if (!row) throw new AppError('E_NOT_FOUND', `no incident ${id}`)
    if (row.state === 'resolved') throw new AppError('E_CONFLICT', `incident ${id} is already resolved`)
    const at = this.now()
    const acked = this.transaction(() => {
      const row = this.repos.incidents.acknowledge(id, at, actor, comment)
      if (!row) throw new AppError('E_NOT_FOUND', `no incident ${id}`)
      this.event(id, 'ack', actor, comment, at)
      return row
    })
    this.remember(acked)
    return acked
  }

  event(incidentId: number, type: EventType, actor: string | null, detail: string, at = this.now()): void {
    this.repos.incidents.addEvent({ incidentId, at, type, actor, detail })
  }

  hasEvent(incidentId: number, type: EventType, detail?: string): boolean {
    return this.repos.incidents.hasEvent(incidentId, type, detail)
  }

  /** Incidents for the API, newest first. */
  list(opts: { state?: 'open' | 'all'; limit: number }): IncidentRow[] {
    return this.repos.incidents.list({ state: opts.state ?? 'open', limit: opts.limit })
  }

  timeline(id: number): IncidentEvent[] {
    return this.repos.incidents.events(id).map((e) => ({ at: new Date(e.at).toISOString(), type: e.type as EventType, actor: e.actor, detail: e.detail }))
  }
}

function parseVerdict(json: string | undefined): Verdict | null {
  if (json === undefined) return null
  try {
    const v = VerdictSchema.safeParse(JSON.parse(json))
    return v.success ? v.data : null
  } catch {
    return null
  }
}

/**
 * The API view of an incident row.
 * @param silence the active silence matching its labels now (unresolved incidents only)
 */
export function incidentView(row: IncidentRow, timeline?: IncidentEvent[], silence?: { id: number; endsAt: number } | null): IncidentView {
  const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString())
  return {
    id: row.id,
    key: row.key,
    alertname: row.alertname,
    state: row.state,
    severity: row.severity,
    targetId: row.targetId,
    communeCode: row.communeCode,
    communeName: row.labels.commune ?? null,
    cluster: row.labels.cluster ?? null,
    role: row.labels.role ?? null,
    targetName: row.labels.target_name ?? row.targetId,
    kind: row.labels.kind ?? null,
    reason: row.annotations.reason ?? null,
    verdict: parseVerdict(row.annotations.verdict),
    error: row.annotations.error ?? null,
    summary: row.summary,
    labels: row.labels,
    affectedCommunes: row.affectedCommunes,
    flapping: row.flapping,
    openedAt: new Date(row.openedAt).toISOString(),
    ackedAt: iso(row.ackedAt),
    ackedBy: row.ackedBy,
    ackComment: row.ackComment,
    resolvedAt: iso(row.resolvedAt),
    ...(timeline ? { timeline } : {}),
    silence: silence && row.state !== 'resolved' ? { id: silence.id, endsAt: new Date(silence.endsAt).toISOString() } : null,
  }
}

/** What changed in one synchronisation. */
export interface IncidentChanges {
  opened: IncidentRow[]
  resolved: IncidentRow[]
  flappingStarted: IncidentRow[]
  flappingStopped: IncidentRow[]
}

/**
 * One line for logs, webhooks and the incident list: which target (its name and check kind, so
 * a commune's two MCU incidents differ), where, and what now — kept current as the state moves.
 * E.g. `mcu "Điểm cầu SIP" (sip) Xã Mường Lống (KS-ML): down — timeout after 5s …` or
 * `line "Đo tốc độ" (throughput) …: warning (throughput) — Download 57 Mbit/s < 80 Mbit/s (…)`.
 */
export function summaryOf(a: Pick<Alert, 'alertname' | 'severity' | 'labels' | 'annotations'>): string {
  const target = a.labels.target_name ?? a.labels.target ?? ''
  const where = `${a.labels.role ?? ''} "${target}" (${a.labels.kind ?? ''}) ${a.labels.commune ?? ''} (${a.labels.commune_code ?? ''})`.trim()
  const what = a.alertname === 'XanhTargetDown' ? 'down' : `${a.severity} (${a.annotations.reason ?? ''})`
  const verdict = parseVerdict(a.annotations.verdict)
  const detail = a.annotations.error ?? (verdict ? describeVerdict(verdict, 'en') : undefined)
  return `${where}: ${what}${detail ? ` — ${detail}` : ''}`.slice(0, 500)
}

/**
 * Applies the current alerts of Xanh's own targets to the incidents.
 * @param unknownTargets targets in a data gap: their incidents are left as they are
 * @param flappingTargets targets flapping now: their incidents stay open while they flap
 */
export function syncIncidents(
  inc: IncidentStore,
  alerts: Alert[],
  unknownTargets: ReadonlySet<string>,
  flappingTargets: ReadonlySet<string>,
  opts: { figuresEveryMs?: number; now?: number } = {},
): IncidentChanges {
  const figuresEveryMs = opts.figuresEveryMs ?? 0
  const now = opts.now ?? 0
  const changes: IncidentChanges = { opened: [], resolved: [], flappingStarted: [], flappingStopped: [] }
  const active = inc.active()
  const seen = new Set<string>()
  for (const a of alerts) {
    seen.add(a.fingerprint)
    const existing = active.get(a.fingerprint)
    if (!existing) {
      if (a.suppressed) continue // suppress creation: unreachable behind a down parent, or in maintenance
      const row = inc.open(a, summaryOf(a))
      inc.figuresWrittenAt.set(row.id, now)
      changes.opened.push(row)
      continue
    }
    if (a.suppressed === 'unreachable' && !inc.hasEvent(existing.id, 'notified')) {
      // Opened moments before its parent was seen down and never sent: the parent's incident covers it.
      inc.resolve(existing.id, 'merged: a parent is down (its incident names the affected communes)')
      changes.resolved.push(existing)
      continue
    }
    const patch: Parameters<IncidentStore['update']>[1] = {}
    if (existing.severity !== a.severity || existing.alertname !== a.alertname) {
      // The incident follows its target: down → degraded (or back) changes its name and severity.
      patch.severity = a.severity
      patch.alertname = a.alertname
      const label = (name: string, sev: string): string => (name === 'XanhTargetDown' ? 'down' : sev)
      inc.event(existing.id, 'severity', null, `${label(existing.alertname, existing.severity)} → ${label(a.alertname, a.severity)}${a.annotations.reason && a.alertname !== 'XanhTargetDown' ? ` (${a.annotations.reason})` : ''}`)
    }
    if (existing.affectedCommunes !== a.affectedCommunes) patch.affectedCommunes = a.affectedCommunes
    if (existing.flapping !== a.flapping) {
      patch.flapping = a.flapping
      inc.event(existing.id, a.flapping ? 'flapping_start' : 'flapping_stop', null, '')
      ;(a.flapping ? changes.flappingStarted : changes.flappingStopped).push({ ...existing, flapping: a.flapping })
    }
    if (!sameStrings(existing.labels, a.labels)) patch.labels = a.labels
    const annotations = annotationsChange(existing.annotations, a.annotations)
    // A new figure alone (the measured value moved, nothing else) is written at most every
    // `figuresEveryMs` per incident: in a storm thousands of open incidents each see a new value
    // every round, and writing each would cost more than the alerts themselves.
    const figuresDue = annotations === 'figures' && (Object.keys(patch).length > 0 || now - (inc.figuresWrittenAt.get(existing.id) ?? -Infinity) >= figuresEveryMs)
    if (annotations === 'other' || figuresDue) patch.annotations = a.annotations
    if (Object.keys(patch).length > 0) {
      inc.update(existing.id, { ...patch, summary: summaryOf(a) })
      if (patch.annotations) inc.figuresWrittenAt.set(existing.id, now)
    }
  }
  for (const [key, row] of active) {
    if (seen.has(key) || !key.startsWith('target:') || row.targetId === null) continue
    if (unknownTargets.has(row.targetId)) continue // a data gap is neither up nor down
    if (flappingTargets.has(row.targetId)) {
      if (!row.flapping) {
        inc.update(row.id, { flapping: true })
        inc.event(row.id, 'flapping_start', null, '')
        changes.flappingStarted.push({ ...row, flapping: true })
      }
      continue
    }
    if (row.flapping) {
      inc.update(row.id, { flapping: false })
      inc.event(row.id, 'flapping_stop', null, '')
      changes.flappingStopped.push({ ...row, flapping: false })
    }
    inc.resolve(row.id, 'target ok again')
    changes.resolved.push(row)
  }
  return changes
}

/** Whether two string records hold the same keys and values (in any order). */
function sameStrings(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  let n = 0
  for (const k in a) {
    if (a[k] !== b[k]) return false
    n++
  }
  for (const _ in b) n--
  return n === 0
}

/** Annotations that carry the measured figure (the value, and the verdict JSON that holds it). */
const FIGURE_ANNOTATIONS: ReadonlySet<string> = new Set(['value', 'verdict'])

/**
 * Label keys whose values repeat across thousands of incidents (a few alert names, severities,
 * roles, kinds; one province; a cluster per district): kept once each.
 */
const SHARED_LABELS: ReadonlySet<string> = new Set(['alertname', 'severity', 'role', 'kind', 'province', 'cluster'])
// External alerts (POST /api/v2/alerts) bring label values of their own: the pool starts over
// rather than keep every value ever seen.
const shared = interner(4096)

/**
 * An unresolved incident as kept in memory: one literal naming every column, so the fields sit
 * in the object itself (a row read from SQLite or spread from a patch carries a separate
 * property array), with the repeated strings shared. A heap snapshot at national load (5,344
 * open incidents in the benchmark's storm): 5.45 MB for the map instead of 6.22 (issue 14).
 */
function keptRow(r: IncidentRow): IncidentRow {
  const labels: Record<string, string> = {}
  for (const k in r.labels) {
    const v = r.labels[k] as string
    labels[k] = SHARED_LABELS.has(k) ? shared(v) : v
  }
  // Every key of IncidentRow: a column added to the schema fails to compile here.
  const out: { [K in keyof Required<IncidentRow>]: IncidentRow[K] } = {
    id: r.id,
    key: r.key,
    alertname: shared(r.alertname),
    state: shared(r.state) as IncidentRow['state'],
    severity: shared(r.severity) as IncidentRow['severity'],
    targetId: r.targetId,
    communeCode: r.communeCode,
    labels,
    annotations: r.annotations,
    summary: r.summary,
    affectedCommunes: r.affectedCommunes,
    flapping: r.flapping,
    openedAt: r.openedAt,
    ackedAt: r.ackedAt,
    ackedBy: r.ackedBy,
    ackComment: r.ackComment,
    resolvedAt: r.resolvedAt,
  }
  return out
}

/** How annotations moved: not at all, only in the measured figure, or in anything else. */
function annotationsChange(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): 'none' | 'figures' | 'other' {
  if (sameStrings(a, b)) return 'none'
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (a[k] !== b[k] && !FIGURE_ANNOTATIONS.has(k)) return 'other'
  }
  return 'figures'
}
