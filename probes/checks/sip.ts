/**
 * `sip` check: not implemented in this agent version yet (SPEC §3); reports so on every target.
 * @module
 */
import { unsupportedChecker } from './unsupported'

/** Resolves `ok: false` with "sip checks are not supported by this agent version yet". */
export const checkSip = unsupportedChecker('sip')
