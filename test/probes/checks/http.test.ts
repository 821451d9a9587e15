import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkHttp } from '../../../probes/checks/http'
import { makeCtx, makeTarget } from '../../helpers/probe-fixtures'
import { closedTcpPort, listenHttp, type Listening } from '../../helpers/probe-listen'
import { makeSelfSignedCert } from '../../helpers/probe-tls'

describe('checkHttp', () => {
  let server: Listening
  beforeAll(async () => {
    server = await listenHttp((req, res) => {
      if (req.url === '/ok') return res.writeHead(200, { 'content-type': 'text/plain' }).end('xin chào, trạng thái xanh')
      if (req.url === '/fail') return res.writeHead(500).end('boom')
      if (req.url === '/big') return res.writeHead(200).end(Buffer.alloc(4096, 'a'))
      if (req.url === '/hang') return // never answers
      res.writeHead(404).end()
    })
  })
  afterAll(() => server.close())

  const target = (path: string, options: Record<string, unknown> = {}, timeoutSeconds = 5) =>
    makeTarget('http', { port: server.port, timeoutSeconds, options: { path, ...options } })

  it('200 is ok, with every phase timing and the status code', async () => {
    const r = await checkHttp(target('/ok'), makeCtx(5))
    expect(r.ok).toBe(true)
    expect(r.measurements.status_code).toBe(200)
    for (const phase of ['dns', 'connect', 'tls', 'ttfb', 'transfer']) {
      expect(r.measurements[`http_${phase}_seconds`], phase).toBeGreaterThanOrEqual(0)
    }
    expect(r.measurements.http_connect_seconds).toBeGreaterThan(0)
    expect(r.measurements.http_tls_seconds).toBe(0)
  })

  it('500 is ok:false with the status and the address', async () => {
    const r = await checkHttp(target('/fail'), makeCtx(5))
    expect(r.ok).toBe(false)
    expect(r.error).toBe(`status 500 from 127.0.0.1:${server.port}/fail (expected 200-399)`)
    expect(r.measurements.status_code).toBe(500)
  })

  it('expectStatus accepts a listed code', async () => {
    const r = await checkHttp(target('/fail', { expectStatus: [500] }), makeCtx(5))
    expect(r.ok).toBe(true)
  })

  it('bodyContains passes when the body has the text (UTF-8) and fails when not', async () => {
    expect((await checkHttp(target('/ok', { bodyContains: 'trạng thái xanh' }), makeCtx(5))).ok).toBe(true)
    const r = await checkHttp(target('/ok', { bodyContains: 'đỏ' }), makeCtx(5))
    expect(r.ok).toBe(false)
    expect(r.error).toBe(`body from 127.0.0.1:${server.port}/ok does not contain "đỏ"`)
  })

  it('HEAD reads no body', async () => {
    const r = await checkHttp(target('/ok', { method: 'HEAD' }), makeCtx(5))
    expect(r.ok).toBe(true)
    expect(r.measurements.body_bytes).toBe(0)
  })

  it('a body over maxBodyBytes fails', async () => {
    const r = await checkHttp(target('/big', { maxBodyBytes: 1000 }), makeCtx(5))
    expect(r.ok).toBe(false)
    expect(r.error).toBe(`body from 127.0.0.1:${server.port} exceeds 1000 bytes`)
  })

  it('a server that never answers times out within the deadline, naming host:port', async () => {
    const started = performance.now()
    const r = await checkHttp(target('/hang', {}, 0.3), makeCtx(0.3))
    const elapsed = performance.now() - started
    expect(elapsed).toBeGreaterThanOrEqual(250)
    expect(elapsed).toBeLessThan(1000)
    expect(r).toMatchObject({ ok: false, error: `timeout after 0.3s waiting for 127.0.0.1:${server.port}` })
  })

  it('refused connection names host:port', async () => {
    const port = await closedTcpPort()
    const r = await checkHttp(makeTarget('http', { port }), makeCtx(5))
    expect(r).toMatchObject({ ok: false, error: `connect ECONNREFUSED 127.0.0.1:${port}` })
  })
})

describe('checkHttp over https', () => {
  it('measures the tls phase and the certificate expiry', async (ctx) => {
    const cert = makeSelfSignedCert()
    if (!cert) {
      if (process.env.CI === 'true') throw new Error('openssl is required in CI')
      console.warn('skipping https test: openssl is not installed on this machine')
      return ctx.skip()
    }
    const server = createHttpsServer({ key: cert.key, cert: cert.cert }, (_req, res) => res.end('ok'))
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const port = (server.address() as AddressInfo).port
    try {
      const insecure = await checkHttp(makeTarget('http', { port, options: { scheme: 'https', insecure: true } }), makeCtx(5))
      expect(insecure.ok).toBe(true)
      expect(insecure.measurements.http_tls_seconds).toBeGreaterThan(0)
      expect(insecure.measurements.cert_expiry_timestamp_seconds).toBe(cert.notAfterSeconds)
      const verified = await checkHttp(makeTarget('http', { port, options: { scheme: 'https' } }), makeCtx(5))
      expect(verified.ok).toBe(false)
      expect(verified.error).toMatch(new RegExp(`self[- ]signed certificate.*127\\.0\\.0\\.1:${port}`))
    } finally {
      server.closeAllConnections()
      await new Promise<void>((r) => server.close(() => r()))
    }
  })
})
