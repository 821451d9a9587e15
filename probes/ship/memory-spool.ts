/**
 * In-memory spool: survives server outages, not agent restarts.
 * @module
 */
import type { ResultBatch } from '../../protocol'
import type { Spool, SpoolEntry, SpoolSize } from './spool'

export interface MemorySpoolOptions {
  /** Cap on the summed JSON size of spooled batches. */
  maxBytes: number
  /** Cap on the number of spooled batches. */
  maxBatches: number
}

/**
 * Creates an in-memory {@link Spool}. Batch size is its JSON byte length. Past either cap the
 * oldest batches are dropped and counted; the batch just appended is always kept, so the
 * newest observations win.
 */
export function createMemorySpool(opts: MemorySpoolOptions): Spool {
  const items: { key: string; batch: ResultBatch; bytes: number }[] = []
  let bytes = 0
  let dropped = 0
  let seq = 0

  const remove = async (key: string): Promise<void> => {
    const i = items.findIndex((it) => it.key === key)
    if (i < 0) return
    const [gone] = items.splice(i, 1)
    if (gone) bytes -= gone.bytes
  }

  return {
    async append(batch) {
      const size = Buffer.byteLength(JSON.stringify(batch))
      items.push({ key: String(seq++).padStart(12, '0'), batch, bytes: size })
      bytes += size
      while (items.length > 1 && (bytes > opts.maxBytes || items.length > opts.maxBatches)) {
        const gone = items.shift()
        if (!gone) break
        bytes -= gone.bytes
        dropped++
      }
    },
    async oldest(): Promise<SpoolEntry | undefined> {
      const head = items[0]
      return head && { key: head.key, batch: head.batch }
    },
    remove,
    // Nowhere durable to keep it: the shipper's log line (status, code, reason) is the record.
    deadLetter: (key) => remove(key),
    async size(): Promise<SpoolSize> {
      return { batches: items.length, bytes, droppedBatches: dropped }
    },
  }
}
