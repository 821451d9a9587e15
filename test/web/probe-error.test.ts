import { describe, expect, it } from 'vitest'
import { describeError, timeoutError } from '../../probes/checks/describe'
import { totalLossError } from '../../probes/checks/stats'
import { ICMP_UNAVAILABLE } from '../../probes/checks/icmp'
import { unsupportedError } from '../../probes/checks/unsupported'
import { DICTIONARIES, translate, type MessageKey } from '../../web/src/i18n'
import { explainProbeError, probeErrorKey, readProbeError, type ProbeErrorKind } from '../../web/src/probe-error'

const errno = (code: string, message: string): Error => Object.assign(new Error(message), { code })
const addr = '127.78.0.86:8621'

/**
 * Every message shape the checkers in probes/checks produce, built with their own helpers where
 * they export one, else copied from the template literal (file named), with the kind it must read as.
 */
const SHAPES: ReadonlyArray<[string, string, ProbeErrorKind]> = [
  ['stats.ts totalLossError', totalLossError(addr, 50), 'totalLoss'],
  ['udp-echo.ts port unreachable', `udp ${describeError(errno('ECONNREFUSED', `send ECONNREFUSED ${addr}`), addr)} (port unreachable)`, 'udpPortUnreachable'],
  ['sip.ts udp refused', `connection refused by ${addr} (udp port unreachable)`, 'udpPortUnreachable'],
  ['connect.ts ECONNREFUSED', describeError(errno('ECONNREFUSED', `connect ECONNREFUSED ${addr}`), addr), 'refused'],
  ['connect.ts ECONNRESET', describeError(errno('ECONNRESET', 'read ECONNRESET'), addr), 'reset'],
  ['http.ts body cut', describeError(new Error('connection closed before the body ended'), addr), 'reset'],
  ['connect.ts EHOSTUNREACH', describeError(errno('EHOSTUNREACH', `connect EHOSTUNREACH ${addr}`), addr), 'hostUnreachable'],
  ['connect.ts ENETUNREACH', describeError(errno('ENETUNREACH', `connect ENETUNREACH ${addr}`), addr), 'netUnreachable'],
  ['connect.ts ENOTFOUND', describeError(errno('ENOTFOUND', 'getaddrinfo ENOTFOUND mcu.xa-muong-long.vn'), 'mcu.xa-muong-long.vn:5060'), 'dnsLookup'],
  ['connect.ts EAI_AGAIN', describeError(errno('EAI_AGAIN', 'getaddrinfo EAI_AGAIN mcu.xa-muong-long.vn'), 'mcu.xa-muong-long.vn:5060'), 'dnsLookup'],
  ['connect.ts ETIMEDOUT', describeError(errno('ETIMEDOUT', `connect ETIMEDOUT ${addr}`), addr), 'timedOut'],
  ['describe.ts timeoutError', timeoutError(5, addr), 'timeout'],
  ['udp-echo.ts deadline', `${timeoutError(5, addr)} (3 of 50 packets sent)`, 'timeout'],
  ['icmp.ts deadline', timeoutError(4, 'echo replies from 127.0.0.9'), 'timeout'],
  ['connect.ts tls deadline', timeoutError(5, `tls handshake with ${addr}`), 'tlsTimeout'],
  ['connect.ts tls cert', describeError(errno('CERT_HAS_EXPIRED', 'certificate has expired'), addr), 'tls'],
  ['connect.ts self-signed', describeError(errno('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'), addr), 'tls'],
  ['connect.ts tls alert', describeError(new Error('C0D7A1F5A77F0000:error:0A000410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure'), addr), 'tls'],
  ['dns.ts empty', `no A answers for xanh.vn from 127.0.0.53:53`, 'dnsNoAnswer'],
  ['dns.ts NXDOMAIN', describeError(errno('ENOTFOUND', 'queryA ENOTFOUND khong-co.vn'), '127.0.0.53:53'), 'dnsLookup'],
  ['dns.ts SERVFAIL', describeError(errno('ESERVFAIL', 'queryA ESERVFAIL xanh.vn'), '127.0.0.53:53'), 'dnsServer'],
  ['dns.ts REFUSED', describeError(errno('EREFUSED', 'queryA EREFUSED xanh.vn'), '127.0.0.53:53'), 'dnsServer'],
  ['dns.ts deadline', timeoutError(3, 'A xanh.vn from 127.0.0.53:53'), 'timeout'],
  ['snmp.ts v2c silence', `${timeoutError(5, '127.0.0.1:161')}: no answer (wrong community?)`, 'snmpNoAnswer'],
  ['snmp.ts v3 silence', `${timeoutError(5, '127.0.0.1:161')}: no answer (wrong privPassword, or agent down or filtered?)`, 'snmpNoAnswer'],
  ['snmp.ts v3 auth', 'snmp v3 authentication failed at 127.0.0.1:161: wrong digest (1.3.6.1.6.3.15.1.1.5.0)', 'snmpAuth'],
  ['snmp.ts v3 decrypt', 'snmp v3 decryption failed at 127.0.0.1:161 (wrong privPassword or privProtocol?)', 'snmpAuth'],
  ['snmp.ts invalid', 'invalid snmp response from 127.0.0.1:161: unexpected pdu', 'snmpFailed'],
  ['snmp.ts failed', 'snmp v2c request to 127.0.0.1:161 failed: socket closed', 'snmpFailed'],
  ['snmp.ts other', 'snmp request to 127.0.0.1:161 failed: boom', 'snmpFailed'],
  ['snmp.ts no ifIndex', 'no interface with ifIndex 7 on 127.0.0.1:161 (ifOperStatus.7 does not exist)', 'snmpNoInterface'],
  ['snmp.ts oper down', 'interface 2 on 127.0.0.1:161 is down (ifOperStatus 2)', 'snmpInterfaceDown'],
  ['snmp.ts no community', 'snmp v2c target 127.0.0.1:161 has no options.community', 'config'],
  ['snmp.ts no priv', 'snmp v3 target 127.0.0.1:161 with securityLevel authPriv has no options.privPassword', 'config'],
  ['tcp.ts no port', 'tcp target 127.0.0.1 has no port configured', 'config'],
  ['sip.ts bad uri', `invalid sip uri for ${addr}: "sip:"`, 'config'],
  ['sip.ts 503', `503 Service Unavailable from ${addr}`, 'sipStatus'],
  ['sip.ts 503 bare', `503 from ${addr}`, 'sipStatus'],
  ['sip.ts unparseable', `unparseable SIP reply from ${addr}`, 'sipUnparseable'],
  ['sip.ts closed', `connection closed by ${addr} before a final SIP response`, 'sipClosed'],
  ['http.ts status', `status 502 from ${addr}/healthz (expected 200)`, 'httpStatus'],
  ['http.ts body', `body from ${addr}/ does not contain "OK"`, 'httpBody'],
  ['http.ts too large', `body from ${addr} exceeds 65536 bytes`, 'httpTooLarge'],
  ['icmp.ts unavailable', ICMP_UNAVAILABLE, 'icmpUnavailable'],
  ['icmp-fping.ts spawn', 'icmp: could not run /usr/bin/fping: spawn EACCES', 'icmpUnavailable'],
  ['icmp-ping.ts binary', 'icmp: the ping package can only run a binary named ping, not /opt/p', 'icmpUnavailable'],
  ['icmp-fping.ts unreachable', 'icmp: fping gave no result for 127.0.0.9: ICMP Host Unreachable from 127.0.0.1 for ICMP Echo sent to 127.0.0.9', 'hostUnreachable'],
  ['icmp-fping.ts exit', 'icmp: fping gave no result for 127.0.0.9: exit code 1', 'icmpFailed'],
  ['icmp-ping.ts summary', 'icmp: ping printed no summary: ping: sendmsg: Operation not permitted', 'icmpFailed'],
  ['throughput-http.ts deadline', `${timeoutError(60, addr)} (throughput test unfinished)`, 'throughputUnfinished'],
  ['throughput-http.ts no token', `throughput to ${addr} needs the probe token and this agent was given none`, 'throughputToken'],
  ['throughput-http.ts 401', `speedtest at ${addr} refused the probe token (401: bad token)`, 'throughputToken'],
  ['throughput-http.ts busy', `speedtest at ${addr} is busy (503); try later`, 'throughputBusy'],
  ['throughput-http.ts 404', `no speedtest endpoint at ${addr} (404): is it a Xanh server?`, 'throughputNotXanh'],
  ['throughput-http.ts status', `speedtest download at ${addr} answered 500`, 'throughputStatus'],
  ['throughput-http.ts socket', `upload: ${describeError(errno('ECONNRESET', 'socket hang up'), addr)}`, 'reset'],
  ['throughput-http.ts config', `throughput to ${addr} runs 2 × (2 s warm-up + 10 s) but the target's timeout is 20 s; raise timeoutSeconds`, 'throughputTimeoutConfig'],
  ['throughput-iperf3.ts config', `iperf3 to ${addr} runs 2 × (1 s omitted + 10 s) but the target's timeout is 15 s; raise timeoutSeconds`, 'throughputTimeoutConfig'],
  ['throughput-iperf3.ts deadline', timeoutError(30, `iperf3 at ${addr}`), 'throughputUnfinished'],
  ['throughput-iperf3.ts missing', `iperf3 is not installed on this agent (needed for the throughput test to ${addr})`, 'iperfMissing'],
  ['throughput-iperf3.ts busy', `iperf3 server at ${addr} is busy running another test; try later`, 'throughputBusy'],
  ['throughput-iperf3.ts no report', `iperf3 to ${addr} gave no report: exit code 1`, 'iperfFailed'],
  ['throughput-iperf3.ts shape', `iperf3 to ${addr} gave a report in an unknown shape`, 'iperfFailed'],
  ['throughput-iperf3.ts total', `iperf3 to ${addr} reported no received total`, 'iperfFailed'],
  ['throughput-iperf3.ts error', `iperf3 to ${addr}: unable to send control message: Bad file descriptor`, 'iperfFailed'],
  ['throughput-iperf3.ts refused', `iperf3 to ${addr}: unable to connect to server: Connection refused`, 'iperfFailed'],
  ['unsupported.ts', unsupportedError('snmp'), 'unsupported'],
  ['icmp-fping.ts shutdown', 'icmp: agent is shutting down', 'agent'],
  ['icmp.ts aborted', 'aborted', 'agent'],
  ['scheduler.ts internal', 'internal: Cannot read properties of undefined', 'agent'],
  ['icmp-ping.ts worker', 'ping worker failed: out of memory', 'agent'],
]

describe('readProbeError', () => {
  it.each(SHAPES)('%s: %s → %s', (_where, raw, kind) => {
    expect(readProbeError(raw).kind).toBe(kind)
  })

  it('reads the figures of the sentence from the message', () => {
    expect(readProbeError(totalLossError(addr, 50)).params).toEqual({ address: addr, sent: '50' })
    expect(readProbeError(timeoutError(2.5, addr)).params).toEqual({ seconds: '2.5' })
    expect(readProbeError(`status 502 from ${addr}/healthz (expected 200)`).params).toEqual({ status: '502', expected: '200' })
    expect(readProbeError(`503 Service Unavailable from ${addr}`).params).toEqual({ status: '503 Service Unavailable' })
    expect(readProbeError('interface 2 on 127.0.0.1:161 is down (ifOperStatus 2)').params).toEqual({ index: '2', status: 'down' })
  })

  it('falls back to unknown for a message no checker writes', () => {
    expect(readProbeError('quantum flux misaligned').kind).toBe('unknown')
    expect(readProbeError('').kind).toBe('unknown')
  })

  it('every kind is produced by some checker shape (no dead rules) except the fallback', () => {
    const seen = new Set(SHAPES.map(([, , k]) => k))
    const kinds = Object.keys(DICTIONARIES.vi)
      .filter((k) => k.startsWith('probeError.') && k !== 'probeError.raw')
      .map((k) => k.slice('probeError.'.length))
    expect(kinds.filter((k) => k !== 'unknown' && !seen.has(k as ProbeErrorKind))).toEqual([])
  })
})

describe('explainProbeError', () => {
  const vi = (key: MessageKey, params?: Record<string, string | number>): string => translate('vi', key, params)
  const en = (key: MessageKey, params?: Record<string, string | number>): string => translate('en', key, params)

  it('says the issue’s examples in Vietnamese, with their figures', () => {
    expect(explainProbeError('100% loss to 127.78.0.86:8621 (50 sent)', vi)).toBe(
      'Không nhận được phản hồi nào: mất cả 50 gói gửi tới 127.78.0.86:8621. Đường truyền hoặc thiết bị đầu xa không hoạt động.',
    )
    expect(explainProbeError('connect ECONNREFUSED 127.0.0.1:1720', vi)).toMatch(/^Thiết bị đầu xa từ chối kết nối/)
  })

  it.each(SHAPES)('%s: every placeholder is filled in both languages', (_where, raw) => {
    for (const t of [vi, en]) {
      const text = explainProbeError(raw, t)
      expect(text).not.toMatch(/[{}]|probeError\./)
      expect(text).not.toContain('?')
    }
  })

  it('an unknown message gets the generic sentence', () => {
    expect(explainProbeError('quantum flux misaligned', vi)).toBe(vi(probeErrorKey('unknown')))
  })
})
