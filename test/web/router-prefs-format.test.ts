import { describe, expect, it } from 'vitest'
import { translate } from '../../web/src/i18n'
import { formatAvailability, formatDateTime, formatDuration, formatLossPct, formatRttMs, formatShortDateTime, formatTime, sinceLabel } from '../../web/src/format'
import { LANG_STORAGE_KEY, PrefsModel, type StorageLike } from '../../web/src/models/prefs'
import { RouterModel, communeHref, parseRoute } from '../../web/src/models/router'

describe('parseRoute', () => {
  it.each([
    ['', { name: 'overview' }],
    ['#', { name: 'overview' }],
    ['#/', { name: 'overview' }],
    ['#/commune/19768', { name: 'commune', code: '19768' }],
    ['#/commune/ab%20c/', { name: 'commune', code: 'ab c' }],
    ['#/alerts', { name: 'alerts' }],
    ['#/gaps/', { name: 'gaps' }],
    ['#/signin', { name: 'signin' }],
    ['#/settings', { name: 'settings', tab: 'communes' }],
    ['#/settings/probes', { name: 'settings', tab: 'probes' }],
    ['#/settings/nope', { name: 'notFound', path: '/settings/nope' }],
    ['#/elsewhere', { name: 'notFound', path: '/elsewhere' }],
    ['#/commune/%E0', { name: 'notFound', path: '/commune/%E0' }],
  ])('%j → %j', (hash, route) => {
    expect(parseRoute(hash)).toEqual(route)
  })

  it('round-trips communeHref', () => {
    expect(parseRoute(communeHref('a/b'))).toEqual({ name: 'commune', code: 'a/b' })
  })

  it('follows hash changes and unsubscribes on dispose', () => {
    let hash = '#/'
    const listeners = new Set<() => void>()
    const r = new RouterModel({
      getHash: () => hash,
      subscribe: (fn) => {
        listeners.add(fn)
        return () => listeners.delete(fn)
      },
    })
    hash = '#/commune/X'
    for (const l of listeners) l()
    expect(r.route.value).toEqual({ name: 'commune', code: 'X' })
    expect(r.previousHash.value).toBe('#/')
    r[Symbol.dispose]()
    expect(listeners.size).toBe(0)
  })
})

describe('PrefsModel', () => {
  function memory(initial: Record<string, string> = {}): StorageLike & { data: Record<string, string> } {
    const data = { ...initial }
    return { data, getItem: (k) => data[k] ?? null, setItem: (k, v) => void (data[k] = v) }
  }

  it('defaults to Vietnamese, persists the toggle, and restores it', () => {
    const store = memory()
    const p = new PrefsModel(store)
    expect(p.lang.value).toBe('vi')
    expect(p.t.value('state.down')).toBe('Mất kết nối')
    p.toggleLang()
    expect(p.t.value('state.down')).toBe('Down')
    expect(store.data[LANG_STORAGE_KEY]).toBe('en')
    expect(new PrefsModel(store).lang.value).toBe('en')
  })

  it('ignores garbage in storage and survives storage that throws', () => {
    expect(new PrefsModel(memory({ [LANG_STORAGE_KEY]: 'fr' })).lang.value).toBe('vi')
    const hostile: StorageLike = {
      getItem: () => {
        throw new Error('SecurityError')
      },
      setItem: () => {
        throw new Error('QuotaExceeded')
      },
    }
    const p = new PrefsModel(hostile)
    p.setLang('en')
    expect(p.lang.value).toBe('en')
    expect(new PrefsModel(null).lang.value).toBe('vi')
  })
})

describe('format', () => {
  const t = (k: Parameters<typeof translate>[1], p?: Parameters<typeof translate>[2]) => translate('vi', k, p)

  it('sinceLabel: clock time in Vietnam and how long ago, with the date when not today', () => {
    const now = Date.parse('2026-02-12T21:50:00Z') // 04:50 on 13/02 in Hanoi
    expect(sinceLabel(Date.parse('2026-02-12T21:32:00Z'), now, t)).toBe('từ 04:32 (18 phút)')
    expect(sinceLabel(Date.parse('2026-02-12T16:40:00Z'), now, t)).toBe('từ 12/02 23:40 (5 giờ 10 phút)')
    expect(sinceLabel(Date.parse('2026-02-12T21:32:00Z'), now, (k, p) => translate('en', k, p))).toBe('since 04:32 (18 min)')
  })

  it('formatAvailability never rounds up to 100 %', () => {
    expect(formatAvailability(0.99996, 'vi')).toBe('99,9 %')
    expect(formatAvailability(1, 'vi')).toBe('100 %')
    expect(formatAvailability(null, 'vi')).toBe('—')
  })

  it('shows times in Asia/Ho_Chi_Minh (UTC+7) whatever the host zone', () => {
    const ms = Date.parse('2025-07-01T17:30:05Z')
    expect(formatTime(ms)).toBe('00:30:05')
    expect(formatDateTime(ms)).toBe('02/07/2025 00:30:05')
    expect(formatShortDateTime(ms, Date.parse('2025-07-01T18:00:00Z'))).toBe('00:30')
    expect(formatShortDateTime(ms, Date.parse('2025-07-01T16:00:00Z'))).toBe('02/07 00:30')
  })

  it.each([
    [0, 'vừa xong'],
    [-30, 'vừa xong'],
    [42, '42 giây'],
    [600, '10 phút'],
    [3 * 3600 + 5 * 60 + 9, '3 giờ 5 phút'],
    [7200, '2 giờ'],
    [2 * 86400 + 4 * 3600, '2 ngày 4 giờ'],
  ])('duration %d s → %j', (s, out) => {
    expect(formatDuration(s, t)).toBe(out)
  })

  it('formats RTT in ms and loss in % with the locale decimal separator', () => {
    expect(formatRttMs(0.0123, 'en')).toBe('12')
    expect(formatRttMs(0.00456, 'vi')).toBe('4,6')
    expect(formatRttMs(null, 'vi')).toBe('—')
    expect(formatLossPct(0.0012, 'en')).toBe('0.12')
    expect(formatLossPct(0.0345, 'vi')).toBe('3,5')
    expect(formatLossPct(0, 'vi')).toBe('0')
  })
})
