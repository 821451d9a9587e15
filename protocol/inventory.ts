/**
 * Inventory input shapes (SPEC §2): what the CRUD API, the CSV/YAML importers and the CLI accept.
 * @module
 */
import { z } from 'zod'
import { CheckKind, CommuneCode, Host, TargetId, TargetRole } from './targets'
import { ThresholdOverrides } from './thresholds'

export const CommuneKind = z.enum(['xa', 'phuong', 'dac_khu'])
export type CommuneKind = z.infer<typeof CommuneKind>

export const Latitude = z.number().min(-90).max(90)
export const Longitude = z.number().min(-180).max(180)

/** A commune as written by an admin or an import. Names keep their Vietnamese diacritics. */
export const CommuneInput = z.strictObject({
  code: CommuneCode,
  name: z.string().trim().min(1).max(200),
  kind: CommuneKind.default('xa'),
  districtCluster: z.string().trim().max(200).default(''),
  lat: Latitude,
  lon: Longitude,
  contractedMbps: z.number().positive().max(100000).default(100),
  priority: z.number().int().min(0).max(9).default(0),
  notes: z.string().max(2000).default(''),
  /** Grading thresholds that differ for this commune (any subset; the rest keep the defaults). */
  thresholds: ThresholdOverrides.nullable().optional(),
})
export type CommuneInput = z.infer<typeof CommuneInput>
/** Partial update of a commune; the code is the URL key and cannot change. */
export const CommunePatch = CommuneInput.omit({ code: true }).partial()
export type CommunePatch = z.infer<typeof CommunePatch>

/**
 * A target as written by an admin or an import. Kind-specific `options` are checked against
 * the kind's schema when the server turns the input into a {@link TargetSpec}; interval and
 * timeout default per kind.
 */
export const TargetInput = z.strictObject({
  id: TargetId,
  communeCode: CommuneCode,
  name: z.string().max(200).optional(),
  kind: CheckKind,
  host: Host,
  port: z.number().int().min(1).max(65535).optional(),
  role: TargetRole,
  intervalSeconds: z.number().min(1).max(86400).optional(),
  timeoutSeconds: z.number().min(0.1).max(600).optional(),
  parents: z.array(TargetId).max(20).default([]),
  options: z.record(z.string(), z.unknown()).default({}),
  /** Probe that runs this target; absent means the server's embedded probe. */
  probeId: z.string().min(1).max(80).nullable().default(null),
  enabled: z.boolean().default(true),
  /** Grading thresholds that differ for this target (over the commune's and the defaults). */
  thresholds: ThresholdOverrides.nullable().optional(),
})
export type TargetInput = z.infer<typeof TargetInput>

export const ProbeInput = z.strictObject({
  name: z.string().trim().min(1).max(80).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'ASCII letters, digits, . _ - only'),
  location: z.string().max(200).default(''),
})
export type ProbeInput = z.infer<typeof ProbeInput>

/** Answer when a probe is created or its token rotated: the only time the token is shown. */
export const ProbeCreated = z.strictObject({
  id: z.string(),
  name: z.string(),
  token: z.string(),
  /**
   * After a rotation: until when the old token still works (the grace to give the agent the new
   * one), or null when it stopped at once. Absent when the probe was created.
   */
  previousTokenValidUntil: z.iso.datetime({ offset: true }).nullable().optional(),
})
export type ProbeCreated = z.infer<typeof ProbeCreated>

export const CoverageGapKind = z.enum(['no_mobile', 'no_power', 'no_internet', 'weak_mobile'])
export type CoverageGapKind = z.infer<typeof CoverageGapKind>

const IsoDate = z.iso.date()

export const CoverageGapInput = z.strictObject({
  communeCode: CommuneCode,
  hamlet: z.string().trim().min(1).max(200),
  kind: CoverageGapKind,
  population: z.number().int().nonnegative().nullable().default(null),
  households: z.number().int().nonnegative().nullable().default(null),
  since: IsoDate.nullable().default(null),
  plannedFix: z.string().max(200).nullable().default(null),
  fixedAt: IsoDate.nullable().default(null),
  source: z.string().max(500).default(''),
})
export type CoverageGapInput = z.infer<typeof CoverageGapInput>

/** Host strings used by inventory are re-exported for the importers. */
export { Host }
