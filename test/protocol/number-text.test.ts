/**
 * formatNumber writes what Intl.NumberFormat writes (vi-VN and en-GB, 0–3 fraction digits) for
 * the figures Xanh shows and for values chosen to be awkward: halves, runs of nines, tiny and
 * huge magnitudes, negatives that round to zero.
 */
import { describe, expect, it } from 'vitest'
import { EN_NUMBER, formatNumber, VI_NUMBER } from '../../protocol/number-text'
import { prng } from '../helpers/prng'

const LOCALES = [
  ['vi-VN', VI_NUMBER],
  ['en-GB', EN_NUMBER],
] as const

describe('formatNumber', () => {
  const special = [0, -0, 1, -1, 0.5, 1.5, 2.5, -2.5, 1.005, 2.675, 0.125, 1.45, 999.95, 9.995, 99.5, 0.04, -0.04, 0.006, 0.0004, 1e-7, 5e-7, 123456789.987, 1e21, 1.5e21, 2 ** 53, -(2 ** 53) - 2, 0.1 + 0.2, 57.1, 9.4, 312, 1234.5, NaN, Infinity, -Infinity]
  for (const [locale, sep] of LOCALES) {
    it(`writes the awkward values as Intl does (${locale})`, () => {
      for (const digits of [0, 1, 2, 3]) {
        const intl = new Intl.NumberFormat(locale, { maximumFractionDigits: digits })
        for (const v of special) expect(formatNumber(v, digits, sep), `${v} with ${digits}`).toBe(intl.format(v))
      }
    })

    it(`writes 20,000 random values as Intl does (${locale})`, () => {
      const next = prng(locale === 'vi-VN' ? 7 : 11)
      const intls = [0, 1, 2, 3].map((d) => new Intl.NumberFormat(locale, { maximumFractionDigits: d }))
      for (let i = 0; i < 20_000; i++) {
        // Magnitudes from 1e-9 to 1e12, some with few decimals (as measured figures have), both signs.
        const magnitude = 10 ** (next() * 21 - 9)
        let v = next() < 0.5 ? magnitude : Math.round(magnitude * 1000) / 1000
        if (next() < 0.2) v = -v
        const digits = i % 4
        expect(formatNumber(v, digits, sep), `${v} with ${digits}`).toBe(intls[digits]!.format(v))
      }
    })
  }
})
