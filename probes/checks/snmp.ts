/**
 * `snmp` check: not implemented in this agent version yet (SPEC §3); reports so on every target.
 * @module
 */
import { unsupportedChecker } from './unsupported'

/** Resolves `ok: false` with "snmp checks are not supported by this agent version yet". */
export const checkSnmp = unsupportedChecker('snmp')
