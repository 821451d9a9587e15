/**
 * The spool contract: a FIFO of batches the server has not acknowledged (SPEC §3, store and
 * forward). The in-memory implementation lives in memory-spool.ts; a disk one comes next.
 * @module
 */
import type { ResultBatch } from '../../protocol'

/** A spooled batch and the key to remove it by. */
export interface SpoolEntry {
  key: string
  batch: ResultBatch
}

/** Depth of a spool, plus how many batches its cap has thrown away since it was created. */
export interface SpoolSize {
  batches: number
  bytes: number
  /** Oldest batches dropped to stay under the cap (counted, never silent). */
  droppedBatches: number
}

/** FIFO of batches awaiting a 2xx from the server. */
export interface Spool {
  /** Stores a batch at the tail; drops the oldest batches past the cap (counted in `droppedBatches`). */
  append(batch: ResultBatch): Promise<void>
  /** The head (oldest batch), or undefined when empty. Does not remove it. */
  oldest(): Promise<SpoolEntry | undefined>
  /** Removes a batch; called only after the server answered 2xx (or rejected it for good). Unknown keys are ignored. */
  remove(key: string): Promise<void>
  size(): Promise<SpoolSize>
}
