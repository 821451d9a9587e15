/**
 * The results repository's contract (issue 14), run against every implementation of
 * `ResultRepository` (today the SQLite one): what goes in comes out exactly, once, in time
 * order, across sealing, late replays and restarts; log rows go only when sealed and folded.
 */
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { CheckResult } from '../../../protocol'
import { openDatabase, type OpenedDb } from '../../../server/store/db'
import { SqliteResultStore, flushCursor, type ResultRepository } from '../../../server/store/results/result-store'

const T0 = Date.parse('2026-12-01T00:00:00Z')
const WINDOW = 15 * 60_000

const result = (targetId: string, at: number, m: Record<string, number> = { rtt_median_seconds: 0.012, loss_ratio: 1 / 15 }, error?: string): CheckResult => ({
  id: randomUUID(),
  targetId,
  kind: 'udp_echo',
  observedAt: new Date(at).toISOString(),
  durationSeconds: 2.5,
  ok: error === undefined,
  ...(error !== undefined ? { error } : {}),
  measurements: m,
})

interface Harness {
  repo: ResultRepository
  /** Seals every open result (as a flush pass with `all`). */
  sealAll(now: number): void
  /** A new instance over the same storage (a restart). */
  restart(): void
  /** Log rows left. */
  logRows(): number
  close(): void
}

/** What the sealing hands over (the rollups fold exactly these): target key → result times. */
let sealed: Array<[number, number[]]> = []

const implementations: Array<[string, () => Harness]> = [
  [
    'SQLite',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'xanh-results-'))
      let opened: OpenedDb = openDatabase(join(dir, 'xanh.db'))
      const make = (): SqliteResultStore => new SqliteResultStore(opened.sqlite, { windowMs: WINDOW, onSeal: (tid, records) => void sealed.push([tid, records.map((r) => r.ts)]) })
      let repo = make()
      const h: Harness = {
        get repo() {
          return repo
        },
        sealAll(now) {
          const c = flushCursor(3)
          while (repo.flushStep(now, true, c).more);
        },
        restart() {
          opened.sqlite.close()
          opened = openDatabase(join(dir, 'xanh.db'))
          repo = make()
        },
        logRows: () => repo.facts().logRows,
        close() {
          opened.sqlite.close()
          rmSync(dir, { recursive: true, force: true })
        },
      }
      return h
    },
  ],
]

describe.each(implementations)('ResultRepository contract: %s', (_name, make) => {
  let h: Harness
  beforeEach(() => {
    sealed = []
    h = make()
  })
  afterEach(() => h.close())

  it('gives back every field exactly, oldest first, across open and sealed results', () => {
    const error = 'Xã Mường Lống: 10.42.7.1 không trả lời sau 2 s'
    h.repo.insertBatch('p-nghe-an', [result('ky-son', T0 + 30_000, { jitter_seconds: 0.000412345 }), result('ky-son', T0, undefined, error)], T0)
    h.sealAll(T0 + 3_600_000)
    h.repo.insertBatch('p-nghe-an', [result('ky-son', T0 + WINDOW + 1)], T0)
    const got = h.repo.range('ky-son', T0, T0 + 2 * WINDOW)
    expect(got.map((r) => [r.observedAt, r.ok, r.error, r.durationMs, r.probeId, r.measurements])).toEqual([
      [T0, false, error, 2500, 'p-nghe-an', { rtt_median_seconds: 0.012, loss_ratio: 1 / 15 }],
      [T0 + 30_000, true, null, 2500, 'p-nghe-an', { jitter_seconds: 0.000412345 }],
      [T0 + WINDOW + 1, true, null, 2500, 'p-nghe-an', { rtt_median_seconds: 0.012, loss_ratio: 1 / 15 }],
    ])
    expect(h.repo.count()).toBe(3)
    expect(h.repo.oldestAt('ky-son')).toBe(T0)
    expect(h.repo.oldestAt('không-có')).toBeNull()
    expect(h.repo.since(T0 + 1).map((r) => r.observedAt)).toEqual([T0 + 30_000, T0 + WINDOW + 1])
    expect(h.repo.latestOk(['ky-son'], 5, T0 + WINDOW).map((r) => r.observedAt)).toEqual([T0 + 30_000])
  })

  it('stores a result once: in-batch repeats, replays before and after sealing, and after a restart', () => {
    const batch = [result('a', T0), result('b', T0 + 1), result('a', T0 + 15_000)]
    expect(h.repo.insertBatch('p', [...batch, { ...(batch[0] as CheckResult), id: randomUUID() }], T0)).toMatchObject({ accepted: 3, duplicates: 1 })
    expect(h.repo.insertBatch('p', batch, T0)).toMatchObject({ accepted: 0, duplicates: 3 })
    h.restart()
    expect(h.repo.count()).toBe(3)
    expect(h.repo.insertBatch('p', batch, T0)).toMatchObject({ accepted: 0, duplicates: 3 })
    h.sealAll(T0 + 3_600_000)
    expect(h.repo.insertBatch('p', batch, T0)).toMatchObject({ accepted: 0, duplicates: 3 })
    h.restart()
    expect(h.repo.insertBatch('p', batch, T0)).toMatchObject({ accepted: 0, duplicates: 3 })
    expect(h.repo.count()).toBe(3)
  })

  it('merges a late replay into its sealed window, in time order', () => {
    h.repo.insertBatch('p', [result('a', T0 + 10_000), result('a', T0 + 40_000)], T0)
    h.sealAll(T0 + 3_600_000)
    expect(h.repo.insertBatch('p', [result('a', T0 + 25_000), result('a', T0 + 10_000)], T0)).toMatchObject({ accepted: 1, duplicates: 1 })
    expect(h.repo.range('a', T0, T0 + WINDOW).map((r) => r.observedAt)).toEqual([T0 + 10_000, T0 + 25_000, T0 + 40_000])
    h.sealAll(T0 + 3_600_000)
    expect(h.repo.range('a', T0, T0 + WINDOW).map((r) => r.observedAt)).toEqual([T0 + 10_000, T0 + 25_000, T0 + 40_000])
    expect(h.repo.count()).toBe(3)
  })

  it('keeps open results across a restart (the batch log), and drops a log row once its results are sealed', () => {
    h.repo.insertBatch('p', [result('a', T0)], T0)
    h.repo.insertBatch('p', [result('a', T0 + 15_000), result('b', T0 + WINDOW + 1)], T0)
    h.restart()
    expect(h.repo.range('a', T0, T0 + WINDOW).map((r) => r.observedAt)).toEqual([T0, T0 + 15_000])
    const repo = h.repo as SqliteResultStore
    // The first window is sealed, the second not yet: the second batch's row holds an open result.
    repo.flushStep(T0 + WINDOW + 3 * 60_000, false, flushCursor())
    expect(h.logRows()).toBe(1)
    h.restart()
    expect(h.repo.count()).toBe(3)
    h.sealAll(T0 + 3_600_000)
    expect(h.logRows()).toBe(0)
    h.restart()
    expect(h.repo.count()).toBe(3)
  })

  it('hands every result to the fold exactly once, when it is sealed (late replays included)', () => {
    h.repo.insertBatch('p', [result('a', T0), result('a', T0 + 15_000)], T0)
    h.sealAll(T0 + 3_600_000)
    h.repo.insertBatch('p', [result('a', T0 + 7_000), result('a', T0)], T0)
    h.restart()
    h.sealAll(T0 + 3_600_000)
    h.sealAll(T0 + 3_600_000)
    expect(sealed.flatMap(([, times]) => times).sort((x, y) => x - y)).toEqual([T0, T0 + 7_000, T0 + 15_000])
  })

  it('seals only windows past their grace unless asked for everything', () => {
    const repo = h.repo as SqliteResultStore
    repo.insertBatch('p', [result('a', T0), result('a', T0 + WINDOW + 5_000)], T0)
    const c = flushCursor()
    // At the end of the second window + 1 min: the first is past its 2-minute grace, the second not.
    repo.flushStep(T0 + 2 * WINDOW + 60_000, false, c)
    expect(repo.facts().openResults).toBe(1)
    expect(repo.count()).toBe(2)
    repo.flushStep(T0 + 2 * WINDOW + 3 * 60_000, false, flushCursor())
    expect(repo.facts().openResults).toBe(0)
  })

  it('deletes whole expired chunks, never a window that still holds newer results', () => {
    const repo = h.repo as SqliteResultStore
    repo.insertBatch('p', [result('a', T0), result('a', T0 + WINDOW - 1), result('a', T0 + WINDOW + 1)], T0)
    h.sealAll(T0 + 3_600_000)
    // A cutoff inside the second window deletes the first only.
    expect(repo.deleteExpired(T0 + WINDOW + 60_000, { next: 0 }, 100)).toEqual({ deleted: 1, done: true })
    expect(repo.range('a', 0, Number.MAX_SAFE_INTEGER).map((r) => r.observedAt)).toEqual([T0 + WINDOW + 1])
  })
})
