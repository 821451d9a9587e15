/**
 * Placeholder for kinds this agent version cannot run yet: an honest failure, never a fake result.
 * @module
 */
import type { CheckKind, TargetOf } from '../../protocol'
import type { Checker } from './checker'

/** The error every target of an unimplemented kind reports. */
export function unsupportedError(kind: CheckKind): string {
  return `${kind} checks are not supported by this agent version yet`
}

/** A checker that resolves `ok: false` with {@link unsupportedError} and no measurements. */
export function unsupportedChecker<K extends CheckKind>(kind: K): Checker<TargetOf<K>> {
  return async () => ({ ok: false, error: unsupportedError(kind), measurements: {} })
}
