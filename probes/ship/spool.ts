/**
 * The spool contract: a FIFO of batches the server has not acknowledged (SPEC §3, store and
 * forward). Implementations: memory-spool.ts (tests, the demo agent) and disk-spool.ts (agents).
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
  /** Oldest batches dropped to stay under the cap, or found unreadable (counted, never silent). */
  droppedBatches: number
}

/** Why the server refused a batch for good, kept next to a dead-lettered batch. */
export interface DeadLetterReason {
  /** HTTP status of the refusal. */
  status?: number
  /** The server's stable error code (`E_VALIDATION`, `E_PROBE_MISMATCH`…), when it sent one. */
  code?: string
  /** One line for the operator. */
  reason: string
}

/** FIFO of batches awaiting a 2xx from the server. */
export interface Spool {
  /**
   * Stores a batch at the tail; drops the oldest batches past the cap (counted in
   * `droppedBatches`). Resolves once the batch is as durable as the implementation can make it;
   * never rejects for a full disk (the disk spool keeps the batch in memory instead).
   */
  append(batch: ResultBatch): Promise<void>
  /** The head (oldest batch), or undefined when empty. Does not remove it. */
  oldest(): Promise<SpoolEntry | undefined>
  /** Removes a batch; called only after the server answered 2xx. Unknown keys are ignored. */
  remove(key: string): Promise<void>
  /**
   * Takes a batch the server refused for good (4xx other than 408/429) out of the FIFO, keeping
   * it where an operator can look at it when the implementation can (the disk spool's
   * `dead-letter/` folder). Unknown keys are ignored.
   */
  deadLetter(key: string, why: DeadLetterReason): Promise<void>
  size(): Promise<SpoolSize>
}
