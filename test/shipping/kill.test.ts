/**
 * `kill -9` of the probe CLI while batches pile up on disk (the server answers 503), then a
 * restart against a working server: every batch that reached the disk is delivered, nothing
 * twice, and a partial `*.tmp` write is ignored.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { ResultBatch, type ProbeConfig } from '../../protocol'
import { listenHttp, listenTcp, type Listening } from '../helpers/probe-listen'
import { commune } from '../helpers/server'
import { connectTargets, spawnAgent, startServer, tempDir, type AgentProcess, type RunningServer } from './harness'

const BATCHES_BEFORE_KILL = 6
const batchFiles = (dir: string): string[] => readdirSync(dir).filter((n) => /^\d{18}-\d{6}\.json$/.test(n))

describe('kill -9 of an agent with a disk spool', () => {
  const data = tempDir('xanh-kill-')
  const cleanups: (() => unknown)[] = []
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c()
    data.cleanup()
  })

  it('loses no batch that reached the disk, duplicates nothing, and drops partial writes', async () => {
    const tcp: Listening = await listenTcp()
    cleanups.push(() => tcp.close())
    const server: RunningServer = await startServer(data.dir)
    cleanups.push(() => server.stop())
    const { store } = server.runtime
    store.upsertCommune(commune('C1'))
    const { probe, token } = store.createProbe('kill-agent', 'test')
    for (const t of connectTargets(100, tcp.port, probe.id)) store.upsertTarget(t)

    // Phase 1: a server that hands out the real config but refuses every batch with 503.
    let refused = 0
    const config: ProbeConfig = { probeId: probe.id, generatedAt: new Date().toISOString(), targets: store.targetsForProbe(probe) }
    const down = await listenHttp((req, res) => {
      if (req.method === 'GET') return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(config))
      req.resume()
      req.on('end', () => {
        refused++
        res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '60' }).end('{"error":{"code":"E_UNAVAILABLE","message":"down"}}')
      })
    })
    cleanups.push(() => down.close())

    const spoolDir = join(data.dir, 'spool')
    const common = ['--token', token, '--spool-dir', spoolDir, '--batch-max-wait-seconds', '0.1']
    const first: AgentProcess = spawnAgent(['--server', down.url, ...common, '--log-level', 'debug'])
    cleanups.push(() => first.child.kill('SIGKILL'))
    await first.waitForLines((l) => l.msg === 'spool: batch written', BATCHES_BEFORE_KILL, 20_000)
    // Batches keep being written every 100 ms: the kill lands among writes.
    first.child.kill('SIGKILL')
    expect(await first.exited).toBe(null)
    expect(refused).toBeGreaterThan(0)

    const survivors = batchFiles(spoolDir)
    expect(survivors.length).toBeGreaterThanOrEqual(BATCHES_BEFORE_KILL)
    // A result is identified by its target and observed time (the store's exactly-once key).
    const ids = new Set<string>()
    for (const f of survivors) for (const r of ResultBatch.parse(JSON.parse(readFileSync(join(spoolDir, f), 'utf8'))).results) ids.add(`${r.targetId}\u0000${Date.parse(r.observedAt)}`)
    // A write cut short by a crash: never acknowledged, must be neither sent nor dead-lettered.
    const partial = `${survivors.at(-1)?.slice(0, 18) ?? '000000000000000000'}-999999.json.tmp`
    writeFileSync(join(spoolDir, partial), `{"protocolVersion":1,"probeId":"${probe.id}","sentAt":"2026-`)

    // Phase 2: the real server.
    const second = spawnAgent(['--server', server.url, ...common, '--log-level', 'info', '--drain-seconds', '10'])
    cleanups.push(() => second.child.kill('SIGKILL'))
    const opened = await second.waitForLine((l) => l.msg === 'spool opened', 15_000)
    expect(opened).toMatchObject({ partialFilesRemoved: 1 })
    expect(opened.batches).toBeGreaterThanOrEqual(survivors.length)

    const has = (key: string): boolean => {
      const [target = '', at = '0'] = key.split('\u0000')
      return server.runtime.store.results.range(target, Number(at), Number(at) + 1).length === 1
    }
    const missing = (): string[] => [...ids].filter((id) => !has(id))
    await vi.waitFor(() => expect(missing()).toEqual([]), { timeout: 15_000, interval: 50 })
    second.child.kill('SIGTERM')
    expect(await second.exited).toBe(0)

    const counts = server.counts()
    expect(counts.distinct).toBe(counts.rows)
    expect(counts.rows).toBeGreaterThanOrEqual(ids.size)
    expect(readdirSync(spoolDir).filter((n) => n.endsWith('.tmp'))).toEqual([])
    expect(readdirSync(join(spoolDir, 'dead-letter'))).toEqual([])
    expect(batchFiles(spoolDir)).toEqual([])
  }, 40_000)
})
