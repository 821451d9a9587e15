/**
 * Monthly SLA report (`GET /api/v1/reports/sla?month=YYYY-MM`, SPEC §5, §8).
 * @module
 */
import { z } from 'zod'

const IsoTime = z.iso.datetime({ offset: true })

/** A calendar month, `YYYY-MM`, read in Asia/Ho_Chi_Minh. */
export const ReportMonth = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month as YYYY-MM')
export type ReportMonth = z.infer<typeof ReportMonth>

/**
 * Minutes (fractional) of the reported period by what the state log says. Maintenance wins
 * over any state; `up` includes degraded (warning, critical) time; the four add up to the
 * monitored part of the period (from `monitoredFrom`: time before a commune was monitored is
 * not counted at all, not even as unknown).
 */
export const SlaMinutes = z.strictObject({
  up: z.number().nonnegative(),
  down: z.number().nonnegative(),
  unknown: z.number().nonnegative(),
  maintenance: z.number().nonnegative(),
})
export type SlaMinutes = z.infer<typeof SlaMinutes>

/** Figures of one commune, cluster or the province. */
export const SlaFigures = z.strictObject({
  minutes: SlaMinutes,
  /** up / (up + down): unknown and maintenance time are excluded; null when nothing was known. */
  availability: z.number().min(0).max(1).nullable(),
  /** Incidents opened in the period. */
  incidents: z.number().int().nonnegative(),
  /** Down periods that began in the period. */
  outages: z.number().int().nonnegative(),
})
export type SlaFigures = z.infer<typeof SlaFigures>

export const SlaCommuneRow = SlaFigures.extend({
  code: z.string(),
  name: z.string(),
  cluster: z.string(),
  /** Start of the counted period: the month's start, or when monitoring of the commune began (its creation, or its first target's). */
  monitoredFrom: IsoTime,
})
export type SlaCommuneRow = z.infer<typeof SlaCommuneRow>

export const SlaClusterRow = SlaFigures.extend({ cluster: z.string(), communes: z.number().int().nonnegative() })
export type SlaClusterRow = z.infer<typeof SlaClusterRow>

export const SlaReport = z.strictObject({
  month: ReportMonth,
  timeZone: z.literal('Asia/Ho_Chi_Minh'),
  /** Start of the month (local midnight) and the end of the period: the month's end, or now for the current month. */
  from: IsoTime,
  to: IsoTime,
  /** True for the current month (the period ends now). */
  partial: z.boolean(),
  generatedAt: IsoTime,
  province: SlaFigures.extend({ code: z.string(), name: z.string() }),
  clusters: z.array(SlaClusterRow),
  communes: z.array(SlaCommuneRow),
})
export type SlaReport = z.infer<typeof SlaReport>
