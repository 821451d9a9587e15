/**
 * Local servers for probe tests, always on 127.0.0.1 port 0 (never a fixed port).
 * @module
 */
import { createServer as createTcpServer, type Server, type Socket } from 'node:net'
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram'
import type { AddressInfo } from 'node:net'

export interface Listening {
  port: number
  close(): Promise<void>
}

/** A TCP server that accepts and (optionally) handles each connection. */
export async function listenTcp(onConnection: (s: Socket) => void = (s) => s.end()): Promise<Listening & { server: Server }> {
  const sockets = new Set<Socket>()
  const server = createTcpServer((s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
    s.on('error', () => {})
    onConnection(s)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy()
        server.close(() => r())
      }),
  }
}

/** A port on 127.0.0.1 that was free a moment ago and now refuses connections. */
export async function closedTcpPort(): Promise<number> {
  const l = await listenTcp()
  await l.close()
  return l.port
}

/** An HTTP server with the given handler. */
export async function listenHttp(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<Listening & { url: string }> {
  const sockets = new Set<Socket>()
  const server = createHttpServer(handler)
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as AddressInfo).port
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy()
        server.close(() => r())
      }),
  }
}

/** A UDP socket bound to 127.0.0.1:0 that calls `onMessage` for each datagram. */
export async function listenUdp(
  onMessage: (data: Buffer, from: RemoteInfo, socket: UdpSocket) => void,
): Promise<Listening & { socket: UdpSocket }> {
  const socket = createSocket('udp4')
  socket.on('message', (d, r) => onMessage(d, r, socket))
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r))
  return {
    socket,
    port: socket.address().port,
    close: () => new Promise<void>((r) => socket.close(() => r())),
  }
}

/** A UDP port that was free a moment ago (nothing listens: the kernel answers port-unreachable). */
export async function closedUdpPort(): Promise<number> {
  const l = await listenUdp(() => {})
  await l.close()
  return l.port
}
