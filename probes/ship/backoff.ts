/**
 * Retry delays for shipping.
 * @module
 */

export interface BackoffPolicy {
  baseMs: number
  maxMs: number
}

/**
 * Exponential backoff with "equal jitter": half the capped exponential delay is fixed, half is
 * random, so many agents recovering from the same outage do not retry in lockstep.
 * @param attempt 0 for the first retry
 * @returns a delay in [cap/2, cap] where cap = min(maxMs, baseMs·2^attempt)
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const cap = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(attempt, 30))
  return cap / 2 + (cap / 2) * random()
}

/**
 * Parses a Retry-After header: delta-seconds or an HTTP date (RFC 9110 §10.2.3).
 * @returns milliseconds to wait (≥ 0), or undefined when absent or unreadable
 */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null || value.trim() === '') return undefined
  const v = value.trim()
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000
  const at = Date.parse(v)
  return Number.isFinite(at) ? Math.max(0, at - nowMs) : undefined
}
