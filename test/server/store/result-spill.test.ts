/**
 * Open results moved out of memory (`result_spill`, issue 14 done-when 3): a target's open
 * buffer that fills up is written to the spill table at the next flush step, and every read,
 * the duplicate check, a restart and the seal see those results exactly as if they had stayed.
 */
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { CheckResult } from '../../../protocol'
import { openDatabase, type OpenedDb } from '../../../server/store/db'
import { SqliteResultStore, flushCursor } from '../../../server/store/results/result-store'

const T0 = Date.parse('2026-12-01T00:00:00Z')
const WINDOW = 15 * 60_000
const TARGETS = ['xã-mường-lống/đường-truyền', 'phường-hà-đông/mcu', 'xã-tà-xùa/đường-truyền']

const result = (targetId: string, at: number, i: number): CheckResult => ({
  id: randomUUID(),
  targetId,
  kind: 'udp_echo',
  observedAt: new Date(at).toISOString(),
  durationSeconds: 2.5,
  ok: i % 7 !== 3,
  ...(i % 7 === 3 ? { error: `${targetId}: không có phản hồi trong 2 s` } : {}),
  measurements: { rtt_median_seconds: 0.012 + i / 1e6, jitter_seconds: 1 / (i + 3), loss_ratio: (i % 5) / 50, sent: 50 },
})

/** 40 rounds per target, 15 s apart (10 minutes: all in the first window), in batches of 4 rounds of every target. */
const batches = (): CheckResult[][] => {
  const out: CheckResult[][] = []
  for (let b = 0; b < 10; b++) out.push(TARGETS.flatMap((t) => [0, 1, 2, 3].map((k) => result(t, T0 + (b * 4 + k) * 15_000, b * 4 + k))))
  return out
}

describe('SqliteResultStore spill', () => {
  let dir: string
  let opened: OpenedDb
  let sealed: Array<[number, number[]]>
  const make = (spillBytes: number): SqliteResultStore =>
    new SqliteResultStore(opened.sqlite, { windowMs: WINDOW, spillBytes, onSeal: (tid, records) => void sealed.push([tid, records.map((r) => r.ts)]) })
  const spillRows = (): number => opened.sqlite.prepare('SELECT count(*) FROM result_spill').pluck().get() as number
  const chunks = (): Array<{ tid: number; w: number; n: number; data: Buffer }> => opened.sqlite.prepare('SELECT tid, w, n, data FROM result_chunks ORDER BY tid, w').all() as Array<{ tid: number; w: number; n: number; data: Buffer }>

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'xanh-spill-'))
    opened = openDatabase(join(dir, 'xanh.db'))
    sealed = []
  })
  afterEach(() => {
    opened.sqlite.close()
    rmSync(dir, { recursive: true, force: true })
  })

  /** Feeds the batches with a flush step (nothing due for sealing) after each, as the storage timer runs. */
  const feed = (repo: SqliteResultStore, list: CheckResult[][]): void => {
    for (const [b, batch] of list.entries()) {
      repo.insertBatch('p-điện-biên', batch, T0 + b * 60_000)
      const c = flushCursor(2)
      while (repo.flushStep(T0 + b * 60_000 + 60_000, false, c).more);
    }
  }

  it('keeps only the latest records in memory and gives every result back exactly, once, across a restart and the seal', () => {
    const list = batches()
    let repo = make(200)
    feed(repo, list)
    const all = list.flat()
    expect(repo.facts().openResults).toBe(all.length)
    // Most of them are on disk: each buffer holds fewer than 200 B (about 5 of these records) + the one batch after.
    expect(repo.facts().spilledResults).toBeGreaterThan(all.length * 0.6)
    expect(spillRows()).toBeGreaterThanOrEqual(TARGETS.length * 4)
    expect(repo.facts().openBytes).toBeLessThan(TARGETS.length * 600)

    const expectExact = (r: SqliteResultStore): void => {
      for (const t of TARGETS) {
        const want = all.filter((x) => x.targetId === t)
        expect(r.range(t, T0, T0 + WINDOW).map((x) => [x.observedAt, x.ok, x.error, x.measurements])).toEqual(want.map((x) => [Date.parse(x.observedAt), x.ok, x.error ?? null, x.measurements]))
      }
      expect(r.count()).toBe(all.length)
      expect(r.since(T0).length).toBe(all.length)
      // Round 38 failed (i % 7 === 3): the latest three ok ones are 36, 37 and 39.
      expect(r.latestOk([TARGETS[0] as string], 3, T0 + WINDOW).map((x) => x.observedAt)).toEqual([36, 37, 39].map((i) => T0 + i * 15_000))
      expect(r.oldestAt(TARGETS[1] as string)).toBe(T0)
    }
    expectExact(repo)
    // A replay of spilled and of in-memory results stores nothing.
    expect(repo.insertBatch('p-điện-biên', list[0] as CheckResult[], T0)).toMatchObject({ accepted: 0 })
    expect(repo.insertBatch('p-điện-biên', list[9] as CheckResult[], T0)).toMatchObject({ accepted: 0 })

    // A restart: the spilled runs come back from the table, the rest from the batch log.
    opened.sqlite.close()
    opened = openDatabase(join(dir, 'xanh.db'))
    repo = make(200)
    expectExact(repo)
    expect(repo.insertBatch('p-điện-biên', list[3] as CheckResult[], T0)).toMatchObject({ accepted: 0 })

    // The seal takes them all, folds each once, and empties the spill table and the log.
    const c = flushCursor(2)
    while (repo.flushStep(T0 + WINDOW + 3 * 60_000, false, c).more);
    expect(spillRows()).toBe(0)
    expect(repo.facts()).toMatchObject({ openResults: 0, spilledResults: 0, logRows: 0 })
    expect(sealed.flatMap(([, ts]) => ts).length).toBe(all.length)
    expect(new Set(sealed.map(([tid, ts]) => ts.map((t) => `${tid}:${t}`)).flat()).size).toBe(all.length)
    expectExact(repo)
  })

  it('seals the very chunks a store that never spills seals', () => {
    const list = batches()
    feed(make(0), list)
    expect(spillRows()).toBe(0)
    const plain = make(0)
    const c0 = flushCursor()
    while (plain.flushStep(T0 + WINDOW + 3 * 60_000, false, c0).more);
    const want = chunks()
    expect(want.map((r) => r.n)).toEqual([40, 40, 40])

    opened.sqlite.close()
    rmSync(dir, { recursive: true, force: true })
    dir = mkdtempSync(join(tmpdir(), 'xanh-spill-'))
    opened = openDatabase(join(dir, 'xanh.db'))
    const spilling = make(100)
    feed(spilling, list)
    expect(spillRows()).toBeGreaterThan(0)
    const c1 = flushCursor()
    while (spilling.flushStep(T0 + WINDOW + 3 * 60_000, false, c1).more);
    expect(chunks()).toEqual(want)
  })

  it('keeps results in memory when the spill write fails, and spills them at the next step', () => {
    const repo = make(100)
    const list = batches().slice(0, 3)
    repo.insertBatch('p', list.flat(), T0)
    opened.sqlite.exec("CREATE TEMP TRIGGER full_disk BEFORE INSERT ON result_spill BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")
    const before = repo.facts()
    expect(() => repo.flushStep(T0 + 60_000, false, flushCursor())).toThrow(/disk is full/)
    expect(repo.facts()).toEqual(before)
    expect(repo.range(TARGETS[2] as string, T0, T0 + WINDOW)).toHaveLength(12)
    opened.sqlite.exec('DROP TRIGGER full_disk')
    repo.flushStep(T0 + 60_000, false, flushCursor())
    expect(repo.facts().spilledResults).toBe(list.flat().length)
    expect(repo.range(TARGETS[2] as string, T0, T0 + WINDOW)).toHaveLength(12)
  })
})
