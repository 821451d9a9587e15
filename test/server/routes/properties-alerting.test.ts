/**
 * Property tests of the write routes (issue 12, done-when 2): the alerting cases of
 * test/helpers/route-cases.ts, 10,000 generated requests each unless the case says why not.
 * Each answer: no 5xx; a 4xx is {error: {code: E_…, message}}; a rejected request stores nothing
 * (but what its allowance names); no request leaves 127.0.0.1. A summary line per route shows
 * the time taken and what was accepted.
 */
import { describe, expect, it } from 'vitest'
import { casesOf } from '../../helpers/route-cases'
import { NUM_RUNS, acceptedShare, checkRoute, summary } from '../../helpers/route-properties'

describe('route properties: alerting', () => {
  for (const [name, c] of casesOf('alerting')) {
    it(name, async () => {
      const st = await checkRoute(name, c)
      console.log(summary(name, st))
      expect(st.runs).toBe(c.numRuns ?? NUM_RUNS)
      // Generators that stopped producing valid bodies would test only the validation.
      expect(acceptedShare(st)).toBeGreaterThanOrEqual(c.minAccepted ?? 0)
    }, 240_000)
  }
})
