/**
 * Bounded request-body reading: size limits before and while reading, and gzip that cannot
 * be turned into a decompression bomb.
 * @module
 */
import { isAscii } from 'node:buffer'
import type { Readable } from 'node:stream'
import { gunzipSync } from 'node:zlib'
import type { Context } from 'hono'
import { AppError } from './errors'

export interface BodyLimits {
  maxBodyBytes: number
  maxDecompressedBytes: number
}

/** Reads the raw body, refusing more than `maxBodyBytes` on the wire. */
export async function readLimitedBody(c: Context, maxBodyBytes: number): Promise<Buffer> {
  const declared = Number(c.req.header('content-length') ?? NaN)
  if (Number.isFinite(declared) && declared > maxBodyBytes) {
    throw new AppError('E_BODY_TOO_LARGE', `body of ${declared} bytes exceeds the limit of ${maxBodyBytes}`)
  }
  const incoming = nodeIncoming(c)
  if (incoming) {
    try {
      return await readIncoming(incoming, maxBodyBytes)
    } catch (e) {
      // Refused mid-body: the rest is discarded as it arrives, and the connection closes once
      // the refusal is sent, so a client that streams on does not hold it.
      // (HTTP/1 only: HTTP/2 forbids the header and ends the stream by itself.)
      if (e instanceof AppError && (incoming as { httpVersionMajor?: number }).httpVersionMajor !== 2) c.header('Connection', 'close')
      throw e
    }
  }
  const body = c.req.raw.body
  if (!body) return Buffer.alloc(0)
  const reader = body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    if (total > maxBodyBytes) {
      await reader.cancel()
      throw tooLarge(maxBodyBytes)
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks)
}

/** A body found larger than `maxBodyBytes` while it was read (either way of reading it). */
function tooLarge(maxBodyBytes: number): AppError {
  return new AppError('E_BODY_TOO_LARGE', `body exceeds the limit of ${maxBodyBytes} bytes`)
}

/**
 * node-server's request (`c.env.incoming`) when its body was not read yet: the body is then read
 * straight from it. Through `c.req.raw.body` node-server builds an undici Request and a web
 * stream around the same bytes first: ~0.26 ms per ingest batch, 1.7 % of the server's main
 * thread in issue 14's 1 M-stored profile. `app.request()` (tests) has no node request and takes
 * the web stream.
 */
function nodeIncoming(c: Context): Readable | undefined {
  const incoming = (c.env as { incoming?: Readable } | undefined)?.incoming
  if (incoming === undefined || typeof incoming.on !== 'function') return undefined
  // Read already (some middleware made the Request): its bytes went to that stream. Destroyed
  // (the client went away before the route ran): its 'close' has passed, and node-server's own
  // reading recovers what it had sent.
  return incoming.readableDidRead || incoming.readableEnded || incoming.destroyed ? undefined : incoming
}

/**
 * Reads a node request body, refusing more than `maxBodyBytes`. A client that closes the
 * connection before the end fails the read (its agent did not get an answer and sends the batch
 * again); the server's `requestTimeout` bounds a body that never ends.
 */
function readIncoming(req: Readable, maxBodyBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let total = 0
    const settle = (err: Error | null): void => {
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('error', onError)
      req.off('close', onClose)
      if (err === null) resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, total))
      else {
        // Flowing with no listener: what else arrives is dropped, not buffered.
        req.resume()
        reject(err)
      }
    }
    const onData = (chunk: Buffer): void => {
      total += chunk.length
      if (total > maxBodyBytes) settle(tooLarge(maxBodyBytes))
      else chunks.push(chunk)
    }
    const onEnd = (): void => settle(null)
    const onError = (e: Error): void => settle(e)
    const onClose = (): void => settle(new Error('the client closed the connection before the request body ended'))
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('error', onError)
    req.on('close', onClose)
  })
}

/**
 * Reads a JSON body (gzip allowed) and returns the parsed value, unvalidated.
 * @throws AppError E_UNSUPPORTED_MEDIA_TYPE, E_BODY_TOO_LARGE, E_BAD_ENCODING, E_BAD_JSON
 */
export async function readJsonBody(c: Context, limits: BodyLimits): Promise<unknown> {
  const type = c.req.header('content-type') ?? ''
  if (!/^application\/json\b/i.test(type)) throw new AppError('E_UNSUPPORTED_MEDIA_TYPE', 'Content-Type must be application/json')
  const data = await readDecodedBody(c, limits)
  try {
    return JSON.parse(jsonText(data)) as unknown
  } catch {
    // Refused: parsed again as sent, so that the message quotes the body, not its escapes.
    try {
      return JSON.parse(data.toString('utf8')) as unknown
    } catch (e) {
      throw new AppError('E_BAD_JSON', `malformed JSON: ${(e as Error).message}`)
    }
  }
}

/** Reads a text body (gzip allowed), decoded as UTF-8. */
export async function readTextBody(c: Context, limits: BodyLimits): Promise<string> {
  return (await readDecodedBody(c, limits)).toString('utf8')
}

/** Reads a body's bytes, gunzip'd when its Content-Encoding says gzip. */
async function readDecodedBody(c: Context, limits: BodyLimits): Promise<Buffer> {
  const raw = await readLimitedBody(c, limits.maxBodyBytes)
  const encoding = (c.req.header('content-encoding') ?? 'identity').toLowerCase()
  let data: Buffer
  if (encoding === 'gzip') {
    try {
      data = gunzipSync(raw, { maxOutputLength: limits.maxDecompressedBytes })
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
        throw new AppError('E_BODY_TOO_LARGE', `decompressed body exceeds the limit of ${limits.maxDecompressedBytes} bytes`)
      }
      throw new AppError('E_BAD_ENCODING', `body is not valid gzip: ${(e as Error).message}`)
    }
  } else if (encoding === 'identity') {
    data = raw
  } else {
    throw new AppError('E_BAD_ENCODING', `unsupported Content-Encoding ${encoding}`)
  }
  return data
}

/**
 * A JSON body's UTF-8 bytes as a text that parses to the same value: the bytes as they are when
 * `buf` is ASCII, else with every run of non-ASCII bytes written as `\uXXXX` escapes, the text
 * assembled in one buffer and decoded once — a one-byte string either way. A batch with one
 * Vietnamese error text in 500 results was otherwise decoded whole into a two-byte string: twice
 * the bytes of garbage per batch (~155 KB) and 3 × the decoding time (0.45 ms against 0.16,
 * issue 14). The escapes keep the JSON's meaning only inside strings, the one place JSON allows
 * those characters; a run right after an unpaired backslash (an invalid escape) falls back to the
 * plain decoding (so the parser refuses what it refused before), as does a body of more than
 * {@link MAX_ESCAPED_RUNS} runs. Runs are found by halving with `isAscii` (native).
 */
export function jsonText(buf: Buffer): string {
  const runs = nonAsciiRuns(buf, 0, buf.length, [])
  // ASCII: nothing to escape. A body of mostly Vietnamese text gains nothing, and its runs would
  // cost memory per run.
  if (runs.length === 0) return buf.toString('latin1')
  if (runs.length > MAX_ESCAPED_RUNS) return buf.toString('utf8')
  const escapes: string[] = []
  let size = buf.length
  for (const [start, end] of runs) {
    let slashes = 0
    while (start - slashes - 1 >= 0 && buf[start - slashes - 1] === 0x5c) slashes++
    if (slashes % 2 === 1) return buf.toString('utf8')
    // ASCII bytes never occur inside a multi-byte sequence, so a run decodes alone as it does
    // in place, U+FFFD for invalid bytes included.
    const text = buf.toString('utf8', start, end)
    let esc = ''
    for (let i = 0; i < text.length; i++) esc += `\\u${text.charCodeAt(i).toString(16).padStart(4, '0')}`
    escapes.push(esc)
    size += esc.length - (end - start)
  }
  // The ASCII between the runs and the escapes are copied into one buffer and decoded once: the
  // text is made once (pieces joined made it twice: ~300 KB of young garbage per 500-result batch).
  const out = size <= MAX_SCRATCH_BYTES ? scratchOf(size) : Buffer.allocUnsafe(size)
  let at = 0
  let from = 0
  runs.forEach(([start, end], i) => {
    at += buf.copy(out, at, from, start)
    at += out.write(escapes[i] as string, at, 'latin1')
    from = end
  })
  at += buf.copy(out, at, from)
  return out.toString('latin1', 0, at)
}

/**
 * Bodies up to this size are escaped in one buffer kept for the next (one thread, used
 * synchronously); larger ones in a buffer of their own, so a rare 16 MB body is not kept.
 */
const MAX_SCRATCH_BYTES = 1 << 20
let scratch = Buffer.alloc(0)

/** The scratch buffer, grown to at least `size` bytes. */
function scratchOf(size: number): Buffer {
  if (scratch.length < size) scratch = Buffer.allocUnsafe(Math.min(MAX_SCRATCH_BYTES, Math.max(size, scratch.length * 2)))
  return scratch
}

/**
 * Past this many runs of non-ASCII bytes a body is decoded plainly. An ingest batch's error texts
 * make a few dozen (one Vietnamese sentence ~10); a body built to be nothing but runs would
 * otherwise cost an array entry per few bytes.
 */
export const MAX_ESCAPED_RUNS = 512

/**
 * The maximal runs of bytes ≥ 0x80 in `buf[from, to)`, in order, appended to `out`; stops early
 * (with more than {@link MAX_ESCAPED_RUNS} in `out`) once there are too many to escape.
 */
function nonAsciiRuns(buf: Buffer, from: number, to: number, out: Array<[number, number]>): Array<[number, number]> {
  if (out.length > MAX_ESCAPED_RUNS || from >= to || isAscii(buf.subarray(from, to))) return out
  if (to - from <= 64) {
    for (let i = from; i < to; i++) {
      if ((buf[i] as number) < 0x80) continue
      const last = out[out.length - 1]
      if (last !== undefined && last[1] === i) last[1] = i + 1
      else out.push([i, i + 1])
    }
    return out
  }
  const mid = (from + to) >> 1
  nonAsciiRuns(buf, from, mid, out)
  const before = out.length
  nonAsciiRuns(buf, mid, to, out)
  // A run split at `mid` is one run.
  const a = out[before - 1]
  const b = out[before]
  if (a !== undefined && b !== undefined && a[1] === b[0]) {
    a[1] = b[1]
    out.splice(before, 1)
  }
  return out
}
