import { describe, expect, it } from 'vitest'
import { checkH323 } from '../../../probes/checks/h323'
import { makeCtx, makeTarget } from '../../helpers/probe-fixtures'
import { closedTcpPort, listenTcp } from '../../helpers/probe-listen'

describe('checkH323', () => {
  it('measures connect_seconds when the H.225 port accepts', async () => {
    const l = await listenTcp()
    try {
      const r = await checkH323(makeTarget('h323', { port: l.port }), makeCtx(5))
      expect(r.ok).toBe(true)
      expect(r.measurements.connect_seconds).toBeGreaterThan(0)
    } finally {
      await l.close()
    }
  })

  it('resolves ok:false naming host:port when the port is closed', async () => {
    const port = await closedTcpPort()
    const r = await checkH323(makeTarget('h323', { port }), makeCtx(5))
    expect(r).toEqual({ ok: false, error: `connect ECONNREFUSED 127.0.0.1:${port}`, measurements: {} })
  })

  it('defaults to port 1720', async () => {
    // Nothing listens on 127.0.0.1:1720 in the test environment; either way the address is named.
    const r = await checkH323(makeTarget('h323', { timeoutSeconds: 1 }), makeCtx(1))
    expect(r.ok ? 'open' : r.error).toMatch(/^open$|127\.0\.0\.1:1720/)
  })
})
