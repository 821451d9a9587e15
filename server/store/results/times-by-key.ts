/**
 * A map from dictionary keys (small positive integers from `result_keys`) to numbers — times in
 * ms in the result store, slots in open-chunks.ts — as one growable Float64Array indexed by key
 * instead of a `Map<number, number>`: at 10,000 targets a Map's table is ~460 KB and each of its
 * values a 16-byte boxed double, where the array is 8 B a key (issue 14, the server's RSS at
 * national load). NaN marks an absent entry, so NaN itself cannot be stored (times here are
 * parsed, validated instants or -Infinity; slots are small integers).
 * Keys past {@link DENSE_LIMIT} (a database whose ids grew that far), and any key that is not a
 * non-negative integer, go to a plain Map.
 * @module
 */

/** Keys below this are kept in the array (8 MiB at most); larger ones in the fallback Map. */
const DENSE_LIMIT = 1 << 20

const dense = (key: number): boolean => Number.isInteger(key) && key >= 0 && key < DENSE_LIMIT

/** Times by non-negative integer key, with the Map operations the result store uses. */
export class TimesByKey {
  private dense = new Float64Array(0)
  private readonly sparse = new Map<number, number>()

  /** The time of `key`, undefined when none is set. */
  get(key: number): number | undefined {
    if (!dense(key)) return this.sparse.get(key)
    const v = key < this.dense.length ? (this.dense[key] as number) : NaN
    return Number.isNaN(v) ? undefined : v
  }

  /** Sets the time of `key` (a NaN time is refused: it is the array's "absent"). */
  set(key: number, time: number): void {
    if (Number.isNaN(time)) throw new RangeError(`TimesByKey: NaN is not a time (key ${key})`)
    if (!dense(key)) {
      this.sparse.set(key, time)
      return
    }
    if (key >= this.dense.length) {
      // Grown by half again (at least to key + 1), so a store creating keys one by one copies
      // the array O(log n) times.
      const next = new Float64Array(Math.min(DENSE_LIMIT, Math.max(key + 1, Math.ceil(this.dense.length * 1.5), 64)))
      next.fill(NaN)
      next.set(this.dense)
      this.dense = next
    }
    this.dense[key] = time
  }

  /** Forgets the time of `key`. */
  delete(key: number): void {
    if (!dense(key)) this.sparse.delete(key)
    else if (key < this.dense.length) this.dense[key] = NaN
  }
}
