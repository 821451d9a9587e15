/**
 * The wire format probes ship to `POST /api/v1/ingest` (SPEC §3).
 * @module
 */
import { z } from 'zod'
import { CheckKind, TargetId } from './targets'

export const PROTOCOL_VERSION = 1 as const

/** Measurement names are snake_case with the base unit in the name (rtt_median_seconds, loss_ratio). */
export const MeasurementName = z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'snake_case measurement name')

/**
 * One execution of one check. `id` is minted by the probe and makes ingest idempotent:
 * a batch replayed from the spool stores nothing twice. `observedAt` is when the check ran,
 * never when it arrived.
 */
export const CheckResult = z.strictObject({
  id: z.uuid(),
  targetId: TargetId,
  kind: CheckKind,
  observedAt: z.iso.datetime({ offset: true }),
  durationSeconds: z.number().nonnegative().max(86400),
  ok: z.boolean(),
  /** One line naming the address, present when `ok` is false. */
  error: z.string().max(500).optional(),
  measurements: z.record(MeasurementName, z.number().refine(Number.isFinite, 'finite number')),
})
export type CheckResult = z.infer<typeof CheckResult>

/** Heartbeat facts an agent reports with every batch. */
export const ProbeStatus = z.strictObject({
  version: z.string().max(40),
  spoolBatches: z.number().int().nonnegative(),
  spoolBytes: z.number().int().nonnegative(),
  droppedBatches: z.number().int().nonnegative(),
  overruns: z.number().int().nonnegative(),
  /** Checks that cannot run on this agent, e.g. "icmp: neither fping nor ping is installed". */
  unavailable: z.array(z.string().max(300)).max(20).default([]),
})
export type ProbeStatus = z.infer<typeof ProbeStatus>

/** Maximum results per batch (SPEC §3). */
export const MAX_BATCH_RESULTS = 1000

export const ResultBatch = z.strictObject({
  protocolVersion: z.literal(PROTOCOL_VERSION),
  probeId: z.string().min(1).max(80),
  sentAt: z.iso.datetime({ offset: true }),
  status: ProbeStatus.optional(),
  results: z.array(CheckResult).max(MAX_BATCH_RESULTS),
})
export type ResultBatch = z.infer<typeof ResultBatch>

/**
 * Header of every 202 ingest answer: the ETag of the probe's current config (as
 * `GET /api/v1/probe/config` gives it). An agent whose config has another tag fetches it now,
 * so an inventory edit reaches it with its next batch or heartbeat, not at its next poll.
 * Older agents ignore it.
 */
export const CONFIG_ETAG_HEADER = 'Xanh-Config-ETag'

/** 202 answer of the ingest route. */
export const IngestResponse = z.strictObject({
  accepted: z.number().int().nonnegative(),
  duplicates: z.number().int().nonnegative(),
})
export type IngestResponse = z.infer<typeof IngestResponse>
