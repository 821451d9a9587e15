/**
 * Combining abort signals without tying short-lived work to long-lived signals.
 * @module
 */

/** A signal that aborts when any source does, and a `dispose` that detaches it from the sources. */
export interface LinkedSignal {
  signal: AbortSignal
  dispose(): void
}

/**
 * Like `AbortSignal.any`, but with explicit cleanup: the agent's shutdown signal lives for days
 * and must not accumulate a listener (and a retained signal) per check or request.
 * The combined signal carries the reason of the first source that aborted.
 */
export function linkSignals(sources: readonly AbortSignal[]): LinkedSignal {
  const controller = new AbortController()
  const listeners: [AbortSignal, () => void][] = []
  const dispose = (): void => {
    for (const [s, l] of listeners.splice(0)) s.removeEventListener('abort', l)
  }
  for (const s of sources) {
    if (s.aborted) {
      dispose()
      controller.abort(s.reason)
      break
    }
    const l = (): void => {
      dispose()
      controller.abort(s.reason)
    }
    s.addEventListener('abort', l, { once: true })
    listeners.push([s, l])
  }
  return { signal: controller.signal, dispose }
}
