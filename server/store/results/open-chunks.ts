/**
 * Every target's open chunk (see result-store.ts) as columns: one slot per open chunk, its
 * figures in typed arrays indexed by slot and its latest records' bytes in a fixed-size slice of
 * one shared byte array. At national load (issue 14) the store held ~10,000 open chunks as an
 * object each with its own growable buffer: ~850 B a target in objects, boxed times, a
 * typed-array view, an ArrayBuffer and its malloc'd bytes, plus a 10,000-entry Map (~8.5 MB,
 * heap snapshot at minute 10). Here a target costs {@link SLOT_BYTES} + 68 B.
 *
 * The result store spills a target's in-memory records to `result_spill` once they pass a few
 * hundred bytes, so a slot's {@link SLOT_BYTES} hold them almost always; records that do not
 * fit (long error texts, many measurements, a spill turned off) move to a buffer of the slot's
 * own until the slot is emptied.
 * @module
 */

import { TimesByKey } from './times-by-key'

/** Bytes of records a slot holds in the shared array (the default spill threshold is 256 B). */
export const SLOT_BYTES = 320

/** How a slot's own buffer grows once its records outgrow {@link SLOT_BYTES}. */
const OVERFLOW_GROWTH = 1.25
/** Slots made room for at first. */
const INITIAL_SLOTS = 256

/**
 * Open chunks by target key (`result_keys` ids: non-negative; -1 marks a free slot). The column
 * arrays are replaced when the table grows, so read them through the instance
 * (`chunks.minTs[slot]`), never keep one across {@link OpenChunks.open}.
 */
export class OpenChunks {
  /** Target key of each slot (-1: free). */
  tid: Float64Array = new Float64Array(0)
  /** Time and probe key of the slot's previous record (what the next one is written relative to). */
  ts: Float64Array = new Float64Array(0)
  probe: Float64Array = new Float64Array(0)
  /** Open results of the target (spilled and in memory) and their time span. */
  count: Int32Array = new Int32Array(0)
  minTs: Float64Array = new Float64Array(0)
  maxTs: Float64Array = new Float64Array(0)
  /** Of `count`, those in `result_spill` rows. */
  spilled: Int32Array = new Int32Array(0)
  /** Bytes of records in memory, and the time span of those records (what the next spill row gets). */
  len: Int32Array = new Int32Array(0)
  memMinTs: Float64Array = new Float64Array(0)
  memMaxTs: Float64Array = new Float64Array(0)
  /** Open chunks. */
  size = 0
  /** Bytes held for records in memory: a slot each, plus the slots' own buffers. */
  bytes = 0

  private slab: Uint8Array = new Uint8Array(0)
  private readonly overflow = new Map<number, Uint8Array>()
  /** Slot by target key (an array indexed by key, as the store's newest times are). */
  private readonly slotByTid = new TimesByKey()
  private free: number[] = []
  /** Slots ever handed out (the rest of the capacity was never touched). */
  private used = 0

  /** The slot of the target's open chunk, -1 when it has none. */
  slotOf(tid: number): number {
    return this.slotByTid.get(tid) ?? -1
  }

  /** Opens an empty chunk for a target that has none; returns its slot. */
  open(tid: number): number {
    if (this.slotOf(tid) >= 0) throw new Error(`OpenChunks: target key ${tid} is already open`)
    let slot = this.free.pop()
    if (slot === undefined) {
      if (this.used === this.tid.length) this.grow()
      slot = this.used++
    }
    this.slotByTid.set(tid, slot)
    this.tid[slot] = tid
    this.ts[slot] = 0
    this.probe[slot] = 0
    this.count[slot] = 0
    this.spilled[slot] = 0
    this.len[slot] = 0
    this.minTs[slot] = Infinity
    this.maxTs[slot] = -Infinity
    this.memMinTs[slot] = Infinity
    this.memMaxTs[slot] = -Infinity
    this.size++
    this.bytes += SLOT_BYTES
    return slot
  }

  /** Closes the chunk in `slot` (its results were sealed); the slot is reused. */
  close(slot: number): void {
    this.slotByTid.delete(this.tid[slot] as number)
    this.dropOverflow(slot)
    this.tid[slot] = -1
    this.len[slot] = 0
    this.size--
    this.bytes -= SLOT_BYTES
    this.free.push(slot)
  }

  /**
   * Appends encoded records to the slot's bytes: the first `length` bytes of `data` (all of it by
   * default). With `length` the store passes its scratch writer's buffer as it is: a view of the
   * written part per record was one typed-array object per ingested result (issue 14's
   * allocation profile); a record is tens of bytes, copied by a loop.
   */
  append(slot: number, data: Uint8Array, length = data.length): void {
    const len = this.len[slot] as number
    const need = len + length
    let own = this.overflow.get(slot)
    let into: Uint8Array
    let at: number
    if (own === undefined && need <= SLOT_BYTES) {
      into = this.slab
      at = slot * SLOT_BYTES + len
    } else {
      if (own === undefined || need > own.length) {
        const size = Math.max(need, Math.ceil((own?.length ?? SLOT_BYTES) * OVERFLOW_GROWTH))
        const next = new Uint8Array(size)
        next.set(this.bytesOf(slot))
        this.bytes += size - (own?.length ?? 0)
        own = next
        this.overflow.set(slot, own)
      }
      into = own
      at = len
    }
    for (let i = 0; i < length; i++) into[at + i] = data[i] as number
    this.len[slot] = need
  }

  /** The slot's records in memory (a view: copy it before the slot changes). */
  bytesOf(slot: number): Uint8Array {
    const len = this.len[slot] as number
    const own = this.overflow.get(slot)
    if (own !== undefined) return own.subarray(0, len)
    const at = slot * SLOT_BYTES
    return this.slab.subarray(at, at + len)
  }

  /** Forgets the slot's records in memory (they were spilled); the chunk stays open. */
  clearBytes(slot: number): void {
    this.len[slot] = 0
    this.dropOverflow(slot)
  }

  /** Target keys of every open chunk, in slot order. */
  tids(): number[] {
    const out: number[] = []
    for (let s = 0; s < this.used; s++) if ((this.tid[s] as number) >= 0) out.push(this.tid[s] as number)
    return out
  }

  private dropOverflow(slot: number): void {
    const own = this.overflow.get(slot)
    if (own === undefined) return
    this.bytes -= own.length
    this.overflow.delete(slot)
  }

  /**
   * Doubles the slots. The shared byte array is zero-filled and large, so the allocator maps it
   * fresh: pages of slots never handed out cost no memory until used.
   */
  private grow(): void {
    const n = Math.max(INITIAL_SLOTS, this.tid.length * 2)
    const f64 = (a: Float64Array): Float64Array => {
      const next = new Float64Array(n)
      next.set(a)
      return next
    }
    const i32 = (a: Int32Array): Int32Array => {
      const next = new Int32Array(n)
      next.set(a)
      return next
    }
    this.tid = f64(this.tid)
    this.tid.fill(-1, this.used)
    this.ts = f64(this.ts)
    this.probe = f64(this.probe)
    this.count = i32(this.count)
    this.minTs = f64(this.minTs)
    this.maxTs = f64(this.maxTs)
    this.spilled = i32(this.spilled)
    this.len = i32(this.len)
    this.memMinTs = f64(this.memMinTs)
    this.memMaxTs = f64(this.memMaxTs)
    const slab = new Uint8Array(n * SLOT_BYTES)
    slab.set(this.slab)
    this.slab = slab
  }
}
