import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ProbeConfig } from '../../protocol'
import { createConfigClient } from '../../probes/config-client'
import { makeTarget, silentLog } from '../helpers/probe-fixtures'
import { closedTcpPort } from '../helpers/probe-listen'
import { startFakeIngest, type FakeIngest } from '../helpers/probe-ingest-server'

const configWith = (ids: string[]): ProbeConfig => ({
  probeId: 'probe-7',
  generatedAt: '2026-01-01T00:00:00.000Z',
  targets: ids.map((id) => makeTarget('tcp', { id, port: 80 })),
})

describe('config client', () => {
  let server: FakeIngest
  let applied: ProbeConfig[]
  beforeEach(async () => {
    server = await startFakeIngest()
    applied = []
  })
  afterEach(() => server.close())

  const client = (serverUrl = server.url) =>
    createConfigClient({ serverUrl, token: 'tok', log: silentLog(), pollSeconds: 60, timeoutMs: 2000, onConfig: (c) => applied.push(c) })

  it('fetches with the bearer token, then sends If-None-Match and treats 304 as unchanged', async () => {
    server.config = configWith(['a', 'b'])
    const c = client()
    expect(await c.refresh()).toMatchObject({ kind: 'updated', rejectedTargets: 0 })
    expect(await c.refresh()).toEqual({ kind: 'unchanged' })
    expect(server.configRequests.map((r) => r.status)).toEqual([200, 304])
    expect(server.configRequests[0]?.headers.authorization).toBe('Bearer tok')
    expect(server.configRequests[0]?.headers['if-none-match']).toBeUndefined()
    expect(server.configRequests[1]?.headers['if-none-match']).toMatch(/^".+"$/)
    expect(applied).toHaveLength(1)
    expect(applied[0]?.targets.map((t) => t.id)).toEqual(['a', 'b'])
  })

  it('hands a changed list over again', async () => {
    server.config = configWith(['a'])
    const c = client()
    await c.refresh()
    server.config = configWith(['a', 'c'])
    await c.refresh()
    expect(applied.map((x) => x.targets.length)).toEqual([1, 2])
  })

  it('keeps the last good list when the server answers garbage, an error, or is down', async () => {
    server.config = configWith(['a'])
    const c = client()
    await c.refresh()
    server.config = { hello: 'world' }
    expect(await c.refresh()).toMatchObject({ kind: 'failed' })
    server.config = undefined
    expect(await c.refresh()).toMatchObject({ kind: 'failed', reason: expect.stringContaining('http 503') })
    expect(c.current()?.targets.map((t) => t.id)).toEqual(['a'])
    expect(applied).toHaveLength(1)

    const down = client(`http://127.0.0.1:${await closedTcpPort()}`)
    expect(await down.refresh()).toMatchObject({ kind: 'failed', reason: expect.stringContaining('ECONNREFUSED') })
  })

  it('keeps the valid targets of a list with one it cannot read', async () => {
    const good = configWith(['a', 'b'])
    server.config = { ...good, targets: [...good.targets, { id: 'future', kind: 'quantum', host: 'x' }] }
    const c = client()
    expect(await c.refresh()).toMatchObject({ kind: 'updated', rejectedTargets: 1 })
    expect(applied[0]?.targets.map((t) => t.id)).toEqual(['a', 'b'])
  })
})
