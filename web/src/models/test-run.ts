/**
 * "Đo ngay" on the commune page: start a line test of the open commune, then follow it until
 * every target has a fresh result or the run expired. The fresh figures also reach the page
 * through live deltas; this model says where the run stands.
 * @module
 */
import { createModel, signal, type ReadonlySignal } from '@preact/signals'
import type { TestRunView } from '../../../protocol'
import type { Api, ApiError } from '../api'
import type { Clock, TimerHandle } from './clock'

export interface TestRunDeps {
  api: Api
  clock: Clock
  /** How often a running test is re-read. Default 1 s. */
  pollMs?: number
  /** Called on 401 (the session ended). */
  onUnauthorized?: () => void
}

export interface TestRunState {
  /** The run of the commune shown, null before one was asked for. */
  run: ReadonlySignal<TestRunView | null>
  /** The request is being sent. */
  busy: ReadonlySignal<boolean>
  error: ReadonlySignal<ApiError | null>
  /** Asks for a test of `code` (or follows the one already running there). */
  start: (code: string) => Promise<void>
  /** Forgets the run (another commune was opened). */
  reset: () => void
}

/** Test-run model. */
export const TestRunModel = createModel((deps: TestRunDeps): TestRunState => {
  const pollMs = deps.pollMs ?? 1000
  const run = signal<TestRunView | null>(null, { name: 'test-run' })
  const busy = signal(false, { name: 'test-run-busy' })
  const error = signal<ApiError | null>(null, { name: 'test-run-error' })
  let timer: TimerHandle | null = null
  let generation = 0

  const stop = (): void => {
    if (timer !== null) deps.clock.clearTimeout(timer)
    timer = null
  }

  const follow = (id: string, gen: number): void => {
    timer = deps.clock.setTimeout(async () => {
      timer = null
      const r = await deps.api.testRun(id)
      if (gen !== generation) return
      if (r.ok) {
        run.value = r.data
        if (r.data.state === 'running') follow(id, gen)
      } else {
        error.value = r.error
        // A blip (network, restart): keep following until the run's own deadline.
        const current = run.peek()
        if (current && Date.parse(current.expiresAt) > deps.clock.now()) follow(id, gen)
      }
    }, pollMs)
  }

  async function start(code: string): Promise<void> {
    stop()
    const gen = ++generation
    busy.value = true
    error.value = null
    const r = await deps.api.startTestRun(code)
    if (gen !== generation) return
    busy.value = false
    if (!r.ok) {
      error.value = r.error
      if (r.error.code === 'E_UNAUTHORIZED') deps.onUnauthorized?.()
      return
    }
    run.value = r.data
    if (r.data.state === 'running') follow(r.data.id, gen)
  }

  function reset(): void {
    stop()
    generation++
    run.value = null
    busy.value = false
    error.value = null
  }

  return { run, busy, error, start, reset }
})

/** An instance of {@link TestRunModel}. */
export type TestRunModel = InstanceType<typeof TestRunModel>
