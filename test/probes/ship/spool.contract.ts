/**
 * Contract every Spool implementation must pass (run by memory-spool.test.ts and disk-spool.test.ts).
 * Not a test file itself: vitest only collects *.test.ts.
 */
import { describe, expect, it } from 'vitest'
import { randomUUID } from 'node:crypto'
import type { ResultBatch } from '../../../protocol'
import type { Spool } from '../../../probes/ship/spool'

export function batchOf(n: number, tag = 'x'): ResultBatch {
  return {
    protocolVersion: 1,
    probeId: 'probe-test',
    sentAt: '2026-01-01T00:00:00.000Z',
    results: Array.from({ length: n }, (_, i) => ({
      id: randomUUID(),
      targetId: `${tag}-${i}`,
      kind: 'tcp' as const,
      observedAt: '2026-01-01T00:00:00.000Z',
      durationSeconds: 0.01,
      ok: true,
      measurements: { connect_seconds: 0.001 },
    })),
  }
}

/** Runs the shared Spool cases; `make` gets caps and returns a fresh, empty spool. */
export function runSpoolContract(name: string, make: (caps: { maxBytes: number; maxBatches: number }) => Promise<Spool>): void {
  describe(`Spool contract: ${name}`, () => {
    it('is FIFO and removes by key', async () => {
      const s = await make({ maxBytes: 1e9, maxBatches: 100 })
      expect(await s.oldest()).toBeUndefined()
      await s.append(batchOf(1, 'a'))
      await s.append(batchOf(1, 'b'))
      const first = await s.oldest()
      expect(first?.batch.results[0]?.targetId).toBe('a-0')
      await s.remove(first?.key ?? '')
      expect((await s.oldest())?.batch.results[0]?.targetId).toBe('b-0')
      await s.remove('no-such-key')
      expect((await s.size()).batches).toBe(1)
    })

    it('dead-lettering takes a batch out of the FIFO; unknown keys are ignored', async () => {
      const s = await make({ maxBytes: 1e9, maxBatches: 100 })
      await s.append(batchOf(1, 'a'))
      await s.append(batchOf(1, 'b'))
      const first = await s.oldest()
      await s.deadLetter(first?.key ?? '', { status: 400, code: 'E_VALIDATION', reason: 'http 400' })
      await s.deadLetter('no-such-key', { reason: 'x' })
      expect((await s.oldest())?.batch.results[0]?.targetId).toBe('b-0')
      expect(await s.size()).toMatchObject({ batches: 1, droppedBatches: 0 })
    })

    it('keeps FIFO order over many appends, removes and re-reads of the head', async () => {
      const s = await make({ maxBytes: 1e9, maxBatches: 1000 })
      const tags = Array.from({ length: 30 }, (_, i) => `t${i}`)
      for (const tag of tags) await s.append(batchOf(1, tag))
      const seen: string[] = []
      for (;;) {
        const head = await s.oldest()
        if (!head) break
        expect((await s.oldest())?.key).toBe(head.key)
        seen.push(head.batch.results[0]?.targetId ?? '')
        await s.remove(head.key)
      }
      expect(seen).toEqual(tags.map((t) => `${t}-0`))
      expect(await s.size()).toEqual({ batches: 0, bytes: 0, droppedBatches: 0 })
    })

    it('returns the batch exactly as appended', async () => {
      const s = await make({ maxBytes: 1e9, maxBatches: 100 })
      const b = batchOf(3, 'same')
      await s.append(b)
      expect((await s.oldest())?.batch).toEqual(b)
    })

    it('counts bytes', async () => {
      const s = await make({ maxBytes: 1e9, maxBatches: 100 })
      const b = batchOf(3)
      await s.append(b)
      expect(await s.size()).toEqual({ batches: 1, bytes: Buffer.byteLength(JSON.stringify(b)), droppedBatches: 0 })
    })

    it('drops the oldest batches past the byte cap and counts them', async () => {
      const one = Buffer.byteLength(JSON.stringify(batchOf(2, 'a')))
      const s = await make({ maxBytes: one * 2.5, maxBatches: 100 })
      for (const tag of ['a', 'b', 'c', 'd']) await s.append(batchOf(2, tag))
      const size = await s.size()
      expect(size.batches).toBe(2)
      expect(size.droppedBatches).toBe(2)
      expect((await s.oldest())?.batch.results[0]?.targetId).toBe('c-0')
    })

    it('drops the oldest past the batch cap', async () => {
      const s = await make({ maxBytes: 1e9, maxBatches: 2 })
      for (const tag of ['a', 'b', 'c']) await s.append(batchOf(1, tag))
      expect(await s.size()).toMatchObject({ batches: 2, droppedBatches: 1 })
      expect((await s.oldest())?.batch.results[0]?.targetId).toBe('b-0')
    })

    it('keeps the newest batch even when it alone exceeds the byte cap', async () => {
      const s = await make({ maxBytes: 10, maxBatches: 100 })
      await s.append(batchOf(1, 'a'))
      await s.append(batchOf(5, 'big'))
      expect(await s.size()).toMatchObject({ batches: 1, droppedBatches: 1 })
      expect((await s.oldest())?.batch.results).toHaveLength(5)
    })
  })
}
