/**
 * `mos`: the E-model MOS estimate of a video path (SPEC §3 formula, ITU-T G.107: < 4.0
 * warning, < 3.6 critical), computed from the window's figures — latency = median RTT ÷ 2,
 * median jitter, loss over the window — rather than as a median of per-round estimates, whose
 * loss term over 50 packets is too coarse. Judged over at least `lossMinPackets` packets, like loss.
 * @module
 */
import { estimateMos } from '../../../protocol'
import { below, VIDEO_ROLES, type GradingRule } from './rule'

export const mosRule: GradingRule = {
  summary: 'E-model MOS from the window (latency = median RTT ÷ 2, median jitter, loss), over at least lossMinPackets packets (role mcu; icmp, udp_echo)',
  thresholds: ['mosWarning', 'mosCritical', 'lossMinPackets'],
  appliesTo: ({ kind, role }) => VIDEO_ROLES.has(role) && (kind === 'icmp' || kind === 'udp_echo'),
  grade({ figures, thresholds: th }) {
    if (figures.rttMedian === null || figures.lossRatio === null || figures.sent < th.lossMinPackets) return []
    const mos = estimateMos((figures.rttMedian * 1000) / 2, (figures.jitterMedian ?? 0) * 1000, figures.lossRatio * 100)
    return [below(mos, th.mosWarning, th.mosCritical, 'mos', figures.sent, figures.newestAt)]
  },
}
