/**
 * Simplified E-model MOS estimate for a video/voice path (SPEC §3, ITU-T G.107).
 * @module
 */

/**
 * Estimates MOS from round-trip latency, jitter and loss.
 * @param latencyMs one-way or round-trip latency in ms, as the caller documents
 * @param jitterMs jitter in ms
 * @param lossPercent packet loss in percent (0–100)
 * @returns MOS clamped to [1, 4.5]
 * @example estimateMos(20, 2, 0) // ≈ 4.4
 */
export function estimateMos(latencyMs: number, jitterMs: number, lossPercent: number): number {
  const effective = latencyMs + 2 * jitterMs + 10
  let r = effective < 160 ? 93.2 - effective / 40 : 93.2 - (effective - 120) / 10
  r -= 2.5 * lossPercent
  // The cubic term turns positive again for R < 0, so the clamp alone would give 4.5 there.
  if (r <= 0) return 1
  if (r >= 100) return 4.5
  const mos = 1 + 0.035 * r + 7e-6 * r * (r - 60) * (100 - r)
  return Math.min(4.5, Math.max(1, mos))
}
