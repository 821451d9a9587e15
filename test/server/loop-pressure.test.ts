import { describe, expect, it } from 'vitest'
import { loopUtilization } from '../../server/loop-pressure'

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
