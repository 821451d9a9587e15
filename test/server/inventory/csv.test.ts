import { describe, expect, it } from 'vitest'
import { parseCsv, sniffDelimiter, writeCsv, type CsvRecord } from '../../../server/inventory/csv'

describe('parseCsv', () => {
  it.each<{ name: string; text: string; records: CsvRecord[] }>([
    { name: 'plain LF', text: 'a,b\n1,2\n', records: [{ line: 1, fields: ['a', 'b'] }, { line: 2, fields: ['1', '2'] }] },
    { name: 'CRLF, no final newline', text: 'a,b\r\n1,2', records: [{ line: 1, fields: ['a', 'b'] }, { line: 2, fields: ['1', '2'] }] },
    { name: 'lone CR (old Mac Excel)', text: 'a\r1\r', records: [{ line: 1, fields: ['a'] }, { line: 2, fields: ['1'] }] },
    { name: 'BOM stripped', text: '\uFEFFMã xã,Tên\n', records: [{ line: 1, fields: ['Mã xã', 'Tên'] }] },
    { name: 'quoted comma', text: '"Xã A, B",2\n', records: [{ line: 1, fields: ['Xã A, B', '2'] }] },
    { name: 'escaped quotes', text: '"say ""hi""",x\n', records: [{ line: 1, fields: ['say "hi"', 'x'] }] },
    { name: 'empty quoted field', text: '"",x\n', records: [{ line: 1, fields: ['', 'x'] }] },
    {
      name: 'multi-line field keeps its first line, next record counts the lines',
      text: 'h1,h2\r\n"line one\r\nline two\nline three",x\r\nlast,y\r\n',
      records: [
        { line: 1, fields: ['h1', 'h2'] },
        { line: 2, fields: ['line one\r\nline two\nline three', 'x'] },
        { line: 5, fields: ['last', 'y'] },
      ],
    },
    { name: 'trailing delimiter gives an empty field', text: 'a,b,\n', records: [{ line: 1, fields: ['a', 'b', ''] }] },
    { name: 'blank line is a one-field record', text: 'a\n\nb\n', records: [{ line: 1, fields: ['a'] }, { line: 2, fields: [''] }, { line: 3, fields: ['b'] }] },
    { name: 'quote inside unquoted field is literal', text: 'a"b,c\n', records: [{ line: 1, fields: ['a"b', 'c'] }] },
    { name: 'semicolon sniffed', text: 'a;b\n"1,5";2\n', records: [{ line: 1, fields: ['a', 'b'] }, { line: 2, fields: ['1,5', '2'] }] },
    { name: 'empty input', text: '', records: [] },
  ])('$name', ({ text, records }) => {
    const r = parseCsv(text)
    expect(r.problems).toEqual([])
    expect(r.records).toEqual(records)
  })

  it.each([
    { name: 'unterminated quote reported at its opening line', text: 'a,b\n1,"open\n\nmore\n', line: 2, message: /unterminated/ },
    { name: 'text after a closing quote', text: 'a\n"x"y,z\n', line: 2, message: /after a closing quote/ },
  ])('$name', ({ text, line, message }) => {
    const { problems } = parseCsv(text)
    expect(problems).toHaveLength(1)
    expect(problems[0]?.line).toBe(line)
    expect(problems[0]?.message).toMatch(message)
  })

  it.each([
    ['a,b,c', ','],
    ['a;b;c', ';'],
    ['a\tb\tc', '\t'],
    ['"x;y",b', ','],
    ['single', ','],
  ] as const)('sniffs %j as %j', (line, d) => {
    expect(sniffDelimiter(line)).toBe(d)
  })
})

describe('writeCsv', () => {
  it('writes a BOM, CRLF and quotes only where needed', () => {
    const out = writeCsv([
      ['code', 'name'],
      ['A', 'Xã Diễn Châu'],
      ['B', 'has, comma'],
      ['C', 'say "hi"'],
      ['D', 'two\nlines'],
      ['E', ' padded'],
      ['F', 'a;b'],
    ])
    expect(out).toBe(
      '\uFEFFcode,name\r\nA,Xã Diễn Châu\r\nB,"has, comma"\r\nC,"say ""hi"""\r\nD,"two\nlines"\r\nE," padded"\r\nF,"a;b"\r\n',
    )
  })

  it('round-trips through parseCsv', () => {
    const rows = [
      ['h', 'x'],
      ['Phường Bến Thủy', '"q"'],
      ['multi\r\nline', ''],
      ['', 'đặc khu'],
    ]
    expect(parseCsv(writeCsv(rows)).records.map((r) => r.fields)).toEqual(rows)
  })
})
