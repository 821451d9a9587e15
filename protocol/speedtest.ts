/**
 * The speedtest endpoints a throughput check runs against (`/api/v1/speedtest/*`, SPEC §3).
 * @module
 */
import { z } from 'zod'

/** Query of `GET /api/v1/speedtest/download`: how many random bytes to stream (clamped to the server's limit). */
export const SpeedtestDownloadQuery = z.strictObject({
  bytes: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
})
export type SpeedtestDownloadQuery = z.infer<typeof SpeedtestDownloadQuery>

/**
 * Query of `POST /api/v1/speedtest/upload`: `skipSeconds` is the client's warm-up; bytes that
 * arrive earlier than that after the request started are left out of `measuredBytes`.
 */
export const SpeedtestUploadQuery = z.strictObject({
  skipSeconds: z.coerce.number().min(0).max(300).default(0),
})
export type SpeedtestUploadQuery = z.infer<typeof SpeedtestUploadQuery>

/**
 * Answer of `POST /api/v1/speedtest/upload`, counted by the receiver (like iperf3's
 * `sum_received`), so the sender's socket buffers do not inflate the rate.
 */
export const SpeedtestUploadResult = z.strictObject({
  /** Body bytes read. */
  bytes: z.number().int().nonnegative(),
  /** From the start of the request to the last byte read. */
  seconds: z.number().nonnegative(),
  /** Bytes that arrived after `skipSeconds`. */
  measuredBytes: z.number().int().nonnegative(),
  /** From `skipSeconds` after the start to the last byte read (0 when nothing came after it). */
  measuredSeconds: z.number().nonnegative(),
  /** True when the server stopped reading at its byte or time limit. */
  truncated: z.boolean(),
})
export type SpeedtestUploadResult = z.infer<typeof SpeedtestUploadResult>
