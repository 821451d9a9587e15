/**
 * Address formatting for the commune page.
 * @module
 */

/** `host:port`, with IPv6 literals bracketed so the port is not read as part of the address. */
export function formatAddress(host: string, port: number | null): string {
  if (port === null) return host
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
}

