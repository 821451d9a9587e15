/**
 * `npm start` (main.ts) as a child: the UDP echo reflector on XANH_UDP_ECHO_PORT answers, the
 * embedded probe spools under `<dataDir>/spool/embedded`, and a busy reflector port is logged
 * while the server runs on.
 */
import { spawn } from 'node:child_process'
import { createSocket, type Socket } from 'node:dgram'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { afterAll, describe, expect, it } from 'vitest'
import { UdpEchoType, decodeUdpEcho, encodeUdpEcho } from '../../protocol'
import { ROOT, tempDir, type LogLine } from './harness'

/** Deadline for main.ts to start (it may have to build the dashboard first). */
const START_MS = 60_000

async function bindUdp(port = 0): Promise<Socket> {
  const s = createSocket('udp4')
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject)
    s.bind(port, '127.0.0.1', () => resolve())
  })
  return s
}

/** Starts main.ts; resolves once it logs that it listens. */
async function startMain(dataDir: string, udpEchoPort: number) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('XANH_')))
  const child = spawn(process.execPath, ['--import', 'tsx', 'main.ts'], {
    cwd: ROOT,
    env: { ...env, XANH_PORT: '0', XANH_HOST: '127.0.0.1', XANH_DATA_DIR: dataDir, XANH_DEMO: '0', XANH_UDP_ECHO_PORT: String(udpEchoPort), XANH_ADMIN_PASSWORD: 'correct-horse-battery' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const lines: LogLine[] = []
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`main.ts did not start:\n${stderr}`)), START_MS)
    child.once('exit', () => reject(new Error(`main.ts exited:\n${stderr}`)))
    createInterface({ input: child.stdout }).on('line', (text) => {
      try {
        lines.push(JSON.parse(text) as LogLine)
      } catch {
        return
      }
      const m = /listening on http:\/\/localhost:(\d+)/.exec(lines.at(-1)?.msg ?? '')
      if (m?.[1]) {
        clearTimeout(timer)
        resolve(`http://127.0.0.1:${m[1]}`)
      }
    })
  })
  return {
    url,
    lines,
    async stop(): Promise<number | null> {
      child.kill('SIGTERM')
      return exited
    },
  }
}

describe('main.ts: reflector and embedded spool', () => {
  const data = tempDir('xanh-main-refl-')
  afterAll(() => data.cleanup())

  it('answers udp echo on XANH_UDP_ECHO_PORT and spools the embedded probe under the data dir', async () => {
    const probe = await bindUdp()
    const port = probe.address().port
    // Hand the port to main.ts; a race with another process taking it in between is harmless here.
    await new Promise<void>((r) => probe.close(() => r()))
    const main = await startMain(join(data.dir, 'ok'), port)
    try {
      expect(main.lines.map((l) => l.msg)).toContain(`udp echo reflector listening on 127.0.0.1:${port}/udp`)
      expect(existsSync(join(data.dir, 'ok', 'spool', 'embedded', 'dead-letter'))).toBe(true)
      const client = await bindUdp()
      const reply = new Promise<Buffer>((r) => client.once('message', r))
      client.send(encodeUdpEcho({ type: UdpEchoType.request, seq: 9, session: 1, senderTxNs: 1n, reflectorRxNs: 0n, reflectorTxNs: 0n }), port, '127.0.0.1')
      expect(decodeUdpEcho(await reply)).toMatchObject({ type: UdpEchoType.reply, seq: 9 })
      client.close()
    } finally {
      expect(await main.stop()).toBe(0)
    }
  }, START_MS + 10_000)

  it('logs a busy reflector port and keeps serving', async () => {
    const squatter = await bindUdp()
    const port = squatter.address().port
    try {
      const main = await startMain(join(data.dir, 'busy'), port)
      const line = main.lines.find((l) => l.msg.startsWith('udp echo reflector not started'))
      expect(line?.msg).toContain(`127.0.0.1:${port}/udp is already in use`)
      expect(line?.level).toBe(50)
      expect((await fetch(`${main.url}/healthz`)).status).toBe(200)
      expect(await main.stop()).toBe(0)
    } finally {
      squatter.close()
    }
  }, START_MS + 10_000)
})
