/**
 * Round summaries shared by the packet checks (icmp, udp_echo).
 * @module
 */
import { estimateMos } from '../../protocol'

/** Packets of one round: how many went out and the RTTs (seconds) of the replies, in arrival order. */
export interface PacketRound {
  sent: number
  rttsSeconds: readonly number[]
}

/**
 * RFC 3550 §6.4.1 interarrival jitter over consecutive received packets, using RTT differences
 * as the transit-time difference D (sender and receiver clock are the same, so no offset).
 * Returns 0 for fewer than two samples (J starts at 0).
 */
export function rfc3550Jitter(rttsSeconds: readonly number[]): number {
  let j = 0
  for (let i = 1; i < rttsSeconds.length; i++) {
    const d = (rttsSeconds[i] ?? 0) - (rttsSeconds[i - 1] ?? 0)
    j += (Math.abs(d) - j) / 16
  }
  return j
}

/** Median of a non-empty list (mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  if (sorted.length % 2 === 1) return sorted[mid] ?? 0
  return ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}

/**
 * The packet measurements of SPEC §3: always sent/received/loss_ratio; RTT statistics, jitter
 * and `mos_estimate` only when at least one reply came back (a lost round has no RTT, not an
 * RTT of 0).
 *
 * `mos_estimate` is the simplified E-model of SPEC §3 (protocol `estimateMos`) fed with
 * latency = median RTT / 2: G.107/G.114 delay is one-way (mouth-to-ear), and halving the RTT
 * assumes a symmetric path, which is closer than the RTT itself (PingPlotter-style tools feed
 * the RTT and read paths as worse than they are). The median, not the mean, so one stalled
 * reply does not move the grade; jitter is the RFC 3550 value below and loss is in percent.
 */
export function summarizeRound(round: PacketRound): Record<string, number> {
  const received = round.rttsSeconds.length
  const lossRatio = round.sent > 0 ? Math.max(0, round.sent - received) / round.sent : 0
  const m: Record<string, number> = { sent: round.sent, received, loss_ratio: lossRatio }
  if (received > 0) {
    let min = Infinity
    let max = -Infinity
    let sum = 0
    for (const r of round.rttsSeconds) {
      if (r < min) min = r
      if (r > max) max = r
      sum += r
    }
    m.rtt_min_seconds = min
    m.rtt_avg_seconds = sum / received
    m.rtt_max_seconds = max
    const medianRtt = median(round.rttsSeconds)
    const jitter = rfc3550Jitter(round.rttsSeconds)
    m.rtt_median_seconds = medianRtt
    m.jitter_seconds = jitter
    m.mos_estimate = estimateMos((medianRtt * 1000) / 2, jitter * 1000, lossRatio * 100)
  }
  return m
}

/** The error of a round where nothing came back: "100% loss to 127.0.0.1 (15 sent)". */
export function totalLossError(address: string, sent: number): string {
  return `100% loss to ${address} (${sent} sent)`
}
