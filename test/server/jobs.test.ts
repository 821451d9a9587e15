/**
 * The server's periodic jobs (server/jobs.ts) on a fake clock: each at its configured period,
 * the two storage jobs never at once (a slow fold makes retention skip its turn, not queue), a
 * failed job logged and run again next time, the inventory reloaded only when another process
 * wrote, nothing after stop().
 */
import pino from 'pino'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { loadServerConfig } from '../../server/config'
import { startServerJobs, type JobsRuntime } from '../../server/jobs'

const config = loadServerConfig({}, 'state: { tickSeconds: 1 }\nheap: { sampleSeconds: 5 }\nretention: { rollupEverySeconds: 10, retentionEverySeconds: 15 }\n')

function fakeRuntime() {
  const calls = { tick: 0, reload: 0, fold: 0, retention: 0 }
  let dataVersion = 1
  let foldDone: (() => void) | undefined
  let foldFails = false
  let foldInstant = false
  const runtime: JobsRuntime = {
    tick: () => void calls.tick++,
    reloadInventory: () => void calls.reload++,
    storage: {
      fold: () => {
        calls.fold++
        if (foldFails) return Promise.reject(new Error('disk full (test)'))
        if (foldInstant) return Promise.resolve(0)
        return new Promise<number>((resolve) => (foldDone = () => resolve(0)))
      },
      retention: { run: async () => (calls.retention++, { deleted: {} }) as never },
    },
    store: { database: { dataVersion: () => dataVersion } },
  }
  return {
    runtime,
    calls,
    finishFold: () => foldDone?.(),
    foldsFinishAtOnce: () => (foldInstant = true),
    failFolds: () => (foldFails = true),
    otherProcessWrites: () => dataVersion++,
  }
}

describe('startServerJobs', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('runs each job at its period; the storage jobs never overlap; stop() ends them all', async () => {
    const f = fakeRuntime()
    let checks = 0
    const jobs = startServerJobs({ runtime: f.runtime, config, heapPolicy: { check: () => (checks++, 'quiet' as const) }, log: pino({ level: 'silent' }) })
    await vi.advanceTimersByTimeAsync(10_000)
    expect(f.calls.tick).toBe(10)
    expect(checks).toBe(2)
    expect(f.calls.fold).toBe(1)
    // The fold is still running at 15 s and 20 s: retention and the next fold skip their turns.
    await vi.advanceTimersByTimeAsync(10_000)
    expect(f.calls).toMatchObject({ fold: 1, retention: 0 })
    // Done at 20 s; from now on each fold is over before the next timer fires: at 30 s both run.
    f.finishFold()
    f.foldsFinishAtOnce()
    await vi.advanceTimersByTimeAsync(10_000)
    expect(f.calls).toMatchObject({ fold: 2, retention: 1 })
    jobs.stop()
    const before = { ...f.calls }
    await vi.advanceTimersByTimeAsync(60_000)
    expect(f.calls).toEqual(before)
    expect(checks).toBe(6)
  })

  it('logs a failed storage job and runs it again at its next turn', async () => {
    const f = fakeRuntime()
    f.failFolds()
    const lines: Array<{ msg: string; component?: string }> = []
    const log = pino({ level: 'error' }, { write: (l: string) => void lines.push(JSON.parse(l) as { msg: string }) })
    const jobs = startServerJobs({ runtime: f.runtime, config, heapPolicy: { check: () => 'quiet' as const }, log })
    await vi.advanceTimersByTimeAsync(20_000)
    jobs.stop()
    expect(f.calls.fold).toBe(2)
    expect(lines.filter((l) => l.msg === 'storage job failed; retried on the next run')).toHaveLength(2)
    expect(lines[0]?.component).toBe('storage')
  })

  it('reloads the inventory only when the database changed underneath (another process)', async () => {
    const f = fakeRuntime()
    const jobs = startServerJobs({ runtime: f.runtime, config, heapPolicy: { check: () => 'quiet' as const }, log: pino({ level: 'silent' }) })
    await vi.advanceTimersByTimeAsync(6_000)
    expect(f.calls.reload).toBe(0)
    f.otherProcessWrites()
    await vi.advanceTimersByTimeAsync(2_000)
    expect(f.calls.reload).toBe(1)
    await vi.advanceTimersByTimeAsync(6_000)
    expect(f.calls.reload).toBe(1)
    jobs.stop()
  })
})
