/**
 * `tcp` check: connect, optionally complete a TLS handshake (SPEC §3).
 * @module
 */
import type { TargetOf } from '../../protocol'
import type { Checker, CheckOutcome } from './checker'
import { openConnection } from './connect'

/**
 * Connects to `host:port` (+ TLS when `options.tls`). Measures `connect_seconds`, and with TLS
 * `tls_seconds` and `cert_expiry_timestamp_seconds`. Refusal, reset, handshake failure or the
 * deadline resolve `ok: false` naming the address.
 */
export const checkTcp: Checker<TargetOf<'tcp'>> = async (target, ctx): Promise<CheckOutcome> => {
  if (target.port === undefined) {
    return { ok: false, error: `tcp target ${target.host} has no port configured`, measurements: {} }
  }
  const r = await openConnection({
    host: target.host,
    port: target.port,
    signal: ctx.signal,
    timeoutSeconds: target.timeoutSeconds,
    tls: target.options.tls ? { serverName: target.options.serverName, insecure: target.options.insecure } : undefined,
  })
  if (!r.ok) {
    return { ok: false, error: r.error, measurements: r.connectSeconds !== undefined ? { connect_seconds: r.connectSeconds } : {} }
  }
  r.socket.destroy()
  const measurements: Record<string, number> = { connect_seconds: r.connectSeconds }
  if (r.tlsSeconds !== undefined) measurements.tls_seconds = r.tlsSeconds
  if (r.certExpirySeconds !== undefined) measurements.cert_expiry_timestamp_seconds = r.certExpirySeconds
  return { ok: true, measurements }
}
