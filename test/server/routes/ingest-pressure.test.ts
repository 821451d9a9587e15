/**
 * Ingest under pressure (issue 15): past `ingest.maxInFlight` batches in progress the next one is
 * answered 429 with Retry-After before its body is read; on a full disk (a real, small tmpfs the
 * test mounts) a batch is answered 503 with Retry-After and nothing of it is stored, reads go on,
 * and ingest resumes by itself once space returns.
 */
import { execFileSync } from 'node:child_process'
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { loadServerConfig } from '../../../server/config'
import { createServerRuntime, type ServerRuntime } from '../../../server/runtime'
import { openDatabase, type OpenedDb } from '../../../server/store/db'
import { hashPassword } from '../../../server/auth'
import { loopUtilization } from '../../../server/loop-pressure'
import { batch, commune, makeTestServer, result, udpTarget, type TestServer } from '../../helpers/server'

const cleanups: Array<() => void> = []
afterEach(() => {
  for (const f of cleanups.splice(0).reverse()) f()
})

describe('back-pressure', () => {
  let s: TestServer

  /** A request whose body arrives only when `release` is called; `reading` resolves once the server reads it. */
  function heldRequest(body: string): { response: Promise<Response>; reading: Promise<void>; release: () => void } {
    const bytes = new TextEncoder().encode(body)
    let startedReading: () => void = () => undefined
    const reading = new Promise<void>((r) => (startedReading = r))
    let release: () => void = () => undefined
    const released = new Promise<void>((r) => (release = r))
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        startedReading()
        await released
        controller.enqueue(bytes)
        controller.close()
      },
    })
    const response = Promise.resolve(
      s.runtime.app.request(
        new Request('http://xanh.test/api/v1/ingest', {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${s.token}` },
          body: stream,
          duplex: 'half',
        } as RequestInit & { duplex: 'half' }),
      ),
    )
    return { response, reading, release }
  }

  it('answers 429 with Retry-After past maxInFlight without reading the body, then takes batches again', async () => {
    s = makeTestServer({ communes: [commune('KS')], targets: [udpTarget('ks-line', 'KS')], configYaml: 'ingest: { maxInFlight: 2, busyRetryAfterSeconds: 7 }' })
    cleanups.push(() => s.close())
    const one = heldRequest(JSON.stringify(batch(s.probeId, [result('ks-line', s.clock.now - 2000)])))
    const two = heldRequest(JSON.stringify(batch(s.probeId, [result('ks-line', s.clock.now - 1000)])))
    await Promise.all([one.reading, two.reading])

    const third = await s.runtime.app.request('/api/v1/ingest', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${s.token}` },
      body: JSON.stringify(batch(s.probeId, [result('ks-line', s.clock.now)])),
    })
    expect(third.status).toBe(429)
    expect(third.headers.get('retry-after')).toBe('7')
    expect(((await third.json()) as { error: { code: string } }).error.code).toBe('E_RATE_LIMITED')
    expect(s.runtime.store.countResults()).toBe(0)

    one.release()
    two.release()
    expect((await one.response).status).toBe(202)
    expect((await two.response).status).toBe(202)
    // The slots are free again: the refused batch goes through on its retry.
    const retry = await s.runtime.app.request('/api/v1/ingest', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${s.token}` },
      body: JSON.stringify(batch(s.probeId, [result('ks-line', s.clock.now)])),
    })
    expect(retry.status).toBe(202)
    expect(s.runtime.store.countResults()).toBe(3)
    const metrics = await (await s.runtime.app.request('/metrics')).text()
    expect(metrics).toContain('xanh_ingest_rejected_results_total{reason="busy"} 0')
    expect(metrics).toContain('xanh_ingest_rejected_batches_total{reason="busy"} 1')
    expect(metrics).toMatch(/xanh_ingest_batches_total\{result="rejected"\} 1\b/)
  })

  it('answers 429 while the event loop is busier than maxEventLoopUtilization (measured), and takes batches again once it is not', async () => {
    s = makeTestServer({
      communes: [commune('KS')],
      targets: [udpTarget('ks-line', 'KS')],
      configYaml: 'ingest: { maxEventLoopUtilization: 0.8, busyRetryAfterSeconds: 3 }',
      loopUtilization: loopUtilization(100),
    })
    cleanups.push(() => s.close())
    const post = (t: number): Promise<Response> =>
      Promise.resolve(
        s.runtime.app.request('/api/v1/ingest', {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${s.token}` },
          body: JSON.stringify(batch(s.probeId, [result('ks-line', t)])),
        }),
      )
    // The embedded probe (built in: it runs in the server) with a target of its own.
    const embedded = s.runtime.store.createProbe('embedded', 'server (embedded)', true)
    s.runtime.store.upsertTarget({ ...udpTarget('ks-core', 'KS'), probeId: embedded.probe.id })
    s.runtime.reloadInventory()
    // The loop held for a window: one hot window is a periodic job, nothing is refused…
    spin(150)
    expect((await post(s.clock.now - 2000)).status).toBe(202)
    // …held for a second window in a row (what a flood of batches does): the next batch is refused unread…
    spin(150)
    // …except the embedded probe's: it is never shed.
    const own = await s.runtime.app.request('/api/v1/ingest', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${embedded.token}` },
      body: JSON.stringify(batch(embedded.probe.id, [result('ks-core', s.clock.now - 1000)])),
    })
    expect(own.status).toBe(202)
    const refused = await post(s.clock.now - 1000)
    expect(refused.status).toBe(429)
    expect(refused.headers.get('retry-after')).toBe('3')
    const body = (await refused.json()) as { error: { code: string; message: string } }
    expect(body.error.code).toBe('E_RATE_LIMITED')
    expect(body.error.message).toMatch(/event loop \d+ % busy, at most 80 %: taking 50 % of batches/)
    expect(s.runtime.store.countResults()).toBe(2)
    // An idle loop for longer than a window (the load is what is measured here, so time passes).
    await new Promise((r) => setTimeout(r, 300))
    expect((await post(s.clock.now)).status).toBe(202)
    expect(s.runtime.store.countResults()).toBe(3)
    const metrics = await (await s.runtime.app.request('/metrics')).text()
    expect(metrics).toMatch(/xanh_ingest_batches_total\{result="rejected"\} 1\b/)
    expect(metrics).toContain('xanh_ingest_rejected_results_total{reason="overloaded"} 0')
    expect(metrics).toContain('xanh_ingest_rejected_batches_total{reason="overloaded"} 1')
  })
})

/** Keeps the event loop busy for `ms`. */
function spin(ms: number): void {
  const until = performance.now() + ms
  while (performance.now() < until) {
    // busy on purpose
  }
}

/** Mounts a tmpfs of `bytes` at a new directory; undefined when this machine cannot (not root). */
function smallDisk(bytes: number): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'xanh-full-disk-'))
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir], { stdio: 'pipe' })
  } catch (err) {
    rmSync(dir, { recursive: true, force: true })
    if (process.env.CI) throw err
    return undefined
  }
  cleanups.push(() => {
    execFileSync('umount', [dir])
    rmSync(dir, { recursive: true, force: true })
  })
  return dir
}

/** Writes zeros into `file` until the file system is full; returns the bytes written. */
function fillDisk(file: string): number {
  const fd = openSync(file, 'w')
  const chunk = Buffer.alloc(64 * 1024)
  let written = 0
  try {
    for (;;) written += writeSync(fd, chunk)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err
  } finally {
    closeSync(fd)
  }
  return written
}

describe('full disk', () => {
  it('answers 503 with Retry-After, stores nothing half, keeps reads working, and resumes when space frees', async () => {
    const disk = smallDisk(8 * 1024 * 1024)
    if (disk === undefined) {
      console.warn('skipping the full-disk test: mounting a tmpfs needs root')
      return
    }
    const dataDir = join(disk, 'data')
    mkdirSync(dataDir)
    const opened: OpenedDb = openDatabase(join(dataDir, 'xanh.db'))
    const config = loadServerConfig({ XANH_DATA_DIR: dataDir }, 'ingest: { fullDiskRetryAfterSeconds: 30 }')
    const clock = { now: Date.parse('2026-12-06T03:00:00Z') }
    const runtime: ServerRuntime = createServerRuntime({ config, log: pino({ level: 'silent' }), opened, now: () => clock.now })
    cleanups.push(() => {
      void runtime.close()
      opened.sqlite.close()
    })
    const { store } = runtime
    store.upsertCommune(commune('MX', { name: 'Xã Mường Xén' }))
    const targets = Array.from({ length: 50 }, (_, i) => `mx-line-${i}`)
    const { probe, token } = store.createProbe('Trạm Mường Xén', 'Kỳ Sơn')
    for (const id of targets) store.upsertTarget({ ...udpTarget(id, 'MX'), probeId: probe.id })
    store.users.create({ username: 'xem', displayName: 'Người xem', role: 'viewer', passwordHash: hashPassword('mat-khau-nguoi-xem') }, Date.now())
    runtime.reloadInventory()
    const viewer = { authorization: `Basic ${Buffer.from('xem:mat-khau-nguoi-xem').toString('base64')}` }
    let round = 0
    const nextBatch = (): string => {
      round++
      return JSON.stringify(batch(probe.id, targets.map((t, i) => result(t, clock.now - 600_000 + round * 1000 + i, { ok: false, error: `Xã Mường Xén: vòng ${round} — ${'lỗi kéo dài '.repeat(20)}` }))))
    }
    const post = (body: string): Promise<Response> =>
      Promise.resolve(runtime.app.request('/api/v1/ingest', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body }))

    expect((await post(nextBatch())).status).toBe(202)
    const filler = join(disk, 'filler')
    expect(fillDisk(filler)).toBeGreaterThan(0)

    // The WAL may still hold room for a batch or two; within a bounded number it must refuse.
    let refused: Response | undefined
    let refusedBody = ''
    let before = 0
    for (let i = 0; i < 200 && refused === undefined; i++) {
      before = store.countResults()
      refusedBody = nextBatch()
      const res = await post(refusedBody)
      if (res.status === 503) refused = res
      else expect(res.status).toBe(202)
    }
    expect(refused, 'no 503 within 200 batches on a full disk').toBeDefined()
    expect(refused?.headers.get('retry-after')).toBe('30')
    expect(((await refused?.json()) as { error: { code: string } }).error.code).toBe('E_UNAVAILABLE')
    // Nothing of the refused batch is stored, and reads still answer.
    expect(store.countResults()).toBe(before)
    const overview = await runtime.app.request('/api/v1/overview', { headers: viewer })
    expect(overview.status).toBe(200)
    // Sealing on a full disk fails and moves nothing (the storage job logs it and retries).
    clock.now += 3_600_000
    expect(() => store.sealAll()).toThrow()
    expect(store.countResults()).toBe(before)

    // Space returns: the very batch that was refused goes in whole, and sealing catches up.
    rmSync(filler)
    const again = await post(refusedBody)
    expect(again.status).toBe(202)
    expect(((await again.json()) as { accepted: number }).accepted).toBe(targets.length)
    store.sealAll()
    expect(store.countResults()).toBe(before + targets.length)
    expect(opened.sqlite.pragma('integrity_check', { simple: true })).toBe('ok')
  })
})
