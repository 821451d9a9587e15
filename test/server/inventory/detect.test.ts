import { describe, expect, it } from 'vitest'
import { detectFormat, detectKind } from '../../../server/inventory/detect'
import { normalizeHeader, resolveHeader } from '../../../server/inventory/fields'

describe('detectFormat', () => {
  it.each([
    ['communes.csv', 'anything', 'csv'],
    ['x.YML', 'a,b', 'yaml'],
    ['data', '- code: A\n', 'yaml'],
    ['data', '# comment\ncommunes:\n', 'yaml'],
    ['data', '\uFEFFcode,name\n', 'csv'],
    ['data', 'targets:\n  - id: a\n', 'yaml'],
  ])('%s %j → %s', (name, text, format) => {
    expect(detectFormat(name, text)).toBe(format)
  })
})

describe('detectKind', () => {
  it.each([
    ['a.csv', 'code,name,lat,lon\n', 'csv', 'communes'],
    ['a.csv', 'Mã xã,Tên xã,Vĩ độ,Kinh độ\n', 'csv', 'communes'],
    ['a.csv', 'id,commune_code,kind,host,role\n', 'csv', 'targets'],
    ['a.csv', 'Mã xã,Thôn/bản,Loại\n', 'csv', 'gaps'],
    ['a.yaml', 'gaps: []\n', 'yaml', 'gaps'],
    ['a.yaml', '- id: x\n  host: h\n', 'yaml', 'targets'],
    ['muc-tieu.csv', 'name\n', 'csv', 'targets'],
    ['vung_lom.csv', 'kind\n', 'csv', 'gaps'],
    ['data.csv', 'name\n', 'csv', undefined],
  ] as const)('%s %j → %s', (name, text, format, kind) => {
    expect(detectKind(name, text, format)).toBe(kind)
  })
})

describe('headers', () => {
  it.each([
    ['communes', 'Mã xã', 'code'],
    ['communes', 'MA XA', 'code'],
    ['communes', 'districtCluster', 'district_cluster'],
    ['communes', 'Cụm hỗ trợ', 'district_cluster'],
    ['communes', 'Băng thông hợp đồng (Mbps)', 'contracted_mbps'],
    ['targets', 'Mã', 'id'],
    ['targets', 'Mã xã', 'commune_code'],
    ['targets', 'Tuỳ chọn', 'options'],
    ['gaps', 'Số hộ', 'households'],
    ['gaps', 'thon/ban', 'hamlet'],
  ] as const)('%s: %j → %s', (kind, header, name) => {
    expect(resolveHeader(kind, header)?.name).toBe(name)
  })

  it('folds đ and diacritics', () => {
    expect(normalizeHeader('Đặc khu – Ưu tiên')).toBe('dackhuuutien')
  })
})
