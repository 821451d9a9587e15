import { describe, expect, it } from 'vitest'
import { loadShedder, loopUtilization, turnGate, type LoopUtilization } from '../../server/loop-pressure'

function spin(ms: number): void {
  const until = performance.now() + ms
  while (performance.now() < until) {
    // busy on purpose
  }
}

describe('loopUtilization', () => {
  it('reads near 1 after the loop was held for a window, near 0 after it idled one, and 0 before any window ended', async () => {
    const sampler = loopUtilization(100)
    const read = (): { utilization: number; window: number } => ({ ...sampler() })
    expect(read()).toEqual({ utilization: 0, window: 0 })
    spin(250)
    const hot = read()
    expect(hot.utilization).toBeGreaterThan(0.9)
    expect(hot.window).toBe(1)
    // Within the same window the last figure stands (no resampling per call).
    expect(read()).toEqual(hot)
    await new Promise((r) => setTimeout(r, 250))
    expect(read().utilization).toBeLessThan(0.3)
    expect(read().window).toBe(2)
  })

  it('leaves out the time declared as background work (the seal), and only that', () => {
    const background = { ms: 0 }
    const sampler = loopUtilization(100, background)
    /** Holds the loop for `ms`, declared as background work or not. */
    const work = (ms: number, declared: boolean): void => {
      const t = performance.now()
      spin(ms)
      if (declared) background.ms += performance.now() - t
    }
    work(250, true)
    expect(sampler().utilization).toBeLessThan(0.1)
    work(125, true)
    work(125, false)
    const half = sampler().utilization
    expect(half).toBeGreaterThan(0.35)
    expect(half).toBeLessThan(0.65)
    work(250, false)
    expect(sampler().utilization).toBeGreaterThan(0.9)
  })
})

describe('loadShedder', () => {
  /** A sampler whose windows the test sets: each call of `window` ends one with that figure. */
  function scripted(): { read: LoopUtilization; window: (u: number) => void } {
    const sample = { utilization: 0.1, window: 0 }
    return {
      read: () => sample,
      window: (next) => {
        sample.utilization = next
        sample.window++
      },
    }
  }
  const admittedOf = (shed: ReturnType<typeof loadShedder>, n: number): number => Array.from({ length: n }, () => shed.admit()).filter(Boolean).length

  it('takes every batch within the budget, halves the share per window over it from the second in a row on, and climbs back per window under it', () => {
    const s = scripted()
    const shed = loadShedder(s.read, 0.9)
    expect(admittedOf(shed, 100)).toBe(100)
    // One hot window (a scrape's render and a GC pause together) is not an overload.
    s.window(0.97)
    expect(admittedOf(shed, 100)).toBe(100)
    s.window(0.6)
    expect(admittedOf(shed, 100)).toBe(100)
    s.window(0.97)
    expect(admittedOf(shed, 100)).toBe(100)
    s.window(0.97)
    expect(admittedOf(shed, 100)).toBe(50)
    s.window(0.99)
    expect(admittedOf(shed, 100)).toBe(25)
    expect(shed.share()).toBe(0.25)
    s.window(0.6)
    expect(admittedOf(shed, 100)).toBe(50)
    expect(shed.share()).toBe(0.5)
    // A window is seen when a batch asks during it.
    s.window(0.6)
    shed.admit()
    expect(shed.share()).toBe(0.75)
    s.window(0.6)
    expect(shed.admit()).toBe(true)
    expect(shed.share()).toBe(1)
  })

  it('halves again for every saturated window, though each measures exactly 1', () => {
    // A saturated loop has no idle time: every window's figure is exactly 1. The share once
    // stayed at its first halving, since a repeated figure was taken for the same window.
    const s = scripted()
    const shed = loadShedder(s.read, 0.95)
    for (const expected of [1, 0.5, 0.25, 0.125]) {
      s.window(1)
      shed.admit()
      expect(shed.share()).toBe(expected)
    }
  })

  it('never goes below 1/64 of batches, and never sheds at a budget of 1', () => {
    const s = scripted()
    const shed = loadShedder(s.read, 0.9)
    for (let i = 0; i < 20; i++) {
      s.window(1)
      shed.admit()
    }
    expect(shed.share()).toBe(1 / 64)
    expect(admittedOf(shed, 640)).toBe(10)
    // The load stopped (a window at half the budget or less): everything is taken again at once.
    s.window(0.3)
    expect(admittedOf(shed, 100)).toBe(100)
    const never = loadShedder(() => ({ utilization: 1, window: 1 }), 1)
    expect(admittedOf(never, 100)).toBe(100)
  })
})

describe('turnGate', () => {
  it('lets batches run at once within the turn budget, then makes the next one wait for what was already waiting', async () => {
    const gate = turnGate(20)
    expect(gate.enter()).toBeUndefined()
    expect(gate.enter()).toBeUndefined()
    spin(25)
    const order: string[] = []
    // Queued before the batch that is over the budget: it must run first.
    setImmediate(() => order.push('scrape slice'))
    const waiting = gate.enter()
    expect(waiting).toBeInstanceOf(Promise)
    await waiting?.then(() => order.push('batch'))
    expect(order).toEqual(['scrape slice', 'batch'])
    // It started the budget of the turn it ran in: the next batch runs at once.
    expect(gate.enter()).toBeUndefined()
  })

  it('never waits with a budget of 0', () => {
    const gate = turnGate(0)
    gate.enter()
    spin(5)
    expect(gate.enter()).toBeUndefined()
  })
})
