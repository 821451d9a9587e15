import { describe, expect, it } from 'vitest'
import { linkSignals } from '../../probes/abort'

describe('linkSignals', () => {
  it('aborts with the first source reason', () => {
    const a = new AbortController()
    const b = new AbortController()
    const linked = linkSignals([a.signal, b.signal])
    b.abort('b went first')
    a.abort('a')
    expect(linked.signal.aborted).toBe(true)
    expect(linked.signal.reason).toBe('b went first')
  })

  it('is aborted at once when a source already is', () => {
    const linked = linkSignals([new AbortController().signal, AbortSignal.abort('done')])
    expect(linked.signal.reason).toBe('done')
  })

  it('dispose detaches it from the sources', () => {
    const long = new AbortController()
    const linked = linkSignals([long.signal])
    linked.dispose()
    long.abort()
    expect(linked.signal.aborted).toBe(false)
  })
})
