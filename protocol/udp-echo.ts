/**
 * Packet format of Xanh's UDP echo (TWAMP-light style, RFC 5357 appendix I in spirit):
 * the sender stamps a sequence number and its own clock, the reflector echoes the packet
 * back with its receive and send times. Fixed 40-byte header, then padding up to the
 * configured payload size. All integers big-endian.
 *
 * ```
 * 0      4   5     6        8     12        16            24            32            40
 * "XANH" ver  type  reserved seq   session   sender_tx_ns  refl_rx_ns    refl_tx_ns
 * ```
 * @module
 */

export const UDP_ECHO_MAGIC = 0x58414e48 // "XANH"
export const UDP_ECHO_VERSION = 1
export const UDP_ECHO_HEADER_BYTES = 40

export const UdpEchoType = { request: 0, reply: 1 } as const
export type UdpEchoType = (typeof UdpEchoType)[keyof typeof UdpEchoType]

export interface UdpEchoPacket {
  type: UdpEchoType
  seq: number
  /** Random per test run, so replies of an earlier run are not counted in a later one. */
  session: number
  /** Sender's clock in ns (any epoch; only the sender reads it back). */
  senderTxNs: bigint
  /** Reflector's wall clock in ns since the Unix epoch; 0 in requests. */
  reflectorRxNs: bigint
  reflectorTxNs: bigint
}

/**
 * Writes a packet into a buffer of `size` bytes (≥ 40); the padding is left as zeros.
 * @returns the buffer, ready for `socket.send`
 */
export function encodeUdpEcho(p: UdpEchoPacket, size = UDP_ECHO_HEADER_BYTES): Uint8Array {
  const buf = new Uint8Array(Math.max(size, UDP_ECHO_HEADER_BYTES))
  const v = new DataView(buf.buffer)
  v.setUint32(0, UDP_ECHO_MAGIC)
  v.setUint8(4, UDP_ECHO_VERSION)
  v.setUint8(5, p.type)
  v.setUint16(6, 0)
  v.setUint32(8, p.seq >>> 0)
  v.setUint32(12, p.session >>> 0)
  v.setBigUint64(16, p.senderTxNs)
  v.setBigUint64(24, p.reflectorRxNs)
  v.setBigUint64(32, p.reflectorTxNs)
  return buf
}

/**
 * Parses a datagram; returns `undefined` for anything that is not a well-formed Xanh echo
 * packet (garbage from a peer is data, not an exception).
 */
export function decodeUdpEcho(data: Uint8Array): UdpEchoPacket | undefined {
  if (data.byteLength < UDP_ECHO_HEADER_BYTES) return undefined
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength)
  if (v.getUint32(0) !== UDP_ECHO_MAGIC || v.getUint8(4) !== UDP_ECHO_VERSION) return undefined
  const type = v.getUint8(5)
  if (type !== UdpEchoType.request && type !== UdpEchoType.reply) return undefined
  return {
    type,
    seq: v.getUint32(8),
    session: v.getUint32(12),
    senderTxNs: v.getBigUint64(16),
    reflectorRxNs: v.getBigUint64(24),
    reflectorTxNs: v.getBigUint64(32),
  }
}

/**
 * Turns a request into its reply in place (same length, so padding is echoed), stamping the
 * reflector's receive and send times.
 * @returns false when `data` is not a request, in which case nothing is sent back
 */
export function toUdpEchoReply(data: Uint8Array, rxNs: bigint, txNs: bigint): boolean {
  const p = decodeUdpEcho(data)
  if (!p || p.type !== UdpEchoType.request) return false
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength)
  v.setUint8(5, UdpEchoType.reply)
  v.setBigUint64(24, rxNs)
  v.setBigUint64(32, txNs)
  return true
}
