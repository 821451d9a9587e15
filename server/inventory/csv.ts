/**
 * RFC 4180 CSV, as Excel reads and writes it: quoted fields with `""` escapes, delimiters and
 * line breaks inside quotes, CRLF or LF (or a lone CR, from old Mac Excel), and a UTF-8 BOM.
 * No dependency: the importer needs the 1-based file line of every record, which it reports.
 * @module
 */

/** One CSV record and the file line it starts on (1-based; a multi-line quoted field counts from its first line). */
export interface CsvRecord {
  line: number
  fields: string[]
}

/** A syntax problem, at the line where it was noticed. */
export interface CsvProblem {
  line: number
  message: string
}

/** Delimiters the parser accepts; Excel writes `;` in locales whose decimal separator is a comma. */
export type CsvDelimiter = ',' | ';' | '\t'

export interface CsvParseOptions {
  /** Field separator; sniffed from the first line when omitted. */
  delimiter?: CsvDelimiter
}

export interface CsvParseResult {
  records: CsvRecord[]
  problems: CsvProblem[]
  /** The delimiter used (given or sniffed). */
  delimiter: CsvDelimiter
}

const BOM = '\uFEFF'

/** Removes a leading UTF-8 byte order mark (Excel writes one; it must not stick to the first header). */
export function stripBom(text: string): string {
  return text.startsWith(BOM) ? text.slice(1) : text
}

/**
 * Picks the delimiter of the first line: the most frequent of `,` `;` and tab outside quotes,
 * `,` on a tie or when none occurs.
 */
export function sniffDelimiter(text: string): CsvDelimiter {
  const counts = { ',': 0, ';': 0, '\t': 0 }
  let quoted = false
  for (const c of stripBom(text)) {
    if (c === '"') quoted = !quoted
    else if (!quoted && (c === '\n' || c === '\r')) break
    else if (!quoted && (c === ',' || c === ';' || c === '\t')) counts[c]++
  }
  if (counts[';'] > counts[','] && counts[';'] >= counts['\t']) return ';'
  if (counts['\t'] > counts[',']) return '\t'
  return ','
}

/** Number of line breaks in `s`, counting CRLF once. */
function countLineBreaks(s: string): number {
  let n = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c === 10) n++
    else if (c === 13) {
      n++
      if (s.charCodeAt(i + 1) === 10) i++
    }
  }
  return n
}

/**
 * Parses CSV text into records. Never throws: syntax problems (an unterminated quote, text after
 * a closing quote) are returned with their line, and parsing goes on where it can, so the caller
 * reports every problem at once. Blank lines come back as a record with one empty field; a final
 * line break does not start a record.
 */
export function parseCsv(input: string, options: CsvParseOptions = {}): CsvParseResult {
  const text = stripBom(input)
  const delimiter = options.delimiter ?? sniffDelimiter(text)
  const records: CsvRecord[] = []
  const problems: CsvProblem[] = []
  const n = text.length
  let i = 0
  let line = 1

  while (i < n) {
    const record: CsvRecord = { line, fields: [] }
    records.push(record)
    for (;;) {
      let field: string
      if (text[i] === '"') {
        const openLine = line
        i++
        field = ''
        let closed = false
        while (i < n) {
          const q = text.indexOf('"', i)
          if (q === -1) break
          const chunk = text.slice(i, q)
          field += chunk
          line += countLineBreaks(chunk)
          if (text[q + 1] === '"') {
            field += '"'
            i = q + 2
            continue
          }
          i = q + 1
          closed = true
          break
        }
        if (!closed) {
          problems.push({ line: openLine, message: 'unterminated quoted field (a " is never closed)' })
          return { records, problems, delimiter }
        }
        if (i < n && text[i] !== delimiter && text[i] !== '\r' && text[i] !== '\n') {
          problems.push({ line, message: 'unexpected text after a closing quote (quotes inside a field must be doubled)' })
          // Keep the stray text so the rest of the record still lines up with the header.
          let j = i
          while (j < n && text[j] !== delimiter && text[j] !== '\r' && text[j] !== '\n') j++
          field += text.slice(i, j)
          i = j
        }
      } else {
        // A quote inside an unquoted field is kept literally, as Excel does.
        let j = i
        while (j < n && text[j] !== delimiter && text[j] !== '\r' && text[j] !== '\n') j++
        field = text.slice(i, j)
        i = j
      }
      record.fields.push(field)

      if (i >= n) break
      const c = text[i]
      if (c === delimiter) {
        i++
        if (i >= n) {
          record.fields.push('')
          break
        }
        continue
      }
      // End of record: CRLF, LF or a lone CR.
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1
      line++
      break
    }
  }
  return { records, problems, delimiter }
}

const NEEDS_QUOTES = /[",;\r\n]|^\s|\s$/
// In a `;` file a comma is a decimal mark, not a delimiter: quoting "97,037" would be noise.
const NEEDS_QUOTES_SEMICOLON = /[";\r\n]|^\s|\s$/

/** Quotes one field when it holds a delimiter (`,` or `;`; only `;` in a `;` file), quote, line break or edge whitespace. */
export function quoteCsvField(value: string, delimiter: ',' | ';' = ','): string {
  return (delimiter === ';' ? NEEDS_QUOTES_SEMICOLON : NEEDS_QUOTES).test(value) ? `"${value.replaceAll('"', '""')}"` : value
}

/**
 * How numbers and fields are separated for one audience. Excel opens a `.csv` with the list
 * separator and decimal symbol of Windows' regional settings: Vietnamese uses `;` and `,`
 * (so "97.037" would read as 97037, and a `,`-separated file lands in one column), English
 * `,` and `.`.
 */
export interface CsvDialect {
  readonly delimiter: ',' | ';'
  readonly decimal: '.' | ','
}

/** The dialect for readers of each UI language. */
export const CSV_DIALECTS: Readonly<Record<'vi' | 'en', CsvDialect>> = {
  vi: { delimiter: ';', decimal: ',' },
  en: { delimiter: ',', decimal: '.' },
}

/**
 * A number with `digits` decimals in a dialect ("97,037" for vi). Never grouped, so no
 * thousands mark can be taken for the other dialect's decimal mark ("72300,00", not "72.300,00").
 */
export function csvDecimal(value: number, digits: number, dialect: CsvDialect): string {
  const fixed = value.toFixed(digits)
  return dialect.decimal === ',' ? fixed.replace('.', ',') : fixed
}

/**
 * The language of a CSV download: the `lang` query parameter when given, else the first of vi
 * or en in the request's Accept-Language (by q-value), else Vietnamese, the product's language.
 */
export function csvLanguage(explicit: 'vi' | 'en' | undefined, acceptLanguage: string | undefined): 'vi' | 'en' {
  if (explicit) return explicit
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((part, i) => {
      const [tag = '', ...params] = part.trim().split(';')
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined)
      return { primary: tag.trim().toLowerCase().split('-')[0], q: q === undefined ? 1 : Number(q), i }
    })
    .filter((x) => x.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i)
  const first = ranked.find((x) => x.primary === 'vi' || x.primary === 'en')
  return first?.primary === 'en' ? 'en' : 'vi'
}

/**
 * Writes rows as CSV for Excel: UTF-8 BOM (without it Excel reads Vietnamese diacritics as
 * Windows-1252), the dialect's delimiter (default `,`), CRLF line ends, fields quoted only when
 * needed. Line breaks inside fields are written as they are, inside quotes.
 */
export function writeCsv(rows: ReadonlyArray<ReadonlyArray<string>>, dialect: CsvDialect = CSV_DIALECTS.en): string {
  return BOM + rows.map((r) => r.map((f) => quoteCsvField(f, dialect.delimiter)).join(dialect.delimiter) + '\r\n').join('')
}
