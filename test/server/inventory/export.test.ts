import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { exportInventory } from '../../../server/inventory/export'
import type { InventoryFormat, InventoryKind } from '../../../server/inventory/fields'
import { importInventory } from '../../../server/inventory/import'
import type { Store } from '../../../server/store/store'
import { countRows, createTempStore } from './temp-store'

let store: Store
let dispose: () => void
beforeEach(() => {
  ;({ store, dispose } = createTempStore())
})
afterEach(() => dispose())

const actor = 'test:admin'
// One name in decomposed form (NFD), as some Mac tools write it: it must survive byte for byte.
const NFD_NAME = 'Xã Nghĩa Đàn'.normalize('NFD')
const COMMUNES =
  '\uFEFFMã xã,Tên xã,Loại,Cụm,Vĩ độ,Kinh độ,Băng thông (Mbps),Ưu tiên,Ghi chú\r\n' +
  'NA-01,Xã Diễn Châu,xã,Cụm Bắc,18.9712345,105.5923,100,2,"trạm BTS, ""cột"" 30 m"\r\n' +
  `NA-02,${NFD_NAME},xã,Cụm Tây,19.3,105.4,0.5,0,"hai\ndòng"\r\n` +
  'NA-03,Phường Bến Thủy,phường,,18.65,-105.7,1e3,9,\r\n'
const TARGETS =
  'id,commune_code,name,kind,host,port,role,interval_s,timeout_s,parents,options,probe_id,enabled\n' +
  'na01-up,NA-01,Đường lên,icmp,10.0.0.1,,uplink,,,,,,\n' +
  'na01-line,NA-01,Đường truyền,udp_echo,10.0.0.2,,line,20,,na01-up,"{""packets"":30}",,false\n' +
  'na01-dns,NA-01,,dns,10.0.0.53,,service,,,na01-up;na01-line,"{""name"":""gov.vn""}",,\n'
const GAPS = 'commune_code,hamlet,kind,population,households,since,planned_fix,fixed_at,source\n' + 'NA-01,Bản Khe Nằn,no_mobile,320,,2024-03-05,Q4/2025,,Sở TT&TT\n' + 'NA-02,Thôn 3,weak_mobile,,,,,,\n'

function loadAll(): void {
  importInventory(store, COMMUNES, { kind: 'communes', format: 'csv', actor })
  importInventory(store, TARGETS, { kind: 'targets', format: 'csv', actor })
  importInventory(store, GAPS, { kind: 'gaps', format: 'csv', actor })
}

function snapshot(): unknown {
  return { communes: store.listCommunes(), targets: store.listTargets(), gaps: store.listGaps() }
}

describe('exportInventory', () => {
  it('writes CSV with a BOM, CRLF and English headers', () => {
    loadAll()
    const csv = exportInventory(store, 'communes', 'csv')
    expect(csv.startsWith('\uFEFFcode,name,kind,district_cluster,lat,lon,contracted_mbps,priority,notes,thresholds\r\n')).toBe(true)
    expect(csv).toContain('NA-01,Xã Diễn Châu,xa,Cụm Bắc,18.9712345,105.5923,100,2,"trạm BTS, ""cột"" 30 m",\r\n')
    expect(csv).toContain('NA-03,Phường Bến Thủy,phuong,,18.65,-105.7,1000,9,,\r\n')
  })

  it('keeps names byte-identical from import through export', () => {
    loadAll()
    const bytes = Buffer.from(exportInventory(store, 'communes', 'csv'), 'utf8')
    for (const name of ['Xã Diễn Châu', NFD_NAME, 'Phường Bến Thủy']) {
      expect(bytes.includes(Buffer.from(name, 'utf8'))).toBe(true)
    }
    expect(store.getCommune('NA-02')?.name).toBe(NFD_NAME)
  })

  it.each<[InventoryKind, InventoryFormat]>([
    ['communes', 'csv'],
    ['targets', 'csv'],
    ['gaps', 'csv'],
    ['communes', 'yaml'],
    ['targets', 'yaml'],
    ['gaps', 'yaml'],
  ])('%s as %s: re-import changes nothing and exports the same bytes', (kind, format) => {
    loadAll()
    const before = snapshot()
    const audit = countRows(store, 'audit_log')
    const text = exportInventory(store, kind, format)
    const report = importInventory(store, text, { kind, format, actor })
    expect(report).toMatchObject({ created: 0, updated: 0 })
    expect(report.unchanged).toBe(report.rows)
    expect(report.rows).toBeGreaterThan(1)
    expect(snapshot()).toEqual(before)
    expect(countRows(store, 'audit_log')).toBe(audit)
    expect(exportInventory(store, kind, format)).toBe(text)
  })

  it('restores an emptied database from its own export', () => {
    loadAll()
    const files = (['communes', 'targets', 'gaps'] as const).map((k) => [k, exportInventory(store, k, 'csv')] as const)
    const before = snapshot()
    dispose()
    ;({ store, dispose } = createTempStore())
    for (const [kind, text] of files) importInventory(store, text, { kind, format: 'csv', actor })
    const after = snapshot()
    const strip = (s: unknown): unknown => JSON.parse(JSON.stringify(s, (k, v: unknown) => (k === 'createdAt' || k === 'updatedAt' ? undefined : v)))
    expect(strip(after)).toEqual(strip(before))
  })

  it('exports only the header for an empty table', () => {
    expect(exportInventory(store, 'gaps', 'csv')).toBe('\uFEFFcommune_code,hamlet,kind,population,households,since,planned_fix,fixed_at,source\r\n')
    expect(exportInventory(store, 'targets', 'yaml').trim()).toBe('[]')
  })
})
