import { describe, expect, it } from 'vitest'
import { STATES } from '../../protocol'
import { DICTIONARIES, translate, stateKey } from '../../web/src/i18n'

describe('i18n dictionaries', () => {
  const vi = DICTIONARIES.vi
  const en = DICTIONARIES.en

  it('have exactly the same keys in vi and en', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(vi).sort())
  })

  it('have no empty labels', () => {
    for (const [lang, dict] of Object.entries(DICTIONARIES)) {
      for (const [key, text] of Object.entries(dict)) expect(text.trim(), `${lang}:${key}`).not.toBe('')
    }
  })

  it('use the same placeholders in both languages', () => {
    const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()
    for (const key of Object.keys(vi) as (keyof typeof vi)[]) expect(names(en[key]), key).toEqual(names(vi[key]))
  })

  it('names the states as the spec says in Vietnamese', () => {
    expect(STATES.map((s) => translate('vi', stateKey(s)))).toEqual([
      'Bình thường',
      'Suy giảm',
      'Nghiêm trọng',
      'Mất kết nối',
      'Không có dữ liệu',
    ])
  })

  it('has the live and demo labels of the spec', () => {
    expect(translate('vi', 'live.live')).toBe('Trực tiếp')
    // Not "Mất kết nối": that is the down state of a commune (issue 13, one term per meaning).
    expect(translate('vi', 'live.stale')).toBe('Dữ liệu cũ — đang kết nối lại')
    expect(translate('vi', 'demo.banner')).toBe('Demo — dữ liệu mô phỏng')
    expect(translate('en', 'demo.banner')).toBe('Demo — simulated data')
    expect(translate('vi', 'attention.title')).toBe('Cần chú ý')
  })

  it('fills placeholders and leaves unknown ones visible', () => {
    expect(translate('en', 'table.count', { shown: 3, total: 10 })).toBe('Showing 3 / 10')
    expect(translate('en', 'table.count', { shown: 3 })).toBe('Showing 3 / {total}')
  })
})
