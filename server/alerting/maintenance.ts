/**
 * Scheduled maintenance (SPEC §4): one-off or weekly recurring windows in Asia/Ho_Chi_Minh,
 * scoped to communes, clusters or targets, inherited by every descendant in the topology, and
 * excluded from SLA. Pure time and topology logic first, storage at the bottom.
 *
 * Recurring windows: `[startsAt, endsAt)` is the validity period; inside it the window is
 * active on each listed ISO weekday (1 = Monday … 7 = Sunday, local) from `start` to `end`
 * local time. `end` ≤ `start` crosses midnight and belongs to the weekday it started on
 * (Fri 22:00–02:00 covers Friday 22:00 to Saturday 02:00); `start` = `end` is a full 24 hours.
 * Times are half-open: a window 22:00–02:00 is active at 22:00:00 and no longer at 02:00:00.
 * @module
 */
import type { MaintenanceInput } from '../../protocol'
import { AppError } from '../errors'
import type { AlertingRepos, MaintenanceRow } from '../store/types'
import { fromLocal, LOCAL_TIME_ZONE, toLocal } from '../local-time'

/** The zone every recurrence is read in. Vietnam is UTC+7 without DST since 1975; Intl decides anyway. */
/** Windows are local to the province: Asia/Ho_Chi_Minh. */
export const MAINTENANCE_TIME_ZONE = LOCAL_TIME_ZONE

export interface MaintenanceScopeSets {
  communes: string[]
  clusters: string[]
  targets: string[]
}

export interface WeeklyRecurrence {
  /** ISO weekdays, 1 = Monday … 7 = Sunday. */
  weekdays: number[]
  /** 'HH:MM' local. */
  start: string
  /** 'HH:MM' local; ≤ start crosses midnight. */
  end: string
}

/** A stored maintenance window; times are epoch milliseconds. */
export interface MaintenanceWindow {
  id: number
  scope: MaintenanceScopeSets
  startsAt: number
  endsAt: number
  recurrence: WeeklyRecurrence | null
  reason: string
  createdBy: string
}

/** What the index needs to know of the inventory. */
export interface MaintenanceTopology {
  targets: Array<{ id: string; communeCode: string; parents: string[] }>
  communes: Array<{ code: string; cluster: string }>
}

export interface MaintenanceIndex {
  /** The first window active at `nowMs` covering the target, its commune, its cluster, or any ancestor (by the same rules). */
  targetInMaintenance(targetId: string, nowMs: number): MaintenanceWindow | undefined
  /** A window active at `nowMs` covering the commune or its cluster, or covering every target of the commune. */
  communeInMaintenance(code: string, nowMs: number): MaintenanceWindow | undefined
  /** Every window that may cover the commune or any of its targets (at any time), by id. */
  windowsTouchingCommune(code: string): MaintenanceWindow[]
}

const DAY_MS = 86_400_000


/** ISO weekday (1 = Monday … 7 = Sunday) of a local-as-UTC time. */
function isoWeekday(localMs: number): number {
  const d = new Date(localMs).getUTCDay()
  return d === 0 ? 7 : d
}

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':')
  return Number(h) * 60 + Number(m)
}

/**
 * Whether the window is active at `nowMs`. One-off: startsAt ≤ now < endsAt. Recurring: now
 * within the validity period and inside one of its weekly occurrences (see the module doc).
 */
export function windowActiveAt(w: MaintenanceWindow, nowMs: number): boolean {
  if (nowMs < w.startsAt || nowMs >= w.endsAt) return false
  const r = w.recurrence
  if (!r) return true
  const local = toLocal(nowMs)
  const msOfDay = ((local % DAY_MS) + DAY_MS) % DAY_MS
  const start = minutesOf(r.start) * 60_000
  const end = minutesOf(r.end) * 60_000
  const today = isoWeekday(local)
  if (end > start) return r.weekdays.includes(today) && msOfDay >= start && msOfDay < end
  // Crosses midnight: the evening part belongs to today, the morning part to yesterday.
  const yesterday = today === 1 ? 7 : today - 1
  return (r.weekdays.includes(today) && msOfDay >= start) || (r.weekdays.includes(yesterday) && msOfDay < end)
}

/**
 * Minutes (fractional) of `[fromMs, toMs)` during which the window is active — what an SLA
 * report subtracts. Overlapping occurrences of one window cannot happen (each lasts ≤ 24 h).
 */
export function maintenanceMinutes(w: MaintenanceWindow, fromMs: number, toMs: number): number {
  const lo = Math.max(fromMs, w.startsAt)
  const hi = Math.min(toMs, w.endsAt)
  if (!(hi > lo)) return 0
  const r = w.recurrence
  if (!r) return (hi - lo) / 60_000
  const start = minutesOf(r.start) * 60_000
  const endRaw = minutesOf(r.end) * 60_000
  const end = endRaw > start ? endRaw : endRaw + DAY_MS
  let total = 0
  // Walk local calendar days from the day before `lo` (its occurrence may run past midnight).
  const firstDay = Math.floor(toLocal(lo) / DAY_MS) * DAY_MS - DAY_MS
  const lastDay = Math.floor(toLocal(hi) / DAY_MS) * DAY_MS
  for (let day = firstDay; day <= lastDay; day += DAY_MS) {
    if (!r.weekdays.includes(isoWeekday(day))) continue
    const a = Math.max(lo, fromLocal(day + start))
    const b = Math.min(hi, fromLocal(day + end))
    if (b > a) total += b - a
  }
  return total / 60_000
}

/**
 * The periods of `[fromMs, toMs)` during which the window is active, in time order: the window
 * itself clipped for a one-off, each weekly occurrence clipped for a recurring one (what the
 * commune page shades on its charts). Same walk as {@link maintenanceMinutes}.
 */
export function maintenanceOccurrences(w: MaintenanceWindow, fromMs: number, toMs: number): Array<[number, number]> {
  const lo = Math.max(fromMs, w.startsAt)
  const hi = Math.min(toMs, w.endsAt)
  if (!(hi > lo)) return []
  const r = w.recurrence
  if (!r) return [[lo, hi]]
  const start = minutesOf(r.start) * 60_000
  const endRaw = minutesOf(r.end) * 60_000
  const end = endRaw > start ? endRaw : endRaw + DAY_MS
  const out: Array<[number, number]> = []
  const firstDay = Math.floor(toLocal(lo) / DAY_MS) * DAY_MS - DAY_MS
  const lastDay = Math.floor(toLocal(hi) / DAY_MS) * DAY_MS
  for (let day = firstDay; day <= lastDay; day += DAY_MS) {
    if (!r.weekdays.includes(isoWeekday(day))) continue
    const a = Math.max(lo, fromLocal(day + start))
    const b = Math.min(hi, fromLocal(day + end))
    if (b > a) out.push([a, b])
  }
  return out
}

/**
 * Indexes windows by what they cover, for the engine's per-evaluation questions. Inheritance
 * is transitive through `parents` (a target under an uplink in maintenance is in maintenance
 * too, whatever made the uplink so: its id, its commune or its cluster). Parent cycles and
 * unknown parents are tolerated.
 */
export function createMaintenanceIndex(windows: readonly MaintenanceWindow[], topology: MaintenanceTopology): MaintenanceIndex {
  const byTarget = new Map<string, MaintenanceWindow[]>()
  const byCommune = new Map<string, MaintenanceWindow[]>()
  const byCluster = new Map<string, MaintenanceWindow[]>()
  const add = (m: Map<string, MaintenanceWindow[]>, key: string, w: MaintenanceWindow): void => {
    const list = m.get(key)
    if (list) list.push(w)
    else m.set(key, [w])
  }
  for (const w of windows) {
    for (const t of w.scope.targets) add(byTarget, t, w)
    for (const c of w.scope.communes) add(byCommune, c, w)
    for (const k of w.scope.clusters) add(byCluster, k, w)
  }
  const clusterOf = new Map(topology.communes.map((c) => [c.code, c.cluster]))
  const targetById = new Map(topology.targets.map((t) => [t.id, t]))
  const targetsOfCommune = new Map<string, string[]>()
  for (const t of topology.targets) {
    const list = targetsOfCommune.get(t.communeCode)
    if (list) list.push(t.id)
    else targetsOfCommune.set(t.communeCode, [t.id])
  }

  const communeCandidates = (code: string): MaintenanceWindow[] => {
    const cluster = clusterOf.get(code)
    return [...(byCommune.get(code) ?? []), ...(cluster ? (byCluster.get(cluster) ?? []) : [])]
  }

  // Candidate windows per target (itself and every ancestor), computed once and kept.
  const candidates = new Map<string, MaintenanceWindow[]>()
  const candidatesOf = (targetId: string): MaintenanceWindow[] => {
    const known = candidates.get(targetId)
    if (known) return known
    const seen = new Set<string>()
    const found = new Set<MaintenanceWindow>()
    const queue = [targetId]
    while (queue.length > 0) {
      const id = queue.shift() as string
      if (seen.has(id)) continue
      seen.add(id)
      for (const w of byTarget.get(id) ?? []) found.add(w)
      const t = targetById.get(id)
      if (!t) continue
      for (const w of communeCandidates(t.communeCode)) found.add(w)
      queue.push(...t.parents)
    }
    const list = [...found].sort((a, b) => a.id - b.id)
    candidates.set(targetId, list)
    return list
  }

  const firstActive = (list: readonly MaintenanceWindow[], nowMs: number): MaintenanceWindow | undefined => list.find((w) => windowActiveAt(w, nowMs))

  return {
    targetInMaintenance: (targetId, nowMs) => firstActive(candidatesOf(targetId), nowMs),
    communeInMaintenance(code, nowMs) {
      const direct = firstActive(communeCandidates(code), nowMs)
      if (direct) return direct
      // Every target inherits maintenance (say from a hub uplink): the commune is under it too.
      const ids = targetsOfCommune.get(code) ?? []
      let any: MaintenanceWindow | undefined
      for (const id of ids) {
        const w = firstActive(candidatesOf(id), nowMs)
        if (!w) return undefined
        any ??= w
      }
      return any
    },
    windowsTouchingCommune(code) {
      const found = new Set(communeCandidates(code))
      for (const id of targetsOfCommune.get(code) ?? []) for (const w of candidatesOf(id)) found.add(w)
      return [...found].sort((a, b) => a.id - b.id)
    },
  }
}

// ---- storage ----

function fromRow(row: MaintenanceRow): MaintenanceWindow {
  return {
    id: row.id,
    scope: row.scope,
    startsAt: row.startsAt,
    endsAt: row.endsAt,
    recurrence: row.recurrence ?? null,
    reason: row.reason,
    createdBy: row.createdBy,
  }
}

/** Every stored window (past ones too), oldest first. */
export function listMaintenance(repos: Pick<AlertingRepos, 'maintenance'>): MaintenanceWindow[] {
  return repos.maintenance.list().map(fromRow)
}

/** What creating a window checks its scope against (the Store is one). */
export interface MaintenanceInventory {
  listCommunes(): Array<{ code: string; districtCluster: string }>
  getTarget(id: string): object | undefined
}

/**
 * Stores a window after checking what the schema cannot: endsAt after startsAt, and every
 * commune, cluster and target of the scope exists. Nothing is written when a check fails.
 * @throws AppError E_VALIDATION with path `endsAt` or `scope.{communes,clusters,targets}.<i>`
 */
export function createMaintenance(store: Pick<AlertingRepos, 'maintenance'> & MaintenanceInventory, input: MaintenanceInput): MaintenanceWindow {
  const startsAt = Date.parse(input.startsAt)
  const endsAt = Date.parse(input.endsAt)
  if (!(endsAt > startsAt)) throw new AppError('E_VALIDATION', 'endsAt must be after startsAt', [{ path: 'endsAt', message: 'must be after startsAt' }])
  const issues: Array<{ path: string; message: string }> = []
  const communeRows = store.listCommunes()
  const communeCodes = new Set(communeRows.map((c) => c.code))
  const clusters = new Set(communeRows.map((c) => c.districtCluster))
  input.scope.communes.forEach((code, i) => {
    if (!communeCodes.has(code)) issues.push({ path: `scope.communes.${i}`, message: `unknown commune ${code}` })
  })
  input.scope.clusters.forEach((cluster, i) => {
    if (!clusters.has(cluster)) issues.push({ path: `scope.clusters.${i}`, message: `no commune is in cluster ${cluster}` })
  })
  input.scope.targets.forEach((id, i) => {
    if (!store.getTarget(id)) issues.push({ path: `scope.targets.${i}`, message: `unknown target ${id}` })
  })
  const first = issues[0]
  if (first) throw new AppError('E_VALIDATION', `${first.path}: ${first.message}`, issues)
  const row = store.maintenance.create({
    scope: { communes: input.scope.communes, clusters: input.scope.clusters, targets: input.scope.targets },
    startsAt,
    endsAt,
    recurrence: input.recurrence,
    reason: input.reason,
    createdBy: input.createdBy,
  })
  return fromRow(row)
}

/**
 * Deletes a window. Its past time stops being excluded from SLA reports too, so the route audits
 * the deleted window in full.
 * @returns the deleted window
 * @throws AppError E_NOT_FOUND when no window has this id
 */
export function deleteMaintenance(repos: Pick<AlertingRepos, 'maintenance'>, id: number): MaintenanceWindow {
  const row = repos.maintenance.delete(id)
  if (!row) throw new AppError('E_NOT_FOUND', `no maintenance window ${id}`)
  return fromRow(row)
}
