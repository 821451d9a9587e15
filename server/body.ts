/**
 * Bounded request-body reading: size limits before and while reading, and gzip that cannot
 * be turned into a decompression bomb.
 * @module
 */
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
      throw new AppError('E_BODY_TOO_LARGE', `body exceeds the limit of ${maxBodyBytes} bytes`)
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks)
}

/**
 * Reads a JSON body (gzip allowed) and returns the parsed value, unvalidated.
 * @throws AppError E_UNSUPPORTED_MEDIA_TYPE, E_BODY_TOO_LARGE, E_BAD_ENCODING, E_BAD_JSON
 */
export async function readJsonBody(c: Context, limits: BodyLimits): Promise<unknown> {
  const type = c.req.header('content-type') ?? ''
  if (!/^application\/json\b/i.test(type)) throw new AppError('E_UNSUPPORTED_MEDIA_TYPE', 'Content-Type must be application/json')
  const text = await readTextBody(c, limits)
  try {
    return JSON.parse(text) as unknown
  } catch (e) {
    throw new AppError('E_BAD_JSON', `malformed JSON: ${(e as Error).message}`)
  }
}

/** Reads a text body (gzip allowed), decoded as UTF-8. */
export async function readTextBody(c: Context, limits: BodyLimits): Promise<string> {
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
  return data.toString('utf8')
}
