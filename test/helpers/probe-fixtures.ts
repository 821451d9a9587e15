/**
 * Builders for probe tests: targets with protocol defaults applied, check contexts, a silent logger.
 * @module
 */
import { pino, type Logger } from 'pino'
import { TargetSpec, type CheckKind, type TargetOf } from '../../protocol'
import type { CheckContext, ProbeTools } from '../../probes/checks/checker'

/** A logger that writes nothing (tests assert on results, not log lines). */
export function silentLog(): Logger {
  return pino({ level: 'silent' })
}

/**
 * A target of `kind` parsed through protocol's TargetSpec, so option defaults are the real ones.
 * Host defaults to 127.0.0.1; tests never touch an address outside 127.0.0.0/8.
 */
export function makeTarget<K extends CheckKind>(
  kind: K,
  fields: { id?: string; host?: string; port?: number; intervalSeconds?: number; timeoutSeconds?: number; options?: Record<string, unknown> } = {},
): TargetOf<K> {
  const spec = TargetSpec.parse({
    id: fields.id ?? `t-${kind}`,
    communeCode: 'TEST-01',
    host: fields.host ?? '127.0.0.1',
    ...(fields.port !== undefined && { port: fields.port }),
    role: 'line',
    intervalSeconds: fields.intervalSeconds ?? 15,
    timeoutSeconds: fields.timeoutSeconds ?? 5,
    kind,
    ...(kind === 'dns' ? { options: { name: 'example.test', ...fields.options } } : fields.options ? { options: fields.options } : {}),
  })
  if (spec.kind !== kind) throw new Error(`makeTarget: parsed kind ${spec.kind} !== ${kind}`)
  return spec as TargetOf<K>
}

/** A check context whose signal fires after the target's timeout, as the scheduler would do. */
export function makeCtx(timeoutSeconds: number, tools: ProbeTools = {}): CheckContext {
  return { signal: AbortSignal.timeout(timeoutSeconds * 1000), log: silentLog(), tools }
}
