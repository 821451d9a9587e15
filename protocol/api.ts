/**
 * Response shapes the dashboard reads (SPEC §5, §8). The server builds them, the web app parses them.
 * @module
 */
import { z } from 'zod'
import { CommuneKind, CoverageGapKind } from './inventory'
import { State } from './states'
import { CheckKind, TargetRole } from './targets'
import { Verdict, VerdictState } from './verdict'

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
  /** The figure behind `reason` and the threshold it crossed (null while ok, unknown or down). */
  verdict: Verdict.nullable(),
  lineState: State.nullable(),
  mcuState: State.nullable(),
  /** The line's window figures; null while the line is down or silent (they would be from before). */
  rttSeconds: z.number().nullable(),
  lossRatio: z.number().nullable(),
  /**
   * The line's throughput (median of the latest tests per direction, bytes/s) against the
   * contracted rate; null without a throughput target or before its first test.
   */
  throughput: z
    .strictObject({
      downloadBytesPerSecond: z.number().nullable(),
      uploadBytesPerSecond: z.number().nullable(),
      /** Each direction's verdict (null when that direction has no figure). */
      downloadState: VerdictState.nullable(),
      uploadState: VerdictState.nullable(),
      contractedBytesPerSecond: z.number(),
      /** Worst of the two directions' verdicts (`stale`: no recent test). */
      state: VerdictState,
      testedAt: IsoTime.nullable(),
    })
    .nullable(),
  /** Highest sustained-or-latest link utilization (SNMP traffic ÷ contracted), 0–1+; null without SNMP. */
  utilizationRatio: z.number().nullable(),
  /** MOS estimate of the video path (1–4.5); null without a measured video path. */
  mos: z.number().nullable(),
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
  /**
   * True when every parent is down, or they came back and this target has not had rounds of its
   * own yet: it is not paged on its own (its parent's alert counts it).
   */
  unreachable: z.boolean(),
  /** Failing while a parent is failing but not yet down (or has not reported since): paging waits for the parent's verdict. */
  awaitingParents: z.boolean(),
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
    /** When the newest round in the window was observed: the time the figures were true (a down target's are from before). */
    asOf: IsoTime.nullable(),
  }),
  /** The verdict that set the state (value vs threshold); null while ok, unknown or down. */
  verdict: Verdict.nullable(),
  /** Every rule's verdict about this target, ok ones included, in rule order. */
  verdicts: z.array(Verdict),
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
  /** Where the points came from: raw results, or 5-minute / 1-hour rollups (long or old ranges). */
  resolution: z.enum(['raw', '5m', '1h']).optional(),
  /** [unix seconds, value|null] pairs, one per step, in time order. */
  points: z.array(z.tuple([z.number(), z.number().nullable()])),
})
export type Series = z.infer<typeof Series>

/**
 * A probe that has stopped reporting (none of its targets has a result within three of its
 * intervals), with the communes it leaves without data. Part of `GET /api/v1/gaps`.
 */
export const SilentProbe = z.strictObject({
  id: z.string(),
  name: z.string(),
  location: z.string(),
  /** When the probe was last heard from (its last batch); null: never. */
  lastSeenAt: IsoTime.nullable(),
  /** Start of the silence: its last batch, or (never heard from) when its targets became known. */
  silentSince: IsoTime.nullable(),
  /** Communes that are silent (unknown) now and have a target this probe runs, by name. */
  communes: z.array(z.strictObject({ code: z.string(), name: z.string() })),
})
export type SilentProbe = z.infer<typeof SilentProbe>

/**
 * `GET /api/v1/overview/history`: every commune's last 24 hours as a state strip (see
 * `buildStrip`) and its availability over 24 hours and 30 days, computed as the SLA report does
 * (up ÷ (up + down); unknown and maintenance time excluded). Built in bulk, at most once a minute; the silent probes are read at each request.
 */
export const CommuneHistory = z.strictObject({
  from: IsoTime,
  to: IsoTime,
  /** Length of one strip bucket. */
  bucketSeconds: z.number().positive(),
  communes: z.array(
    z.strictObject({
      code: z.string(),
      /** One character per bucket, oldest first: o ok, w warning, c critical, d down, u unknown, - not monitored yet. */
      strip: z.string(),
      /** Null when nothing was known in the period (not monitored, or only unknown/maintenance). The 30-day figure covers today and the 29 local days before it. */
      availability24h: z.number().min(0).max(1).nullable(),
      availability30d: z.number().min(0).max(1).nullable(),
    }),
  ),
  /** Probes silent now, with the communes they leave without data (as in `GET /api/v1/gaps`). */
  silentProbes: z.array(SilentProbe),
})
export type CommuneHistory = z.infer<typeof CommuneHistory>

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

/** A period `[from, to)` an entity spent in one state. */
export const StateSpan = z.strictObject({ from: IsoTime, to: IsoTime, state: State })
export type StateSpan = z.infer<typeof StateSpan>

/** Query of `GET /api/v1/communes/:code/history`: the chart range (at most 400 days). */
export const CommuneTimelineQuery = z.strictObject({ from: IsoTime, to: IsoTime })

/**
 * `GET /api/v1/communes/:code/history`: what the commune page draws with its charts over a
 * range. Spans come from the state log; time before an entity's first row has no span (it was
 * not monitored yet), time the server was down is an `unknown` span.
 */
export const CommuneTimeline = z.strictObject({
  code: z.string(),
  from: IsoTime,
  to: IsoTime,
  /** The oldest stored measurement of any of the commune's targets (raw or hourly rollup); null without any. */
  firstDataAt: IsoTime.nullable(),
  /** The commune's own states. */
  commune: z.array(StateSpan),
  /** Each target's states, in the commune detail's target order. */
  targets: z.array(z.strictObject({ targetId: z.string(), spans: z.array(StateSpan) })),
  /** Occurrences of maintenance windows covering the commune or any of its targets, clipped to the range. */
  maintenance: z.array(z.strictObject({ id: z.number().int(), from: IsoTime, to: IsoTime, reason: z.string() })),
})
export type CommuneTimeline = z.infer<typeof CommuneTimeline>
