/**
 * Shapes of server answers the dashboard reads that `protocol/` does not define (they are
 * built from server-side rows). Parsed leniently (unknown fields are ignored) so an extra
 * column on the server never breaks a settings page; the fields the views use are checked.
 * @module
 */
import { z } from 'zod'
import { BoundaryAnswer, ChannelHealth, CoverageGapView, SilentProbe, ErrorIssue, IncidentView, Matcher, ProvinceBoundary, TargetRole, boundaryGeometries } from '../../protocol'

const IsoTime = z.iso.datetime({ offset: true })

/** User roles, lowest first. */
export const Role = z.enum(['viewer', 'operator', 'admin'])
export type Role = z.infer<typeof Role>

/** Rank of each role: a user may do what any lower role may. */
export const ROLE_RANK: Readonly<Record<Role, number>> = { viewer: 0, operator: 1, admin: 2 }

/** The signed-in user, from `GET/POST /api/v1/session`. */
export const SessionUser = z.object({ username: z.string(), role: Role, displayName: z.string().optional() })
export type SessionUser = z.infer<typeof SessionUser>

/** One silent target of `GET /api/v1/gaps`. */
export const DataGap = z.object({
  targetId: z.string(),
  communeCode: z.string(),
  since: IsoTime.nullable(),
  lastResultAt: IsoTime.nullable(),
  reason: z.string().nullable(),
})
export type DataGap = z.infer<typeof DataGap>

/** `GET /api/v1/gaps`: targets silent now and the coverage-gap registry. */
export const GapsView = z.object({ dataGaps: z.array(DataGap), silentProbes: z.array(SilentProbe).default([]), coverageGaps: z.array(CoverageGapView) })
export type GapsView = z.infer<typeof GapsView>

/** `GET /api/v1/alerts`. */
export const IncidentList = z.object({ incidents: z.array(IncidentView) })

export const SilenceState = z.enum(['pending', 'active', 'expired'])
export type SilenceState = z.infer<typeof SilenceState>

/** One silence of `GET /api/v1/silences`. */
export const SilenceView = z.object({
  id: z.number().int(),
  matchers: z.array(Matcher),
  startsAt: IsoTime,
  endsAt: IsoTime,
  createdBy: z.string(),
  comment: z.string(),
  state: SilenceState,
})
export type SilenceView = z.infer<typeof SilenceView>
export const SilenceList = z.object({ silences: z.array(SilenceView) })

/** One window of `GET /api/v1/maintenance`. */
export const MaintenanceView = z.object({
  id: z.number().int(),
  scope: z.object({ communes: z.array(z.string()), clusters: z.array(z.string()), targets: z.array(z.string()) }),
  startsAt: IsoTime,
  endsAt: IsoTime,
  recurrence: z.object({ weekdays: z.array(z.number().int()), start: z.string(), end: z.string() }).nullable(),
  reason: z.string(),
  createdBy: z.string(),
  activeNow: z.boolean(),
})
export type MaintenanceView = z.infer<typeof MaintenanceView>
export const MaintenanceList = z.object({ maintenance: z.array(MaintenanceView) })

/** One support group of `GET /api/v1/groups`; channel secrets arrive as "***". */
export const GroupView = z.object({
  id: z.number().int(),
  name: z.string(),
  channels: z.array(z.object({ type: z.string() }).catchall(z.unknown())),
  communes: z.array(z.string()),
  clusters: z.array(z.string()),
  roles: z.array(z.string()),
  minSeverity: z.string(),
  language: z.string(),
  sendResolved: z.boolean(),
  escalation: z.array(z.object({ afterMinutes: z.number(), group: z.string() })),
  /** Delivery health per channel, in channel order. */
  health: z.array(ChannelHealth),
})
export type GroupView = z.infer<typeof GroupView>
export const GroupList = z.object({ groups: z.array(GroupView) })

/** One probe of `GET /api/v1/probes`. */
export const ProbeView = z.object({
  id: z.string(),
  name: z.string(),
  location: z.string(),
  builtin: z.boolean(),
  version: z.string().nullable(),
  lastSeenAt: IsoTime.nullable(),
  /** online / silent / never, as of the answer (the page recomputes it as time passes). */
  contact: z.enum(['online', 'silent', 'never']).optional(),
  /** No contact for this long → silent (the server's rule). */
  silentAfterSeconds: z.number().positive().optional(),
  /** Null when the agent did not report it (an old agent): shown as unknown, not as 0. */
  spoolBatches: z.number().nullable(),
  revoked: z.boolean(),
  clockOffsetSeconds: z.number().nullable().optional(),
})
export type ProbeView = z.infer<typeof ProbeView>
export const ProbeList = z.object({ probes: z.array(ProbeView) })

/** One target row of `GET /api/v1/targets` (admin). */
export const TargetRowView = z.object({
  id: z.string(),
  communeCode: z.string(),
  name: z.string().nullable(),
  kind: z.string(),
  host: z.string(),
  port: z.number().nullable(),
  role: TargetRole,
  intervalS: z.number(),
  timeoutS: z.number(),
  parents: z.array(z.string()),
  probeId: z.string().nullable(),
  enabled: z.boolean(),
  /** Kind-specific options, sent back unchanged when the target is edited. */
  options: z.record(z.string(), z.unknown()).optional(),
})
export type TargetRowView = z.infer<typeof TargetRowView>
export const TargetList = z.object({ targets: z.array(TargetRowView) })

/** Answer of an inventory import: what it changed. */
export const ImportReport = z.object({
  kind: z.string(),
  rows: z.number().int(),
  created: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
})
export type ImportReport = z.infer<typeof ImportReport>

/** Answer of an import's dry run: what it would change, or every problem (nothing written either way). */
export const ImportCheck = z.union([
  ImportReport.extend({ valid: z.literal(true) }),
  z.object({ valid: z.literal(false), kind: z.string(), message: z.string(), issues: z.array(ErrorIssue) }),
])
export type ImportCheck = z.infer<typeof ImportCheck>

/** A province outline (see protocol/geo.ts). */
export const Boundary = ProvinceBoundary
export type Boundary = ProvinceBoundary
export { BoundaryAnswer, boundaryGeometries }
