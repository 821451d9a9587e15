import { describe, expect, it } from 'vitest'
import { OpenChunks, SLOT_BYTES } from '../../../server/store/results/open-chunks'
import { prng } from '../../helpers/prng'

/** `n` bytes counting up from `from` (so a misplaced or lost byte shows). */
const bytes = (n: number, from: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (from + i) % 251)

describe('OpenChunks', () => {
  it('keeps each open chunk’s bytes and figures apart through growth, overflow, spills and slot reuse', () => {
    const chunks = new OpenChunks()
    const rand = prng(7)
    // What each open chunk should hold, kept the plain way.
    const model = new Map<number, { data: number[]; count: number; minTs: number }>()
    // Dense keys, and keys past the dense array's limit (and a fraction), all mixed.
    const keys = [...Array.from({ length: 700 }, (_, i) => i * 3 + 1), 2 ** 20 + 5, 2 ** 40, 1.5]
    /** Target keys whose chunk does not hold what the model says (a plain loop: this runs 400 times). */
    const wrong = (): number[] => {
      const out: number[] = []
      for (const [tid, m] of model) {
        const got = chunks.bytesOf(chunks.slotOf(tid))
        if (got.length !== m.data.length || got.some((b, i) => b !== m.data[i])) out.push(tid)
      }
      return out
    }
    for (let step = 0; step < 20_000; step++) {
      // Often enough to see a growth of the table (its first 256 slots fill within ~400 steps).
      if (step % 50 === 0) expect(wrong(), `step ${step}`).toEqual([])
      const tid = keys[Math.floor(rand() * keys.length)] as number
      const r = rand()
      const m = model.get(tid)
      if (m === undefined || r < 0.7) {
        const s = m === undefined ? chunks.open(tid) : chunks.slotOf(tid)
        const entry = m ?? { data: [], count: 0, minTs: Infinity }
        // Mostly record-sized appends; now and then one far past a slot.
        const add = bytes(rand() < 0.02 ? SLOT_BYTES * 2 + 17 : 20 + Math.floor(rand() * 40), step)
        chunks.append(s, add)
        entry.data.push(...add)
        chunks.count[s] = ++entry.count
        entry.minTs = Math.min(entry.minTs, step)
        chunks.minTs[s] = Math.min(chunks.minTs[s] as number, step)
        model.set(tid, entry)
      } else if (r < 0.85) {
        chunks.clearBytes(chunks.slotOf(tid)) // spilled: the chunk stays open, its bytes go
        m.data = []
      } else {
        chunks.close(chunks.slotOf(tid)) // sealed
        model.delete(tid)
      }
    }
    expect(chunks.size).toBe(model.size)
    expect(new Set(chunks.tids())).toEqual(new Set(model.keys()))
    let held = 0
    for (const [tid, m] of model) {
      const s = chunks.slotOf(tid)
      expect(s).toBeGreaterThanOrEqual(0)
      expect([...chunks.bytesOf(s)]).toEqual(m.data)
      expect(chunks.count[s]).toBe(m.count)
      expect(chunks.minTs[s]).toBe(m.minTs)
      held += Math.max(SLOT_BYTES, m.data.length)
    }
    // A slot each, or the chunk's own buffer when its bytes outgrew the slot (with its spare room).
    expect(chunks.bytes).toBeGreaterThanOrEqual(held)
    expect(chunks.bytes).toBeLessThan(held * 1.5)
    for (const tid of keys) if (!model.has(tid)) expect(chunks.slotOf(tid)).toBe(-1)
  })

  it('starts a chunk empty, refuses to open one twice, and reuses a closed slot', () => {
    const chunks = new OpenChunks()
    const a = chunks.open(10)
    chunks.append(a, bytes(30, 0))
    chunks.maxTs[a] = 99
    expect(() => chunks.open(10)).toThrow(/already open/)
    chunks.close(a)
    expect(chunks.bytes).toBe(0)
    const b = chunks.open(11)
    expect(b).toBe(a)
    expect(chunks.bytesOf(b).length).toBe(0)
    expect(chunks.maxTs[b]).toBe(-Infinity)
    expect(chunks.minTs[b]).toBe(Infinity)
    expect(chunks.tids()).toEqual([11])
  })
})
