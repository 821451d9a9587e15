/**
 * `one_way_delay`: a video path's one-way delay, estimated as half the median RTT over the
 * window (ITU-T G.114: > 100 ms warning, > 150 ms critical; SPEC §4). Video paths only.
 * @module
 */
import { above, VIDEO_ROLES, type GradingRule } from './rule'

export const oneWayDelayRule: GradingRule = {
  summary: 'video one-way delay ≈ median RTT ÷ 2 over the window (role mcu)',
  thresholds: ['oneWayDelayWarningSeconds', 'oneWayDelayCriticalSeconds'],
  appliesTo: ({ kind, role }) => VIDEO_ROLES.has(role) && (kind === 'icmp' || kind === 'udp_echo' || kind === 'tcp' || kind === 'h323'),
  grade({ figures, thresholds: th, window }) {
    if (figures.rttMedian === null) return []
    return [above(figures.rttMedian / 2, th.oneWayDelayWarningSeconds, th.oneWayDelayCriticalSeconds, 'seconds', window.length, figures.newestAt)]
  },
}
