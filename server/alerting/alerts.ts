/**
 * From target states to alerts: which targets are alerting, with which labels, how many
 * communes each one cuts off, and why an alert must not page (unreachable, maintenance).
 * Pure: it reads a snapshot and returns a new list.
 * @module
 */
import type { Severity, TargetStatus } from '../../protocol'

/** One alerting condition, Xanh's own or received from Prometheus. */
export interface Alert {
  /** Stable identity across evaluations: `target:<id>` or `ext:<hash of labels>`. */
  fingerprint: string
  alertname: string
  severity: Severity
  labels: Record<string, string>
  annotations: Record<string, string>
  startsAt: number
  targetId: string | null
  communeCode: string | null
  flapping: boolean
  /** Communes cut off behind this alert (its own commune included when it is a line). */
  affectedCommunes: number
  /** Set when the alert must neither open an incident nor page. */
  suppressed: 'unreachable' | 'awaiting-parents' | 'maintenance' | null
}

export const ALERT_TARGET_DOWN = 'XanhTargetDown'
export const ALERT_TARGET_DEGRADED = 'XanhTargetDegraded'

export interface CommuneFacts {
  name: string
  cluster: string
}

/** What the alert evaluation reads of a target: a {@link TargetStatus} or the engine's cheaper alert view. */
export type AlertTarget = Pick<TargetStatus, 'id' | 'communeCode' | 'name' | 'kind' | 'role' | 'state' | 'reason' | 'since' | 'lastError' | 'flapping' | 'unreachable' | 'awaitingParents' | 'verdict'>

export interface AlertSnapshot {
  targets: readonly AlertTarget[]
  parents: ReadonlyMap<string, readonly string[]>
  communes: ReadonlyMap<string, CommuneFacts>
  province: string
  inMaintenance: (targetId: string) => boolean
  /** Evaluation time and the engine's window (ms): a child's figures cover that much history. */
  now?: number
  windowMs?: number
}

/**
 * Root causes of an unreachable target: its nearest ancestors that are down but reachable.
 * (Cycles in a mis-entered topology end the walk instead of looping.)
 */
function rootCauses(id: string, byId: ReadonlyMap<string, AlertTarget>, parents: AlertSnapshot['parents'], seen = new Set<string>()): string[] {
  const out: string[] = []
  for (const p of parents.get(id) ?? []) {
    if (seen.has(p)) continue
    seen.add(p)
    const ps = byId.get(p)
    if (!ps || ps.state !== 'down') continue
    if (ps.unreachable) out.push(...rootCauses(p, byId, parents, seen))
    else out.push(p)
  }
  return out
}

/**
 * Whether a *degraded* child is explained by its parents (the engine's topology covers failing
 * children): all parents down → unreachable; a parent down, failing or itself degraded → the
 * parent's incident speaks for both (a lossy line makes its video path lossy: one root cause, one
 * page); a parent silent for less than a window → wait; parents back, but the child's
 * degradation began before they recovered and its window still holds rounds from their trouble →
 * wait until the window has turned over. A degradation that begins while the parents are healthy
 * pages as usual.
 */
function parentTrouble(t: AlertTarget, byId: ReadonlyMap<string, AlertTarget>, s: AlertSnapshot): 'unreachable' | 'awaiting-parents' | null {
  const ps = (s.parents.get(t.id) ?? []).flatMap((id) => {
    const p = byId.get(id)
    return p ? [p] : []
  })
  if (ps.length === 0) return null
  if (ps.every((p) => p.state === 'down')) return 'unreachable'
  if (ps.some((p) => p.state !== 'ok' && p.state !== 'unknown')) return 'awaiting-parents'
  if (s.now === undefined || s.windowMs === undefined) return null
  const now = s.now
  const windowMs = s.windowMs
  // A parent that fell silent (its probe lost power) says nothing either way: for one window the
  // child's degradation is not paged on its own (the same probe usually measures both, and the
  // child goes silent a moment later); a child still degraded after that pages.
  if (ps.some((p) => p.state === 'unknown' && p.since !== null && now - Date.parse(p.since) < windowMs)) return 'awaiting-parents'
  const childSince = t.since ? Date.parse(t.since) : null
  if (childSince === null) return null
  const recentRecovery = ps.some((p) => p.state === 'ok' && p.since !== null && Date.parse(p.since) >= childSince && now - Date.parse(p.since) < windowMs)
  return recentRecovery ? 'awaiting-parents' : null
}

/**
 * Evaluates the alerts of a snapshot. Targets that are unknown (a data gap) yield no alert;
 * the incident layer keeps their incidents as they were.
 */
export function evaluateAlerts(s: AlertSnapshot): { alerts: Alert[]; unknownTargets: Set<string> } {
  const byId = new Map(s.targets.map((t) => [t.id, t]))
  const affected = new Map<string, Set<string>>()
  for (const t of s.targets) {
    if (t.state !== 'down') continue
    if (t.unreachable) {
      for (const root of rootCauses(t.id, byId, s.parents)) {
        const set = affected.get(root) ?? new Set<string>()
        set.add(t.communeCode)
        affected.set(root, set)
      }
    } else if (t.role === 'line') {
      const set = affected.get(t.id) ?? new Set<string>()
      set.add(t.communeCode)
      affected.set(t.id, set)
    }
  }
  const alerts: Alert[] = []
  const unknownTargets = new Set<string>()
  for (const t of s.targets) {
    if (t.state === 'unknown') {
      unknownTargets.add(t.id)
      continue
    }
    if (t.state === 'ok') continue
    // Failing but not yet down (hysteresis pending, like Prometheus' `for`): no alert yet.
    if (t.state === 'warning' && t.reason?.startsWith('failing-')) continue
    const alertname = t.state === 'down' ? ALERT_TARGET_DOWN : ALERT_TARGET_DEGRADED
    const severity: Severity = t.state === 'warning' ? 'warning' : 'critical'
    const commune = s.communes.get(t.communeCode)
    const labels: Record<string, string> = {
      alertname,
      severity,
      target: t.id,
      target_name: t.name ?? t.id,
      commune_code: t.communeCode,
      commune: commune?.name ?? t.communeCode,
      cluster: commune?.cluster ?? '',
      role: t.role,
      kind: t.kind,
      province: s.province,
    }
    const annotations: Record<string, string> = { state: t.state, reason: t.reason ?? '' }
    if (t.state === 'down' && t.lastError) annotations.error = t.lastError
    const v = t.state === 'down' ? null : t.verdict
    if (v) {
      // The figure and the threshold it crossed, machine-readable (webhooks) and whole (messages).
      annotations.verdict = JSON.stringify(v)
      annotations.rule = v.rule
      if (v.part) annotations.part = v.part
      if (v.value !== null) annotations.value = String(v.value)
      annotations.threshold = String(v.threshold)
      annotations.unit = v.unit
    }
    alerts.push({
      fingerprint: `target:${t.id}`,
      alertname,
      severity,
      labels,
      annotations,
      startsAt: t.since ? Date.parse(t.since) : Date.now(),
      targetId: t.id,
      communeCode: t.communeCode,
      flapping: t.flapping,
      affectedCommunes: affected.get(t.id)?.size ?? 0,
      suppressed: t.unreachable
        ? 'unreachable'
        : t.awaitingParents
          ? 'awaiting-parents'
          : alertname === ALERT_TARGET_DEGRADED && parentTrouble(t, byId, s) !== null
            ? parentTrouble(t, byId, s)
            : s.inMaintenance(t.id)
              ? 'maintenance'
              : null,
    })
  }
  return { alerts, unknownTargets }
}

/** FNV-1a 64-bit of the sorted label set, as 16 hex digits (Alertmanager's fingerprint shape). */
export function labelsFingerprint(labels: Record<string, string>): string {
  let h = 0xcbf29ce484222325n
  const prime = 0x100000001b3n
  for (const k of Object.keys(labels).sort()) {
    for (const ch of `${k}\u0000${labels[k]}\u0000`) {
      h ^= BigInt(ch.codePointAt(0) ?? 0)
      h = (h * prime) & 0xffffffffffffffffn
    }
  }
  return h.toString(16).padStart(16, '0')
}
