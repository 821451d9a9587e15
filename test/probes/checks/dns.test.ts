import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkDns } from '../../../probes/checks/dns'
import { makeCtx, makeTarget } from '../../helpers/probe-fixtures'
import { closedUdpPort, listenUdp, type Listening } from '../../helpers/probe-listen'

/** Minimal DNS answerer: A queries for known names get their addresses, others NXDOMAIN. */
function answerDns(query: Buffer, zone: Record<string, string[]>): Buffer | undefined {
  if (query.length < 12) return undefined
  const labels: string[] = []
  let i = 12
  while (i < query.length) {
    const len = query[i] ?? 0
    if (len === 0) break
    labels.push(query.subarray(i + 1, i + 1 + len).toString('ascii'))
    i += len + 1
  }
  const questionEnd = i + 5 // zero label + QTYPE + QCLASS
  const qtype = query.readUInt16BE(i + 1)
  const name = labels.join('.').toLowerCase()
  const addrs = qtype === 1 ? zone[name] : undefined
  const header = Buffer.alloc(12)
  query.copy(header, 0, 0, 2) // id
  header.writeUInt16BE(0x8180 | (zone[name] ? 0 : 3), 2) // response, RD+RA, NOERROR or NXDOMAIN
  header.writeUInt16BE(1, 4)
  header.writeUInt16BE(addrs?.length ?? 0, 6)
  const answers = (addrs ?? []).map((a) => {
    const rr = Buffer.alloc(16)
    rr.writeUInt16BE(0xc00c, 0) // pointer to the question name
    rr.writeUInt16BE(1, 2)
    rr.writeUInt16BE(1, 4)
    rr.writeUInt32BE(60, 6)
    rr.writeUInt16BE(4, 10)
    a.split('.').forEach((octet, k) => rr.writeUInt8(Number(octet), 12 + k))
    return rr
  })
  return Buffer.concat([header, query.subarray(12, questionEnd), ...answers])
}

describe('checkDns', () => {
  let dns: Listening
  beforeAll(async () => {
    dns = await listenUdp((q, from, socket) => {
      const reply = answerDns(q, { 'xa-dienchau.test': ['127.0.0.10', '127.0.0.11'], 'empty.test': [] })
      if (reply) socket.send(reply, from.port, from.address)
    })
  })
  afterAll(() => dns.close())

  it('resolves through the given server and counts answers', async () => {
    const r = await checkDns(makeTarget('dns', { port: dns.port, options: { name: 'xa-dienchau.test' } }), makeCtx(5))
    expect(r.ok).toBe(true)
    expect(r.measurements.answers).toBe(2)
    expect(r.measurements.lookup_seconds).toBeGreaterThan(0)
  })

  it('NXDOMAIN is ok:false naming the server', async () => {
    const r = await checkDns(makeTarget('dns', { port: dns.port, options: { name: 'missing.test' } }), makeCtx(5))
    expect(r.ok).toBe(false)
    expect(r.error).toContain(`127.0.0.1:${dns.port}`)
    expect(r.error).toContain('ENOTFOUND')
  })

  it('an empty answer is ok:false', async () => {
    const r = await checkDns(makeTarget('dns', { port: dns.port, options: { name: 'empty.test' } }), makeCtx(5))
    expect(r.ok).toBe(false)
    expect(r.error).toContain(`127.0.0.1:${dns.port}`)
  })

  it('a silent server times out within the deadline, naming the server', async () => {
    const silent = await listenUdp(() => {})
    try {
      const started = performance.now()
      const r = await checkDns(makeTarget('dns', { port: silent.port, timeoutSeconds: 0.3, options: { name: 'a.test' } }), makeCtx(0.3))
      expect(performance.now() - started).toBeLessThan(1000)
      expect(r).toMatchObject({ ok: false, error: `timeout after 0.3s waiting for A a.test from 127.0.0.1:${silent.port}` })
    } finally {
      await silent.close()
    }
  })

  it('a closed port is ok:false naming the server', async () => {
    const port = await closedUdpPort()
    const r = await checkDns(makeTarget('dns', { port, timeoutSeconds: 1, options: { name: 'a.test' } }), makeCtx(1))
    expect(r.ok).toBe(false)
    expect(r.error).toContain(`127.0.0.1:${port}`)
  })
})
