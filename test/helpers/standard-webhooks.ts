/**
 * A webhook receiver's own check of a Standard Webhooks signature, written from the
 * specification (standard-webhooks spec/standard-webhooks.md, "Verifying webhook authenticity"),
 * not from Xanh's signer: the signed content is `${webhook-id}.${webhook-timestamp}.${body}`,
 * HMAC-SHA256 keyed with the base64-decoded part of the secret after `whsec_`, sent base64 as
 * `v1,<signature>` among space-separated signatures; the timestamp within a tolerance.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'

/** The spec's suggested tolerance between the timestamp and the receiver's clock (seconds). */
const TOLERANCE_SECONDS = 300

/** Checks one delivery against `secret` (`whsec_…`); returns 'ok' or why not. */
export function verifyStandardWebhook(secret: string, headers: IncomingHttpHeaders, body: string, nowSeconds: number): string {
  const id = headers['webhook-id']
  const timestamp = headers['webhook-timestamp']
  const signatures = headers['webhook-signature']
  if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof signatures !== 'string') return 'missing webhook-* headers'
  if (!/^[\x21-\x7e]+$/.test(id)) return 'webhook-id is not printable ASCII'
  if (Math.abs(nowSeconds - Number(timestamp)) > TOLERANCE_SECONDS) return 'timestamp outside tolerance'
  const expected = createHmac('sha256', Buffer.from(secret.slice('whsec_'.length), 'base64')).update(`${id}.${timestamp}.${body}`, 'utf8').digest()
  const match = signatures.split(' ').some((sig) => {
    const [version, b64] = sig.split(',')
    if (version !== 'v1' || !b64) return false
    const got = Buffer.from(b64, 'base64')
    return got.length === expected.length && timingSafeEqual(got, expected)
  })
  return match ? 'ok' : 'signature mismatch'
}
