/**
 * "Đo ngay" (test now, issue 10): an operator asks for a line test of one commune; the probe
 * that owns each target picks the request up over its own pull protocol (a long poll of
 * `GET /api/v1/probe/run-now`), runs the check at once, and ships the result like any other.
 * @module
 */
import { z } from 'zod'
import { CheckKind, TargetId } from './targets'

const IsoTime = z.iso.datetime({ offset: true })

/** Kinds a line test runs: the throughput test and the packet checks of the line. */
export const LINE_TEST_KINDS = ['throughput', 'udp_echo', 'icmp'] as const satisfies readonly CheckKind[]

/** `POST /api/v1/communes/:code/test-runs` body (optional): which of the line's checks to run. */
export const TestRunInput = z.strictObject({
  kinds: z.array(z.enum(LINE_TEST_KINDS)).min(1).max(LINE_TEST_KINDS.length).optional(),
})
export type TestRunInput = z.infer<typeof TestRunInput>

/** One target of a test run. `sent`: its probe took the request; `done`: a fresh result arrived. */
export const TestRunTarget = z.strictObject({
  targetId: z.string(),
  kind: CheckKind,
  probeId: z.string(),
  state: z.enum(['pending', 'sent', 'done', 'expired']),
  sentAt: IsoTime.nullable(),
  resultAt: IsoTime.nullable(),
  ok: z.boolean().nullable(),
  error: z.string().nullable(),
  /** The fresh result's measurements (base units). */
  measurements: z.record(z.string(), z.number()).nullable(),
})
export type TestRunTarget = z.infer<typeof TestRunTarget>

/** A test run as the API shows it. */
export const TestRunView = z.strictObject({
  id: z.string(),
  communeCode: z.string(),
  requestedBy: z.string(),
  requestedAt: IsoTime,
  /** After this, targets not yet done are `expired` (probe offline, or an agent without run-now). */
  expiresAt: IsoTime,
  state: z.enum(['running', 'done', 'expired']),
  targets: z.array(TestRunTarget),
})
export type TestRunView = z.infer<typeof TestRunView>

/** One run-now request handed to a probe. */
export const RunNowRequest = z.strictObject({ id: z.string().min(1).max(80), targetId: TargetId })
export type RunNowRequest = z.infer<typeof RunNowRequest>

/** Answer of `GET /api/v1/probe/run-now?waitSeconds=N`: what to run now (empty when the wait ended quietly). */
export const RunNowAnswer = z.strictObject({ requests: z.array(RunNowRequest).max(1000) })
export type RunNowAnswer = z.infer<typeof RunNowAnswer>
