/**
 * `loss`: packet loss over the window, judged only over at least `lossMinPackets` packets
 * (0.1 % needs ~1000 to mean anything; SPEC §4, ITU-T Y.1541). Failed rounds are not in the
 * window: they are outages, judged by the down/up hysteresis, and must not page twice.
 * @module
 */
import { above, type GradingRule } from './rule'

export const lossRule: GradingRule = {
  summary: 'packet loss over the window, over at least lossMinPackets packets (icmp, udp_echo)',
  thresholds: ['lossWarningRatio', 'lossCriticalRatio', 'lossMinPackets'],
  appliesTo: ({ kind }) => kind === 'icmp' || kind === 'udp_echo',
  grade({ figures, thresholds: th }) {
    if (figures.lossRatio === null || figures.sent < th.lossMinPackets) return []
    return [above(figures.lossRatio, th.lossWarningRatio, th.lossCriticalRatio, 'ratio', figures.sent, figures.newestAt)]
  },
}
