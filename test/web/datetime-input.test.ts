/** Typed dates and times of the alerts forms: dd/MM/yyyy HH:mm in Vietnam time, reasons in Vietnamese. */
import { describe, expect, it } from 'vitest'
import { formatInputDate, formatInputDateTime, parseInputDate, parseInputDateTime, parseInputTime, type Parsed } from '../../web/src/datetime-input'
import { translate } from '../../web/src/i18n'
import { auditQuery } from '../../web/src/models/users'

/** The Vietnamese message a bad input shows, or the value. */
function read<T>(r: Parsed<T>): T | string {
  return r.ok ? r.value : translate('vi', r.problem.key, r.problem.params)
}

describe('parseInputDateTime', () => {
  it.each([
    ['12/02/2026 05:00', '2026-02-11T22:00:00.000Z'],
    ['  12/02/2026 05:00 ', '2026-02-11T22:00:00.000Z'],
    ['5/2/2026 7:05', '2026-02-05T00:05:00.000Z'],
    ['05-02-2026 07h05', '2026-02-05T00:05:00.000Z'],
    ['01.01.2027 00:00', '2026-12-31T17:00:00.000Z'],
    ['29/02/2028 23:59', '2028-02-29T16:59:00.000Z'],
    ['31/12/2026 23:59', '2026-12-31T16:59:00.000Z'],
  ])('reads %j as Vietnam time (UTC+7)', (text, iso) => {
    const r = parseInputDateTime(text)
    expect(r.ok && new Date(r.value).toISOString()).toBe(iso)
  })

  it.each([
    ['', 'Nhập ngày giờ dạng dd/MM/yyyy HH:mm.'],
    ['   ', 'Nhập ngày giờ dạng dd/MM/yyyy HH:mm.'],
    ['2026-02-12T05:00', 'Sai định dạng: cần dd/MM/yyyy HH:mm (24 giờ), ví dụ 12/02/2026 05:00.'],
    ['12/02/2026, 05:00 AM', 'Sai định dạng: cần dd/MM/yyyy HH:mm (24 giờ), ví dụ 12/02/2026 05:00.'],
    ['12/02/26 05:00', 'Sai định dạng: cần dd/MM/yyyy HH:mm (24 giờ), ví dụ 12/02/2026 05:00.'],
    ['12/02/2026', 'Sai định dạng: cần dd/MM/yyyy HH:mm (24 giờ), ví dụ 12/02/2026 05:00.'],
    ['12/13/2026 05:00', 'Tháng phải từ 01 đến 12.'],
    ['12/00/2026 05:00', 'Tháng phải từ 01 đến 12.'],
    ['30/02/2026 05:00', 'Tháng 02/2026 không có ngày 30.'],
    ['29/02/2026 05:00', 'Tháng 02/2026 không có ngày 29.'],
    ['31/04/2026 05:00', 'Tháng 04/2026 không có ngày 31.'],
    ['00/04/2026 05:00', 'Tháng 04/2026 không có ngày 0.'],
    ['12/02/2026 24:00', 'Giờ phải từ 00 đến 23 (định dạng 24 giờ).'],
    ['12/02/2026 05:60', 'Phút phải từ 00 đến 59.'],
    ['12/02/0226 05:00', 'Năm phải từ 2000 đến 2100.'],
  ])('refuses %j: %s', (text, message) => {
    expect(read(parseInputDateTime(text))).toBe(message)
  })

  it('reads back what it formats, for every quarter hour of a year (no zone or DST drift)', () => {
    const start = Date.parse('2026-01-01T00:00:00Z')
    for (let ms = start; ms < start + 366 * 86_400_000; ms += 15 * 60_000) {
      const text = formatInputDateTime(ms)
      expect(text).toMatch(/^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}$/)
      const r = parseInputDateTime(text)
      if (!r.ok || r.value !== ms) throw new Error(`${new Date(ms).toISOString()} → ${text} → ${JSON.stringify(r)}`)
    }
  })

  it('formats in Vietnam time whatever the process zone', () => {
    expect(formatInputDateTime(Date.parse('2026-02-11T22:00:00Z'))).toBe('12/02/2026 05:00')
    expect(formatInputDateTime(Date.parse('2026-12-31T17:00:00Z'))).toBe('01/01/2027 00:00')
  })
})

describe('parseInputTime', () => {
  it.each([
    ['22:00', '22:00'],
    ['7:05', '07:05'],
    ['07h05', '07:05'],
    ['00:00', '00:00'],
    ['', 'Nhập giờ dạng HH:mm.'],
    ['10:00 PM', 'Sai định dạng: cần HH:mm (24 giờ), ví dụ 22:00.'],
    ['2200', 'Sai định dạng: cần HH:mm (24 giờ), ví dụ 22:00.'],
    ['25:00', 'Giờ phải từ 00 đến 23 (định dạng 24 giờ).'],
    ['22:75', 'Phút phải từ 00 đến 59.'],
  ])('%j → %j', (text, out) => {
    expect(read(parseInputTime(text))).toBe(out)
  })
})

describe('parseInputDate and formatInputDate (coverage-gap dates)', () => {
  it.each([
    ['02/03/2026', '2026-03-02'],
    ['2/3/2026', '2026-03-02'],
    ['29.02.2028', '2028-02-29'],
    ['', 'Nhập ngày dạng dd/MM/yyyy.'],
    ['2026-03-02', 'Sai định dạng: cần dd/MM/yyyy, ví dụ 12/02/2026.'],
    ['03/02/2026 05:00', 'Sai định dạng: cần dd/MM/yyyy, ví dụ 12/02/2026.'],
    ['30/02/2026', 'Tháng 02/2026 không có ngày 30.'],
    ['01/13/2026', 'Tháng phải từ 01 đến 12.'],
    ['01/01/0226', 'Năm phải từ 2000 đến 2100.'],
  ])('%j → %j', (text, out) => {
    expect(read(parseInputDate(text))).toBe(out)
  })

  it('writes a stored date as the field shows it, and reads it back unchanged', () => {
    for (let d = Date.UTC(2026, 0, 1); d < Date.UTC(2027, 0, 1); d += 86_400_000) {
      const iso = new Date(d).toISOString().slice(0, 10)
      expect(read(parseInputDate(formatInputDate(iso)))).toBe(iso)
    }
    expect(formatInputDate('2026-09-01')).toBe('01/09/2026')
    expect(formatInputDate('')).toBe('')
  })
})

describe('auditQuery: the audit filter days typed dd/MM/yyyy', () => {
  it('sends whole Vietnam days: from 00:00 of the first to 00:00 after the last', () => {
    const q = new URLSearchParams(auditQuery({ actor: ' huong.nt ', action: '', entity: '', from: '01/12/2026', to: '5/12/2026' }))
    expect(q.get('actor')).toBe('huong.nt')
    expect(q.get('from')).toBe('2026-11-30T17:00:00.000Z')
    expect(q.get('to')).toBe('2026-12-05T17:00:00.000Z')
  })

  it('leaves out a day it cannot read (the field says why) and reads a yyyy-MM-dd from a link', () => {
    const q = new URLSearchParams(auditQuery({ actor: '', action: '', entity: '', from: '31/02/2026', to: '2026-12-05' }))
    expect(q.has('from')).toBe(false)
    expect(q.get('to')).toBe('2026-12-05T17:00:00.000Z')
  })
})
