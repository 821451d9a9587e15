/**
 * Turning socket failures into the one-line, address-naming error strings results carry.
 * @module
 */
import { isIP, isIPv6 } from 'node:net'

/** `host:port`, with brackets around IPv6 literals so the port stays readable. */
export function hostPort(host: string, port: number): string {
  const bare = stripBrackets(host)
  return isIPv6(bare) ? `[${bare}]:${port}` : `${bare}:${port}`
}

/** Inventory may write IPv6 literals as `[::1]`; sockets want them bare. */
export function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
}

/** The TLS server name to send for `host`: none for IP literals (RFC 6066 §3 forbids them in SNI). */
export function sniName(host: string): string | undefined {
  const bare = stripBrackets(host)
  return isIP(bare) === 0 ? bare : undefined
}

/** The error of a check that ran into its deadline. */
export function timeoutError(timeoutSeconds: number, what: string): string {
  return `timeout after ${formatSeconds(timeoutSeconds)}s waiting for ${what}`
}

/** Seconds without float noise: 5 → "5", 0.25 → "0.25". */
export function formatSeconds(seconds: number): string {
  return String(Math.round(seconds * 1000) / 1000)
}

/**
 * One lowercase-first line naming `address`, from any thrown value. Node's own messages
 * ("connect ECONNREFUSED 127.0.0.1:5060") already name the address; others get it appended.
 */
export function describeError(err: unknown, address: string): string {
  const raw = err instanceof Error ? err.message : String(err)
  let line = oneLine(raw) || (err instanceof Error && 'code' in err ? String(err.code) : 'unknown error')
  if (!line.includes(address)) line = `${line} (${address})`
  return lowerFirst(line)
}

/** Results carry one line of at most 500 characters (protocol CheckResult.error). */
export function oneLine(text: string, max = 500): string {
  const line = text.replace(/\s*[\r\n]+\s*/g, '; ').trim()
  return line.length > max ? `${line.slice(0, max - 1)}…` : line
}

function lowerFirst(s: string): string {
  // Keep error codes such as "ECONNRESET" intact; only a capitalised first word is lowered.
  return /^[A-Z][a-z]/.test(s) ? s.charAt(0).toLowerCase() + s.slice(1) : s
}

