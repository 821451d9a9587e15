/**
 * Which support groups an alert goes to (SPEC §6: by commune cluster, role, severity).
 * @module
 */
import { SEVERITY_RANK, SupportGroupInput, type ChannelConfig, type EscalationStep, type Language, type Severity } from '../../protocol'
import type { AlertingRepos, SupportGroupRow } from '../store/types'

/** A support group as the dispatcher uses it. */
export interface RouteGroup {
  id: number
  name: string
  channels: ChannelConfig[]
  communes: ReadonlySet<string>
  clusters: ReadonlySet<string>
  roles: ReadonlySet<string>
  minSeverity: Severity
  language: Language
  escalation: EscalationStep[]
  sendResolved: boolean
}

/** Parses a stored row (validated when written; a row that no longer parses is skipped by the caller). */
export function routeGroupOf(row: SupportGroupRow): RouteGroup | undefined {
  const parsed = SupportGroupInput.safeParse({
    name: row.name,
    channels: row.channels,
    communes: row.communes,
    clusters: row.clusters,
    roles: row.roles,
    minSeverity: row.minSeverity,
    language: row.language,
    escalation: row.escalation,
    sendResolved: row.sendResolved,
  })
  if (!parsed.success) return undefined
  const g = parsed.data
  return {
    id: row.id,
    name: g.name,
    channels: g.channels,
    communes: new Set(g.communes),
    clusters: new Set(g.clusters),
    roles: new Set(g.roles),
    minSeverity: g.minSeverity,
    language: g.language,
    escalation: g.escalation,
    sendResolved: g.sendResolved,
  }
}

/** Every support group that parses. */
export function loadRouteGroups(repos: Pick<AlertingRepos, 'supportGroups'>): RouteGroup[] {
  return repos.supportGroups.list().flatMap((r) => {
    const g = routeGroupOf(r)
    return g ? [g] : []
  })
}

/**
 * Whether a group takes an alert: area (its communes or clusters; none listed = the whole
 * province), role (none listed = all; alerts without a role pass) and minimum severity.
 */
export function groupTakes(g: RouteGroup, labels: Record<string, string>, severity: Severity): boolean {
  if (SEVERITY_RANK[severity] < SEVERITY_RANK[g.minSeverity]) return false
  const role = labels.role
  if (g.roles.size > 0 && role !== undefined && !g.roles.has(role)) return false
  if (g.communes.size === 0 && g.clusters.size === 0) return true
  return (labels.commune_code !== undefined && g.communes.has(labels.commune_code)) || (labels.cluster !== undefined && g.clusters.has(labels.cluster))
}

/** The groups an alert is routed to. */
export function routeOf(groups: readonly RouteGroup[], labels: Record<string, string>, severity: Severity): RouteGroup[] {
  return groups.filter((g) => groupTakes(g, labels, severity))
}
