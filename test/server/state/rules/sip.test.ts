import { describe, expect, it } from 'vitest'
import { sipRule } from '../../../../server/state/rules/sip'
import { input, samples, times } from './input'

describe('rule sip: non-2xx answer or a slow (1–5 s) answer is a warning', () => {
  it.each([
    ['200 in 20 ms', 200, 0.02, 'ok', 'ok'],
    ['404 Not Found', 404, 0.02, 'warning', 'ok'],
    ['486 Busy Here', 486, 0.02, 'warning', 'ok'],
    ['302 Moved', 302, 0.02, 'warning', 'ok'],
    ['200 after 2 s', 200, 2, 'ok', 'warning'],
  ] as const)('%s → status %s, response %s', (_name, code, seconds, status, response) => {
    const verdicts = sipRule.grade(input({ kind: 'sip', role: 'mcu', intervalSeconds: 30, window: samples(times(4, { status_code: code, response_seconds: seconds }), 30) }))
    expect(verdicts.find((v) => v.part === 'status')).toMatchObject({ state: status, value: code, unit: 'status_code', bad: 'not' })
    expect(verdicts.find((v) => v.part === 'response')).toMatchObject({ state: response, value: seconds, threshold: 1, unit: 'seconds' })
  })

  it('the latest status counts; the answer time is a median over the window', () => {
    const window = samples([{ status_code: 404, response_seconds: 3 }, { status_code: 200, response_seconds: 0.01 }, { status_code: 200, response_seconds: 0.01 }], 30)
    const verdicts = sipRule.grade(input({ kind: 'sip', intervalSeconds: 30, window }))
    expect(verdicts.map((v) => v.state)).toEqual(['ok', 'ok'])
  })

  it('never grades a slow answer worse than warning (past the timeout the round fails: down by hysteresis)', () => {
    const [, response] = sipRule.grade(input({ kind: 'sip', window: samples(times(3, { status_code: 200, response_seconds: 4.9 })) }))
    expect(response?.state).toBe('warning')
  })
})
