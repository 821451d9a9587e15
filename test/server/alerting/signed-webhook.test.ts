/**
 * Issue 11, done-when 1: a support group named "Tổ hỗ trợ Kỳ Sơn" covering the cluster "Cụm Kỳ
 * Sơn" receives a signed webhook when a real target of that cluster goes down. Real server
 * (ingest over HTTP, ticked as main.ts does), the real agent checking a real TCP listener that
 * the test closes, and a receiver that verifies the Standard Webhooks signature on its own,
 * written from the specification (test/helpers/standard-webhooks.ts), not from Xanh's signer.
 */
import { createServer as createHttpServer, type IncomingHttpHeaders, type Server } from 'node:http'
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net'
import { serve } from '@hono/node-server'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAgent, type Agent } from '../../../probes/agent'
import { verifyStandardWebhook } from '../../helpers/standard-webhooks'
import { commune, makeTestServer, udpTarget, type TestServer } from '../../helpers/server'

const KEY = Buffer.from('tinh-nghe-an-webhook-key-2026-12!')
const SECRET = `whsec_${KEY.toString('base64')}`

interface Delivery {
  headers: IncomingHttpHeaders
  body: string
  verdict: string
}

describe('a signed webhook reaches a Vietnamese-named group when a real target of its cluster goes down', () => {
  let s: TestServer
  let http: Server
  let receiver: Server
  let line: TcpServer
  const lineSockets = new Set<Socket>()
  let agent: Agent
  let ticker: NodeJS.Timeout
  const deliveries: Delivery[] = []

  beforeAll(async () => {
    receiver = createHttpServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8')
        const verdict = verifyStandardWebhook(SECRET, req.headers, body, Math.floor(Date.now() / 1000))
        deliveries.push({ headers: req.headers, body, verdict })
        res.writeHead(verdict === 'ok' ? 204 : 401).end()
      })
    })
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r))
    // The commune's line: a TCP service the agent connects to, closed by the test.
    line = createTcpServer((sock) => {
      lineSockets.add(sock)
      sock.on('close', () => lineSockets.delete(sock))
      sock.end()
    })
    await new Promise<void>((r) => line.listen(0, '127.0.0.1', r))

    s = makeTestServer({
      communes: [commune('KS-ML', { name: 'Xã Mường Lống', districtCluster: 'Cụm Kỳ Sơn' })],
      realTime: true,
      configYaml: 'alerting:\n  groupWaitSeconds: 0\n',
    })
    s.runtime.store.upsertTarget({
      ...udpTarget('ml-line', 'KS-ML', 'line', { kind: 'tcp', name: 'Cáp quang Mường Lống', host: '127.0.0.1', port: (line.address() as AddressInfo).port, intervalSeconds: 1, timeoutSeconds: 0.5, options: {} }),
      probeId: s.probeId,
    })
    s.runtime.store.supportGroups.create({ name: 'Tổ hỗ trợ Kỳ Sơn', channels: [{ type: 'webhook', url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/xanh`, secret: SECRET }], communes: [], clusters: ['Cụm Kỳ Sơn'], escalation: [] })
    s.runtime.reloadInventory()
    http = await new Promise<Server>((resolve) => {
      const srv = serve({ fetch: s.runtime.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(srv as Server))
    })
    ticker = setInterval(() => s.runtime.tick(), 250)
    agent = createAgent({ serverUrl: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, token: s.token, log: pino({ level: 'silent' }), version: 'test', tools: {}, timing: { batchMaxWaitMs: 100 } })
    await agent.start()
  })

  afterAll(async () => {
    clearInterval(ticker)
    await agent?.stop({ drainTimeoutMs: 500 })
    await new Promise((r) => http?.close(r))
    await new Promise((r) => receiver?.close(r))
    for (const sock of lineSockets) sock.destroy()
    await new Promise((r) => line?.close(r))
    s?.close()
  })

  async function until(what: string, ok: () => boolean, ms: number): Promise<void> {
    const deadline = Date.now() + ms
    while (!ok()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(deliveries.map((d) => d.verdict))}`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }

  it('delivers one firing message the receiver verifies, naming the commune and the cluster in Vietnamese', { timeout: 30_000 }, async () => {
    await until('the line measured ok', () => s.runtime.engine.targetStatus('ml-line')?.state === 'ok', 10_000)
    await new Promise<void>((r) => line.close(() => r()))
    await until('a delivery', () => deliveries.length > 0, 15_000)
    const d = deliveries[0] as Delivery
    expect(d.verdict).toBe('ok')
    const body = JSON.parse(d.body) as { version: string; status: string; receiver: string; groupLabels: Record<string, string>; alerts: Array<{ labels: Record<string, string> }> }
    expect(body).toMatchObject({ version: '4', status: 'firing', receiver: 'Tổ hỗ trợ Kỳ Sơn' })
    expect(body.groupLabels.cluster).toBe('Cụm Kỳ Sơn')
    expect(body.alerts[0]?.labels).toMatchObject({ commune: 'Xã Mường Lống', cluster: 'Cụm Kỳ Sơn', commune_code: 'KS-ML' })
    // Delivered, not pending: the outbox row is sent and the channel healthy. The receiver
    // records the request before it answers, so the row turns sent a moment after.
    await until('the outbox row sent', () => s.runtime.alerting.outbox.counts().sent > 0, 5_000)
    const health = s.runtime.alerting.channelHealth(s.runtime.store.supportGroups.list()[0]?.id ?? 0)
    expect(health[0]).toMatchObject({ status: 'ok', consecutiveFailures: 0, pending: 0 })
  })
})
