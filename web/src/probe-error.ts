/**
 * Probe errors in words an operator acts on. Checkers (probes/checks) write one English line per
 * failed round ("100% loss to 127.78.0.86:8621 (50 sent)", "connect ECONNREFUSED 10.0.0.1:5060");
 * this table reads each shape they produce into a kind and its figures, and the dictionary
 * (`probeError.<kind>`) says it in the UI language. The raw line stays available beside it:
 * support quotes it, and a new message shape is never hidden, only explained generically.
 * @module
 */
import type { MessageKey, MessageParams, Translate } from './i18n'

/** What went wrong, as far as the message tells. `unknown`: a shape this table does not know. */
export type ProbeErrorKind =
  | 'totalLoss'
  | 'udpPortUnreachable'
  | 'refused'
  | 'reset'
  | 'hostUnreachable'
  | 'netUnreachable'
  | 'dnsLookup'
  | 'dnsNoAnswer'
  | 'dnsServer'
  | 'tlsTimeout'
  | 'tls'
  | 'snmpNoAnswer'
  | 'snmpAuth'
  | 'snmpInterfaceDown'
  | 'snmpNoInterface'
  | 'snmpFailed'
  | 'throughputUnfinished'
  | 'throughputToken'
  | 'throughputBusy'
  | 'throughputNotXanh'
  | 'throughputStatus'
  | 'throughputTimeoutConfig'
  | 'iperfMissing'
  | 'iperfFailed'
  | 'sipUnparseable'
  | 'sipClosed'
  | 'sipStatus'
  | 'httpStatus'
  | 'httpBody'
  | 'httpTooLarge'
  | 'icmpUnavailable'
  | 'icmpFailed'
  | 'timeout'
  | 'timedOut'
  | 'config'
  | 'unsupported'
  | 'agent'
  | 'unknown'

/** A raw error read: its kind and the figures the sentence needs. */
export interface ProbeErrorReading {
  kind: ProbeErrorKind
  params: Readonly<Record<string, string>>
}

interface Rule {
  kind: ProbeErrorKind
  re: RegExp
  /** Named figures from the match; a rule without it needs none. */
  params?: (m: RegExpExecArray) => Record<string, string>
}

const seconds = (m: RegExpExecArray): Record<string, string> => ({ seconds: m.groups?.s ?? '?' })

/**
 * Most specific first: a throughput test that timed out is a throughput problem before it is a
 * timeout, an SNMP timeout means "no answer (wrong community?)", a TLS handshake timeout is TLS.
 * Sources: probes/checks/{describe,stats,connect,udp-echo,icmp,icmp-fping,icmp-ping,sip,http,dns,
 * snmp,throughput-http,throughput-iperf3,unsupported}.ts and probes/scheduler.ts.
 */
const RULES: readonly Rule[] = [
  // stats.ts totalLossError: "100% loss to 127.0.0.1:8621 (15 sent)"
  { kind: 'totalLoss', re: /^100% loss to (?<a>\S+) \((?<n>\d+) sent\)/, params: (m) => ({ address: m.groups?.a ?? '', sent: m.groups?.n ?? '?' }) },
  // udp-echo.ts: "udp connect ECONNREFUSED 127.0.0.1:8621 (port unreachable)"; sip.ts over UDP.
  { kind: 'udpPortUnreachable', re: /udp port unreachable|\(port unreachable\)/i },
  // throughput-http.ts / throughput-iperf3.ts (before the generic timeout and refusal rules).
  { kind: 'throughputUnfinished', re: /\(throughput test unfinished\)|^timeout after (?<s>[\d.]+)s waiting for iperf3 at /, params: seconds },
  { kind: 'throughputToken', re: /refused the probe token|needs the probe token/ },
  { kind: 'throughputBusy', re: /^(speedtest|iperf3 server) at \S+ is busy/ },
  { kind: 'throughputNotXanh', re: /^no speedtest endpoint at / },
  { kind: 'throughputStatus', re: /^speedtest (?:download|upload) at \S+ answered (?<st>\d{3})/, params: (m) => ({ status: m.groups?.st ?? '?' }) },
  { kind: 'throughputTimeoutConfig', re: /but the target's timeout is [\d.]+ s; raise timeoutSeconds/ },
  { kind: 'iperfMissing', re: /^iperf3 is not installed/ },
  { kind: 'iperfFailed', re: /^iperf3 to \S+(?::| gave| reported)/ },
  // snmp.ts describeSnmpError and the ifOperStatus check.
  { kind: 'snmpNoAnswer', re: /^timeout after (?<s>[\d.]+)s waiting for \S+: no answer/, params: seconds },
  { kind: 'snmpAuth', re: /^snmp v3 (?:authentication|decryption) failed/ },
  { kind: 'snmpInterfaceDown', re: /^interface (?<i>\d+) on \S+ is (?<st>.+?) \(ifOperStatus/, params: (m) => ({ index: m.groups?.i ?? '?', status: m.groups?.st ?? '?' }) },
  { kind: 'snmpNoInterface', re: /^no interface with ifIndex (?<i>\d+)/, params: (m) => ({ index: m.groups?.i ?? '?' }) },
  { kind: 'config', re: /^snmp v(?:2c|3) target \S+ (?:with securityLevel \S+ )?has no options\.|^invalid sip uri |^tcp target \S+ has no port/ },
  { kind: 'snmpFailed', re: /^(?:invalid snmp response|snmp (?:v2c |v3 )?request to)/ },
  // connect.ts: a TLS handshake that ran out of time, or failed.
  { kind: 'tlsTimeout', re: /^timeout after (?<s>[\d.]+)s waiting for tls handshake/, params: seconds },
  { kind: 'tls', re: /certificate|\bCERT_|self[- ]signed|\bssl\b|ERR_TLS|ERR_SSL|tls handshake|alert handshake failure|wrong version number|DEPTH_ZERO/i },
  // sip.ts
  { kind: 'sipUnparseable', re: /^unparseable SIP reply/ },
  { kind: 'sipClosed', re: /before a final SIP response/ },
  { kind: 'sipStatus', re: /^(?<st>[3-6]\d\d)(?: (?<r>[^]*?))? from \S+$/, params: (m) => ({ status: [m.groups?.st, m.groups?.r].filter(Boolean).join(' ') }) },
  // http.ts
  { kind: 'httpStatus', re: /^status (?<st>\d{3}) from \S+ \(expected (?<w>[^)]+)\)/, params: (m) => ({ status: m.groups?.st ?? '?', expected: m.groups?.w ?? '?' }) },
  { kind: 'httpBody', re: /^body from \S+ does not contain / },
  { kind: 'httpTooLarge', re: /^body from \S+ exceeds (?<n>\d+) bytes/, params: (m) => ({ bytes: m.groups?.n ?? '?' }) },
  // dns.ts: an empty answer; the resolver's own codes (NXDOMAIN is ENOTFOUND, see dnsLookup).
  { kind: 'dnsNoAnswer', re: /^no (?<t>\S+) answers for (?<n>\S+) from /, params: (m) => ({ type: m.groups?.t ?? '?', name: m.groups?.n ?? '?' }) },
  { kind: 'dnsServer', re: /\b(?:ESERVFAIL|EREFUSED|EBADRESP|ECONNREFUSED query|ENODATA)\b/ },
  // icmp.ts, icmp-fping.ts, icmp-ping.ts: fping's own "ICMP Host Unreachable from …" lines first.
  { kind: 'hostUnreachable', re: /EHOSTUNREACH|host unreachable|no route to host/i },
  { kind: 'netUnreachable', re: /ENETUNREACH|network unreachable|network is unreachable/i },
  { kind: 'icmpUnavailable', re: /^icmp: (?:neither fping nor ping is installed|could not run|the ping package can only run)/ },
  // describe.ts describeError: Node's socket errors name their code.
  { kind: 'refused', re: /ECONNREFUSED|connection refused/i },
  { kind: 'reset', re: /ECONNRESET|socket hang up|EPIPE|connection closed before/i },
  { kind: 'dnsLookup', re: /ENOTFOUND|EAI_AGAIN|EAI_NONAME|EAI_FAIL|getaddrinfo/ },
  { kind: 'timeout', re: /^timeout after (?<s>[\d.]+)s waiting for /, params: seconds },
  { kind: 'timedOut', re: /ETIMEDOUT|ETIMEOUT|timed out/i },
  // fping or ping ran but gave nothing this table reads more precisely above.
  { kind: 'icmpFailed', re: /^icmp: (?:fping gave no result|ping printed no summary)/ },
  // unsupported.ts, scheduler.ts, the agents' own troubles.
  { kind: 'unsupported', re: /checks are not supported by this agent version/ },
  { kind: 'agent', re: /agent is shutting down|^aborted$|^internal: |ping worker failed/ },
]

/** Reads a raw probe error into its kind and figures; `unknown` when no rule matches. */
export function readProbeError(raw: string): ProbeErrorReading {
  const text = raw.trim()
  for (const rule of RULES) {
    const m = rule.re.exec(text)
    if (m) return { kind: rule.kind, params: rule.params ? rule.params(m) : {} }
  }
  return { kind: 'unknown', params: {} }
}

/** The dictionary key of each kind's sentence. */
export function probeErrorKey(kind: ProbeErrorKind): MessageKey {
  return `probeError.${kind}`
}

/** A raw probe error in the UI language: what it means for the line, and what to look at. */
export function explainProbeError(raw: string, t: Translate): string {
  const r = readProbeError(raw)
  return t(probeErrorKey(r.kind), r.params as MessageParams)
}
