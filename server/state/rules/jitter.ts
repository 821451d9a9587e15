/**
 * `jitter`: the median RFC 3550 jitter over the window; video paths (role `mcu`) have their own,
 * looser limits (SPEC §4: 10/30 ms on a line, 30/50 ms on video).
 * @module
 */
import { above, VIDEO_ROLES, type GradingRule } from './rule'

export const jitterRule: GradingRule = {
  summary: 'median jitter over the window; video paths (role mcu) use the video limits (icmp, udp_echo)',
  thresholds: ['jitterWarningSeconds', 'jitterCriticalSeconds', 'videoJitterWarningSeconds', 'videoJitterCriticalSeconds'],
  appliesTo: ({ kind }) => kind === 'icmp' || kind === 'udp_echo',
  grade({ figures, thresholds: th, role, window }) {
    if (figures.jitterMedian === null) return []
    const video = VIDEO_ROLES.has(role)
    const warn = video ? th.videoJitterWarningSeconds : th.jitterWarningSeconds
    const crit = video ? th.videoJitterCriticalSeconds : th.jitterCriticalSeconds
    return [above(figures.jitterMedian, warn, crit, 'seconds', window.length, figures.newestAt)]
  },
}
