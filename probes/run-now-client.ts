/**
 * The agent's side of "Đo ngay" (issue 10): a long poll of `GET /api/v1/probe/run-now` that
 * the server answers as soon as an operator asks for a test of one of this probe's targets.
 * Each request is handed to the scheduler to run at once; the result ships like any other.
 * A server without the route (404) is asked again rarely; errors back off; every request has a
 * deadline (the wait plus a margin).
 * @module
 */
import type { Logger } from 'pino'
import { RunNowAnswer, type RunNowRequest } from '../protocol'
import { linkSignals } from './abort'
import { oneLine } from './checks/describe'
import { sleep, systemClock, type Clock } from './clock'

export interface RunNowClientOptions {
  serverUrl: string
  token: string
  log: Logger
  /** How long the server may hold one poll (it caps this itself). 0 disables the client. */
  waitSeconds: number
  /** Added to `waitSeconds` for the request's deadline. */
  marginSeconds: number
  /** Pause after an error (doubles up to 60 s). */
  retryBaseMs: number
  /** Pause before asking again a server that does not know the route. */
  notSupportedRetryMs: number
  onRequest: (request: RunNowRequest) => void
  fetch?: typeof fetch
  clock?: Clock
}

export interface RunNowClient {
  start(): void
  stop(): Promise<void>
}

/** Creates the long-poll loop; nothing runs until {@link RunNowClient.start}. */
export function createRunNowClient(opts: RunNowClientOptions): RunNowClient {
  const doFetch = opts.fetch ?? fetch
  const clock = opts.clock ?? systemClock
  const base = opts.serverUrl.endsWith('/') ? opts.serverUrl : `${opts.serverUrl}/`
  const url = new URL(`api/v1/probe/run-now?waitSeconds=${opts.waitSeconds}`, base).toString()
  const stopping = new AbortController()
  let loop: Promise<void> | undefined

  /** One poll; resolves with the pause before the next one. */
  const poll = async (failures: number): Promise<{ pauseMs: number; failed: boolean }> => {
    const linked = linkSignals([stopping.signal, clock.timeoutSignal((opts.waitSeconds + opts.marginSeconds) * 1000)])
    try {
      const res = await doFetch(url, { headers: { authorization: `Bearer ${opts.token}`, accept: 'application/json' }, signal: linked.signal })
      if (res.status === 404) {
        await res.body?.cancel().catch(() => {})
        opts.log.info('run-now: the server does not offer on-demand tests; asking again later')
        return { pauseMs: opts.notSupportedRetryMs, failed: false }
      }
      const text = await res.text()
      if (res.status !== 200) throw new Error(`http ${res.status}: ${text.slice(0, 200)}`)
      const answer = RunNowAnswer.safeParse(JSON.parse(text))
      if (!answer.success) throw new Error('malformed run-now answer')
      for (const r of answer.data.requests) {
        opts.log.info({ targetId: r.targetId, request: r.id }, 'run-now: running a check on request')
        try {
          opts.onRequest(r)
        } catch (err) {
          opts.log.error({ err, targetId: r.targetId }, 'run-now: could not start the check')
        }
      }
      return { pauseMs: 0, failed: false }
    } catch (err) {
      if (stopping.signal.aborted) return { pauseMs: 0, failed: false }
      const pauseMs = Math.min(60_000, opts.retryBaseMs * 2 ** Math.min(failures, 6))
      opts.log.warn({ reason: oneLine(err instanceof Error ? err.message : String(err)), retryInMs: pauseMs }, 'run-now: poll failed')
      return { pauseMs, failed: true }
    } finally {
      linked.dispose()
    }
  }

  return {
    start() {
      if (loop || opts.waitSeconds <= 0) return
      loop = (async () => {
        let failures = 0
        while (!stopping.signal.aborted) {
          const { pauseMs, failed } = await poll(failures)
          failures = failed ? failures + 1 : 0
          if (pauseMs > 0 && !(await sleep(clock, pauseMs, stopping.signal))) break
        }
      })()
    },
    async stop() {
      stopping.abort(new Error('agent stopping'))
      await loop
    },
  }
}
