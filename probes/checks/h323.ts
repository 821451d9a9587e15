/**
 * `h323` check: TCP connect to the H.225 call-signalling port (SPEC §3).
 * @module
 */
import { KIND_DEFAULTS, type TargetOf } from '../../protocol'
import type { Checker, CheckOutcome } from './checker'
import { openConnection } from './connect'

/**
 * Connects to `host:port` (default 1720) and measures `connect_seconds`. A refused or
 * silent port resolves `ok: false` naming the address.
 */
export const checkH323: Checker<TargetOf<'h323'>> = async (target, ctx): Promise<CheckOutcome> => {
  const port = target.port ?? KIND_DEFAULTS.h323.port ?? 1720
  const r = await openConnection({ host: target.host, port, signal: ctx.signal, timeoutSeconds: target.timeoutSeconds })
  if (!r.ok) return { ok: false, error: r.error, measurements: {} }
  r.socket.destroy()
  return { ok: true, measurements: { connect_seconds: r.connectSeconds } }
}
