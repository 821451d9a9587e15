/**
 * Xanh UDP echo reflector for the testbed's far end, run inside a namespace:
 * `ip netns exec NS node --import tsx test/testbed/reflector.ts --host 10.231.X.2 --port 0`.
 * Answers requests with protocol's toUdpEchoReply (reflector rx/tx stamps), prints
 * `{"ready":true,"host":…,"port":…}` once bound, and exits when stdin closes (its parent is gone)
 * or on SIGTERM/SIGINT.
 * @module
 */
import { createSocket } from 'node:dgram'
import { isIPv6 } from 'node:net'
import { parseArgs } from 'node:util'
import { toUdpEchoReply } from '../../protocol'
import { stopWithParent } from './far-process'

const { values } = parseArgs({ options: { host: { type: 'string' }, port: { type: 'string', default: '0' } } })
const host = values.host
if (!host) {
  console.error('usage: reflector.ts --host ADDRESS [--port N]')
  process.exit(2)
}
const port = Number(values.port)

// Wall-clock ns from a monotonic source, as the protocol asks (only differences are read back).
const epochNs = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint()
const wallNs = (): bigint => epochNs + process.hrtime.bigint()

const socket = createSocket(isIPv6(host) ? 'udp6' : 'udp4')
let replies = 0
socket.on('message', (msg, from) => {
  const rx = wallNs()
  if (!toUdpEchoReply(msg, rx, wallNs())) return
  replies++
  socket.send(msg, from.port, from.address)
})
socket.on('error', (err) => {
  console.error(`reflector: ${err.message}`)
  process.exit(1)
})
socket.bind(port, host, () => {
  console.log(JSON.stringify({ ready: true, host, port: socket.address().port }))
})

stopWithParent(() => {
  console.error(`reflector: ${replies} replies`)
  socket.close()
  process.exit(0)
})
