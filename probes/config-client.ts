/**
 * Pulls the probe's target list from the server (SPEC §3: inventory is edited in one place).
 * @module
 */
import type { Logger } from 'pino'
import { z } from 'zod'
import { ProbeConfig, TargetSpec, zodIssues } from '../protocol'
import { oneLine } from './checks/describe'
import { systemClock, type Clock } from './clock'

export interface ConfigClientOptions {
  serverUrl: string
  token: string
  log: Logger
  /** Seconds between polls. */
  pollSeconds: number
  /** Per-request deadline. */
  timeoutMs: number
  /** Called with every new, valid configuration (not on 304 or errors). */
  onConfig: (config: ProbeConfig) => void
  fetch?: typeof fetch
  clock?: Clock
}

/** How one poll ended. */
export type ConfigPoll =
  | { kind: 'updated'; config: ProbeConfig; rejectedTargets: number }
  | { kind: 'unchanged' }
  | { kind: 'failed'; reason: string }

export interface ConfigClient {
  /** Polls now, then every `pollSeconds` until stopped. */
  start(): Promise<ConfigPoll>
  /** One poll now. Never rejects; on failure the last good configuration stays in force. */
  refresh(): Promise<ConfigPoll>
  /** The last good configuration, if any. */
  current(): ProbeConfig | undefined
  /** The server's ETag of {@link ConfigClient.current}, if it sent one. */
  etag(): string | undefined
  stop(): void
}

/** The envelope alone, so one target the agent cannot read does not throw away all the others. */
const Envelope = z.object({ probeId: z.string().min(1), generatedAt: z.string(), targets: z.array(z.unknown()) })

/**
 * Creates the config client: `GET ${serverUrl}/api/v1/probe/config` with the bearer token and
 * `If-None-Match` (304 = unchanged). A body is validated with protocol's ProbeConfig; if that
 * fails but the envelope is sound, the valid targets are kept and each rejected one is logged
 * (so a newer server with a kind this agent cannot parse does not stop all monitoring). Errors
 * keep the last good list.
 */
export function createConfigClient(opts: ConfigClientOptions): ConfigClient {
  const doFetch = opts.fetch ?? fetch
  const clock = opts.clock ?? systemClock
  const url = new URL('api/v1/probe/config', opts.serverUrl.endsWith('/') ? opts.serverUrl : `${opts.serverUrl}/`).toString()
  let etag: string | undefined
  let current: ProbeConfig | undefined
  let cancelTimer: (() => void) | undefined
  let stopped = false
  let inFlight: Promise<ConfigPoll> | undefined

  const poll = async (): Promise<ConfigPoll> => {
    let res: Response
    try {
      res = await doFetch(url, {
        headers: { authorization: `Bearer ${opts.token}`, accept: 'application/json', ...(etag !== undefined && { 'if-none-match': etag }) },
        signal: AbortSignal.timeout(Math.max(1, opts.timeoutMs)),
      })
    } catch (err) {
      const cause = err instanceof Error && err.cause instanceof Error ? err.cause : undefined
      const detail = cause && 'code' in cause && typeof cause.code === 'string' ? cause.code : err instanceof Error ? err.message : String(err)
      return { kind: 'failed', reason: oneLine(`cannot reach ${url}: ${detail}`) }
    }
    if (res.status === 304) {
      await res.body?.cancel().catch(() => {})
      return { kind: 'unchanged' }
    }
    const text = await res.text().catch(() => '')
    if (res.status !== 200) return { kind: 'failed', reason: oneLine(`http ${res.status} from ${url}: ${text.slice(0, 200)}`) }
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      return { kind: 'failed', reason: `invalid JSON from ${url}` }
    }
    const full = ProbeConfig.safeParse(body)
    let config: ProbeConfig
    let rejectedTargets = 0
    if (full.success) {
      config = full.data
    } else {
      const env = Envelope.safeParse(body)
      if (!env.success) {
        return { kind: 'failed', reason: oneLine(`invalid config from ${url}: ${zodIssues(env.error).map((i) => `${i.path}: ${i.message}`).join('; ')}`) }
      }
      const targets: TargetSpec[] = []
      env.data.targets.forEach((raw, i) => {
        const t = TargetSpec.safeParse(raw)
        if (t.success) targets.push(t.data)
        else {
          rejectedTargets++
          const id = typeof raw === 'object' && raw !== null && 'id' in raw ? String(raw.id) : `#${i}`
          opts.log.error({ target: id, issues: zodIssues(t.error, `targets.${i}`) }, 'config: target rejected, it will not be checked')
        }
      })
      config = { probeId: env.data.probeId, generatedAt: env.data.generatedAt, targets }
    }
    const tag = res.headers.get('etag')
    etag = tag ?? undefined
    current = config
    return { kind: 'updated', config, rejectedTargets }
  }

  const handle = (out: ConfigPoll): ConfigPoll => {
    if (out.kind === 'updated') {
      opts.log.info({ targets: out.config.targets.length, rejected: out.rejectedTargets, probeId: out.config.probeId }, 'config: new target list')
      try {
        opts.onConfig(out.config)
      } catch (err) {
        opts.log.error({ err }, 'config: applying the new target list failed')
      }
    } else if (out.kind === 'failed') {
      opts.log.warn({ reason: out.reason, keeping: current?.targets.length ?? 0 }, 'config: poll failed; keeping the last good target list')
    }
    return out
  }

  // Never two polls at once: a slow server must not get a second request stacked on the first.
  const refresh = (): Promise<ConfigPoll> =>
    (inFlight ??= poll()
      .then(handle)
      .finally(() => {
        inFlight = undefined
      }))

  const schedule = (): void => {
    if (stopped) return
    cancelTimer = clock.setTimer(() => {
      void refresh().finally(schedule)
    }, opts.pollSeconds * 1000)
  }

  return {
    async start() {
      stopped = false
      const first = await refresh()
      schedule()
      return first
    },
    refresh,
    current: () => current,
    etag: () => etag,
    stop() {
      stopped = true
      cancelTimer?.()
    },
  }
}
