/**
 * Decimal numbers as `Intl.NumberFormat(locale, { maximumFractionDigits })` writes them for
 * Vietnamese (`1.234,5`) and British English (`1,234.5`), without ICU: constructing a
 * NumberFormat loads ~4–5 MB of locale data into the server's resident memory (issue 14).
 * Same rounding as ICU: the shortest decimal that reads back as the double (what `String(v)`
 * gives), rounded half away from zero, trailing zeros dropped, a minus kept on a negative that
 * rounds to zero. test/protocol/number-text.test.ts compares it with Intl on random values.
 * @module
 */

/** The separators of a locale. */
export interface NumberSeparators {
  group: string
  decimal: string
}

export const VI_NUMBER: NumberSeparators = { group: '.', decimal: ',' }
export const EN_NUMBER: NumberSeparators = { group: ',', decimal: '.' }

/** The digits of |v| (no leading zeros) and the position of the decimal point among them. */
function decimalDigits(v: number): { digits: string; point: number } {
  // String() is the shortest round-trip decimal, in exponent form below 1e-6 and from 1e21.
  const s = String(Math.abs(v))
  const e = s.indexOf('e')
  const mantissa = e < 0 ? s : s.slice(0, e)
  const exp = e < 0 ? 0 : Number(s.slice(e + 1))
  const dot = mantissa.indexOf('.')
  let digits = dot < 0 ? mantissa : mantissa.slice(0, dot) + mantissa.slice(dot + 1)
  let point = (dot < 0 ? mantissa.length : dot) + exp
  const lead = /^0*/.exec(digits)?.[0].length ?? 0
  digits = digits.slice(lead)
  point -= lead
  return { digits, point }
}

/**
 * `v` with at most `maxFractionDigits` decimals and the locale's separators.
 * @example formatNumber(1234.56, 1, VI_NUMBER) // "1.234,6"
 */
export function formatNumber(v: number, maxFractionDigits: number, sep: NumberSeparators): string {
  if (Number.isNaN(v)) return 'NaN'
  const minus = v < 0 || Object.is(v, -0) ? '-' : ''
  if (!Number.isFinite(v)) return `${minus}∞`
  const { digits, point } = decimalDigits(v)
  // Keep the digits up to maxFractionDigits after the point; round half away from zero on the next one.
  const keep = point + maxFractionDigits
  let kept: number[] = []
  if (keep >= 0) kept = [...digits.slice(0, keep)].map(Number)
  while (kept.length < keep) kept.push(0)
  let intLen = point
  if (keep >= 0 && Number(digits[keep] ?? '0') >= 5) {
    let i = kept.length - 1
    while (i >= 0 && kept[i] === 9) kept[i--] = 0
    if (i >= 0) kept[i] = (kept[i] as number) + 1
    else {
      kept.unshift(1)
      intLen++
    }
  }
  // Below 1: the integer part is "0" and the fraction starts with -intLen zeros.
  if (intLen <= 0) {
    kept = [...Array<number>(Math.min(-intLen, maxFractionDigits)).fill(0), ...kept].slice(0, maxFractionDigits)
    intLen = 0
  }
  const intDigits = kept.slice(0, intLen).join('') || '0'
  const frac = kept.slice(intLen).join('').replace(/0+$/, '')
  let grouped = ''
  for (let i = intDigits.length; i > 0; i -= 3) grouped = intDigits.slice(Math.max(0, i - 3), i) + (grouped ? sep.group + grouped : '')
  return `${minus}${grouped}${frac ? sep.decimal + frac : ''}`
}
