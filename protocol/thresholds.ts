/**
 * Grading thresholds of SPEC §4 (base units), shared by the server's grading rules, the
 * inventory inputs that override them per commune or per target, and the dashboard that shows
 * a figure next to the threshold it was judged against.
 * @module
 */
import { z } from 'zod'

const ratio = z.number().min(0).max(1)

/** Each threshold's type and bounds (no defaults, so the same shape serves overrides). */
const SHAPE = {
  /** RTT median over the window (15 min). */
  rttWarningSeconds: z.number().positive(),
  rttCriticalSeconds: z.number().positive(),
  /** Loss over the window, judged only over at least `lossMinPackets` packets. */
  lossWarningRatio: ratio,
  lossCriticalRatio: ratio,
  /** Loss (and MOS, which depends on it) is judged only over at least this many packets (0.1 % needs ~1000). */
  lossMinPackets: z.number().int().positive(),
  /** Jitter median over the window: lines, and video paths (role `mcu`). */
  jitterWarningSeconds: z.number().positive(),
  jitterCriticalSeconds: z.number().positive(),
  videoJitterWarningSeconds: z.number().positive(),
  videoJitterCriticalSeconds: z.number().positive(),
  /** Throughput: median of the last tests per direction below this share of the contracted rate (QCVN 34: ≥ 0.8). */
  throughputWarningRatio: ratio,
  throughputCriticalRatio: ratio,
  /** How many of the latest tests the throughput median is taken over. */
  throughputTests: z.number().int().min(1).max(10),
  /** No successful test within this many intervals: the figure is stale (shown as such, never ok). */
  throughputStaleIntervals: z.number().min(1).max(100),
  /** Link utilization (SNMP traffic ÷ contracted rate) above this share for `utilizationForSeconds`. */
  utilizationWarningRatio: z.number().positive().max(10),
  utilizationCriticalRatio: z.number().positive().max(10),
  utilizationForSeconds: z.number().int().min(60).max(86400),
  /** E-model MOS estimate of a video path (ITU-T G.107), below these. */
  mosWarning: z.number().min(1).max(4.5),
  mosCritical: z.number().min(1).max(4.5),
  /** Video one-way delay ≈ RTT median / 2 (ITU-T G.114), above these. */
  oneWayDelayWarningSeconds: z.number().positive(),
  oneWayDelayCriticalSeconds: z.number().positive(),
  /** SIP OPTIONS answered (any final response) but slower than this: warning (RFC 3261; 5 s is the check's timeout → down). */
  sipSlowSeconds: z.number().positive(),
}

/** The defaults of SPEC §4. */
export const DEFAULT_THRESHOLDS = {
  rttWarningSeconds: 0.05,
  rttCriticalSeconds: 0.1,
  lossWarningRatio: 0.001,
  lossCriticalRatio: 0.01,
  lossMinPackets: 1000,
  jitterWarningSeconds: 0.01,
  jitterCriticalSeconds: 0.03,
  videoJitterWarningSeconds: 0.03,
  videoJitterCriticalSeconds: 0.05,
  throughputWarningRatio: 0.8,
  throughputCriticalRatio: 0.5,
  throughputTests: 3,
  throughputStaleIntervals: 2,
  utilizationWarningRatio: 0.7,
  utilizationCriticalRatio: 0.9,
  utilizationForSeconds: 900,
  mosWarning: 4.0,
  mosCritical: 3.6,
  oneWayDelayWarningSeconds: 0.1,
  oneWayDelayCriticalSeconds: 0.15,
  sipSlowSeconds: 1,
} as const satisfies { [K in keyof typeof SHAPE]: number }

/** Every threshold, defaults filled in. Overrides (commune, then target) replace single keys. */
export const Thresholds = z.strictObject(SHAPE).partial().transform((t) => ({ ...DEFAULT_THRESHOLDS, ...t }) as { [K in keyof typeof SHAPE]: number })
export type Thresholds = z.output<typeof Thresholds>

/** Per-commune or per-target overrides: any subset of {@link Thresholds}, unknown keys rejected. */
export const ThresholdOverrides = z.strictObject(SHAPE).partial()
export type ThresholdOverrides = z.infer<typeof ThresholdOverrides>
