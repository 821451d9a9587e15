/**
 * The harness of the route property tests (issue 12, done-when 2): a seeded server per route,
 * a watch on the database that proves a rejected request stored nothing, the generic generators
 * (arbitrary JSON, bytes that are not JSON, mutations of a valid body, body encodings) and the
 * runner that checks every answer. The routes' own generators are in `route-cases.ts`.
 *
 * What "stored nothing" means here: between the moment before the request and the moment after
 * it, no table of `server/store/schema.ts` changed. Proved cheaply in the common case (the
 * server's connection ran no INSERT, UPDATE or DELETE at all: `total_changes()` did not move) and
 * exactly otherwise: a second, read-only connection holds a read transaction opened before the
 * request (WAL snapshot), so the tables can be fingerprinted as they were before and as they are
 * after, only when something was written.
 * @module
 */
import { gzipSync } from 'node:zlib'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { getTableName, is } from 'drizzle-orm'
import { SQLiteTable } from 'drizzle-orm/sqlite-core'
import fc, { type WeightedArbitrary } from 'fast-check'
import { vi } from 'vitest'
import { ErrorBody } from '../../protocol'
import { ROUTE_ACCESS, type RouteKey } from '../../server/access'
import * as schema from '../../server/store/schema'
import { hashPassword } from '../../server/auth'
import { commune, makeTestServer, udpTarget, type TestServer } from './server'

// ---------------------------------------------------------------------------------------------
// The seeded world
// ---------------------------------------------------------------------------------------------

export const ALERTS_TOKEN = 'alerts-token-0123456789abcdef'
/** The user of `POST /me/password` (never an admin: a changed password must not lock the runner out). */
export const SELF_USER = 'tu.nguyen'
export const SELF_PASSWORD = 'mật-khẩu-của-Tú-2026'
/** The user that `PATCH /users/:username` and `POST /users/:username/password` act on. */
export const OTHER_USER = 'nguyen.van.a'

/** Everything a route's generators may refer to: the server and the ids of the seeded inventory. */
export interface World {
  s: TestServer
  headers: {
    admin: Record<string, string>
    operator: Record<string, string>
    viewer: Record<string, string>
    /** Basic of {@link SELF_USER}. */
    self: Record<string, string>
    probe: Record<string, string>
    otherProbe: Record<string, string>
    alerts: Record<string, string>
  }
  probeId: string
  otherProbeId: string
  gapId: number
  groupId: number
  groupName: string
  openIncidentId: number
  resolvedIncidentId: number
  /** scrypt hash of {@link SELF_PASSWORD}, to put it back after an accepted password change. */
  selfHash: string
  /** fetch calls refused because they were not for 127.0.0.1 (must stay empty). */
  blockedFetches: string[]
  /** Extra resources a case opened (fake servers), closed with the world. */
  closers: Array<() => Promise<void> | void>
  /** Base URL of a local stand-in, when a case started one (Zalo bot API). */
  fakeUrl?: string
}

/** Communes every world has; codes are what generators put in bodies and paths. */
export const SEED_COMMUNES = ['KS-ML', 'KS-NN', 'TP-VI'] as const
export const SEED_TARGETS = ['ml-line', 'ml-video', 'nn-line'] as const
export const SEED_CLUSTERS = ['Cụm Kỳ Sơn', 'Cụm Vinh'] as const

/**
 * Fetch is replaced before the server is built (the runtime captures it): a request to any host
 * but 127.0.0.1 never leaves the process; it is refused and recorded, and the runner fails on it.
 */
function guardFetch(blocked: string[]): void {
  const real = globalThis.fetch
  vi.stubGlobal('fetch', (input: string | URL | Request, init?: RequestInit) => {
    let host = ''
    try {
      host = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url).hostname
    } catch {
      host = ''
    }
    if (host !== '127.0.0.1') {
      blocked.push(String(typeof input === 'string' || input instanceof URL ? input : input.url))
      return Promise.reject(new TypeError('fetch outside 127.0.0.1 refused by the property test'))
    }
    return real(input, init)
  })
}

/** A server with a small inventory (Vietnamese names), users of each role, a group and incidents. */
export async function openWorld(): Promise<World> {
  const blockedFetches: string[] = []
  guardFetch(blockedFetches)
  const s = makeTestServer({
    communes: [
      commune('KS-ML', { name: 'Xã Mường Lống', districtCluster: 'Cụm Kỳ Sơn', lat: 19.37, lon: 104.29, notes: 'Đường truyền cáp quang, điểm cầu UBND xã' }),
      commune('KS-NN', { name: 'Xã Na Ngoi', districtCluster: 'Cụm Kỳ Sơn', lat: 19.3, lon: 104.1 }),
      commune('TP-VI', { name: 'Phường Trường Vinh', kind: 'phuong', districtCluster: 'Cụm Vinh', lat: 18.67, lon: 105.69 }),
    ],
    targets: [udpTarget('ml-line', 'KS-ML', 'line'), udpTarget('ml-video', 'KS-ML', 'mcu', { kind: 'tcp', port: 1720, parents: ['ml-line'], options: {} })],
    env: { XANH_ALERTS_TOKEN: ALERTS_TOKEN },
  })
  const { store } = s.runtime
  const other = store.createProbe('xa-na-ngoi', 'UBND xã Na Ngoi')
  store.upsertTarget({ ...udpTarget('nn-line', 'KS-NN', 'line'), probeId: other.probe.id })
  const gap = store.addGap({ communeCode: 'KS-ML', hamlet: 'Bản Huồi Tụ', kind: 'no_mobile', population: 320, households: 71, since: '2025-09-01', plannedFix: 'Trạm BTS quý II/2026', fixedAt: null, source: 'UBND xã' })
  const selfHash = hashPassword(SELF_PASSWORD)
  store.users.create({ username: SELF_USER, displayName: 'Lê Văn Tú', role: 'viewer', passwordHash: selfHash }, s.clock.now)
  store.users.create({ username: OTHER_USER, displayName: 'Nguyễn Văn A', role: 'operator', passwordHash: selfHash }, s.clock.now)
  const admin = s.as('admin')
  const headers: World['headers'] = {
    admin,
    operator: s.as('operator'),
    viewer: s.as('viewer'),
    self: { authorization: `Basic ${Buffer.from(`${SELF_USER}:${SELF_PASSWORD}`).toString('base64')}` },
    probe: { authorization: `Bearer ${s.token}` },
    otherProbe: { authorization: `Bearer ${other.token}` },
    alerts: { authorization: `Bearer ${ALERTS_TOKEN}` },
  }
  // A support group whose only channel points at a closed local port (nothing here sends; if
  // something did, it would stay on 127.0.0.1).
  const groupName = 'Tổ kỹ thuật Kỳ Sơn'
  const created = await s.runtime.app.request('/api/v1/groups', {
    method: 'POST',
    headers: { ...admin, 'content-type': 'application/json' },
    body: JSON.stringify({ name: groupName, channels: [{ type: 'webhook', url: 'http://127.0.0.1:9/xanh' }], communes: ['KS-ML'], clusters: ['Cụm Kỳ Sơn'] }),
  })
  if (created.status !== 201) throw new Error(`seeding the support group failed: ${created.status} ${await created.text()}`)
  const groupId = ((await created.json()) as { id: number }).id
  // Two incidents: one open (acknowledgeable), one resolved (E_CONFLICT on ack).
  s.runtime.alerting.receiveExternal([
    { labels: { alertname: 'MatDien', commune_code: 'KS-ML', severity: 'critical' }, annotations: { summary: 'Mất điện lưới tại UBND xã Mường Lống' } },
    { labels: { alertname: 'DuongTruyenCham', commune_code: 'KS-NN' }, annotations: { summary: 'Đường truyền chậm' } },
  ])
  const incidents = s.runtime.alerting.list('all', 10)
  const open = incidents.find((i) => i.alertname === 'MatDien')
  const resolved = incidents.find((i) => i.alertname === 'DuongTruyenCham')
  if (!open || !resolved) throw new Error('seeding incidents failed')
  s.runtime.alerting.incidents.resolve(resolved.id, 'seeded as resolved')
  s.runtime.reloadInventory()
  return {
    s,
    headers,
    probeId: s.probeId,
    otherProbeId: other.probe.id,
    gapId: gap.id,
    groupId,
    groupName,
    openIncidentId: open.id,
    resolvedIncidentId: resolved.id,
    selfHash,
    blockedFetches,
    closers: [],
  }
}

export async function closeWorld(w: World): Promise<void> {
  for (const close of w.closers) await close()
  w.s.close()
  vi.unstubAllGlobals()
}

// ---------------------------------------------------------------------------------------------
// The database watch
// ---------------------------------------------------------------------------------------------

/** Rows and a content checksum of one table. */
export interface TableFingerprint {
  rows: number
  sum: number
}
export type Fingerprint = Map<string, TableFingerprint>

/**
 * What a rejection may store by design, per table: anything (`ignore`), changes to these columns
 * only (a list), or exactly `addsRows` new rows. Every other table must stay as it was.
 */
export type TableRule = 'ignore' | readonly string[] | { addsRows: number }
export interface Allowance {
  /** Why (shown when the rest of the database changed anyway). */
  reason: string
  tables: Record<string, TableRule>
  /** Further checks of what was stored, read after the request (e.g. which row was added). */
  check?: (reader: Database.Database) => string | undefined
}

/** Every table of `server/store/schema.ts`, by SQL name. */
export function schemaTables(): string[] {
  return Object.values(schema)
    .filter((v) => is(v, SQLiteTable))
    .map((t) => getTableName(t as SQLiteTable))
    .sort()
}

/** 32-bit FNV-1a of a string (row checksums; summed per table, so order does not matter). */
function fnv1a(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

export class DbWatch {
  readonly reader: Database.Database
  readonly tables: ReadonlyArray<{ name: string; columns: string[] }>
  private readonly totalChanges: () => number
  private readonly pinStmt: Database.Statement
  private readonly queries = new Map<string, Database.Statement>()

  constructor(file: string, server: Database.Database) {
    this.reader = new Database(file, { readonly: true, fileMustExist: true })
    this.reader.function('xanh_fp', { deterministic: true }, (s: unknown) => fnv1a(String(s)))
    this.tables = schemaTables().map((name) => ({ name, columns: (this.reader.pragma(`table_info(${name})`) as Array<{ name: string }>).map((c) => c.name) }))
    const tc = server.prepare('SELECT total_changes() AS n').pluck()
    this.totalChanges = () => Number(tc.get())
    this.pinStmt = this.reader.prepare('SELECT count(*) FROM sqlite_schema').pluck()
  }

  /** Row changes the server's connection has made so far (rolled-back ones included). */
  changes(): number {
    return this.totalChanges()
  }

  /** Opens a read transaction: until {@link release}, fingerprints show the database as it is now. */
  pin(): void {
    this.reader.exec('BEGIN')
    this.pinStmt.get()
  }

  release(): void {
    if (this.reader.inTransaction) this.reader.exec('COMMIT')
  }

  /** Rows and checksum of every table, with the allowance's tables or columns left out. */
  fingerprint(rules: Allowance['tables'] = {}): Fingerprint {
    const out: Fingerprint = new Map()
    for (const t of this.tables) {
      const rule = rules[t.name]
      if (rule === 'ignore') continue
      const cols = Array.isArray(rule) ? t.columns.filter((c) => !rule.includes(c)) : t.columns
      const key = `${t.name}:${cols.join(',')}`
      let q = this.queries.get(key)
      if (!q) {
        const row = cols.map((c) => `quote("${c}")`).join(` || char(31) || `)
        q = this.reader.prepare(`SELECT count(*) AS rows, total(xanh_fp(${row})) AS sum FROM "${t.name}"`)
        this.queries.set(key, q)
      }
      out.set(t.name, q.get() as TableFingerprint)
    }
    return out
  }

  close(): void {
    this.release()
    this.reader.close()
  }
}

/** Tables whose fingerprint differs beyond their rule, as `name: rows a→b`. */
export function differences(before: Fingerprint, after: Fingerprint, rules: Allowance['tables'] = {}): string[] {
  const out: string[] = []
  for (const [name, a] of before) {
    const b = after.get(name)
    const rule = rules[name]
    if (rule !== undefined && typeof rule === 'object' && 'addsRows' in rule) {
      if (b?.rows !== a.rows + rule.addsRows) out.push(`${name}: ${a.rows}→${b?.rows ?? '?'} rows (${rule.addsRows} new row(s) allowed)`)
      continue
    }
    if (!b || a.rows !== b.rows || a.sum !== b.sum) out.push(`${name}: ${a.rows}→${b?.rows ?? '?'} rows${a.rows === b?.rows ? ' (content changed)' : ''}`)
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// Generic generators
// ---------------------------------------------------------------------------------------------

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json }

const SYLLABLES = [
  'Xã', 'Mường', 'Lống', 'Phường', 'Nậm', 'Cắn', 'Tà', 'Cạ', 'Kỳ', 'Sơn', 'Huồi', 'Tụ', 'Bắc', 'Lý', 'Mỹ', 'Đồng', 'Văn', 'Thị',
  'Hương', 'Nguyễn', 'Trần', 'Đắk', 'Lắk', 'Quỳnh', 'Châu', 'Ứng', 'Hoà', 'Hòa', 'Thuận', 'Ngọc', 'Ẳng', 'Ỷ', 'Hưởng', 'bản', 'thôn',
  'Điểm', 'cầu', 'truyền', 'hình', 'trực', 'tuyến', 'mất', 'điện', 'sóng', 'yếu', 'Tổ', 'kỹ', 'thuật',
]
const vietnameseBy = new Map<number, fc.Arbitrary<string>>()
/** Vietnamese words, composed (NFC) or decomposed (NFD, as some keyboards and macOS send them). */
export const vietnamese = (maxWords = 6): fc.Arbitrary<string> => {
  let arb = vietnameseBy.get(maxWords)
  if (!arb) {
    arb = fc
      .tuple(fc.array(fc.constantFrom(...SYLLABLES), { minLength: 1, maxLength: maxWords }), fc.constantFrom<'NFC' | 'NFD'>('NFC', 'NFC', 'NFC', 'NFD'))
      .map(([words, form]) => words.join(' ').normalize(form))
    vietnameseBy.set(maxWords, arb)
  }
  return arb
}

const NASTY_STRINGS = [
  '', ' ', '  \t\n', 'NaN', 'Infinity', '-Infinity', '-0', '1e999', '0x1F', '1_000', '١٢٣', 'null', 'undefined', 'true', '[]', '{}',
  '\u0000', '\ud800', '\udfff', '\ufeff', '\u202e', '💥', '👨‍👩‍👧', 'Xã Mường Lống', 'Nguyễn Thị Hương', 'Đắk Lắk', 'Thừa Thiên Huế',
  "'; DROP TABLE communes; --", '" OR 1=1 --', '<script>alert(1)</script>', '../../etc/passwd', '%00', '%2e%2e%2f', '__proto__',
  'constructor', 'KS-ML', 'ml-line', 'admin', '2026-02-30', '2026-11-24T03:00:00Z', '9999-12-31T23:59:59Z', '0001-01-01T00:00:00Z',
  'http://169.254.169.254/latest/meta-data', 'javascript:alert(1)', '(a+)+$', '[', '\\', '${jndi:ldap://x}',
]

/** Strings that break things: edge cases, Vietnamese, any unicode (lone surrogates too), and long ones. */
export const junkString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 3, arbitrary: vietnamese() },
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.constantFrom(101, 201, 501, 1001, 2001, 70_000).map((n) => 'ệ'.repeat(n)) },
)

/** Numbers at and past every bound the schemas use. */
export const junkNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(-1, -0, 0, 1, 0.5, -0.5, 7, 9, 10, 12, 91, -91, 181, -181, 1e21, -1e21, 2 ** 53 + 2, 2 ** 31, -(2 ** 31) - 1, 5e-324, 65535, 65536, 86400, 86401, 100000, 100001, 1000, 1001),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
)

/** Deeply nested arrays or objects. */
const nested: fc.Arbitrary<Json> = fc.tuple(fc.integer({ min: 2, max: 400 }), fc.boolean()).map(([depth, arrays]) => {
  let v: Json = 'đáy'
  for (let i = 0; i < depth; i++) v = arrays ? [v] : { a: v }
  return v
})

/** Any value to put where a field was: other types, junk strings and numbers, nesting. */
export const junkValue: fc.Arbitrary<Json> = fc.oneof(
  { weight: 4, arbitrary: junkString },
  { weight: 4, arbitrary: junkNumber },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constantFrom<Json>(null, [], {}, [null], { '': '' }) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json> },
  { weight: 1, arbitrary: nested },
  { weight: 1, arbitrary: fc.array(junkString, { minLength: 0, maxLength: 30 }) },
)

const extraKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'id', 'code', '$where', 'isAdmin', 'role', ''),
  fc.string({ maxLength: 12 }),
  vietnamese(2),
)

type Op = 'drop' | 'replace' | 'extra' | 'wrap' | 'grow'
export interface Mutation {
  op: Op
  at: number
  key: string
  value: Json
  times: number
}
export const mutation: fc.Arbitrary<Mutation> = fc.record({
  op: fc.constantFrom<Op>('drop', 'drop', 'replace', 'replace', 'replace', 'extra', 'wrap', 'grow'),
  at: fc.nat(),
  key: extraKey,
  value: junkValue,
  times: fc.constantFrom(2, 21, 101, 1001, 5001),
})

/** A node of a JSON value and where it sits (`parent` undefined: the root). */
interface Place {
  value: Json
  parent: Json[] | Record<string, Json> | undefined
  key: string | number
}

/** Visits nodes in document order until `fn` returns true. */
function walk(value: Json, parent: Place['parent'], key: string | number, fn: (p: Place) => boolean): boolean {
  if (fn({ value, parent, key })) return true
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (walk(value[i] as Json, value, i, fn)) return true
  } else if (value !== null && typeof value === 'object') {
    for (const k of Object.keys(value)) if (walk(value[k] as Json, value, k, fn)) return true
  }
  return false
}

/** The `k`-th (modulo their count) node that `accept`s, or undefined when none does. */
function locate(root: Json, accept: (v: Json) => boolean, k: number): Place | undefined {
  let count = 0
  walk(root, undefined, '', (p) => {
    if (accept(p.value)) count++
    return false
  })
  if (count === 0) return undefined
  let left = k % count
  let found: Place | undefined
  walk(root, undefined, '', (p) => {
    if (!accept(p.value) || left-- > 0) return false
    found = p
    return true
  })
  return found
}

/** Sets an own property (even `__proto__`, which plain assignment would turn into a prototype change). */
function define(o: Record<string, Json>, key: string, value: Json): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true })
}

const isObject = (v: Json): boolean => v !== null && typeof v === 'object' && !Array.isArray(v)

/** Applies one mutation at the `at`-th node (modulo the node count) of a copy of `value`. */
export function mutate(value: Json, m: Mutation): Json {
  let root = structuredClone(value)
  const put = (p: Place, v: Json): void => {
    if (p.parent === undefined) root = v
    else if (Array.isArray(p.parent)) p.parent[p.key as number] = v
    else define(p.parent, String(p.key), v)
  }
  const node = locate(root, () => true, m.at) as Place
  switch (m.op) {
    case 'drop':
      if (node.parent === undefined) root = m.value
      else if (Array.isArray(node.parent)) node.parent.splice(node.key as number, 1)
      else delete node.parent[node.key]
      break
    case 'replace':
      put(node, m.value)
      break
    case 'extra': {
      const target = locate(root, isObject, m.at)
      if (target) define(target.value as Record<string, Json>, m.key, m.value)
      else put(node, { [m.key]: m.value })
      break
    }
    case 'wrap':
      put(node, m.at % 2 === 0 ? [node.value] : { value: node.value })
      break
    case 'grow': {
      // An array (or a string) longer than the schema's bound, kept under ~250 KB of JSON.
      const target = locate(root, (v) => Array.isArray(v) && v.length > 0, m.at)
      const source = target ? (target.value as Json[]) : [node.value]
      const size = Math.max(1, JSON.stringify(source).length / source.length)
      const times = Math.max(2, Math.min(m.times, Math.floor(250_000 / size)))
      if (typeof node.value === 'string' && !target) put(node, node.value.repeat(Math.ceil(Math.min(m.times, 70_000) / Math.max(1, node.value.length))) || 'x'.repeat(m.times))
      // Copies, not one object many times: a later mutation of one element must not change them all.
      else put(target ?? node, Array.from({ length: times }, (_, i) => structuredClone(source[i % source.length] as Json)))
      break
    }
  }
  return root
}

/** Edits of the JSON text itself: what no value can express (1e999, -0, duplicate keys, a BOM, a cut). */
type TextOp = 'bigNumber' | 'duplicateKey' | 'bom' | 'truncate' | 'trailing' | 'singleQuotes' | 'comment'
interface TextEdit {
  op: TextOp
  at: number
  number: string
  tail: string
}
const textEdit: fc.Arbitrary<TextEdit> = fc.record({
  op: fc.constantFrom<TextOp>('bigNumber', 'bigNumber', 'duplicateKey', 'bom', 'truncate', 'trailing', 'singleQuotes', 'comment'),
  at: fc.nat(),
  number: fc.constantFrom('1e999', '-1e999', '1e-999', '-0', '123456789012345678901234567890', '0.1e1', '1E+2', '-0.0'),
  tail: fc.constantFrom(',', '}', ']', 'rác', '\u0000', ' // chú thích', '{}', '\n\n'),
})
function editText(text: string, e: TextEdit): string {
  switch (e.op) {
    case 'bigNumber': {
      const spots = [...text.matchAll(/(?<=[:,[]\s*)-?\d+(\.\d+)?([eE][+-]?\d+)?(?=\s*[,}\]])/g)]
      const spot = spots[e.at % Math.max(1, spots.length)]
      return spot?.index === undefined ? `${text}${e.number}` : text.slice(0, spot.index) + e.number + text.slice(spot.index + spot[0].length)
    }
    case 'duplicateKey': {
      // JSON.parse keeps the last of two equal keys: a junk first spelling (or a __proto__ key).
      const first = /^\{\s*("(?:[^"\\]|\\.)*")\s*:/.exec(text)
      if (!first) return text
      return e.at % 2 === 0 ? `{${first[1]}:null,${text.slice(1)}` : `{"__proto__":{"role":"admin"},${text.slice(1)}`
    }
    case 'bom':
      return `\ufeff${text}`
    case 'truncate':
      return text.slice(0, e.at % Math.max(1, text.length))
    case 'trailing':
      return text + e.tail
    case 'singleQuotes':
      return text.replace(/"/g, "'")
    case 'comment':
      return `/* ${e.tail} */${text}`
  }
}

export type Label = 'valid' | 'mutated' | 'json' | 'text' | 'bytes' | 'empty'
export interface Body {
  data: string | Uint8Array | undefined
  label: Label
}

export interface BodyWeights {
  /** A valid body as built. */
  valid: number
  /** A valid body with 1–3 mutations (some stay valid). */
  mutated: number
  /** Arbitrary JSON (`jsonValue`, `anything`). */
  json: number
  /** Edited JSON text, strings and bytes that are not JSON, no body. */
  notJson: number
}
export const DEFAULT_WEIGHTS: BodyWeights = { valid: 30, mutated: 40, json: 15, notJson: 15 }

const stringify = (v: unknown): string => {
  try {
    return JSON.stringify(v) ?? 'undefined'
  } catch {
    return String(v)
  }
}

// Built once: some arbitraries (grapheme strings) are costly to build, and bodies are built per path.
const anyText = fc.string({ unit: 'grapheme', maxLength: 60 }).map((data): Body => ({ data, label: 'text' }))
const anyBytes = fc.uint8Array({ maxLength: 200 }).map((data): Body => ({ data, label: 'bytes' }))
const noBody = fc.constantFrom<Body>({ data: undefined, label: 'empty' }, { data: '', label: 'empty' }, { data: 'null', label: 'text' }, { data: ' ', label: 'empty' })
const anyJson = fc.oneof(fc.jsonValue(), fc.anything({ maxDepth: 3 }))

/** Text and bytes that are not a JSON document (or not the expected one), some made from `valid`. */
export function notJsonBody(valid: fc.Arbitrary<string>, maxDepth = 50_000): fc.Arbitrary<Body> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.tuple(valid, textEdit).map(([t, e]): Body => ({ data: editText(t, e), label: 'text' })) },
    { weight: 2, arbitrary: anyText },
    { weight: 2, arbitrary: anyBytes },
    { weight: 1, arbitrary: fc.integer({ min: 100, max: maxDepth }).map((n): Body => ({ data: `${'['.repeat(n)}${']'.repeat(n)}`, label: 'text' })) },
    { weight: 1, arbitrary: noBody },
  )
}

/**
 * The body mix of a JSON route, from an arbitrary of its valid bodies. `fix` is applied to every
 * JSON value before it is sent (the Zalo route points any URL the schema would accept at 127.0.0.1).
 */
export function jsonBodies(valid: fc.Arbitrary<Json>, weights: Partial<BodyWeights> = {}, fix: (v: Json) => Json = (v) => v): fc.Arbitrary<Body> {
  const w = { ...DEFAULT_WEIGHTS, ...weights }
  const fixed = valid.map(fix)
  const parts: Array<WeightedArbitrary<Body>> = [
    { weight: w.valid, arbitrary: fixed.map((v): Body => ({ data: JSON.stringify(v), label: 'valid' })) },
    {
      weight: w.mutated,
      arbitrary: fc.tuple(valid, fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([v, ms]): Body => ({ data: JSON.stringify(fix(ms.reduce(mutate, v))), label: 'mutated' })),
    },
    {
      weight: w.json,
      arbitrary: anyJson.map((v): Body => ({ data: stringify(fix(v as Json)), label: 'json' })),
    },
    { weight: w.notJson, arbitrary: notJsonBody(fixed.map((v) => JSON.stringify(v))) },
  ]
  return fc.oneof(...parts.filter((p) => p.weight > 0))
}

/** How the body travels: content type, gzip, a missing or lying header. */
export type Wire = 'json' | 'json-charset' | 'json-upper' | 'gzip' | 'gzip-bad' | 'br' | 'no-type' | 'wrong-type' | 'no-length' | 'lying-length'
export const wire = (gzipWeight = 1): fc.Arbitrary<Wire> =>
  fc.oneof(
    { weight: 30, arbitrary: fc.constant<Wire>('json') },
    { weight: 4, arbitrary: fc.constantFrom<Wire>('json-charset', 'json-upper', 'no-length') },
    { weight: 3 * gzipWeight, arbitrary: fc.constant<Wire>('gzip') },
    { weight: 2, arbitrary: fc.constantFrom<Wire>('gzip-bad', 'br', 'no-type', 'wrong-type', 'lying-length') },
  )

/** Content-Length values that are not the body's: past every limit (413 before reading), absurd, zero. */
const LYING_LENGTHS = ['17000000', '2147483648', '99999999999999999999', '-1', 'abc', '0'] as const

/** The request headers and bytes of `body` sent as `how`. */
export function onWire(body: Body, how: Wire, contentType = 'application/json'): { headers: Record<string, string>; data: string | Uint8Array | undefined } {
  const headers: Record<string, string> = {}
  let data = body.data
  switch (how) {
    case 'json':
    case 'no-length':
      headers['content-type'] = contentType
      break
    case 'json-charset':
      headers['content-type'] = `${contentType}; charset=utf-8`
      break
    case 'json-upper':
      headers['content-type'] = contentType.toUpperCase()
      break
    case 'gzip':
      headers['content-type'] = contentType
      headers['content-encoding'] = 'gzip'
      data = gzipSync(data ?? '')
      break
    case 'gzip-bad':
      headers['content-type'] = contentType
      headers['content-encoding'] = 'gzip'
      break
    case 'br':
      headers['content-type'] = contentType
      headers['content-encoding'] = 'br'
      break
    case 'no-type':
      break
    case 'wrong-type':
      headers['content-type'] = contentType === 'application/json' ? 'text/plain' : 'application/json'
      break
  }
  if (data !== undefined && how !== 'no-length') headers['content-length'] = String(typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength)
  if (how === 'lying-length') {
    headers['content-type'] = contentType
    headers['content-length'] = LYING_LENGTHS[(data === undefined ? 0 : typeof data === 'string' ? data.length : data.byteLength) % LYING_LENGTHS.length] as string
  }
  return { headers, data }
}

/** A path parameter: mostly one that exists, sometimes one that does not, sometimes junk. */
export const param = (existing: readonly string[], wild: fc.Arbitrary<string> = junkString): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 16, arbitrary: fc.constantFrom(...existing) },
    { weight: 3, arbitrary: wild.filter((s) => s !== '').map((s) => encodeURIComponent(s.replace(/\p{Cs}/gu, '\ufffd'))) },
    // Escapes that do not decode: the router must answer them, not throw.
    { weight: 1, arbitrary: fc.constantFrom('%', '%zz', '%E0%A4%A', '%C0%AF', '%ED%A0%80', '..', '%2e%2e', 'KS-ML%00') },
  )

// ---------------------------------------------------------------------------------------------
// The runner
// ---------------------------------------------------------------------------------------------

/** One generated request. */
export interface Req {
  method: string
  path: string
  headers: Record<string, string>
  data: string | Uint8Array | undefined
  label: Label | 'auth'
  /** A dry run: must store nothing even when it is accepted. */
  dryRun?: boolean
}

export type Area = 'inventory' | 'imports' | 'alerting' | 'accounts' | 'ingest'

/** How one route is exercised. */
export interface RouteCase {
  area: Area
  /** Requests, given the seeded world. */
  requests(w: World): fc.Arbitrary<Req>
  /** Cases to run: 10,000 unless a comment says why not. */
  numRuns?: number
  /** Share of accepted (2xx) answers below which the generators are not reaching the write path. */
  minAccepted?: number
  /** Per-route preparation (a local stand-in of an external API). */
  setup?(w: World): Promise<void>
  /** Called before each case (the sign-in throttle's window). */
  beforeEach?(w: World, run: number): void
  /** Rejections that store something by design. */
  allowance?(status: number, error: { code: string; message: string }, req: Req): Allowance | undefined
  /** After an accepted request: put shared state back (a changed password). */
  afterAccepted?(w: World, req: Req, status: number): void
}

export const NUM_RUNS = 10_000
/**
 * Accepted writes between two inventory reloads. The server reloads once writes settle; a reload
 * costs O(inventory) (27 ms at 3,000 communes), so one per write would make a 10,000-case run
 * quadratic. A reload that throws names the writes since the previous one.
 */
const RELOAD_EVERY = 10

/** What the runner saw, for the report line and the acceptance floor. */
export interface RunStats {
  runs: number
  ms: number
  byStatus: Record<string, number>
  byLabel: Record<string, { sent: number; accepted: number }>
  fingerprints: number
  /** Time spent in the app (the rest is generating requests and checking answers). */
  appMs: number
  /** The slowest requests (time in the app, ms), to see where a route's time goes. */
  slowest: Array<{ ms: number; status: number; req: string }>
}

function record(stats: RunStats, req: Req, status: number, code: string | undefined): void {
  const k = code ? `${status} ${code}` : String(status)
  stats.byStatus[k] = (stats.byStatus[k] ?? 0) + 1
  const l = (stats.byLabel[req.label] ??= { sent: 0, accepted: 0 })
  l.sent++
  if (status < 400) l.accepted++
}

const show = (req: Req): string => {
  const body = req.data === undefined ? '(no body)' : typeof req.data === 'string' ? req.data : `<${req.data.byteLength} bytes> ${Buffer.from(req.data).toString('base64').slice(0, 300)}`
  return `${req.method} ${req.path} ${JSON.stringify(req.headers)} ${body.length > 600 ? `${body.slice(0, 600)}… (${body.length} chars)` : body}`
}

/**
 * Runs the route's property: for every generated request, no 5xx; a 4xx is `{error: {code:
 * E_…, message}}`; a rejected request (or a dry run) stores nothing unless its allowance says
 * what it may store; no fetch leaves 127.0.0.1. Throws fast-check's report on a counterexample.
 */
export async function checkRoute(key: RouteKey | string, c: RouteCase): Promise<RunStats> {
  const w = await openWorld()
  const watch = new DbWatch(join(w.s.dir, 'xanh.db'), w.s.opened.sqlite)
  const stats: RunStats = { runs: 0, ms: 0, byStatus: {}, byLabel: {}, fingerprints: 0, appMs: 0, slowest: [] }
  const started = performance.now()
  try {
    await c.setup?.(w)
    const numRuns = c.numRuns ?? NUM_RUNS
    let run = 0
    const unreloaded: Req[] = []
    const reload = (): void => {
      try {
        w.s.runtime.reloadInventory()
      } catch (e) {
        throw new Error(`${key}: reloading the inventory failed after these accepted requests:\n${unreloaded.map((r) => `  ${show(r)}`).join('\n')}`, { cause: e })
      } finally {
        unreloaded.length = 0
      }
    }
    await fc.assert(
      fc.asyncProperty(c.requests(w), async (req) => {
        c.beforeEach?.(w, run++)
        const changesBefore = watch.changes()
        watch.pin()
        let res: Response
        const t0 = performance.now()
        try {
          res = await w.s.runtime.app.request(req.path, { method: req.method, headers: req.headers, ...(req.data !== undefined ? { body: req.data as BodyInit } : {}) })
        } catch (e) {
          watch.release()
          throw e
        }
        const text = await res.text()
        const ms = performance.now() - t0
        stats.appMs += ms
        if (stats.slowest.length < 3 || ms > (stats.slowest.at(-1)?.ms ?? 0)) {
          stats.slowest = [...stats.slowest, { ms, status: res.status, req: show(req).slice(0, 160) }].sort((a, b) => b.ms - a.ms).slice(0, 3)
        }
        const failed = (why: string): never => {
          watch.release()
          throw new Error(`${why}\n  request: ${show(req)}\n  answer: ${res.status} ${text.slice(0, 500)}`)
        }
        if (res.status >= 500) failed(`${key}: ${res.status} (5xx)`)
        if (w.blockedFetches.length > 0) failed(`${key}: a request left 127.0.0.1: ${w.blockedFetches.join(', ')}`)
        let error: { code: string; message: string } | undefined
        if (res.status >= 400) {
          let parsed: unknown
          try {
            parsed = JSON.parse(text)
          } catch {
            failed(`${key}: a ${res.status} whose body is not JSON`)
          }
          const body = ErrorBody.safeParse(parsed)
          if (!body.success || !/^E_[A-Z_]+$/.test(body.data.error.code)) failed(`${key}: a ${res.status} whose body is not {error: {code: E_…, message}}`)
          error = (body.data as ErrorBody).error
        }
        record(stats, req, res.status, error?.code)
        const mustStoreNothing = error !== undefined || req.dryRun === true
        if (mustStoreNothing && watch.changes() !== changesBefore) {
          // Something was written (maybe rolled back): compare the tables as they were and are.
          const allowance = error ? c.allowance?.(res.status, error, req) : undefined
          const before = watch.fingerprint(allowance?.tables)
          watch.release()
          const after = watch.fingerprint(allowance?.tables)
          stats.fingerprints++
          const diff = differences(before, after, allowance?.tables)
          if (diff.length > 0) failed(`${key}: a ${error ? 'rejected request' : 'dry run'} stored something: ${diff.join('; ')}${allowance ? ` (beyond what it may: ${allowance.reason})` : ''}`)
          const extra = allowance?.check?.(watch.reader)
          if (extra) failed(`${key}: ${extra}`)
        } else {
          watch.release()
        }
        if (res.status < 400) {
          c.afterAccepted?.(w, req, res.status)
          unreloaded.push(req)
          // What the debounced reload does once writes settle (runtime.ts, 200 ms), every few
          // accepted writes: a write that breaks it fails here, naming the writes since the last one.
          if (unreloaded.length >= RELOAD_EVERY) reload()
        }
        stats.runs++
      }),
      // The time limit only guards against a hang; reaching it is a failure, never fewer cases.
      { numRuns, interruptAfterTimeLimit: 200_000, markInterruptAsFailure: true, endOnFailure: false },
    )
    reload()
  } finally {
    stats.ms = performance.now() - started
    watch.close()
    await closeWorld(w)
  }
  return stats
}

/** One line per route for the test output: runs, time, statuses, acceptance per generator. */
export function summary(key: string, st: RunStats): string {
  const statuses = Object.entries(st.byStatus)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k}×${n}`)
    .join(', ')
  const labels = Object.entries(st.byLabel)
    .map(([k, v]) => `${k} ${v.accepted}/${v.sent}`)
    .join(', ')
  const slow = st.slowest.map((x) => `${x.ms.toFixed(0)} ms ${x.status} ${x.req}`).join(' | ')
  return `${key}: ${st.runs} cases in ${(st.ms / 1000).toFixed(1)} s (app ${(st.appMs / 1000).toFixed(1)} s); ${statuses}; accepted by generator: ${labels}; full compares: ${st.fingerprints}; slowest: ${slow}`
}

/** The share of accepted answers. */
export function acceptedShare(st: RunStats): number {
  const acc = Object.values(st.byLabel).reduce((n, l) => n + l.accepted, 0)
  return st.runs === 0 ? 0 : acc / st.runs
}

/** `METHOD /path` of every write route of the access table. */
export function writeRoutes(): RouteKey[] {
  return (Object.keys(ROUTE_ACCESS) as RouteKey[]).filter((k) => /^(POST|PUT|PATCH) /.test(k))
}
