import type { Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { checkSip } from '../../../probes/checks/sip'
import { answersTransaction, buildOptionsRequest, cutSipMessage, newTransaction, parseSipResponse } from '../../../probes/checks/sip-message'
import { makeCtx, makeTarget } from '../../helpers/probe-fixtures'
import { closedTcpPort, closedUdpPort, listenTcp, listenUdp, type Listening } from '../../helpers/probe-listen'

/** What a scripted responder sends for one request: SIP answers (status + reason), raw bytes, or nothing. */
type Reply = { status: number; reason: string } | { raw: string }

/** Parses the request a responder got and echoes its transaction headers into each answer (RFC 3261 §8.2.6.2). */
function answers(request: string, replies: readonly Reply[]): string[] {
  const head = request.split('\r\n\r\n')[0] ?? ''
  const lines = head.split('\r\n')
  const pick = (name: string) => lines.filter((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`))
  return replies.map((r) =>
    'raw' in r
      ? r.raw
      : [
          `SIP/2.0 ${r.status} ${r.reason}`,
          ...pick('Via'),
          ...pick('From'),
          `${pick('To')[0] ?? 'To: <sip:x@y>'};tag=mcu1`,
          ...pick('Call-ID'),
          ...pick('CSeq'),
          'Server: test-mcu',
          'Content-Length: 0',
          '',
          '',
        ].join('\r\n'),
  )
}

interface Responder extends Listening {
  requests: string[]
}

async function udpResponder(replies: readonly Reply[]): Promise<Responder> {
  const requests: string[] = []
  const l = await listenUdp((data, from, socket) => {
    const text = data.toString('utf8')
    requests.push(text)
    for (const a of answers(text, replies)) socket.send(Buffer.from(a), from.port, from.address)
  })
  return { ...l, requests }
}

async function tcpResponder(replies: readonly Reply[]): Promise<Responder> {
  const requests: string[] = []
  const l = await listenTcp((s: Socket) => {
    let buf = ''
    s.on('data', (d: Buffer) => {
      buf += d.toString('utf8')
      if (!buf.includes('\r\n\r\n')) return
      requests.push(buf)
      // One write per answer, so a provisional and a final can arrive in separate segments or one.
      for (const a of answers(buf, replies)) s.write(a)
      buf = ''
    })
  })
  return { ...l, requests }
}

const ok200 = { status: 200, reason: 'OK' }
let open: Responder[] = []
afterEach(async () => {
  await Promise.all(open.map((r) => r.close()))
  open = []
})
const keep = (r: Responder) => (open.push(r), r)

describe.each(['udp', 'tcp'] as const)('checkSip over %s', (transport) => {
  const responder = (replies: readonly Reply[]) => (transport === 'udp' ? udpResponder(replies) : tcpResponder(replies)).then(keep)
  const target = (port: number, timeoutSeconds = 2, uri?: string) =>
    makeTarget('sip', { port, timeoutSeconds, options: { transport, ...(uri !== undefined && { uri }) } })

  it('200 OK is up, with status_code and response_seconds', async () => {
    const r = await responder([ok200])
    const out = await checkSip(target(r.port), makeCtx(2))
    expect(out.ok).toBe(true)
    expect(out.error).toBeUndefined()
    expect(out.measurements.status_code).toBe(200)
    expect(out.measurements.response_seconds).toBeGreaterThan(0)
    expect(out.measurements.response_seconds).toBeLessThan(1)
  })

  it('sends a well-formed OPTIONS request', async () => {
    const r = await responder([ok200])
    await checkSip(target(r.port, 2, 'sip:mcu@127.0.0.1'), makeCtx(2))
    const req = r.requests[0] ?? ''
    expect(req.startsWith('OPTIONS sip:mcu@127.0.0.1 SIP/2.0\r\n')).toBe(true)
    expect(req).toMatch(new RegExp(`^Via: SIP/2\\.0/${transport.toUpperCase()} 127\\.0\\.0\\.1:\\d+;branch=z9hG4bK[0-9a-f]+;rport\\r$`, 'm'))
    expect(req).toMatch(/^Max-Forwards: 70\r$/m)
    expect(req).toMatch(/^From: <sip:xanh-probe@127\.0\.0\.1>;tag=[0-9a-f]+\r$/m)
    expect(req).toMatch(/^To: <sip:mcu@127\.0\.0\.1>\r$/m)
    expect(req).toMatch(/^Call-ID: \S+\r$/m)
    expect(req).toMatch(/^CSeq: 1 OPTIONS\r$/m)
    expect(req).toMatch(/^Contact: <sip:xanh-probe@127\.0\.0\.1:\d+;transport=/m)
    expect(req.endsWith('Content-Length: 0\r\n\r\n')).toBe(true)
  })

  it('defaults the Request-URI to sip:host:port', async () => {
    const r = await responder([ok200])
    await checkSip(target(r.port), makeCtx(2))
    expect(r.requests[0]?.split('\r\n')[0]).toBe(`OPTIONS sip:127.0.0.1:${r.port} SIP/2.0`)
  })

  it('503 is down, naming the address', async () => {
    const r = await responder([{ status: 503, reason: 'Service Unavailable' }])
    const out = await checkSip(target(r.port), makeCtx(2))
    expect(out).toMatchObject({ ok: false, error: `503 Service Unavailable from 127.0.0.1:${r.port}`, measurements: { status_code: 503 } })
  })

  it('404 means the stack is alive: ok with the code measured', async () => {
    const r = await responder([{ status: 404, reason: 'Not Found' }])
    const out = await checkSip(target(r.port), makeCtx(2))
    expect(out).toMatchObject({ ok: true, measurements: { status_code: 404 } })
  })

  it('skips 100 Trying and takes the final 200', async () => {
    const r = await responder([{ status: 100, reason: 'Trying' }, ok200])
    const out = await checkSip(target(r.port), makeCtx(2))
    expect(out).toMatchObject({ ok: true, measurements: { status_code: 200 } })
  })

  it('ignores an answer to another transaction', async () => {
    const stale = 'SIP/2.0 503 Busy\r\nCall-ID: someone-else\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n'
    const r = await responder([{ raw: stale }, ok200])
    const out = await checkSip(target(r.port), makeCtx(2))
    expect(out).toMatchObject({ ok: true, measurements: { status_code: 200 } })
  })

  it('a silent server times out within the deadline, naming host:port', async () => {
    const r = await responder([])
    const started = performance.now()
    const out = await checkSip(target(r.port, 0.6), makeCtx(0.6))
    expect(out).toMatchObject({ ok: false, error: `timeout after 0.6s waiting for 127.0.0.1:${r.port}` })
    expect(performance.now() - started).toBeLessThan(1500)
  })

  it('garbage is an unparseable reply naming the address', async () => {
    const r = await responder([{ raw: 'HTTP/1.1 400 Bad Request\r\n\r\n' }])
    const out = await checkSip(target(r.port), makeCtx(2))
    expect(out).toMatchObject({ ok: false, error: `unparseable SIP reply from 127.0.0.1:${r.port}` })
  })

  it('a refused port is a clear failure', async () => {
    const port = transport === 'udp' ? await closedUdpPort() : await closedTcpPort()
    const out = await checkSip(target(port), makeCtx(2))
    expect(out.ok).toBe(false)
    expect(out.error).toContain(`127.0.0.1:${port}`)
    expect(out.error).toMatch(/refused/i)
  })
})

describe('checkSip over udp, retransmission', () => {
  it('retransmits after a lost request (RFC 3261 Timer E) and still gets the answer', async () => {
    let seen = 0
    const l = keep(
      Object.assign(
        await listenUdp((data, from, socket) => {
          if (seen++ === 0) return // drop the first transmission
          for (const a of answers(data.toString('utf8'), [ok200])) socket.send(Buffer.from(a), from.port, from.address)
        }),
        { requests: [] },
      ),
    )
    const out = await checkSip(makeTarget('sip', { port: l.port, timeoutSeconds: 2 }), makeCtx(2))
    expect(out).toMatchObject({ ok: true, measurements: { status_code: 200 } })
    expect(out.measurements.response_seconds).toBeGreaterThanOrEqual(0.45)
    expect(seen).toBe(2)
  })
})

describe('checkSip options', () => {
  it.each(['sip:a b@x', 'sip:x\r\nVia: evil', 'http://x', ''])('refuses the uri %j before sending anything', async (uri) => {
    const out = await checkSip(makeTarget('sip', { port: 5999, options: { uri } }), makeCtx(1))
    expect(out.ok).toBe(false)
    expect(out.error).toMatch(/^invalid sip uri for 127\.0\.0\.1:5999: /)
  })
})

describe('sip messages', () => {
  it('parses compact and folded headers', () => {
    const res = parseSipResponse('SIP/2.0 200 OK\r\ni: abc@x\r\nCSeq: 1\r\n OPTIONS\r\nl: 0\r\n\r\n')
    expect(res?.status).toBe(200)
    expect(res?.headers.get('call-id')).toEqual(['abc@x'])
    expect(res?.headers.get('cseq')).toEqual(['1 OPTIONS'])
    expect(res && answersTransaction(res, { callId: 'abc@x', cseq: 1, branch: 'z9hG4bKx' })).toBe(true)
  })

  it.each(['OPTIONS sip:x SIP/2.0\r\n\r\n', 'SIP/2.0 99 Low\r\n\r\n', 'SIP/2.0 200 OK\r\nno colon here\r\n\r\n', ''])('rejects %j', (text) => {
    expect(parseSipResponse(text)).toBeUndefined()
  })

  it('frames TCP messages by Content-Length', () => {
    const two = Buffer.from('\r\nSIP/2.0 100 Trying\r\nContent-Length: 3\r\n\r\nabcSIP/2.0 200 OK\r\nl: 0\r\n\r\n')
    const first = cutSipMessage(two, 1000)
    expect(first.kind).toBe('message')
    if (first.kind !== 'message') return
    expect(first.head.startsWith('SIP/2.0 100')).toBe(true)
    const second = cutSipMessage(first.rest, 1000)
    expect(second.kind === 'message' && second.rest.length).toBe(0)
    expect(cutSipMessage(Buffer.from('SIP/2.0 200 OK\r\nContent-Le'), 1000).kind).toBe('incomplete')
    expect(cutSipMessage(Buffer.from('HTTP/1.1 200'), 1000).kind).toBe('garbage')
    expect(cutSipMessage(Buffer.from('SIP/2.0 200 OK\r\n' + 'x'.repeat(2000)), 1000).kind).toBe('garbage')
  })

  it('builds IPv6 sent-by in brackets', () => {
    const req = buildOptionsRequest(newTransaction(), { transport: 'udp', requestUri: 'sip:[::1]:5060', localHost: '::1', localPort: 5070 })
    expect(req).toContain('Via: SIP/2.0/UDP [::1]:5070;branch=z9hG4bK')
    expect(req).toContain('From: <sip:xanh-probe@[::1]>;tag=')
  })
})
