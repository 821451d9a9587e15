import { describe, expect, it } from 'vitest'
import { TimesByKey } from '../../../server/store/results/times-by-key'

describe('TimesByKey', () => {
  it('reads back what a Map<number, number> would, for dense, huge and odd keys', () => {
    const t = new TimesByKey()
    const ref = new Map<number, number>()
    const keys = [1, 2, 63, 64, 65, 1000, 9_963, 2 ** 20 - 1, 2 ** 20, 2 ** 31, -1, 1.5]
    const times = [1_796_620_762_439, -Infinity, 0, -0, 1e-3, Number.MAX_VALUE]
    keys.forEach((k, i) => {
      const v = times[i % times.length] as number
      t.set(k, v)
      ref.set(k, v)
    })
    for (const k of [...keys, 0, 3, 5_000, 2 ** 20 + 1]) expect(t.get(k)).toBe(ref.get(k))
    t.set(63, 42)
    expect(t.get(63)).toBe(42)
    for (const k of [2, 2 ** 20, -1, 77]) {
      t.delete(k)
      expect(t.get(k)).toBeUndefined()
    }
    expect(t.get(1)).toBe(1_796_620_762_439)
  })

  it('refuses NaN, its mark for an absent key', () => {
    expect(() => new TimesByKey().set(3, NaN)).toThrow(RangeError)
  })
})
