import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkTcp } from '../../../probes/checks/tcp'
import { makeCtx, makeTarget } from '../../helpers/probe-fixtures'
import { closedTcpPort, listenTcp, type Listening } from '../../helpers/probe-listen'
import { makeSelfSignedCert, type TestCert } from '../../helpers/probe-tls'

describe('checkTcp', () => {
  let open: Listening
  beforeAll(async () => {
    open = await listenTcp()
  })
  afterAll(() => open.close())

  it('measures connect_seconds on an open port', async () => {
    const r = await checkTcp(makeTarget('tcp', { port: open.port }), makeCtx(5))
    expect(r.ok).toBe(true)
    expect(r.error).toBeUndefined()
    expect(r.measurements.connect_seconds).toBeGreaterThan(0)
    expect(r.measurements.connect_seconds).toBeLessThan(1)
  })

  it('resolves ok:false naming host:port when refused', async () => {
    const port = await closedTcpPort()
    const r = await checkTcp(makeTarget('tcp', { port }), makeCtx(5))
    expect(r).toMatchObject({ ok: false, error: `connect ECONNREFUSED 127.0.0.1:${port}` })
  })

  it('reports a missing port as a target error', async () => {
    const r = await checkTcp(makeTarget('tcp'), makeCtx(5))
    expect(r.ok).toBe(false)
    expect(r.error).toContain('no port')
  })

  describe('with TLS', () => {
    let cert: TestCert | undefined
    let tlsServer: TlsServer | undefined
    let tlsPort = 0
    beforeAll(async () => {
      cert = makeSelfSignedCert()
      if (!cert && process.env.CI === 'true') throw new Error('openssl is required in CI')
      if (!cert) {
        console.warn('skipping tcp TLS tests: openssl is not installed on this machine')
        return
      }
      const server = createTlsServer({ key: cert.key, cert: cert.cert }, (s) => s.end())
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
      tlsServer = server
      tlsPort = (server.address() as AddressInfo).port
    })
    afterAll(() => new Promise<void>((r) => (tlsServer ? tlsServer.close(() => r()) : r())))

    it('measures tls_seconds and cert expiry when verification is off', async (ctx) => {
      if (!cert) return ctx.skip()
      const r = await checkTcp(makeTarget('tcp', { port: tlsPort, options: { tls: true, insecure: true } }), makeCtx(5))
      expect(r.ok).toBe(true)
      expect(r.measurements.tls_seconds).toBeGreaterThan(0)
      expect(r.measurements.cert_expiry_timestamp_seconds).toBe(cert.notAfterSeconds)
    })

    it('fails a self-signed certificate when verification is on, naming the address', async (ctx) => {
      if (!cert) return ctx.skip()
      const r = await checkTcp(makeTarget('tcp', { port: tlsPort, options: { tls: true, serverName: 'localhost' } }), makeCtx(5))
      expect(r.ok).toBe(false)
      expect(r.error).toMatch(/self[- ]signed certificate/)
      expect(r.error).toContain(`127.0.0.1:${tlsPort}`)
      expect(r.measurements.connect_seconds).toBeGreaterThan(0)
    })

    it('times out naming the address when the server never completes the handshake', async () => {
      const silent = await listenTcp(() => {})
      try {
        const started = performance.now()
        const r = await checkTcp(makeTarget('tcp', { port: silent.port, timeoutSeconds: 0.3, options: { tls: true, insecure: true } }), makeCtx(0.3))
        expect(performance.now() - started).toBeLessThan(1000)
        expect(r).toMatchObject({ ok: false, error: `timeout after 0.3s waiting for tls handshake with 127.0.0.1:${silent.port}` })
      } finally {
        await silent.close()
      }
    })
  })
})
