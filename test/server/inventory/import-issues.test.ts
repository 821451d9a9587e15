/**
 * Import problems in Vietnamese (issue 13, Build 6): real bad files go through the server's
 * parser, and each issue kind the import schemas produce (too big / too small, wrong type, not
 * in the list, required, bad format…) carries a stable code that the dashboard words in
 * Vietnamese, numbers with a decimal comma. The English message stays for the CLI.
 */
import { describe, expect, it } from 'vitest'
import { IMPORT_ISSUE_CODES, type ErrorIssue } from '../../../protocol'
import { parseInventory } from '../../../server/inventory/import'
import { translate, type MessageKey } from '../../../web/src/i18n'
import { importIssueText } from '../../../web/src/models/import'

const vi = (key: MessageKey, params?: Record<string, string | number>) => translate('vi', key, params)
const en = (key: MessageKey, params?: Record<string, string | number>) => translate('en', key, params)

function issuesOf(text: string, kind: 'communes' | 'targets' | 'gaps', format: 'csv' | 'yaml' = 'csv'): ErrorIssue[] {
  const r = parseInventory(text, { kind, format })
  if (r.ok) throw new Error('expected the file to be refused')
  return r.issues
}

/** The Vietnamese text of the one issue at `path`. */
function viText(issues: ErrorIssue[], path: string, line?: number): string {
  const found = issues.filter((i) => i.path === path && (line === undefined || i.line === line))
  expect(found, `${path} in ${JSON.stringify(issues)}`).toHaveLength(1)
  return importIssueText(found[0] as ErrorIssue, vi, 'vi')
}

describe('import issues in Vietnamese, from real files', () => {
  it('communes: too big, too small (strict), not an integer, not in the list, code format, required, empty name', () => {
    const csv = 'code,name,kind,lat,lon,contracted_mbps,priority\n' + 'A B,Xã Châu Khê,xa,91.5,105,0,1.5\n' + 'X2,,huyen,20,-180.5,100,0\n' + 'X3,Xã Tam Hợp,xa,,105,100,0\n'
    const issues = issuesOf(csv, 'communes')
    // The schema's own English, for the CLI, is still there.
    expect(issues.find((i) => i.path === 'lat')?.message).toBe('Too big: expected number to be <=90')
    expect(viText(issues, 'lat', 2)).toBe('lớn quá: tối đa 90')
    expect(viText(issues, 'contracted_mbps')).toBe('nhỏ quá: phải lớn hơn 0')
    expect(viText(issues, 'priority')).toBe('phải là số nguyên')
    expect(viText(issues, 'code')).toBe('mã không hợp lệ: chỉ chữ cái không dấu, chữ số, _ và -')
    expect(viText(issues, 'kind')).toBe('giá trị không có trong danh sách: xa, phuong, dac_khu')
    expect(viText(issues, 'lon')).toBe('nhỏ quá: tối thiểu -180')
    expect(viText(issues, 'name')).toBe('bắt buộc nhưng đang trống')
    expect(issues.filter((i) => i.line === 4).map((i) => importIssueText(i, vi, 'vi'))).toEqual(['bắt buộc nhưng đang trống'])
  })

  it('a Vietnamese header is named, and a decimal limit keeps its decimal comma', () => {
    const csv = 'id,commune_code,kind,host,role,interval_s,timeout_s\n' + 't1,X1,tcp,10.0.0.1,line,5,0.05\n'
    const issues = issuesOf(csv, 'targets')
    expect(viText(issues, 'timeout_s')).toBe('nhỏ quá: tối thiểu 0,1')
    expect(importIssueText(issues[0] as ErrorIssue, en, 'en')).toBe('too small: at least 0.1')
    const headed = issuesOf('Mã xã,Tên,Vĩ độ,Kinh độ\nX1,Xã Châu Khê,bắc,105\n', 'communes')
    expect(viText(headed, 'lat')).toBe('cần một số, tệp ghi "bắc" (cột "Vĩ độ" trong tệp)')
  })

  it('targets: port too big, host format, unknown kind', () => {
    const csv = 'id,commune_code,kind,host,port,role\n' + 't1,X1,tcp,10.0.0.1,70000,line\n' + 't2,X1,tcp,máy chủ,80,line\n' + 't3,X1,telnet,10.0.0.3,23,line\n'
    const issues = issuesOf(csv, 'targets')
    expect(viText(issues, 'port')).toBe('lớn quá: tối đa 65.535')
    expect(viText(issues, 'host')).toBe('không phải tên máy hay địa chỉ IP')
    expect(viText(issues, 'kind')).toContain('giá trị không có trong danh sách: icmp, udp_echo, tcp')
  })

  it('gaps: bad date, wrong type in YAML, duplicate rows', () => {
    const yaml = ['- commune_code: X1', '  hamlet: Bản Nà Khà', '  kind: no_mobile', '  since: 2026-13-40', '  population: [1, 2]', '- commune_code: X1', '  hamlet: Thôn Suối Cạn', '  kind: no_power', '- commune_code: X1', '  hamlet: Thôn Suối Cạn', '  kind: no_power', ''].join('\n')
    const issues = issuesOf(yaml, 'gaps', 'yaml')
    expect(viText(issues, 'since')).toBe('ngày không hợp lệ (viết dd/MM/yyyy hoặc yyyy-MM-dd)')
    expect(viText(issues, 'population')).toBe('sai kiểu: cần một số')
    expect(viText(issues, 'hamlet')).toBe('trùng Thôn Suối Cạn (no_power, X1) (đã có ở dòng 6)')
  })

  it('file-level problems: unknown column, extra cells, empty file', () => {
    expect(viText(issuesOf('code,name,lat,lon,mau\nX1,Xã,20,105,đỏ\n', 'communes'), 'mau')).toMatch(/^cột "mau" không có trong loại dữ liệu này \(các cột: code, name/)
    expect(viText(issuesOf('code,name,lat,lon\nX1,Xã,20,105,9\n', 'communes'), '(row)')).toBe('dòng có 5 ô nhưng tiêu đề chỉ có 4 cột (dấu phẩy trong giá trị chưa đặt trong ngoặc kép?)')
    expect(viText(issuesOf('\n', 'communes'), '(file)')).toBe('tệp trống: cần dòng tiêu đề và các dòng dữ liệu')
  })

  it('every issue code has Vietnamese and English words, and an unknown code keeps the server message', () => {
    for (const code of IMPORT_ISSUE_CODES) {
      const params = { max: 1, min: 1, inclusive: 1, expected: 'number', values: 'a', hint: 'other', format: 'x', value: 'v', detail: 'd', kind: 'communes', column: 'c', first: 2, second: 's', cells: 3, columns: 2, key: 'k', code: 'C', probe: 'p', parent: 'q' }
      const i: ErrorIssue = { path: 'x', message: 'english', code, params }
      const text = importIssueText(i, vi, 'vi')
      expect(text, code).not.toBe('english')
      expect(text, code).not.toMatch(/\{\w+\}/)
      expect(importIssueText(i, en, 'en'), code).not.toMatch(/\{\w+\}/)
    }
    expect(importIssueText({ path: 'x', message: 'something new', code: 'from_a_newer_server' }, vi, 'vi')).toBe('something new')
    expect(importIssueText({ path: 'x', message: 'no code (an older server)' }, vi, 'vi')).toBe('no code (an older server)')
  })
})
