/**
 * `dns` check: resolve `options.name` through the target's DNS server (SPEC §3).
 * @module
 */
import { Resolver, lookup } from 'node:dns/promises'
import { isIP } from 'node:net'
import { performance } from 'node:perf_hooks'
import { KIND_DEFAULTS, type TargetOf } from '../../protocol'
import type { Checker, CheckOutcome } from './checker'
import { describeError, hostPort, stripBrackets, timeoutError } from './describe'

/**
 * Asks the server at `host:port` (default 53) for `options.name`/`options.type` with a dedicated
 * resolver (no system resolver, no cache). `ok` needs at least one answer; measures
 * `lookup_seconds` and `answers`. Timeouts, refusals, NXDOMAIN and empty answers resolve
 * `ok: false` naming the server.
 */
export const checkDns: Checker<TargetOf<'dns'>> = async (target, ctx) => {
  const port = target.port ?? KIND_DEFAULTS.dns.port ?? 53
  const address = hostPort(target.host, port)
  const { name, type } = target.options
  const timeoutMs = Math.max(1, Math.ceil(target.timeoutSeconds * 1000))
  // c-ares has its own timer; the check's signal is the real deadline, so give it the whole budget.
  const resolver = new Resolver({ timeout: timeoutMs, tries: 1 })
  const aborted = new Promise<CheckOutcome>((resolve) => {
    const onAbort = (): void => {
      resolver.cancel()
      resolve({ ok: false, error: timeoutError(target.timeoutSeconds, `${type} ${name} from ${address}`), measurements: {} })
    }
    if (ctx.signal.aborted) onAbort()
    else ctx.signal.addEventListener('abort', onAbort, { once: true })
  })
  const query = async (): Promise<CheckOutcome> => {
    let server = stripBrackets(target.host)
    try {
      // Resolver.setServers takes addresses only; a named server is looked up by the system first.
      if (isIP(server) === 0) server = (await lookup(server)).address
      resolver.setServers([hostPort(server, port)])
    } catch (err) {
      return { ok: false, error: describeError(err, address), measurements: {} }
    }
    const start = performance.now()
    try {
      const answers = await resolver.resolve(name, type)
      // SOA is the only record type answered as an object rather than a list; we never ask for it.
      const count = Array.isArray(answers) ? answers.length : 1
      const measurements = { lookup_seconds: (performance.now() - start) / 1000, answers: count }
      if (count === 0) return { ok: false, error: `no ${type} answers for ${name} from ${address}`, measurements }
      return { ok: true, measurements }
    } catch (err) {
      return { ok: false, error: describeError(err, address), measurements: { lookup_seconds: (performance.now() - start) / 1000, answers: 0 } }
    }
  }
  return Promise.race([aborted, query()])
}
