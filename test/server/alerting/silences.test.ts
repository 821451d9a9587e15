import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Matcher, SilenceInput } from '../../../protocol'
import { AppError } from '../../../server/errors'
import { compileMatchers, createSilence, expireSilence, findSilence, listSilences, MAX_REGEX_LENGTH, silenceState, type Silence } from '../../../server/alerting/silences'
import { createTempStore } from '../inventory/temp-store'

const eq = (name: string, value: string): Matcher => ({ name, value, isRegex: false, isEqual: true })
const ne = (name: string, value: string): Matcher => ({ name, value, isRegex: false, isEqual: false })
const re = (name: string, value: string): Matcher => ({ name, value, isRegex: true, isEqual: true })
const nre = (name: string, value: string): Matcher => ({ name, value, isRegex: true, isEqual: false })

const LABELS = { alertname: 'CommuneLineDown', commune: 'NA-KYSON', cluster: 'Cụm Tây Bắc', role: 'line', target: 'kyson-line' }

describe('compileMatchers (Alertmanager semantics)', () => {
  it.each<[string, Matcher[], boolean]>([
    ['= equal', [eq('commune', 'NA-KYSON')], true],
    ['= differs', [eq('commune', 'NA-KY')], false],
    ['= is exact, not substring', [eq('commune', 'KYSON')], false],
    ['= with diacritics', [eq('cluster', 'Cụm Tây Bắc')], true],
    ['!= differs', [ne('role', 'mcu')], true],
    ['!= equal', [ne('role', 'line')], false],
    ['=~ full match', [re('commune', 'NA-.*')], true],
    ['=~ is anchored at the start', [re('commune', 'KYSON')], false],
    ['=~ is anchored at the end', [re('commune', 'NA-KY')], false],
    ['=~ alternation stays anchored', [re('role', 'mcu|line')], true],
    ['=~ alternation does not match a prefix', [re('role', 'li|mcu')], false],
    ['!~ matching value', [nre('role', 'line|mcu')], false],
    ['!~ non-matching value', [nre('role', 'uplink')], true],
    ['!~ is anchored too', [nre('commune', 'NA')], true],
    ['(?i) prefix is case-insensitive', [re('alertname', '(?i)communelinedown')], true],
    ['missing label = "" matches empty string', [eq('severity', '')], true],
    ['missing label != "x" holds', [ne('severity', 'critical')], true],
    ['missing label = "x" fails', [eq('severity', 'critical')], false],
    ['missing label =~ ".*" matches', [re('severity', '.*')], true],
    ['missing label =~ ".+" fails', [re('severity', '.+')], false],
    ['missing label !~ ".+" holds (label absent)', [nre('severity', '.+')], true],
    ['present label = "" fails', [eq('commune', '')], false],
    ['all matchers must hold (AND)', [eq('role', 'line'), eq('commune', 'NA-OTHER')], false],
    ['all matchers hold', [eq('role', 'line'), re('commune', 'NA-.+'), nre('target', '.*mcu.*')], true],
  ])('%s', (_name, matchers, expected) => {
    expect(compileMatchers(matchers)(LABELS)).toBe(expected)
  })

  it.each<[string, string, RegExp]>([
    ['unbalanced paren', 'NA-(', /invalid regex/],
    ['anchoring escape attempt', 'a)|(b', /invalid regex/],
    ['nested quantifier', '(a+)+', /repeated group/],
    ['repeated alternation', '(a|aa)*', /repeated group/],
    ['nested via braces', '(x{1,}){2,}', /repeated group/],
    ['lookahead', '(?=a)a', /lookaround/],
    ['backreference', '(a)\\1', /backreferences/],
    ['too long', 'a'.repeat(MAX_REGEX_LENGTH + 1), /longer than/],
  ])('refuses a bad regex (%s) with E_VALIDATION and the matcher path', (_name, value, message) => {
    let caught: unknown
    try {
      compileMatchers([eq('role', 'line'), re('commune', value)])
    } catch (e) {
      caught = e
    }
    expect(caught).toBeInstanceOf(AppError)
    const err = caught as AppError
    expect(err.code).toBe('E_VALIDATION')
    expect(err.issues?.[0]?.path).toBe('matchers.1.value')
    expect(err.issues?.[0]?.message).toMatch(message)
  })

  it.each(['(ab)?', '(foo|bar)', '[(+*]+', 'a\\(b+\\)+', '(?:NA|HT)-[A-Z]+', '(?<name>x)y*'])('accepts a safe regex %s', (value) => {
    expect(() => compileMatchers([re('x', value)])).not.toThrow()
  })

  it('does not treat a bad regex on an equality matcher as a regex', () => {
    expect(compileMatchers([eq('commune', 'NA-(')])({ commune: 'NA-(' })).toBe(true)
  })
})

describe('silence states and lookup', () => {
  const T0 = Date.parse('2026-11-24T03:00:00Z') // 10:00 on Tuesday in Hà Nội / Nghệ An
  const silence = (id: number, matchers: Matcher[], startsAt = T0, endsAt = T0 + 3_600_000): Silence => ({ id, matchers, startsAt, endsAt, createdBy: 'op', comment: 'c' })

  it('is pending before startsAt, active on [startsAt, endsAt), expired from endsAt', () => {
    const s = silence(1, [eq('a', 'b')])
    expect(silenceState(s, T0 - 1)).toBe('pending')
    expect(silenceState(s, T0)).toBe('active')
    expect(silenceState(s, T0 + 3_599_999)).toBe('active')
    expect(silenceState(s, T0 + 3_600_000)).toBe('expired')
  })

  it('finds only active silences whose matchers all hold', () => {
    const list = [
      silence(1, [eq('commune', 'NA-KYSON')], T0 + 60_000, T0 + 7_200_000), // pending at T0
      silence(2, [eq('commune', 'NA-OTHER')]),
      silence(3, [re('commune', 'NA-.*'), eq('role', 'line')]),
      silence(4, [eq('commune', 'NA-KYSON')], T0 - 7_200_000, T0 - 3_600_000), // expired
    ]
    expect(findSilence(list, LABELS, T0)?.id).toBe(3)
    expect(findSilence(list, { ...LABELS, role: 'mcu' }, T0)).toBeUndefined()
    expect(findSilence(list, LABELS, T0 + 60_000)?.id).toBe(1)
    expect(findSilence(list, LABELS, T0 + 3_600_000)?.id).toBe(1)
    expect(findSilence(list, LABELS, T0 + 7_200_000)).toBeUndefined()
  })

  it('a stored silence whose regex no longer compiles matches nothing (and does not throw)', () => {
    expect(findSilence([silence(1, [re('commune', '(')])], LABELS, T0)).toBeUndefined()
  })
})

describe('silence storage', () => {
  let t: ReturnType<typeof createTempStore>
  beforeEach(() => {
    t = createTempStore()
  })
  afterEach(() => t.dispose())
  const NOW = Date.parse('2026-11-24T03:00:00Z')
  const input = (over: Partial<SilenceInput> = {}): SilenceInput => ({
    matchers: [eq('commune', 'NA-KYSON')],
    startsAt: '2026-11-24T10:00:00+07:00',
    endsAt: '2026-11-24T12:00:00+07:00',
    createdBy: 'op',
    comment: 'cáp quang bị đứt, VNPT đang xử lý',
    ...over,
  })
  const pathOf = (fn: () => unknown): string | undefined => {
    try {
      fn()
    } catch (e) {
      return e instanceof AppError ? `${e.code} ${e.issues?.[0]?.path}` : 'not AppError'
    }
    return undefined
  }

  it('creates, lists and expires', () => {
    const s = createSilence(t.store, input(), NOW)
    expect(s).toMatchObject({ startsAt: NOW, endsAt: NOW + 7_200_000, comment: 'cáp quang bị đứt, VNPT đang xử lý' })
    expect(listSilences(t.store)).toEqual([s])
    const expired = expireSilence(t.store, s.id, NOW + 60_000)
    expect(expired.endsAt).toBe(NOW + 60_000)
    expect(silenceState(expired, NOW + 60_000)).toBe('expired')
    // Expiring again does not move endsAt.
    expect(expireSilence(t.store, s.id, NOW + 120_000).endsAt).toBe(NOW + 60_000)
  })

  it('expiring a pending silence closes it before it starts', () => {
    const s = createSilence(t.store, input({ startsAt: '2026-11-25T10:00:00+07:00', endsAt: '2026-11-25T12:00:00+07:00' }), NOW)
    const e = expireSilence(t.store, s.id, NOW)
    expect(e).toMatchObject({ startsAt: NOW, endsAt: NOW })
    expect(silenceState(e, Date.parse('2026-11-25T03:30:00Z'))).toBe('expired')
  })

  it('refuses bad times and bad regexes, writing nothing', () => {
    expect(pathOf(() => createSilence(t.store, input({ endsAt: '2026-11-24T09:00:00+07:00' }), NOW))).toBe('E_VALIDATION endsAt')
    expect(pathOf(() => createSilence(t.store, input({ startsAt: '2026-11-24T08:00:00+07:00', endsAt: '2026-11-24T09:00:00+07:00' }), NOW))).toBe('E_VALIDATION endsAt')
    expect(pathOf(() => createSilence(t.store, input({ matchers: [eq('a', 'b'), re('c', '[')] }), NOW))).toBe('E_VALIDATION matchers.1.value')
    expect(listSilences(t.store)).toEqual([])
  })

  it('404s an unknown id', () => {
    expect(pathOf(() => expireSilence(t.store, 42, NOW))).toBe('E_NOT_FOUND undefined')
  })
})
