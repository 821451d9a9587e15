/**
 * A stand-in MCU endpoint for the testbed's far end, run inside a namespace:
 * `ip netns exec NS node --import tsx test/testbed/mcu.ts --host 10.231.X.2`.
 * Answers SIP OPTIONS over UDP with 200 OK (RFC 3261 §11: Via, From, To with a tag, Call-ID
 * and CSeq copied) and accepts TCP connections on an H.323 (H.225) port; prints
 * `{"ready":true,"sip":…,"h323":…}` once bound, exits when stdin closes or on SIGTERM/SIGINT.
 * @module
 */
import { createSocket } from 'node:dgram'
import { createServer } from 'node:net'
import { parseArgs } from 'node:util'
import { stopWithParent } from './far-process'

const { values } = parseArgs({ options: { host: { type: 'string' } } })
const host = values.host
if (!host) {
  console.error('usage: mcu.ts --host ADDRESS')
  process.exit(2)
}

const sip = createSocket('udp4')
sip.on('message', (msg, from) => {
  const text = msg.toString('latin1')
  if (!text.startsWith('OPTIONS ')) return
  const headers = (name: string) => text.split('\r\n').filter((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`))
  const to = headers('To')[0] ?? 'To: <sip:mcu@testbed>'
  const reply = ['SIP/2.0 200 OK', ...headers('Via'), ...headers('From'), /;tag=/i.test(to) ? to : `${to};tag=tb1`, ...headers('Call-ID'), ...headers('CSeq'), 'Content-Length: 0', '', ''].join('\r\n')
  sip.send(Buffer.from(reply, 'latin1'), from.port, from.address)
})
const h323 = createServer((s) => {
  s.on('error', () => undefined)
  s.end()
})
sip.bind(0, host, () => {
  h323.listen(0, host, () => {
    const tcp = h323.address()
    console.log(JSON.stringify({ ready: true, sip: sip.address().port, h323: typeof tcp === 'object' && tcp ? tcp.port : 0 }))
  })
})
stopWithParent(() => {
  sip.close()
  h323.close()
  process.exit(0)
})
