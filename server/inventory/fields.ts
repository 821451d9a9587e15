/**
 * The columns of inventory files (SPEC §2): one English name per field (what export writes and
 * what issues name), Vietnamese aliases an admin's spreadsheet may use instead, and how a text
 * cell becomes a typed value. Shared by import, export and kind detection.
 * @module
 */
import { z } from 'zod'
import type { CommuneInput, CoverageGapInput, TargetInput } from '../../protocol'

/** Which inventory table a file holds. */
export const InventoryKind = z.enum(['communes', 'targets', 'gaps'])
export type InventoryKind = z.infer<typeof InventoryKind>

/** File formats import and export speak. */
export const InventoryFormat = z.enum(['csv', 'yaml'])
export type InventoryFormat = z.infer<typeof InventoryFormat>

/**
 * How a cell is read. `list` is `;`-separated ids; `json` a JSON object; `date` an ISO date
 * (or the Vietnamese `d/m/yyyy` Excel writes); `enum` a value with aliases.
 */
export type CellType = 'string' | 'number' | 'boolean' | 'json' | 'list' | 'enum' | 'date'

/** One column of an inventory file. */
export interface ColumnDef<F extends string = string> {
  /** English header written by export; also the `path` of issues about this column. */
  readonly name: string
  /** Key of the protocol input object. */
  readonly field: F
  readonly type: CellType
  /** Other headers accepted (Vietnamese with or without diacritics, camelCase); compared normalized. */
  readonly aliases: readonly string[]
  /** For `enum`: normalized spelling → canonical value (canonical values are accepted as they are). */
  readonly values?: Readonly<Record<string, string>>
}

type Columns<T> = ReadonlyArray<ColumnDef<Extract<keyof T, string>>>

const COMMUNE_COLUMNS: Columns<CommuneInput> = [
  { name: 'code', field: 'code', type: 'string', aliases: ['Mã xã', 'Mã', 'Mã đơn vị', 'Mã ĐVHC', 'Mã hành chính', 'commune code', 'commune_code'] },
  { name: 'name', field: 'name', type: 'string', aliases: ['Tên xã', 'Tên', 'Tên đơn vị', 'Xã', 'commune', 'commune name'] },
  {
    name: 'kind',
    field: 'kind',
    type: 'enum',
    aliases: ['Loại', 'Loại đơn vị', 'Loại ĐVHC', 'Cấp', 'type'],
    values: { xa: 'xa', phuong: 'phuong', dac_khu: 'dac_khu', dackhu: 'dac_khu' },
  },
  { name: 'district_cluster', field: 'districtCluster', type: 'string', aliases: ['Cụm', 'Cụm hỗ trợ', 'Cụm xã', 'Khu vực', 'cluster', 'district'] },
  { name: 'lat', field: 'lat', type: 'number', aliases: ['Vĩ độ', 'latitude'] },
  { name: 'lon', field: 'lon', type: 'number', aliases: ['Kinh độ', 'longitude', 'lng', 'long'] },
  {
    name: 'contracted_mbps',
    field: 'contractedMbps',
    type: 'number',
    aliases: ['Băng thông hợp đồng (Mbps)', 'Băng thông hợp đồng', 'Băng thông (Mbps)', 'Băng thông', 'Mbps', 'bandwidth'],
  },
  { name: 'priority', field: 'priority', type: 'number', aliases: ['Ưu tiên', 'Mức ưu tiên'] },
  { name: 'notes', field: 'notes', type: 'string', aliases: ['Ghi chú', 'Mô tả', 'note'] },
  { name: 'thresholds', field: 'thresholds', type: 'json', aliases: ['Ngưỡng', 'Ngưỡng cảnh báo'] },
]

const TARGET_COLUMNS: Columns<TargetInput> = [
  { name: 'id', field: 'id', type: 'string', aliases: ['Mã', 'Mã mục tiêu', 'Mã thiết bị', 'target id', 'target_id'] },
  { name: 'commune_code', field: 'communeCode', type: 'string', aliases: ['Mã xã', 'Xã', 'commune'] },
  { name: 'name', field: 'name', type: 'string', aliases: ['Tên', 'Tên mục tiêu', 'Tên thiết bị'] },
  { name: 'kind', field: 'kind', type: 'enum', aliases: ['Loại', 'Loại kiểm tra', 'Kiểu', 'check', 'type'], values: { udpecho: 'udp_echo' } },
  { name: 'host', field: 'host', type: 'string', aliases: ['Địa chỉ', 'Địa chỉ IP', 'Máy chủ', 'address', 'ip'] },
  { name: 'port', field: 'port', type: 'number', aliases: ['Cổng'] },
  {
    name: 'role',
    field: 'role',
    type: 'enum',
    aliases: ['Vai trò'],
    values: { duong_truyen: 'line', dich_vu: 'service', bo_dinh_tuyen: 'router', duong_len: 'uplink' },
  },
  { name: 'interval_s', field: 'intervalSeconds', type: 'number', aliases: ['interval', 'Chu kỳ', 'Chu kỳ (s)', 'Chu kỳ (giây)'] },
  { name: 'timeout_s', field: 'timeoutSeconds', type: 'number', aliases: ['timeout', 'Thời gian chờ', 'Thời gian chờ (s)', 'Thời gian chờ (giây)'] },
  { name: 'parents', field: 'parents', type: 'list', aliases: ['parent', 'Cha', 'Mục tiêu cha', 'Phụ thuộc'] },
  { name: 'options', field: 'options', type: 'json', aliases: ['Tùy chọn', 'Cấu hình'] },
  { name: 'probe_id', field: 'probeId', type: 'string', aliases: ['probe', 'Đầu dò', 'Mã đầu dò'] },
  { name: 'enabled', field: 'enabled', type: 'boolean', aliases: ['Bật', 'Kích hoạt', 'Đang bật', 'active'] },
  { name: 'thresholds', field: 'thresholds', type: 'json', aliases: ['Ngưỡng', 'Ngưỡng cảnh báo'] },
]

const GAP_COLUMNS: Columns<CoverageGapInput> = [
  { name: 'commune_code', field: 'communeCode', type: 'string', aliases: ['Mã xã', 'Xã', 'commune'] },
  { name: 'hamlet', field: 'hamlet', type: 'string', aliases: ['Thôn/bản', 'Thôn', 'Bản', 'Ấp', 'Tổ dân phố', 'village'] },
  {
    name: 'kind',
    field: 'kind',
    type: 'enum',
    aliases: ['Loại', 'Loại vùng lõm', 'Kiểu', 'Vấn đề', 'type'],
    values: {
      khong_co_song_di_dong: 'no_mobile',
      khong_song_di_dong: 'no_mobile',
      khong_co_song: 'no_mobile',
      mat_song: 'no_mobile',
      song_yeu: 'weak_mobile',
      song_di_dong_yeu: 'weak_mobile',
      khong_co_dien: 'no_power',
      mat_dien: 'no_power',
      khong_co_internet: 'no_internet',
      mat_internet: 'no_internet',
      mat_mang: 'no_internet',
    },
  },
  { name: 'population', field: 'population', type: 'number', aliases: ['Dân số', 'Số dân', 'Số nhân khẩu'] },
  { name: 'households', field: 'households', type: 'number', aliases: ['Số hộ', 'Hộ', 'Số hộ dân'] },
  { name: 'since', field: 'since', type: 'date', aliases: ['since_date', 'Từ ngày', 'Bắt đầu', 'Ngày bắt đầu'] },
  { name: 'planned_fix', field: 'plannedFix', type: 'string', aliases: ['Kế hoạch khắc phục', 'Dự kiến khắc phục', 'Kế hoạch', 'Giải pháp'] },
  { name: 'fixed_at', field: 'fixedAt', type: 'date', aliases: ['fixed_at_date', 'Ngày khắc phục', 'Đã khắc phục'] },
  { name: 'source', field: 'source', type: 'string', aliases: ['Nguồn', 'Nguồn tin'] },
]

/** Columns per kind, in export order. */
export const COLUMNS = {
  communes: COMMUNE_COLUMNS,
  targets: TARGET_COLUMNS,
  gaps: GAP_COLUMNS,
} as const satisfies Record<InventoryKind, ReadonlyArray<ColumnDef>>

/**
 * Folds a header for comparison: no diacritics (đ → d), lower case, only letters and digits,
 * so "Mã xã", "ma xa", "MA_XA" and "maXa" meet.
 */
export function normalizeHeader(header: string): string {
  return foldDiacritics(header).toLowerCase().replace(/[^a-z0-9]/g, '')
}

/** Folds an enum value: no diacritics, lower case, spaces and dashes to `_` ("Đặc khu" → "dac_khu"). */
export function normalizeEnumValue(value: string): string {
  return foldDiacritics(value).trim().toLowerCase().replace(/[\s-]+/g, '_')
}

function foldDiacritics(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').replace(/đ/g, 'd').replace(/Đ/g, 'D')
}

function buildHeaderIndex(columns: ReadonlyArray<ColumnDef>): Map<string, ColumnDef> {
  const index = new Map<string, ColumnDef>()
  for (const col of columns) {
    for (const alias of [col.name, col.field, ...col.aliases]) {
      const key = normalizeHeader(alias)
      const other = index.get(key)
      // Two columns sharing an alias would make a header ambiguous: a bug in the table above.
      if (other && other !== col) throw new Error(`inventory header alias "${alias}" names both ${other.name} and ${col.name}`)
      index.set(key, col)
    }
  }
  return index
}

const HEADER_INDEX: Record<InventoryKind, Map<string, ColumnDef>> = {
  communes: buildHeaderIndex(COMMUNE_COLUMNS),
  targets: buildHeaderIndex(TARGET_COLUMNS),
  gaps: buildHeaderIndex(GAP_COLUMNS),
}

/** The column a header (English or Vietnamese, any case, with or without diacritics) names, if any. */
export function resolveHeader(kind: InventoryKind, header: string): ColumnDef | undefined {
  return HEADER_INDEX[kind].get(normalizeHeader(header))
}

/** The column of a protocol field name (`contractedMbps` → `contracted_mbps`). */
export function columnOfField(kind: InventoryKind, field: string): ColumnDef | undefined {
  const cols: ReadonlyArray<ColumnDef> = COLUMNS[kind]
  return cols.find((c) => c.field === field)
}

/** Result of reading one cell: a value, nothing (empty: the schema default applies) or a problem. */
export type CellResult =
  | { ok: true; value: unknown }
  | { ok: true; empty: true }
  /** `code` and `params` as in protocol's ErrorIssue, so the dashboard can word the problem. */
  | { ok: false; message: string; code: 'not_a_number' | 'not_a_boolean' | 'bad_json' | 'not_an_object'; params?: Record<string, string> }

export interface CellContext {
  /** Accept `21,03` as 21.03: only in `;`-delimited CSV, where Excel writes decimal commas. */
  decimalComma: boolean
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/
const DECIMAL_COMMA = /^[+-]?\d+,\d+$/
const TRUE_WORDS = new Set(['true', '1', 'yes', 'y', 'co', 'bat', 'x'])
const FALSE_WORDS = new Set(['false', '0', 'no', 'n', 'khong', 'tat'])

function readString(raw: string, col: ColumnDef, ctx: CellContext): CellResult {
  switch (col.type) {
    case 'string':
      return { ok: true, value: raw }
    case 'number': {
      if (NUMBER.test(raw)) return { ok: true, value: Number(raw) }
      if (ctx.decimalComma && DECIMAL_COMMA.test(raw)) return { ok: true, value: Number(raw.replace(',', '.')) }
      return { ok: false, message: `expected a number, got "${raw}" (use . as the decimal separator)`, code: 'not_a_number', params: { value: raw } }
    }
    case 'boolean': {
      const v = normalizeEnumValue(raw)
      if (TRUE_WORDS.has(v)) return { ok: true, value: true }
      if (FALSE_WORDS.has(v)) return { ok: true, value: false }
      return { ok: false, message: `expected true or false, got "${raw}"`, code: 'not_a_boolean', params: { value: raw } }
    }
    case 'enum': {
      const v = normalizeEnumValue(raw)
      return { ok: true, value: col.values?.[v] ?? v }
    }
    case 'list':
      // Ids cannot hold `;`, `,` or spaces, so any of them separates.
      return { ok: true, value: raw.split(/[;,\s]+/).filter((s) => s !== '') }
    case 'json': {
      let parsed: unknown
      try {
        parsed = JSON.parse(raw)
      } catch (e) {
        const detail = e instanceof Error ? e.message : String(e)
        return { ok: false, message: `not valid JSON: ${detail}`, code: 'bad_json', params: { detail } }
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        return { ok: false, message: 'expected a JSON object such as {"packets": 20}', code: 'not_an_object' }
      }
      return { ok: true, value: parsed }
    }
    case 'date': {
      // Excel in a Vietnamese locale rewrites ISO dates as d/m/yyyy when it saves.
      const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(raw)
      if (m) return { ok: true, value: `${m[3]}-${m[2]?.padStart(2, '0')}-${m[1]?.padStart(2, '0')}` }
      return { ok: true, value: raw }
    }
  }
}

/**
 * Turns one cell (a CSV string, or a YAML value) into the value the protocol schema expects.
 * Empty strings, null and undefined are "empty" so the schema default applies. Values that are
 * already typed (YAML numbers, lists, maps) pass through for the schema to judge, except that
 * scalars in text columns become text (a YAML `code: 17245` is the code "17245").
 */
export function readCell(col: ColumnDef, raw: unknown, ctx: CellContext): CellResult {
  if (raw === null || raw === undefined) return { ok: true, empty: true }
  if (typeof raw === 'string') {
    const trimmed = raw.trim()
    return trimmed === '' ? { ok: true, empty: true } : readString(trimmed, col, ctx)
  }
  if ((typeof raw === 'number' || typeof raw === 'boolean') && (col.type === 'string' || col.type === 'enum' || col.type === 'date' || col.type === 'list')) {
    return readString(String(raw), col, ctx)
  }
  if (Array.isArray(raw) && col.type === 'list') {
    return { ok: true, value: raw.map((v) => (typeof v === 'number' ? String(v) : v)) }
  }
  return { ok: true, value: raw }
}

/**
 * Formats a stored value as a CSV cell that {@link readCell} reads back to the same value:
 * numbers in JS shortest form, lists `;`-joined, objects as JSON, null as empty.
 */
export function writeCell(col: ColumnDef, value: unknown): string {
  if (value === null || value === undefined) return ''
  if (col.type === 'list' && Array.isArray(value)) return value.map(String).join(';')
  if (col.type === 'json') return typeof value === 'object' && Object.keys(value).length === 0 ? '' : JSON.stringify(value)
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (typeof value === 'string') return value
  return JSON.stringify(value)
}
