/**
 * Every label of the dashboard, in Vietnamese (default) and English. Components never
 * hold literal UI text; they call `t(key)`. The `en` table is typed against the `vi`
 * keys, so a missing or extra key fails `tsc` (and a test checks it again at runtime).
 * @module
 */
import type { State } from '../../protocol'

/** Supported UI languages. */
export type Lang = 'vi' | 'en'

/** Languages in the order the toggle offers them. */
export const LANGS: readonly Lang[] = ['vi', 'en']

const vi = {
  'app.name': 'Xanh',
  'app.tagline': 'Giám sát mạng xã, phường',
  'app.skip': 'Bỏ qua, đến nội dung chính',
  'lang.toggle': 'English',
  'lang.toggle.label': 'Chuyển sang tiếng Anh',
  'demo.banner': 'Demo — dữ liệu mô phỏng',
  'demo.detail': 'Số liệu trên trang này được tạo bởi tỉnh mô phỏng, không phải mạng thật.',
  'live.live': 'Trực tiếp',
  'live.connecting': 'Đang kết nối…',
  'live.stale': 'Mất kết nối — dữ liệu cũ',
  'live.updatedAt': 'cập nhật lúc {time}',
  'live.never': 'chưa có dữ liệu',

  'state.ok': 'Bình thường',
  'state.warning': 'Suy giảm',
  'state.critical': 'Nghiêm trọng',
  'state.down': 'Mất kết nối',
  'state.unknown': 'Không có dữ liệu',

  'overview.title': 'Tổng quan',
  'overview.counts': 'Số xã, phường theo trạng thái',
  'overview.total': '{n} xã, phường',
  'overview.share': '{pct} tổng số',
  'overview.generatedAt': 'Số liệu lúc {time}',
  'attention.title': 'Cần chú ý',
  'attention.none': 'Tất cả xã, phường đang bình thường.',
  'attention.showAll': 'Xem tất cả {n} trong bảng',
  'attention.more': 'và {n} xã, phường khác',
  'attention.for': 'đã {duration}',

  'table.title': 'Tất cả xã, phường',
  'table.search': 'Tìm theo tên, mã, cụm',
  'table.search.placeholder': 'Tên, mã hoặc cụm…',
  'table.filter.state': 'Trạng thái',
  'table.filter.all': 'Tất cả trạng thái',
  'table.filter.attention': 'Cần chú ý (không bình thường)',
  'table.count': 'Hiển thị {shown} / {total}',
  'table.empty': 'Không có xã, phường nào khớp bộ lọc.',
  'table.clear': 'Xoá bộ lọc',
  'table.sort.asc': 'tăng dần',
  'table.sort.desc': 'giảm dần',
  'table.sort.hint': 'Nhấn để sắp xếp',
  'col.state': 'Trạng thái',
  'col.name': 'Tên',
  'col.code': 'Mã',
  'col.cluster': 'Cụm',
  'col.rtt': 'RTT (ms)',
  'col.loss': 'Mất gói (%)',
  'col.since': 'Từ',
  'col.lastSeen': 'Lần cuối thấy',

  'commune.back': '← Tổng quan',
  'commune.code': 'Mã',
  'commune.cluster': 'Cụm',
  'commune.kind': 'Loại',
  'commune.contracted': 'Băng thông hợp đồng',
  'commune.mbps': '{n} Mbit/s',
  'commune.since': 'Trạng thái từ {time} ({duration})',
  'commune.reason': 'Nguyên nhân',
  'commune.notes': 'Ghi chú',
  'commune.notFound': 'Không tìm thấy xã, phường có mã {code}.',
  'kind.xa': 'Xã',
  'kind.phuong': 'Phường',
  'kind.dac_khu': 'Đặc khu',

  'targets.title': 'Đích giám sát',
  'targets.none': 'Xã, phường này chưa có đích giám sát.',
  'targets.role': 'Vai trò',
  'targets.kind': 'Kiểm tra',
  'targets.address': 'Địa chỉ',
  'targets.state': 'Trạng thái',
  'targets.unreachable': 'Không tới được',
  'targets.unreachable.yes': 'Có (tuyến cha mất kết nối)',
  'targets.lastError': 'Lỗi gần nhất',
  'targets.lastResult': 'Lần đo cuối',
  'targets.rtt': 'RTT 15 phút',
  'targets.loss': 'Mất gói',
  'targets.packets': '{n} gói',
  'role.line': 'Đường truyền',
  'role.mcu': 'Điểm cầu (MCU)',
  'role.service': 'Dịch vụ',
  'role.router': 'Bộ định tuyến',
  'role.uplink': 'Đường lên',

  'charts.title': 'Đường truyền — {range} gần nhất',
  'charts.rtt': 'RTT trung vị (ms)',
  'charts.loss': 'Mất gói (%)',
  'charts.range': 'Khoảng thời gian',
  'charts.noLine': 'Chưa có đích đường truyền để vẽ biểu đồ.',
  'charts.gapsNote': 'Khoảng trống trên biểu đồ là lúc không có dữ liệu, không nối liền.',
  'charts.loading': 'Đang tải biểu đồ…',
  'charts.empty': 'Không có dữ liệu trong khoảng này.',
  'charts.warning': 'ngưỡng suy giảm',
  'charts.critical': 'ngưỡng nghiêm trọng',
  'range.1h': '1 giờ',
  'range.6h': '6 giờ',
  'range.24h': '24 giờ',

  'gaps.title': 'Vùng lõm sóng, điện',
  'gaps.none': 'Không có vùng lõm nào được ghi nhận.',
  'gaps.hamlet': 'Thôn, ấp',
  'gaps.kind': 'Loại',
  'gaps.population': 'Dân số',
  'gaps.households': 'Hộ',
  'gaps.since': 'Từ',
  'gaps.plannedFix': 'Dự kiến khắc phục',
  'gapKind.no_mobile': 'Không có sóng di động',
  'gapKind.no_power': 'Không có điện',
  'gapKind.no_internet': 'Không có Internet',
  'gapKind.weak_mobile': 'Sóng di động yếu',

  'load.loading': 'Đang tải…',
  'load.error': 'Không tải được dữ liệu',
  'load.retry': 'Thử lại',
  'error.E_NETWORK': 'Không kết nối được máy chủ.',
  'error.E_PARSE': 'Máy chủ trả về dữ liệu không đúng định dạng.',
  'error.E_NOT_FOUND': 'Không tìm thấy.',
  'error.E_UNAUTHORIZED': 'Cần đăng nhập.',
  'error.E_FORBIDDEN': 'Không có quyền xem.',
  'error.other': 'Lỗi máy chủ.',
  'notFound.title': 'Không tìm thấy trang',
  'notFound.back': 'Về trang tổng quan',

  'value.none': '—',
  'value.never': 'chưa có',
  'unit.d': '{n} ngày',
  'unit.h': '{n} giờ',
  'unit.min': '{n} phút',
  'unit.s': '{n} giây',
  'duration.justNow': 'vừa xong',
  'cause.down': 'mất kết nối',
  'cause.silent': 'không có kết quả mới',
  'cause.no-data': 'chưa có dữ liệu',
  'cause.no-targets': 'chưa có đích giám sát',
  'cause.rtt': 'độ trễ cao',
  'cause.loss': 'mất gói',
  'cause.jitter': 'jitter cao',
  'cause.unreachable': 'không tới được (tuyến cha mất kết nối)',
  'cause.failing': 'lỗi {n} lần liên tiếp',
  'cause.ok': 'bình thường',
  'charts.time': 'Thời điểm',
} as const

/** A dictionary key. */
export type MessageKey = keyof typeof vi

const en: Record<MessageKey, string> = {
  'app.name': 'Xanh',
  'app.tagline': 'Commune network monitor',
  'app.skip': 'Skip to main content',
  'lang.toggle': 'Tiếng Việt',
  'lang.toggle.label': 'Switch to Vietnamese',
  'demo.banner': 'Demo — simulated data',
  'demo.detail': 'The figures on this page come from a simulated province, not a real network.',
  'live.live': 'Live',
  'live.connecting': 'Connecting…',
  'live.stale': 'Disconnected — stale data',
  'live.updatedAt': 'updated at {time}',
  'live.never': 'no data yet',

  'state.ok': 'OK',
  'state.warning': 'Degraded',
  'state.critical': 'Critical',
  'state.down': 'Down',
  'state.unknown': 'No data',

  'overview.title': 'Overview',
  'overview.counts': 'Communes by state',
  'overview.total': '{n} communes',
  'overview.share': '{pct} of all',
  'overview.generatedAt': 'Data as of {time}',
  'attention.title': 'Needs attention',
  'attention.none': 'All communes are OK.',
  'attention.showAll': 'Show all {n} in the table',
  'attention.more': 'and {n} more communes',
  'attention.for': 'for {duration}',

  'table.title': 'All communes',
  'table.search': 'Search by name, code, cluster',
  'table.search.placeholder': 'Name, code or cluster…',
  'table.filter.state': 'State',
  'table.filter.all': 'All states',
  'table.filter.attention': 'Needs attention (not OK)',
  'table.count': 'Showing {shown} / {total}',
  'table.empty': 'No commune matches the filter.',
  'table.clear': 'Clear filters',
  'table.sort.asc': 'ascending',
  'table.sort.desc': 'descending',
  'table.sort.hint': 'Click to sort',
  'col.state': 'State',
  'col.name': 'Name',
  'col.code': 'Code',
  'col.cluster': 'Cluster',
  'col.rtt': 'RTT (ms)',
  'col.loss': 'Loss (%)',
  'col.since': 'Since',
  'col.lastSeen': 'Last seen',

  'commune.back': '← Overview',
  'commune.code': 'Code',
  'commune.cluster': 'Cluster',
  'commune.kind': 'Kind',
  'commune.contracted': 'Contracted bandwidth',
  'commune.mbps': '{n} Mbit/s',
  'commune.since': 'In this state since {time} ({duration})',
  'commune.reason': 'Cause',
  'commune.notes': 'Notes',
  'commune.notFound': 'No commune with code {code}.',
  'kind.xa': 'Commune',
  'kind.phuong': 'Ward',
  'kind.dac_khu': 'Special zone',

  'targets.title': 'Monitored targets',
  'targets.none': 'This commune has no targets yet.',
  'targets.role': 'Role',
  'targets.kind': 'Check',
  'targets.address': 'Address',
  'targets.state': 'State',
  'targets.unreachable': 'Unreachable',
  'targets.unreachable.yes': 'Yes (parent down)',
  'targets.lastError': 'Last error',
  'targets.lastResult': 'Last result',
  'targets.rtt': 'RTT 15 min',
  'targets.loss': 'Loss',
  'targets.packets': '{n} packets',
  'role.line': 'Line',
  'role.mcu': 'Video endpoint (MCU)',
  'role.service': 'Service',
  'role.router': 'Router',
  'role.uplink': 'Uplink',

  'charts.title': 'Line — last {range}',
  'charts.rtt': 'Median RTT (ms)',
  'charts.loss': 'Packet loss (%)',
  'charts.range': 'Time range',
  'charts.noLine': 'No line target to chart yet.',
  'charts.gapsNote': 'Gaps in the charts are periods without data; they are not joined.',
  'charts.loading': 'Loading charts…',
  'charts.empty': 'No data in this range.',
  'charts.warning': 'warning threshold',
  'charts.critical': 'critical threshold',
  'range.1h': '1 hour',
  'range.6h': '6 hours',
  'range.24h': '24 hours',

  'gaps.title': 'Coverage gaps',
  'gaps.none': 'No coverage gaps recorded.',
  'gaps.hamlet': 'Hamlet',
  'gaps.kind': 'Kind',
  'gaps.population': 'Population',
  'gaps.households': 'Households',
  'gaps.since': 'Since',
  'gaps.plannedFix': 'Planned fix',
  'gapKind.no_mobile': 'No mobile signal',
  'gapKind.no_power': 'No power',
  'gapKind.no_internet': 'No Internet',
  'gapKind.weak_mobile': 'Weak mobile signal',

  'load.loading': 'Loading…',
  'load.error': 'Could not load data',
  'load.retry': 'Retry',
  'error.E_NETWORK': 'Cannot reach the server.',
  'error.E_PARSE': 'The server sent data in an unexpected format.',
  'error.E_NOT_FOUND': 'Not found.',
  'error.E_UNAUTHORIZED': 'Login required.',
  'error.E_FORBIDDEN': 'Not allowed.',
  'error.other': 'Server error.',
  'notFound.title': 'Page not found',
  'notFound.back': 'Back to the overview',

  'value.none': '—',
  'value.never': 'never',
  'unit.d': '{n} d',
  'unit.h': '{n} h',
  'unit.min': '{n} min',
  'unit.s': '{n} s',
  'duration.justNow': 'just now',
  'cause.down': 'down',
  'cause.silent': 'no recent results',
  'cause.no-data': 'no data yet',
  'cause.no-targets': 'no targets',
  'cause.rtt': 'high latency',
  'cause.loss': 'packet loss',
  'cause.jitter': 'high jitter',
  'cause.unreachable': 'unreachable (parent down)',
  'cause.failing': '{n} consecutive failures',
  'cause.ok': 'ok',
  'charts.time': 'Time',
}

/** Both dictionaries, keyed by language. */
export const DICTIONARIES: Readonly<Record<Lang, Readonly<Record<MessageKey, string>>>> = { vi, en }

/** Interpolation values for `{name}` placeholders. */
export type MessageParams = Readonly<Record<string, string | number>>

/** A bound translate function. */
export type Translate = (key: MessageKey, params?: MessageParams) => string

/**
 * Looks up `key` in `lang` and fills `{name}` placeholders. Unknown placeholders are left
 * as written so a missing parameter is visible rather than silently blank.
 */
export function translate(lang: Lang, key: MessageKey, params?: MessageParams): string {
  const text = DICTIONARIES[lang][key]
  if (!params) return text
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const v = params[name]
    return v === undefined ? whole : String(v)
  })
}

/** True when `key` is a dictionary key (for keys built from server-supplied words). */
export function isMessageKey(key: string): key is MessageKey {
  return Object.hasOwn(vi, key)
}

/** Key of a state's label. */
export function stateKey(state: State): MessageKey {
  return `state.${state}`
}

/** BCP 47 locale used for numbers and collation in each UI language. */
export const LOCALES: Readonly<Record<Lang, string>> = { vi: 'vi-VN', en: 'en-GB' }

/** Narrows an arbitrary string (e.g. from localStorage) to a Lang. */
export function isLang(value: unknown): value is Lang {
  return value === 'vi' || value === 'en'
}
