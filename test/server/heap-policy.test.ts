/**
 * The heap policy: its switching on the loop's windows, and, in a child Node process, that the
 * flags it sets at run time do change what a full collection leaves (the reason it exists).
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { createHeapPolicy, heapFlags, startGrowingPercent, type HeapPolicyOptions } from '../../server/heap-policy'

const OPTS: HeapPolicyOptions = { quietBelowLoopShare: 0.4, quietWindows: 3, quietGrowingPercent: 15, busyGrowingPercent: 30 }

/** A policy fed a scripted loop: each `next(v)` is a window of utilisation v. */
function scripted(o = OPTS) {
  let u = 0
  const applied: string[] = []
  const policy = createHeapPolicy(() => u, (f) => applied.push(f), o)
  const next = (v: number) => {
    u = v
    return policy.check()
  }
  return { policy, applied, next }
}

describe('heap policy', () => {
  it('starts as the process started, goes quiet after quietWindows quiet windows in a row, busy at the first busy one', () => {
    const { policy, applied, next } = scripted()
    expect(policy.mode()).toBe('busy')
    expect([next(0.1), next(0.2)]).toEqual(['busy', 'busy'])
    expect(next(0.5)).toBe('busy') // a busy window restarts the count
    expect([next(0.1), next(0.1)]).toEqual(['busy', 'busy'])
    expect(applied).toEqual([])
    expect(next(0.39)).toBe('quiet')
    expect(applied).toEqual(['--compact-on-every-full-gc --heap-growing-percent=15'])
    expect(next(0)).toBe('quiet')
    expect(next(0.4)).toBe('busy')
    expect(applied.at(-1)).toBe('--no-compact-on-every-full-gc --heap-growing-percent=30')
    expect(applied).toHaveLength(2)
  })

  it('never switches with quietBelowLoopShare 0', () => {
    const { applied, next } = scripted({ ...OPTS, quietBelowLoopShare: 0 })
    for (let i = 0; i < 10; i++) expect(next(0)).toBe('busy')
    expect(applied).toEqual([])
  })

  it('reads the growth the process started with: the last flag, the command line over NODE_OPTIONS', () => {
    expect(startGrowingPercent(['--max-semi-space-size=4', '--heap-growing-percent=30'])).toBe(30)
    expect(startGrowingPercent(['--heap-growing-percent=30'], '--heap_growing_percent=20 --trace-gc')).toBe(30)
    expect(startGrowingPercent([], '--heap_growing_percent=20 --trace-gc')).toBe(20)
    expect(startGrowingPercent([])).toBe(0)
    expect(heapFlags('busy', { quietGrowingPercent: 15, busyGrowingPercent: 0 })).toBe('--no-compact-on-every-full-gc --heap-growing-percent=0')
  })

  it('its quiet flags, set at run time, compact a fragmented old generation that a full collection otherwise leaves', async () => {
    // Old space with every other object dead (half-full pages, which V8's own heuristics keep),
    // then full collections without and with the quiet flags. Prints old space size and use, MiB.
    const script = `
      const v8 = require('node:v8')
      const old = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'old_space')
      const keep = []
      let drop = []
      for (let r = 0; r < 20; r++) {
        const batch = []
        for (let i = 0; i < 20000; i++) batch.push({ a: i, b: 'x' + i, c: [i] })
        gc({ type: 'minor' }); gc({ type: 'minor' })
        for (let i = 0; i < batch.length; i++) (i % 2 ? keep : drop).push(batch[i])
      }
      drop = null
      const out = []
      const m = () => { const o = old(); out.push([o.space_size / 2 ** 20, o.space_used_size / 2 ** 20]) }
      gc(); gc(); m()
      v8.setFlagsFromString(process.env.HEAP_FLAGS)
      gc(); gc(); m()
      console.log(JSON.stringify({ out, kept: keep.length }))
    `
    const run = async (flags: string) => {
      const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '-e', script], { timeout: 30_000, env: { ...process.env, HEAP_FLAGS: flags } })
      return JSON.parse(stdout) as { out: Array<[number, number]>; kept: number }
    }
    const [control, quiet] = await Promise.all([run(heapFlags('busy', OPTS)), run(heapFlags('quiet', OPTS))])
    for (const r of [control, quiet]) {
      expect(r.kept).toBe(200_000)
      const [size, used] = r.out[0] as [number, number]
      expect(size).toBeGreaterThan(used * 1.6) // fragmented: pages about half full
    }
    const [cBefore, cAfter] = control.out as [[number, number], [number, number]]
    const [qBefore, qAfter] = quiet.out as [[number, number], [number, number]]
    expect(cAfter[0]).toBeGreaterThan(cBefore[0] * 0.9) // without: the pages stay
    expect(qAfter[0]).toBeLessThan(qBefore[0] * 0.65) // with: the survivors moved together
    expect(qAfter[0]).toBeLessThan(qAfter[1] * 1.3)
  }, 60_000)
})
