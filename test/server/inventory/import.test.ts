import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AppError } from '../../../server/errors'
import { importInventory, parseInventory } from '../../../server/inventory/import'
import type { Store } from '../../../server/store/store'
import { countRows, createTempStore } from './temp-store'

let store: Store
let dispose: () => void
beforeEach(() => {
  ;({ store, dispose } = createTempStore())
})
afterEach(() => dispose())

const actor = 'test:admin'
const BOM = '\uFEFF'

/** Runs an import expected to fail and returns its error. */
function importError(...args: Parameters<typeof importInventory>): AppError {
  try {
    importInventory(...args)
  } catch (e) {
    if (e instanceof AppError) return e
    throw e
  }
  throw new Error('import succeeded')
}

const COMMUNES_CSV =
  BOM +
  'code,name,kind,district_cluster,lat,lon,contracted_mbps,priority,notes\r\n' +
  'NA-DIENCHAU,Xã Diễn Châu,xa,Cụm Bắc,18.9712,105.5923,100,2,"trạm BTS, cột 30 m"\r\n' +
  'NA-BENTHUY,Phường Bến Thủy,phuong,Cụm Vinh,18.65,105.7,200,,\r\n' +
  'NA-CONCUONG,Đặc khu Côn Cuông,dac_khu,,19.05,104.88,,,\r\n'

describe('importInventory: communes', () => {
  it('imports a CSV with BOM and diacritics, defaults for empty cells, and audits each commune', () => {
    const report = importInventory(store, COMMUNES_CSV, { kind: 'communes', format: 'csv', actor })
    expect(report).toEqual({ kind: 'communes', rows: 3, created: 3, updated: 0, unchanged: 0 })
    const byCode = new Map(store.listCommunes().map((c) => [c.code, c]))
    expect(byCode.get('NA-DIENCHAU')).toMatchObject({ name: 'Xã Diễn Châu', districtCluster: 'Cụm Bắc', lat: 18.9712, priority: 2, notes: 'trạm BTS, cột 30 m' })
    expect(byCode.get('NA-BENTHUY')).toMatchObject({ kind: 'phuong', contractedMbps: 200, priority: 0, notes: '' })
    expect(byCode.get('NA-CONCUONG')).toMatchObject({ kind: 'dac_khu', contractedMbps: 100, districtCluster: '' })
    expect(countRows(store, 'audit_log')).toBe(3)
  })

  it('accepts Vietnamese headers with or without diacritics, any case, and Vietnamese kinds', () => {
    const csv =
      'Mã xã,TÊN XÃ,Loại,Cụm hỗ trợ,Vĩ độ,kinh do,Băng thông hợp đồng (Mbps),uu tien,Ghi chú\n' +
      'A1,Xã Một,xã,Cụm 1,21.1,105.1,50,1,\n' +
      'A2,Phường Hai,Phường,,21.2,105.2,,,\n' +
      'A3,Đặc khu Ba,đặc khu,,21.3,105.3,,,\n'
    expect(importInventory(store, csv, { kind: 'communes', format: 'csv', actor }).created).toBe(3)
    expect(store.listCommunes().map((c) => [c.code, c.kind, c.contractedMbps])).toEqual([
      ['A1', 'xa', 50],
      ['A2', 'phuong', 100],
      ['A3', 'dac_khu', 100],
    ])
  })

  it('reads a semicolon-separated Excel file with decimal commas', () => {
    const csv = BOM + 'ma xa;ten;vi do;kinh do\r\nB1;Xã Bình;21,0285;105,8542\r\n'
    importInventory(store, csv, { kind: 'communes', format: 'csv', actor })
    expect(store.getCommune('B1')).toMatchObject({ lat: 21.0285, lon: 105.8542 })
  })

  it('rejects a file with two bad rows: every issue has its line and field, nothing is written', () => {
    importInventory(store, 'code,name,lat,lon\nKEEP,Xã Giữ,20,105\n', { kind: 'communes', format: 'csv', actor })
    const before = { communes: countRows(store, 'communes'), audit: countRows(store, 'audit_log') }
    const csv =
      'code,name,lat,lon,notes\n' +
      'KEEP,Xã Đổi Tên,20,105,\n' + // valid, would update: must not be written
      'OK1,Xã Tốt,20.5,105.5,"ghi chú\nhai dòng"\n' + // lines 3-4
      'BAD1,Xã Sai,abc,105.5,\n' + // line 5: lat not a number
      'NEW2,Xã Mới,21,105,\n' +
      'bad code!,Xã Lỗi,91,105,\n' // line 7: code and lat
    const err = importError(store, csv, { kind: 'communes', format: 'csv', actor })
    expect(err.code).toBe('E_IMPORT_INVALID')
    expect(err.message).toMatch(/^2 bad rows/)
    expect(err.issues?.map((i) => [i.line, i.path])).toEqual([
      [5, 'lat'],
      [7, 'code'],
      [7, 'lat'],
    ])
    expect(countRows(store, 'communes')).toBe(before.communes)
    expect(countRows(store, 'audit_log')).toBe(before.audit)
    expect(store.getCommune('KEEP')?.name).toBe('Xã Giữ')
  })

  it('names the file header in messages when it is Vietnamese', () => {
    const err = importError(store, 'Mã xã,Tên,Vĩ độ,Kinh độ\nX1,Xã,north,105\n', { kind: 'communes', format: 'csv', actor })
    expect(err.issues).toEqual([{ line: 2, path: 'lat', message: expect.stringContaining('column "Vĩ độ"'), code: 'not_a_number', params: { value: 'north', header: 'Vĩ độ' } }])
  })

  it('reports a missing required cell as required', () => {
    const err = importError(store, 'code,name,lat,lon\nX1,Xã,,105\n', { kind: 'communes', format: 'csv', actor })
    expect(err.issues).toEqual([{ line: 2, path: 'lat', message: 'required', code: 'required' }])
  })

  it('reports a duplicate code at the second row, pointing at the first', () => {
    const csv = 'code,name,lat,lon\nD1,Xã A,20,105\nD2,Xã B,20,105\nD1,Xã C,20,105\n'
    const err = importError(store, csv, { kind: 'communes', format: 'csv', actor })
    expect(err.issues).toEqual([{ line: 4, path: 'code', message: 'duplicate code D1 (first at line 2)', code: 'duplicate', params: { key: 'D1', first: 2 } }])
    expect(countRows(store, 'communes')).toBe(0)
  })

  it('reports unknown and repeated headers at line 1', () => {
    const err = importError(store, 'code,name,lat,lon,altitude,Tên xã\n', { kind: 'communes', format: 'csv', actor })
    expect(err.issues?.map((i) => [i.line, i.path])).toEqual([
      [1, 'altitude'],
      [1, 'name'],
    ])
  })

  it('reports a row with more cells than headers (an unquoted comma)', () => {
    const err = importError(store, 'code,name,lat,lon\nX1,Xã A, B,20,105\n', { kind: 'communes', format: 'csv', actor })
    expect(err.issues?.[0]).toMatchObject({ line: 2, path: '(row)' })
  })

  it('updates changed rows and leaves equal ones alone', () => {
    importInventory(store, COMMUNES_CSV, { kind: 'communes', format: 'csv', actor })
    const again = importInventory(store, COMMUNES_CSV.replace('Cụm Vinh,18.65', 'Cụm Vinh,18.66'), { kind: 'communes', format: 'csv', actor })
    expect(again).toEqual({ kind: 'communes', rows: 3, created: 0, updated: 1, unchanged: 2 })
    expect(countRows(store, 'audit_log')).toBe(4)
  })

  it('reports every problem of a row, not only the first', () => {
    const err = importError(store, 'code,name,lat,lon,priority\nX1,,abc,105,12\n', { kind: 'communes', format: 'csv', actor })
    expect(err.issues?.map((i) => i.path).sort()).toEqual(['lat', 'name', 'priority'])
  })

  it('reports progress every 1,000 rows (dry run too)', () => {
    let csv = 'code,name,lat,lon\n'
    for (let i = 0; i < 2500; i++) csv += `P${i},Xã ${i},20,105\n`
    const calls: Array<[number, number]> = []
    importInventory(store, csv, { kind: 'communes', format: 'csv', actor, dryRun: true, onProgress: (d, t) => calls.push([d, t]) })
    expect(calls).toEqual([
      [1000, 2500],
      [2000, 2500],
      [2500, 2500],
    ])
  })

  it('dry run counts but writes nothing', () => {
    const report = importInventory(store, COMMUNES_CSV, { kind: 'communes', format: 'csv', actor, dryRun: true })
    expect(report.created).toBe(3)
    expect(countRows(store, 'communes')).toBe(0)
  })
})

describe('importInventory: YAML', () => {
  it('imports a list, or a { communes: [...] } map; numeric-looking codes stay text', () => {
    const yaml = 'communes:\n  - code: 01234\n    name: Xã Số\n    lat: 20\n    lon: 105\n    kind: Phường\n'
    importInventory(store, yaml, { kind: 'communes', format: 'yaml', actor })
    expect(store.getCommune('01234')).toMatchObject({ name: 'Xã Số', kind: 'phuong' })
  })

  it('reports a bad item at the line of its bad field', () => {
    const yaml = [
      '# communes',
      '- code: Y1',
      '  name: Xã Một',
      '  lat: 20',
      '  lon: 105',
      '- code: Y2',
      '  name: Xã Hai',
      '  lat: 20',
      '  lon: 500',
      '- just a string',
    ].join('\n')
    const err = importError(store, yaml, { kind: 'communes', format: 'yaml', actor })
    expect(err.issues?.map((i) => [i.line, i.path])).toEqual([
      [9, 'lon'],
      [10, '(row)'],
    ])
    expect(countRows(store, 'communes')).toBe(0)
  })

  it('reports YAML syntax errors with their line', () => {
    const err = importError(store, '- code: A\n  name: [unclosed\n', { kind: 'communes', format: 'yaml', actor })
    expect(err.issues?.[0]).toMatchObject({ line: 2, path: '(file)' })
  })
})

describe('importInventory: targets', () => {
  beforeEach(() => {
    importInventory(store, 'code,name,lat,lon\nC1,Xã Một,20,105\n', { kind: 'communes', format: 'csv', actor })
  })

  const HEADER = 'id,commune_code,name,kind,host,port,role,interval_s,timeout_s,parents,options,probe_id,enabled\n'

  it('imports targets with kind defaults, JSON options and ;-separated parents from the file', () => {
    const csv =
      HEADER +
      'c1-uplink,C1,Đường lên,icmp,10.0.0.1,,uplink,,,,,,\n' +
      'c1-line,C1,Đường truyền xã,udp_echo,10.0.0.2,,line,30,,c1-uplink,"{""packets"": 20}",,true\n' +
      'c1-web,C1,,http,cong.example.vn,443,service,,,c1-uplink;c1-line,"{""scheme"":""https""}",,no\n'
    expect(importInventory(store, csv, { kind: 'targets', format: 'csv', actor })).toMatchObject({ created: 3 })
    const line = store.getTarget('c1-line')
    expect(line).toMatchObject({ kind: 'udp_echo', port: 8620, intervalS: 30, timeoutS: 10, parents: ['c1-uplink'], enabled: true })
    expect(line?.options).toMatchObject({ packets: 20, ratePps: 20 })
    expect(store.getTarget('c1-web')).toMatchObject({ parents: ['c1-uplink', 'c1-line'], enabled: false, name: null })
    expect(importInventory(store, csv, { kind: 'targets', format: 'csv', actor })).toMatchObject({ unchanged: 3 })
  })

  it('validates options by kind and references against the database', () => {
    const csv =
      HEADER +
      't-icmp,C1,,icmp,10.0.0.1,,line,,,,"{""packets"": 0}",,\n' + // 2: packets below 1
      't-dns,C1,,dns,10.0.0.53,,service,,,,,,\n' + // 3: dns needs options.name
      't-json,C1,,tcp,10.0.0.3,22,router,,,,{not json},,\n' + // 4: bad JSON
      't-ref,C9,,tcp,10.0.0.4,22,router,,,ghost,,p-nope,\n' + // 5: commune, parent, probe
      't-self,C1,,tcp,10.0.0.5,22,router,,,t-self,,,\n' // 6: own parent
    let err = importError(store, csv, { kind: 'targets', format: 'csv', actor })
    expect(err.issues?.map((i) => [i.line, i.path])).toEqual([
      [2, 'options.packets'],
      [3, 'options.name'],
      [4, 'options'],
    ])
    // Schema-valid rows are then checked against the database.
    err = importError(store, HEADER + csv.split('\n').slice(4, 6).join('\n'), { kind: 'targets', format: 'csv', actor })
    expect(err.issues?.map((i) => [i.line, i.path])).toEqual([
      [2, 'commune_code'],
      [2, 'probe_id'],
      [2, 'parents'],
      [3, 'parents'],
    ])
    expect(countRows(store, 'targets')).toBe(0)
  })

  it('reports a duplicate target id', () => {
    const csv = HEADER + 'dup,C1,,icmp,10.0.0.1,,line,,,,,,\ndup,C1,,icmp,10.0.0.2,,line,,,,,,\n'
    const err = importError(store, csv, { kind: 'targets', format: 'csv', actor })
    expect(err.issues).toEqual([{ line: 3, path: 'id', message: 'duplicate id dup (first at line 2)', code: 'duplicate', params: { key: 'dup', first: 2 } }])
  })
})

describe('importInventory: coverage gaps', () => {
  beforeEach(() => {
    importInventory(store, 'code,name,lat,lon\nC1,Xã Một,20,105\n', { kind: 'communes', format: 'csv', actor })
  })

  it('imports Vietnamese headers, matches gaps by commune + hamlet + kind on re-import', () => {
    const csv = 'Mã xã,Thôn/bản,Loại,Dân số,Số hộ,Từ ngày,Nguồn\nC1,Bản Khe,no_mobile,320,75,5/3/2024,UBND xã\nC1,Bản Khe,mất điện,,,,\n'
    expect(importInventory(store, csv, { kind: 'gaps', format: 'csv', actor })).toMatchObject({ created: 2 })
    expect(store.listGaps().find((g) => g.kind === 'no_mobile')).toMatchObject({ hamlet: 'Bản Khe', population: 320, households: 75, since: '2024-03-05' })
    const again = importInventory(store, csv.replace('320', '330'), { kind: 'gaps', format: 'csv', actor })
    expect(again).toMatchObject({ created: 0, updated: 1, unchanged: 1 })
    expect(store.listGaps()).toHaveLength(2)
  })

  it('rejects an unknown commune', () => {
    const err = importError(store, 'commune_code,hamlet,kind\nNOPE,Thôn A,no_power\n', { kind: 'gaps', format: 'csv', actor })
    expect(err.issues).toEqual([{ line: 2, path: 'commune_code', message: expect.stringContaining('unknown commune NOPE'), code: 'unknown_commune', params: { code: 'NOPE' } }])
  })
})

describe('parseInventory', () => {
  it('is pure: returns typed rows with lines, or issues, without a database', () => {
    const ok = parseInventory(COMMUNES_CSV, { kind: 'communes', format: 'csv' })
    expect(ok.ok && ok.inventory.kind === 'communes' && ok.inventory.rows.map((r) => [r.line, r.input.code])).toEqual([
      [2, 'NA-DIENCHAU'],
      [3, 'NA-BENTHUY'],
      [4, 'NA-CONCUONG'],
    ])
    const bad = parseInventory('', { kind: 'targets', format: 'csv' })
    expect(bad.ok).toBe(false)
  })
})
