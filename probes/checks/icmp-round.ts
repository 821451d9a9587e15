/**
 * What an ICMP round asks of a pinger and what it gets back, independent of fping or ping.
 * @module
 */

/** One round for one target: `count` echoes `periodMs` apart, each waited for `timeoutMs`. */
export interface IcmpPlan {
  count: number
  periodMs: number
  timeoutMs: number
  payloadBytes: number
}

/** RTTs in seconds in send order; `undefined` = lost. `sent` may be below `count` if the tool stopped early. */
export type IcmpRoundResult =
  | { ok: true; sent: number; rttsSeconds: (number | undefined)[] }
  | { ok: false; error: string }

/** Something that runs ICMP rounds. Resolves for every outcome; `close` kills what is in flight. */
export interface Pinger {
  ping(host: string, plan: IcmpPlan, signal: AbortSignal): Promise<IcmpRoundResult>
  close(): Promise<void>
}

/** Resolves when `signal` aborts (immediately if it already has). */
export function whenAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve()
    else signal.addEventListener('abort', () => resolve(), { once: true })
  })
}
