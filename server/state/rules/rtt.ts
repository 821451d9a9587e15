/**
 * `rtt`: the median round-trip time over the window (SPEC §4: > 50 ms warning, > 100 ms
 * critical). Lines and video paths alike; tcp and h323 targets are judged on their connect time.
 * @module
 */
import { above, type GradingRule } from './rule'

export const rttRule: GradingRule = {
  summary: 'median RTT over the window (icmp, udp_echo; connect time of tcp, h323)',
  thresholds: ['rttWarningSeconds', 'rttCriticalSeconds'],
  appliesTo: ({ kind }) => kind === 'icmp' || kind === 'udp_echo' || kind === 'tcp' || kind === 'h323',
  grade({ figures, thresholds: th, window }) {
    if (figures.rttMedian === null) return []
    return [above(figures.rttMedian, th.rttWarningSeconds, th.rttCriticalSeconds, 'seconds', window.length, figures.newestAt)]
  },
}
