/**
 * `sip`: how a video endpoint's SIP stack answers OPTIONS (SPEC §4, RFC 3261). The checker
 * reports any final response as a successful round except 503; a timeout, a refused port or a
 * 503 is a failed round, and three of those make the target **down** through the hysteresis,
 * like any outage. This rule grades the rounds that did answer: a final response other than
 * 2xx (404, 486, 3xx…) is a warning — the stack lives but the endpoint is not registered or
 * configured — and a median answer time over the window above `sipSlowSeconds` (1 s; up to the
 * 5 s timeout) is a warning.
 * @module
 */
import { above, isoTime, median, type GradingRule, type RuleVerdict } from './rule'

export const sipRule: GradingRule = {
  summary: 'latest final response not 2xx, or median answer time over the window above sipSlowSeconds: warning; timeout, 503, refused: failed rounds → down (sip)',
  thresholds: ['sipSlowSeconds'],
  appliesTo: ({ kind }) => kind === 'sip',
  grade({ window, thresholds: th }) {
    // The newest round that got a final response, and the answer times of all that did.
    let latest = -1
    const times: number[] = []
    for (let i = 0; i < window.length; i++) {
      if (window.value(i, 'statusCode') === undefined) continue
      latest = i
      const seconds = window.value(i, 'responseSeconds')
      if (seconds !== undefined) times.push(seconds)
    }
    if (latest < 0) return []
    const code = window.value(latest, 'statusCode') as number
    const latestAt = window.at(latest)
    const out: RuleVerdict[] = [
      { part: 'status', state: code >= 200 && code < 300 ? 'ok' : 'warning', value: code, threshold: 200, unit: 'status_code', bad: 'not', samples: 1, at: isoTime(latestAt) },
    ]
    const slow = median(times)
    if (slow !== null) {
      // Slow is only ever a warning: past the check's timeout the round fails and counts towards down.
      const v = above(slow, th.sipSlowSeconds, Infinity, 'seconds', times.length, latestAt, { part: 'response' })
      out.push(v)
    }
    return out
  },
}
