/**
 * Response shapes the dashboard reads (SPEC §5, §8). The server builds them, the web app parses them.
 * @module
 */
import { z } from 'zod'
import { CommuneKind, CoverageGapKind } from './inventory'
import { State } from './states'
import { CheckKind, TargetRole } from './targets'

const IsoTime = z.iso.datetime({ offset: true })

/** One commune row of the overview: enough to colour the map and fill the table. */
export const CommuneSummary = z.strictObject({
  code: z.string(),
  name: z.string(),
  kind: CommuneKind,
  cluster: z.string(),
  lat: z.number(),
  lon: z.number(),
  contractedMbps: z.number(),
  state: State,
  /** When the commune entered its current state (null before the first evaluation). */
  since: IsoTime.nullable(),
  /** Short machine-readable cause, e.g. "line:down", "mcu:rtt", "line:loss", "line:silent". */
  reason: z.string().nullable(),
  lineState: State.nullable(),
  mcuState: State.nullable(),
  rttSeconds: z.number().nullable(),
  lossRatio: z.number().nullable(),
  lastSeenAt: IsoTime.nullable(),
  openGaps: z.number().int().nonnegative(),
})
export type CommuneSummary = z.infer<typeof CommuneSummary>

export const StateCounts = z.strictObject({
  ok: z.number().int(),
  warning: z.number().int(),
  critical: z.number().int(),
  down: z.number().int(),
  unknown: z.number().int(),
})
export type StateCounts = z.infer<typeof StateCounts>

/** `GET /api/v1/overview`. */
export const Overview = z.strictObject({
  province: z.strictObject({ code: z.string(), name: z.string() }),
  /** True when the demo province (simulated impairments) is loaded. */
  demo: z.boolean(),
  generatedAt: IsoTime,
  counts: StateCounts,
  communes: z.array(CommuneSummary),
})
export type Overview = z.infer<typeof Overview>

/** Current state of one target. */
export const TargetStatus = z.strictObject({
  id: z.string(),
  communeCode: z.string(),
  name: z.string().nullable(),
  kind: CheckKind,
  role: TargetRole,
  host: z.string(),
  port: z.number().nullable(),
  intervalSeconds: z.number(),
  state: State,
  /** True when every parent is down: the target is not paged on its own. */
  unreachable: z.boolean(),
  since: IsoTime.nullable(),
  reason: z.string().nullable(),
  lastResultAt: IsoTime.nullable(),
  lastError: z.string().nullable(),
  consecutiveFailures: z.number().int(),
  /** State changes too often (weighted change ratio over the last 21 rounds, SPEC §4). */
  flapping: z.boolean(),
  /** Latest result's measurements in base units. */
  measurements: z.record(z.string(), z.number()),
  /** Window figures the state was judged on (RTT median over 15 min, loss over the window). */
  window: z.strictObject({
    rttMedianSeconds: z.number().nullable(),
    lossRatio: z.number().nullable(),
    packets: z.number().int(),
  }),
})
export type TargetStatus = z.infer<typeof TargetStatus>

export const CoverageGapView = z.strictObject({
  id: z.number().int(),
  communeCode: z.string(),
  hamlet: z.string(),
  kind: CoverageGapKind,
  population: z.number().nullable(),
  households: z.number().nullable(),
  since: z.string().nullable(),
  plannedFix: z.string().nullable(),
  fixedAt: z.string().nullable(),
  source: z.string(),
})
export type CoverageGapView = z.infer<typeof CoverageGapView>

/** `GET /api/v1/communes/:code`. */
export const CommuneDetail = z.strictObject({
  demo: z.boolean(),
  commune: CommuneSummary.extend({ priority: z.number().int(), notes: z.string() }),
  targets: z.array(TargetStatus),
  gaps: z.array(CoverageGapView),
})
export type CommuneDetail = z.infer<typeof CommuneDetail>

/** `GET /api/v1/targets/:id/series`: one value per step, `null` where there was no data (a gap). */
export const Series = z.strictObject({
  targetId: z.string(),
  metric: z.string(),
  from: IsoTime,
  to: IsoTime,
  stepSeconds: z.number().positive(),
  /** Where the points came from: raw results, or 1-minute / 1-hour rollups (long or old ranges). */
  resolution: z.enum(['raw', '1m', '1h']).optional(),
  /** [unix seconds, value|null] pairs, one per step, in time order. */
  points: z.array(z.tuple([z.number(), z.number().nullable()])),
})
export type Series = z.infer<typeof Series>

/** Messages on the `/api/v1/live` WebSocket. The client loads the overview once, then applies deltas. */
export const LiveMessage = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('hello'), serverTime: IsoTime, demo: z.boolean() }),
  z.strictObject({
    type: z.literal('delta'),
    at: IsoTime,
    counts: StateCounts,
    communes: z.array(CommuneSummary),
    targets: z.array(TargetStatus),
  }),
  /** Inventory changed (communes added/removed): reload the overview. */
  z.strictObject({ type: z.literal('reload'), at: IsoTime }),
])
export type LiveMessage = z.infer<typeof LiveMessage>
