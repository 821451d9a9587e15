/**
 * The wire format probes ship to `POST /api/v1/ingest` (SPEC §3).
 * @module
 */
import { z } from 'zod'
import { CheckKind, TARGET_ID_PATTERN, TargetId } from './targets'

export const PROTOCOL_VERSION = 1 as const

/** Measurement names are snake_case with the base unit in the name (rtt_median_seconds, loss_ratio). */
const MEASUREMENT_NAME_PATTERN = /^[a-z][a-z0-9_]{0,63}$/
export const MeasurementName = z.string().regex(MEASUREMENT_NAME_PATTERN, 'snake_case measurement name')

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

// ---- the ingest route's parser ----

/** The regex zod tests a string format with (the very one, so the quick check cannot drift from it). */
function formatPattern(schema: { def: { pattern?: RegExp | undefined } }): RegExp {
  const pattern = schema.def.pattern
  if (!pattern) throw new Error('zod string format without a pattern')
  return pattern
}
const UUID_PATTERN = formatPattern(CheckResult.shape.id)
const OBSERVED_AT_PATTERN = formatPattern(CheckResult.shape.observedAt)
const SENT_AT_PATTERN = formatPattern(ResultBatch.shape.sentAt)
const CHECK_KINDS: ReadonlySet<unknown> = new Set(CheckKind.options)
const RESULT_KEYS: ReadonlySet<string> = new Set(Object.keys(CheckResult.shape))
const BATCH_KEYS: ReadonlySet<string> = new Set(Object.keys(ResultBatch.shape))
const STATUS_KEYS: ReadonlySet<string> = new Set(Object.keys(ProbeStatus.shape))

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const isPlainObject = (v: unknown): v is Json => isObject(v) && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null)
const isString = (v: unknown, min: number, max: number): v is string => typeof v === 'string' && v.length >= min && v.length <= max
const isCount = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0
/** Own keys all in `allowed`, and every key of `required` present (a strict object's key rules). */
function hasKeys(o: Json, allowed: ReadonlySet<string>, required: readonly string[]): boolean {
  for (const k in o) if (!allowed.has(k) || !Object.hasOwn(o, k)) return false
  for (const k of required) if (!Object.hasOwn(o, k)) return false
  return true
}

const REQUIRED_RESULT = ['id', 'targetId', 'kind', 'observedAt', 'durationSeconds', 'ok', 'measurements'] as const
const REQUIRED_BATCH = ['protocolVersion', 'probeId', 'sentAt', 'results'] as const
const REQUIRED_STATUS = ['version', 'spoolBatches', 'spoolBytes', 'droppedBatches', 'overruns'] as const

function isCheckResult(r: unknown): boolean {
  if (!isObject(r) || !hasKeys(r, RESULT_KEYS, REQUIRED_RESULT)) return false
  const { id, targetId, kind, observedAt, durationSeconds, ok, error, measurements } = r
  if (typeof id !== 'string' || !UUID_PATTERN.test(id)) return false
  if (!isString(targetId, 1, 80) || !TARGET_ID_PATTERN.test(targetId)) return false
  if (!CHECK_KINDS.has(kind)) return false
  if (typeof observedAt !== 'string' || !OBSERVED_AT_PATTERN.test(observedAt)) return false
  if (typeof durationSeconds !== 'number' || !(durationSeconds >= 0 && durationSeconds <= 86400)) return false
  if (typeof ok !== 'boolean') return false
  if (error !== undefined && !isString(error, 0, 500)) return false
  if (!isPlainObject(measurements)) return false
  for (const name in measurements) {
    const v = measurements[name]
    if (!Object.hasOwn(measurements, name) || !MEASUREMENT_NAME_PATTERN.test(name) || typeof v !== 'number' || !Number.isFinite(v)) return false
  }
  return true
}

function isProbeStatus(s: unknown): boolean {
  if (!isObject(s) || !hasKeys(s, STATUS_KEYS, REQUIRED_STATUS)) return false
  if (!isString(s.version, 0, 40) || !isCount(s.spoolBatches) || !isCount(s.spoolBytes) || !isCount(s.droppedBatches) || !isCount(s.overruns)) return false
  const u = s.unavailable
  return u === undefined || (Array.isArray(u) && u.length <= 20 && u.every((x) => isString(x, 0, 300)))
}

/**
 * `ResultBatch.safeParse`, for the ingest route: the same answer, several times faster on the
 * batches agents send. A hand-written check vouches only for input the schema accepts as it is
 * (every rule of {@link ResultBatch}, tested with zod's own format regexes); such a batch is
 * returned itself (zod would return an equal copy), with the one default zod adds. Anything else
 * goes through zod, so a refused batch gets zod's issues, paths and messages exactly.
 */
export function parseResultBatch(input: unknown): ReturnType<typeof ResultBatch.safeParse> {
  if (
    isObject(input) &&
    hasKeys(input, BATCH_KEYS, REQUIRED_BATCH) &&
    input.protocolVersion === PROTOCOL_VERSION &&
    isString(input.probeId, 1, 80) &&
    typeof input.sentAt === 'string' &&
    SENT_AT_PATTERN.test(input.sentAt) &&
    (input.status === undefined || isProbeStatus(input.status)) &&
    Array.isArray(input.results) &&
    input.results.length <= MAX_BATCH_RESULTS &&
    input.results.every(isCheckResult)
  ) {
    const status = input.status as Json | undefined
    const data = (status === undefined || status.unavailable !== undefined ? input : { ...input, status: { ...status, unavailable: [] } }) as ResultBatch
    return { success: true, data }
  }
  return ResultBatch.safeParse(input)
}

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
