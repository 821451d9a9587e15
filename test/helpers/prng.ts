/**
 * Deterministic pseudo-random numbers in [0, 1) (mulberry32), so a test that draws its inputs
 * at random names a failing case that replays with the same seed.
 */
export function prng(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
