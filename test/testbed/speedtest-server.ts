/**
 * The Xanh server app (with its `/api/v1/speedtest/*` routes) served on the far end of a testbed
 * commune, run inside its namespace:
 * `ip netns exec NS node --import tsx test/testbed/speedtest-server.ts --host 10.231.X.2`.
 * Built like the route tests build it (test/helpers/server.ts: real runtime, temp SQLite, one
 * probe), served with @hono/node-server on an ephemeral port. Prints
 * `{"ready":true,"port":…,"token":"…"}` (the probe's bearer token) once listening; exits when
 * stdin closes (its parent is gone) or on SIGTERM/SIGINT, removing its temp folder.
 * @module
 */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { parseArgs } from 'node:util'
import { serve } from '@hono/node-server'
import { giveThroughputTarget } from '../helpers/probe-targets'
import { makeTestServer } from '../helpers/server'
import { stopWithParent } from './far-process'

const { values } = parseArgs({ options: { host: { type: 'string' }, port: { type: 'string', default: '0' } } })
const host = values.host
if (!host) {
  console.error('usage: speedtest-server.ts --host ADDRESS [--port N]')
  process.exit(2)
}

const ts = makeTestServer({ env: { XANH_LOG_LEVEL: 'silent' } })
// The speedtest serves only probes that run a throughput target.
giveThroughputTarget(ts.runtime.store, ts.probeId)
// The runtime's clock is manual in route tests; here requests are timed for real.
setInterval(() => {
  ts.clock.now = Date.now()
}, 100).unref()
ts.clock.now = Date.now()

const server = serve({ fetch: ts.runtime.app.fetch, port: Number(values.port), hostname: host }, () => {
  const port = (server.address() as AddressInfo).port
  console.log(JSON.stringify({ ready: true, port, token: ts.token }))
}) as Server

stopWithParent(() => {
  server.closeAllConnections()
  server.close()
  ts.close()
  process.exit(0)
})
