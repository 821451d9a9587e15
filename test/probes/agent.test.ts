import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ProbeStatus, type CheckResult } from '../../protocol'
import { createAgent, type Agent, type AgentOptions } from '../../probes/agent'
import { unsupportedReasons } from '../../probes/checks/index'
import { makeTarget, silentLog } from '../helpers/probe-fixtures'
import { closedTcpPort, listenTcp, type Listening } from '../helpers/probe-listen'
import { startFakeIngest, type FakeIngest } from '../helpers/probe-ingest-server'

describe('agent', () => {
  let server: FakeIngest
  let tcp: Listening
  let agent: Agent | undefined
  beforeEach(async () => {
    server = await startFakeIngest()
    tcp = await listenTcp()
  })
  afterEach(async () => {
    await agent?.stop()
    agent = undefined
    await tcp.close()
    await server.close()
  })

  const make = (extra: Partial<AgentOptions> = {}) => {
    agent = createAgent({
      serverUrl: server.url,
      token: 'probe-token',
      log: silentLog(),
      version: '0.1.0-test',
      tools: {},
      timing: { batchMaxWaitMs: 30, heartbeatSeconds: 0, configPollSeconds: 60, backoffBaseMs: 10, backoffMaxMs: 50 },
      ...extra,
    })
    return agent
  }

  /** Every result the server has received so far. */
  const shipped = (): CheckResult[] => server.received.flatMap((r) => r.batch?.results ?? [])

  /** Waits, request by request, until the server has results for all `ids`. */
  async function waitForTargets(ids: string[]): Promise<void> {
    while (!ids.every((id) => shipped().some((r) => r.targetId === id))) await server.waitFor(server.received.length + 1)
  }

  it('pulls its targets, runs them and ships stamped results with status', async () => {
    server.config = {
      probeId: 'probe-7',
      generatedAt: '2026-01-01T00:00:00.000Z',
      targets: [
        makeTarget('tcp', { id: 'line-tcp', port: tcp.port, intervalSeconds: 1, timeoutSeconds: 1 }),
        makeTarget('icmp', { id: 'line-icmp', intervalSeconds: 1, timeoutSeconds: 1 }),
        makeTarget('sip', { id: 'mcu-sip', port: 5060, intervalSeconds: 1, timeoutSeconds: 1 }),
      ],
    }
    const a = make()
    await a.start()
    expect(server.configRequests[0]?.headers.authorization).toBe('Bearer probe-token')
    await waitForTargets(['line-tcp', 'line-icmp', 'mcu-sip'])

    for (const req of server.received) {
      expect(req.invalid).toBeUndefined()
      expect(req.batch?.probeId).toBe('probe-7')
      expect(req.batch?.status?.version).toBe('0.1.0-test')
      expect(req.batch?.status?.unavailable).toEqual(['icmp: neither fping nor ping is installed on this agent', ...unsupportedReasons()])
    }
    const byId = (id: string) => shipped().find((r) => r.targetId === id)
    expect(byId('line-tcp')).toMatchObject({ ok: true, kind: 'tcp' })
    expect(byId('line-tcp')?.measurements.connect_seconds).toBeGreaterThan(0)
    expect(byId('line-icmp')).toMatchObject({ ok: false, error: 'icmp: neither fping nor ping is installed on this agent' })
    // Nothing answers SIP on 127.0.0.1:5060 here: a real check, failing with the address.
    expect(byId('mcu-sip')).toMatchObject({ ok: false, kind: 'sip' })
    expect(byId('mcu-sip')?.error).toContain('127.0.0.1:5060')

    expect(ProbeStatus.safeParse(a.status()).success).toBe(true)
    expect(a.stats()).toMatchObject({ probeId: 'probe-7', targets: 3, configTargets: 3 })
  })

  it('an explicit probeId wins over the config answer', async () => {
    server.config = { probeId: 'from-server', generatedAt: '2026-01-01T00:00:00.000Z', targets: [makeTarget('tcp', { id: 'x', port: tcp.port, intervalSeconds: 1, timeoutSeconds: 1 })] }
    await make({ probeId: 'configured' }).start()
    await waitForTargets(['x'])
    expect(server.received[0]?.batch?.probeId).toBe('configured')
  })

  it('stop drains results that are still buffered', async () => {
    server.config = { probeId: 'p', generatedAt: '2026-01-01T00:00:00.000Z', targets: [makeTarget('tcp', { id: 'x', port: tcp.port, intervalSeconds: 1, timeoutSeconds: 1 })] }
    const a = make({ timing: { batchMaxWaitMs: 60_000, heartbeatSeconds: 0 } })
    await a.start()
    // Results wait for a batch that would only be cut in a minute; stop must ship them anyway.
    await vi.waitFor(() => expect(a.stats().scheduler.completed).toBeGreaterThan(0), { timeout: 3000 })
    expect(server.received).toHaveLength(0)
    await a.stop({ drainTimeoutMs: 2000 })
    expect(shipped().map((r) => r.targetId)).toContain('x')
  })

  it('starts (and stops) without a reachable server, keeping nothing running', async () => {
    const a = make({ serverUrl: `http://127.0.0.1:${await closedTcpPort()}` })
    await expect(a.start()).resolves.toBeUndefined()
    expect(a.stats()).toMatchObject({ probeId: undefined, targets: 0 })
    const started = performance.now()
    await a.stop({ drainTimeoutMs: 1000 })
    expect(performance.now() - started).toBeLessThan(500)
  })
})
