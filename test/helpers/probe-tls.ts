/**
 * A throwaway self-signed certificate for TLS tests, made with the system openssl.
 * @module
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface TestCert {
  key: string
  cert: string
  /** notAfter of the certificate, seconds since the epoch. */
  notAfterSeconds: number
}

/** Returns a 2-day self-signed cert for CN=localhost, or undefined when openssl is missing. */
export function makeSelfSignedCert(): TestCert | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'xanh-probe-tls-'))
  try {
    const key = join(dir, 'key.pem')
    const cert = join(dir, 'cert.pem')
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost'], {
      stdio: 'ignore',
    })
    const endDate = execFileSync('openssl', ['x509', '-enddate', '-noout', '-in', cert], { encoding: 'utf8' })
    const notAfter = Date.parse(endDate.replace(/^notAfter=/, '').trim())
    return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8'), notAfterSeconds: Math.floor(notAfter / 1000) }
  } catch {
    return undefined
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
