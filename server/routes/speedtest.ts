/**
 * `/api/v1/speedtest/*`: the far end of HTTP throughput checks (SPEC §3). A probe token is
 * required, of a probe that runs at least one enabled `throughput` target (else 403
 * E_PROBE_SCOPE: a token leaked from a probe that has no use for them cannot load the uplink);
 * every stream is bounded by `config.speedtest` (bytes, seconds, streams at once).
 * @module
 */
import { randomBytes } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { Hono, type Context } from 'hono'
import { SpeedtestDownloadQuery, SpeedtestUploadQuery, type SpeedtestUploadResult } from '../../protocol'
import type { AppDeps, AppEnv } from '../app'
import { AppError } from '../errors'
import { probeFromBearer } from './probe-auth'

/**
 * Size of the random block downloads repeat. Far larger than gzip's 32 KiB window (and
 * brotli's default), so a compressing middlebox cannot shrink the stream (LibreSpeed uses the
 * same 1 MiB of `openssl_random_pseudo_bytes`).
 */
const RANDOM_BLOCK_BYTES = 1024 * 1024

/**
 * Builds the speedtest routes. One random block and one stream counter per app (no module
 * state). At most `maxConcurrent` downloads and uploads run at once; the next one gets
 * 503 E_UNAVAILABLE with `Retry-After` (a stream never lasts longer than `maxSeconds`).
 */
export function speedtestRoutes(deps: AppDeps): Hono<AppEnv> {
  const { maxBytes, maxSeconds, maxConcurrent } = deps.config.speedtest
  const maxMs = maxSeconds * 1000
  let block: Buffer | undefined
  let active = 0
  const now = deps.now ?? Date.now

  /** Refuses a caller that may not use the speedtest: a valid probe token, of a probe that runs a throughput target. */
  const allowed = (c: Context<AppEnv>): void => {
    const probe = probeFromBearer(c, deps.store, now)
    if (!deps.store.probeRunsKind(probe, 'throughput')) {
      throw new AppError('E_PROBE_SCOPE', `probe ${probe.name} runs no throughput target, so it has no use for the speedtest endpoints`)
    }
  }

  /** Takes a stream slot, or answers 503; the returned release is idempotent. */
  const acquire = (c: Context<AppEnv>): (() => void) | Response => {
    if (active >= maxConcurrent) {
      c.header('Retry-After', String(Math.ceil(maxSeconds)))
      return c.json(new AppError('E_UNAVAILABLE', `speedtest busy: ${maxConcurrent} streams already running`).toBody(), 503)
    }
    active++
    let released = false
    return () => {
      if (released) return
      released = true
      active--
    }
  }

  return new Hono<AppEnv>()
    .get('/speedtest/download', (c) => {
      allowed(c)
      const parsed = SpeedtestDownloadQuery.safeParse(c.req.query())
      if (!parsed.success) throw AppError.fromZod(parsed.error, 'query')
      const total = Math.min(parsed.data.bytes, maxBytes)
      const slot = acquire(c)
      if (slot instanceof Response) return slot
      const release = slot
      block ??= randomBytes(RANDOM_BLOCK_BYTES)
      const data = block
      const started = performance.now()
      let sent = 0
      let timer: NodeJS.Timeout | undefined
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          // A reader that stops pulling must not hold its slot past the time limit.
          timer = setTimeout(() => {
            release()
            try {
              controller.close()
            } catch {
              // Already closed or cancelled.
            }
          }, maxMs)
        },
        pull(controller) {
          if (sent >= total || performance.now() - started >= maxMs) {
            clearTimeout(timer)
            release()
            controller.close()
            return
          }
          // The same block again: still incompressible, and no copy or allocation per chunk.
          const n = Math.min(data.length, total - sent)
          controller.enqueue(n === data.length ? data : data.subarray(0, n))
          sent += n
        },
        cancel() {
          clearTimeout(timer)
          release()
        },
      })
      return new Response(body, {
        status: 200,
        headers: {
          'Content-Type': 'application/octet-stream',
          'Content-Encoding': 'identity',
          'Cache-Control': 'no-store',
          'X-Content-Type-Options': 'nosniff',
        },
      })
    })
    .post('/speedtest/upload', async (c) => {
      allowed(c)
      const parsed = SpeedtestUploadQuery.safeParse(c.req.query())
      if (!parsed.success) throw AppError.fromZod(parsed.error, 'query')
      const encoding = (c.req.header('content-encoding') ?? 'identity').toLowerCase()
      if (encoding !== 'identity') throw new AppError('E_BAD_ENCODING', `speedtest uploads are not encoded (got Content-Encoding ${encoding})`)
      const slot = acquire(c)
      if (slot instanceof Response) return slot
      const release = slot
      try {
        const result = await discardBody(c.req.raw.body, { maxBytes, maxMs, skipMs: parsed.data.skipSeconds * 1000 })
        c.header('Cache-Control', 'no-store')
        return c.json(result)
      } finally {
        release()
      }
    })
}

/**
 * Reads and drops a request body, counting bytes as they arrive, until it ends, `maxBytes` is
 * exceeded or `maxMs` has passed (then reading stops and `truncated` is set). A client that
 * disconnects mid-body ends the count; what arrived is still reported.
 */
async function discardBody(
  body: ReadableStream<Uint8Array> | null,
  limits: { maxBytes: number; maxMs: number; skipMs: number },
): Promise<SpeedtestUploadResult> {
  const started = performance.now()
  let bytes = 0
  let measuredBytes = 0
  let lastAt = started
  let truncated = false
  if (body) {
    const reader = body.getReader()
    const timer = setTimeout(() => {
      truncated = true
      reader.cancel().catch(() => {})
    }, limits.maxMs)
    try {
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        const now = performance.now()
        bytes += value.byteLength
        if (now - started >= limits.skipMs) measuredBytes += value.byteLength
        lastAt = now
        if (bytes > limits.maxBytes) {
          truncated = true
          await reader.cancel().catch(() => {})
          break
        }
      }
    } catch {
      // The client went away mid-body: report what arrived.
    } finally {
      clearTimeout(timer)
    }
  }
  const measuredFrom = started + limits.skipMs
  return {
    bytes,
    seconds: (lastAt - started) / 1000,
    measuredBytes,
    measuredSeconds: measuredBytes > 0 ? Math.max(0, lastAt - measuredFrom) / 1000 : 0,
    truncated,
  }
}
