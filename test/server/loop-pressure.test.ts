import { describe, expect, it } from 'vitest'
import { loadShedder, loopUtilization } from '../../server/loop-pressure'

function spin(ms: number): void {
  const until = performance.now() + ms
  while (performance.now() < until) {
    // busy on purpose
  }
}

describe('loopUtilization', () => {
  it('reads near 1 after the loop was held for a window, near 0 after it idled one, and 0 before any window ended', async () => {
    const read = loopUtilization(100)
    expect(read()).toBe(0)
    spin(250)
    expect(read()).toBeGreaterThan(0.9)
    // Within the same window the last figure stands (no resampling per call).
    expect(read()).toBeGreaterThan(0.9)
    await new Promise((r) => setTimeout(r, 250))
    expect(read()).toBeLessThan(0.3)
  })
})

describe('loadShedder', () => {
  /** A sampler whose windows the test sets; each distinct figure is a new window. */
  function scripted(): { read: () => number; window: (u: number) => void } {
    let u = 0.1
    let tweak = 0
    return {
      read: () => u,
      // Distinct even when the same load repeats, as two real windows' figures are.
      window: (next) => void (u = next + (tweak += 1e-9)),
    }
  }
  const admittedOf = (shed: ReturnType<typeof loadShedder>, n: number): number => Array.from({ length: n }, () => shed.admit()).filter(Boolean).length

  it('takes every batch within the budget, halves the share per window over it, and climbs back per window under it', () => {
    const s = scripted()
    const shed = loadShedder(s.read, 0.9)
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
    const never = loadShedder(() => 1, 1)
    expect(admittedOf(never, 100)).toBe(100)
  })
})
