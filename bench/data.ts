/**
 * Province-shaped results for the storage and ingest benchmarks: per commune a udp_echo line
 * (kind 0) and MCU path (kind 1) at nanosecond resolution with MOS, and an icmp line (kind 2)
 * from fping (0.01 ms RTTs divided into seconds); 1 round in 200 fails with a Vietnamese error.
 */

/** The demo's seeded PRNG (mulberry32): the same data on every run. */
export { seededRandom as rng } from '../server/demo/province'

export interface Sample {
  ok: boolean
  error: string | null
  durationMs: number
  measurements: Record<string, number>
}

/** One result as the kind's checker would produce it (`kind` 0, 1: udp_echo; 2: icmp). */
export function sample(kind: number, r: () => number): Sample {
  const failed = r() < 0.005
  if (kind === 2) {
    // icmp via fping: 15 echoes, RTTs in ms with 2 decimals, converted to seconds by division.
    const rtts = Array.from({ length: 15 }, () => Math.round((11 + r() * 4) * 100) / 100)
    const got = failed ? 0 : 15 - (r() < 0.05 ? 1 : 0)
    const sorted = rtts.slice(0, got).sort((a, b) => a - b)
    const m: Record<string, number> = { sent: 15, received: got, loss_ratio: (15 - got) / 15 }
    if (got > 0) {
      m.rtt_min_seconds = (sorted[0] as number) / 1000
      m.rtt_median_seconds = (sorted[Math.floor(got / 2)] as number) / 1000
      m.rtt_max_seconds = (sorted[got - 1] as number) / 1000
    }
    return { ok: !failed, error: failed ? 'fping: 10.42.7.1 không trả lời (15/15 mất)' : null, durationMs: 13_100 + Math.round(r() * 20), measurements: m }
  }
  // udp_echo: 50 probes, nanosecond timestamps → seconds with 9 decimals.
  const ns = (ms: number): number => Math.round(ms * 1e6) / 1e9
  const base = kind === 0 ? 12 : 18
  const got = failed ? 0 : 50 - (r() < 0.1 ? Math.floor(r() * 3) : 0)
  const m: Record<string, number> = { sent: 50, received: got, loss_ratio: (50 - got) / 50 }
  if (got > 0) {
    const med = base + r() * 3
    m.rtt_median_seconds = ns(med)
    m.rtt_min_seconds = ns(med - r())
    m.rtt_max_seconds = ns(med + r() * 5)
    m.jitter_seconds = ns(r() * 0.8)
    m.mos_estimate = Math.round((4.3 - r() * 0.2) * 1000) / 1000
  }
  return { ok: !failed, error: failed ? 'udp_echo: 10.42.7.9:8621 không có phản hồi trong 2 s' : null, durationMs: 2_500 + Math.round(r() * 40), measurements: m }
}

