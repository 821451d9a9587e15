import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino, type Logger } from 'pino'
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import { DEAD_LETTER_DIR, openDiskSpool, type DiskSpoolIo, type DiskSpoolOptions } from '../../../probes/ship/disk-spool'
import { createIngestClient } from '../../../probes/ship/client'
import { createShipper, type Shipper } from '../../../probes/ship/shipper'
import { silentLog } from '../../helpers/probe-fixtures'
import { startFakeIngest, type FakeIngest } from '../../helpers/probe-ingest-server'
import { batchOf, runSpoolContract } from './spool.contract'

const dirs: string[] = []
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'xanh-spool-'))
  dirs.push(d)
  return d
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

/** A logger that keeps its lines, to assert that the operator is told. */
function recordingLog(): { log: Logger; lines: { level: number; msg: string; [k: string]: unknown }[] } {
  const lines: { level: number; msg: string }[] = []
  const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s) as { level: number; msg: string }) })
  return { log, lines }
}

const open = (dir: string, extra: Partial<DiskSpoolOptions> = {}) => openDiskSpool({ dir, maxBytes: 1e9, maxBatches: 1000, log: silentLog(), ...extra })
const oneResult = () => {
  const r = batchOf(1, 'r').results[0]
  if (!r) throw new Error('batchOf(1) has one result')
  return r
}
const batchFiles = (dir: string): string[] => readdirSync(dir).filter((n) => n.endsWith('.json')).sort()

runSpoolContract('disk', async (caps) => openDiskSpool({ dir: tempDir(), ...caps, log: silentLog() }))

describe('disk spool', () => {
  afterEach(() => {
    vi.restoreAllMocks()
  })

  it('writes one file per batch, named so that names sort oldest first, and no *.tmp remains', async () => {
    const dir = tempDir()
    const s = await open(dir)
    for (const tag of ['a', 'b', 'c']) await s.append(batchOf(1, tag))
    const files = readdirSync(dir).filter((n) => n !== DEAD_LETTER_DIR)
    expect(files).toHaveLength(3)
    expect(files.every((f) => /^\d{18}-\d{6}\.json$/.test(f))).toBe(true)
    const tags = batchFiles(dir).map((f) => (JSON.parse(readFileSync(join(dir, f), 'utf8')) as { results: { targetId: string }[] }).results[0]?.targetId)
    expect(tags).toEqual(['a-0', 'b-0', 'c-0'])
  })

  it('survives a restart: a reopened spool replays the same batches in the same order', async () => {
    const dir = tempDir()
    const first = await open(dir)
    const appended = [batchOf(2, 'a'), batchOf(2, 'b'), batchOf(2, 'c')]
    for (const b of appended) await first.append(b)
    await first.remove((await first.oldest())?.key ?? '')
    const before = await first.size()

    const again = await open(dir)
    expect(again.opened).toMatchObject({ batches: 2, bytes: before.bytes, partialFilesRemoved: 0 })
    expect(await again.size()).toEqual({ batches: 2, bytes: before.bytes, droppedBatches: 0 })
    expect((await again.oldest())?.batch).toEqual(appended[1])
    // New batches go after the old ones.
    await again.append(batchOf(1, 'd'))
    const order: string[] = []
    for (let e = await again.oldest(); e; e = await again.oldest()) {
      order.push(e.batch.results[0]?.targetId ?? '')
      await again.remove(e.key)
    }
    expect(order).toEqual(['b-0', 'c-0', 'd-0'])
    expect(batchFiles(dir)).toEqual([])
  })

  it('removes *.tmp leftovers on open and ignores files that are not batches', async () => {
    const dir = tempDir()
    const s = await open(dir)
    await s.append(batchOf(1, 'kept'))
    writeFileSync(join(dir, '000009999999999999-000000.json.tmp'), '{"protocolVersion":1,"probeId":"p","sentAt":"2026-')
    writeFileSync(join(dir, 'notes.txt'), 'hello')
    const { log, lines } = recordingLog()
    const again = await open(dir, { log })
    expect(again.opened).toMatchObject({ batches: 1, partialFilesRemoved: 1 })
    expect(readdirSync(dir).some((n) => n.endsWith('.tmp'))).toBe(false)
    expect(readdirSync(dir)).toContain('notes.txt')
    expect((await again.oldest())?.batch.results[0]?.targetId).toBe('kept-0')
    expect(lines.map((l) => l.msg)).toContain('spool: removed partial batch files left by an interrupted write')
  })

  it.each([
    ['truncated JSON', '{"protocolVersion":1,"probeId":"p","res'],
    ['JSON that is not a batch', '{"hello":"world"}'],
  ])('moves a corrupt batch file (%s) to dead-letter/ with a reason, counts it, and goes on', async (_name, text) => {
    const dir = tempDir()
    writeFileSync(join(dir, '000000000000000001-000000.json'), text)
    const { log, lines } = recordingLog()
    const s = await open(dir, { log })
    await s.append(batchOf(1, 'good'))
    expect((await s.oldest())?.batch.results[0]?.targetId).toBe('good-0')
    expect(await s.size()).toMatchObject({ batches: 1, droppedBatches: 1 })
    const dead = readdirSync(join(dir, DEAD_LETTER_DIR)).sort()
    expect(dead).toEqual(['000000000000000001-000000.json', '000000000000000001-000000.reason.json'])
    const reason = JSON.parse(readFileSync(join(dir, DEAD_LETTER_DIR, '000000000000000001-000000.reason.json'), 'utf8')) as { kind: string; reason: string }
    expect(reason.kind).toBe('corrupt')
    expect(lines.some((l) => l.msg === 'spool: corrupt batch file moved to dead-letter/' && l.level === 50)).toBe(true)
  })

  it('dead-letters a rejected batch with the server error code in a reason file', async () => {
    const dir = tempDir()
    const s = await open(dir)
    const b = batchOf(1, 'bad')
    await s.append(b)
    const key = (await s.oldest())?.key ?? ''
    await s.deadLetter(key, { status: 400, code: 'E_VALIDATION', reason: 'http 400: results.0.kind invalid' })
    expect(batchFiles(dir)).toEqual([])
    expect(JSON.parse(readFileSync(join(dir, DEAD_LETTER_DIR, `${key}.json`), 'utf8'))).toEqual(b)
    expect(JSON.parse(readFileSync(join(dir, DEAD_LETTER_DIR, `${key}.reason.json`), 'utf8'))).toMatchObject({ kind: 'rejected', status: 400, code: 'E_VALIDATION' })
    // A reopened spool does not replay dead letters.
    expect(await (await open(dir)).oldest()).toBeUndefined()
  })

  it('caps dead-letter/ by bytes, deleting the oldest dead letters', async () => {
    const dir = tempDir()
    const one = Buffer.byteLength(JSON.stringify(batchOf(1)))
    const s = await open(dir, { deadLetterMaxBytes: one * 2.5 })
    for (const tag of ['a', 'b', 'c', 'd']) {
      await s.append(batchOf(1, tag))
      await s.deadLetter((await s.oldest())?.key ?? '', { status: 401, code: 'E_UNAUTHORIZED_PROBE', reason: 'http 401' })
    }
    const kept = readdirSync(join(dir, DEAD_LETTER_DIR)).filter((n) => !n.endsWith('.reason.json'))
    expect(kept.length).toBeLessThanOrEqual(2)
    const tags = kept.map((f) => (JSON.parse(readFileSync(join(dir, DEAD_LETTER_DIR, f), 'utf8')) as { results: { targetId: string }[] }).results[0]?.targetId)
    expect(tags.at(-1)).toBe('d-0')
  })

  it('deletes the files of batches dropped by the cap', async () => {
    const dir = tempDir()
    const s = await open(dir, { maxBatches: 2 })
    for (const tag of ['a', 'b', 'c', 'd']) await s.append(batchOf(1, tag))
    expect(batchFiles(dir)).toHaveLength(2)
    expect(await s.size()).toMatchObject({ batches: 2, droppedBatches: 2 })
    // A lower cap on reopen applies at once.
    const again = await open(dir, { maxBatches: 1 })
    expect(await again.size()).toMatchObject({ batches: 1, droppedBatches: 1 })
    expect((await again.oldest())?.batch.results[0]?.targetId).toBe('d-0')
  })

  it('keeps FIFO order when the wall clock steps back (names never go backwards)', async () => {
    const dir = tempDir()
    const now = vi.spyOn(Date, 'now').mockReturnValue(Date.parse('2026-06-01T00:00:00Z'))
    const s = await open(dir)
    await s.append(batchOf(1, 'before'))
    now.mockReturnValue(Date.parse('2020-01-01T00:00:00Z'))
    await s.append(batchOf(1, 'after'))
    const again = await open(dir)
    await again.append(batchOf(1, 'reopened'))
    const order: string[] = []
    for (let e = await again.oldest(); e; e = await again.oldest()) {
      order.push(e.batch.results[0]?.targetId ?? '')
      await again.remove(e.key)
    }
    expect(order).toEqual(['before-0', 'after-0', 'reopened-0'])
  })

  it('never reuses the name of a dead letter, even after the clock stepped back', async () => {
    const dir = tempDir()
    const now = vi.spyOn(Date, 'now').mockReturnValue(Date.parse('2026-06-01T00:00:00Z'))
    const s = await open(dir)
    await s.append(batchOf(1, 'rejected'))
    const key = (await s.oldest())?.key ?? ''
    await s.deadLetter(key, { status: 400, reason: 'http 400' })
    now.mockReturnValue(Date.parse('2020-01-01T00:00:00Z'))
    const again = await open(dir)
    await again.append(batchOf(1, 'new'))
    expect(((await again.oldest())?.key ?? '') > key).toBe(true)
    expect(readdirSync(join(dir, DEAD_LETTER_DIR))).toContain(`${key}.json`)
  })

  describe('a disk that refuses writes', () => {
    const failing = (code: string): DiskSpoolIo & { fail: boolean } => {
      const io = {
        fail: true,
        async writeDurably(path: string, data: Buffer) {
          if (io.fail) throw Object.assign(new Error(`${code}: no space left on device, write`), { code })
          writeFileSync(path, data)
        },
      }
      return io
    }

    it.each(['ENOSPC', 'EDQUOT'])('%s: logs once, keeps batches in memory in order, and recovers when writes work again', async (code) => {
      const dir = tempDir()
      const io = failing(code)
      const { log, lines } = recordingLog()
      const s = await open(dir, { io, log })
      await expect(s.append(batchOf(1, 'm1'))).resolves.toBeUndefined()
      await s.append(batchOf(1, 'm2'))
      expect(s.memoryBatches()).toBe(2)
      expect(batchFiles(dir)).toEqual([])
      const errors = lines.filter((l) => l.level === 50)
      expect(errors).toHaveLength(1)
      expect(errors[0]?.msg).toContain(`spool disk full (${code}) in ${dir}`)
      io.fail = false
      await s.append(batchOf(1, 'd1'))
      expect(batchFiles(dir)).toHaveLength(1)
      expect(lines.map((l) => l.msg)).toContain('spool: disk writable again; new batches are durable again')
      const order: string[] = []
      for (let e = await s.oldest(); e; e = await s.oldest()) {
        order.push(e.batch.results[0]?.targetId ?? '')
        await s.remove(e.key)
      }
      expect(order).toEqual(['m1-0', 'm2-0', 'd1-0'])
      expect(await s.size()).toEqual({ batches: 0, bytes: 0, droppedBatches: 0 })
    })

    it('bounds the memory fallback: beyond maxMemoryBytes the oldest are dropped and counted', async () => {
      const one = Buffer.byteLength(JSON.stringify(batchOf(1)))
      const s = await open(tempDir(), { io: failing('ENOSPC'), maxMemoryBytes: one * 2.5 })
      for (const tag of ['a', 'b', 'c', 'd']) await s.append(batchOf(1, tag))
      expect(await s.size()).toMatchObject({ batches: 2, droppedBatches: 2 })
      expect((await s.oldest())?.batch.results[0]?.targetId).toBe('c-0')
    })
  })
})

describe('shipper with a disk spool', () => {
  let ingest: FakeIngest
  let shipper: Shipper | undefined
  afterEach(async () => {
    await shipper?.stop()
    shipper = undefined
    await ingest.close()
  })

  const make = async (dir: string): Promise<Shipper> => {
    ingest = await startFakeIngest()
    shipper = createShipper({
      client: createIngestClient({ serverUrl: ingest.url, token: 't', timeoutMs: 2000 }),
      spool: await open(dir),
      log: silentLog(),
      probeId: () => 'probe-1',
      agentStatus: () => ({ version: 'test', overruns: 0, unavailable: [] }),
      batchMaxResults: 1000,
      batchMaxWaitMs: 10,
      heartbeatSeconds: 0,
      backoffBaseMs: 10,
      backoffMaxMs: 20,
      maxRetryAfterMs: 1000,
    })
    return shipper
  }

  it('the batch is on disk while the server fails and is deleted only after the 2xx', async () => {
    const dir = tempDir()
    const s = await make(dir)
    ingest.script.push({ status: 503 }, { status: 503 })
    s.start()
    s.push(oneResult())
    await ingest.waitFor(1)
    expect(batchFiles(dir)).toHaveLength(1)
    await s.whenIdle()
    expect(ingest.received.map((r) => r.answeredWith)).toEqual([503, 503, 202])
    expect(batchFiles(dir)).toEqual([])
    expect(s.stats().lastDeliveryAt).not.toBeNull()
  })

  it('a 400 goes to dead-letter/ with the code, and is not retried', async () => {
    const dir = tempDir()
    const s = await make(dir)
    ingest.script.push({ status: 400, body: { error: { code: 'E_VALIDATION', message: 'bad' } } })
    s.start()
    s.push(oneResult())
    await ingest.waitFor(1)
    await s.whenIdle()
    expect(ingest.received).toHaveLength(1)
    const reasons = readdirSync(join(dir, DEAD_LETTER_DIR)).filter((n) => n.endsWith('.reason.json'))
    expect(reasons).toHaveLength(1)
    expect(JSON.parse(readFileSync(join(dir, DEAD_LETTER_DIR, reasons[0] ?? ''), 'utf8'))).toMatchObject({ status: 400, code: 'E_VALIDATION' })
    expect(s.status().droppedBatches).toBe(1)
  })

  it('replays what a previous run left on disk, reporting its depth in the first batch', async () => {
    const dir = tempDir()
    const previous = await open(dir)
    for (const tag of ['old1', 'old2']) await previous.append(batchOf(1, tag))
    const s = await make(dir)
    s.start()
    await s.whenIdle()
    await ingest.waitFor(2)
    expect(ingest.received.map((r) => r.batch?.results[0]?.targetId)).toEqual(['old1-0', 'old2-0'])
    expect(ingest.received[0]?.batch?.status?.spoolBatches).toBe(2)
    expect(batchFiles(dir)).toEqual([])
  })
})
