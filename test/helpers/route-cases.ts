/**
 * The write routes the property tests exercise (issue 12, done-when 2), one {@link RouteCase}
 * each: who calls, which paths, and what a valid body looks like (built from the protocol's zod
 * shapes) — the harness (`route-properties.ts`) mixes it with arbitrary JSON, text that is not
 * JSON and mutations of the valid body. The list of routes comes from `ROUTE_ACCESS`: a write
 * route with no entry here and none in {@link SKIPPED} is run with {@link genericCase}.
 * @module
 */
import { stringify as toYaml } from 'yaml'
import fc from 'fast-check'
import { CheckKind, LINE_TEST_KINDS, TargetRole, ZaloBotChatsInput } from '../../protocol'
import { ROUTE_ACCESS, type RouteKey } from '../../server/access'
import { listenFake, json as answerJson } from './fake-http'
import { TEST_PASSWORD } from './server'
import {
  OTHER_USER,
  SEED_CLUSTERS,
  SEED_COMMUNES,
  SEED_TARGETS,
  SELF_PASSWORD,
  SELF_USER,
  jsonBodies,
  junkString,
  notJsonBody,
  onWire,
  param,
  vietnamese,
  wire,
  type Body,
  type BodyWeights,
  type Json,
  type Label,
  type Req,
  type RouteCase,
  type World,
} from './route-properties'

// ---------------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------------

const HOUR = 3600_000
const DAY = 24 * HOUR

/** An ISO time between `min` and `max` ms from the server's clock, in UTC or Vietnam's +07:00. */
const isoAt = (w: World, min: number, max: number): fc.Arbitrary<string> =>
  fc.tuple(fc.integer({ min, max }), fc.boolean()).map(([offset, vn]) => {
    const ms = w.s.clock.now + offset
    return vn ? new Date(ms + 7 * HOUR).toISOString().replace('Z', '+07:00') : new Date(ms).toISOString()
  })

const isoDate = fc.oneof(
  { weight: 8, arbitrary: fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2030-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)) },
  { weight: 1, arbitrary: fc.constantFrom('2026-02-30', '2026-13-01', '31/12/2025', '2025-9-1') },
)

/**
 * New codes and ids: mostly from a pool of a few hundred (creates succeed until the pool is used
 * up, then conflict), sometimes any valid one. Unbounded growth would make every inventory reload
 * slower and the run quadratic.
 */
const freshCode = fc.oneof(
  { weight: 9, arbitrary: fc.integer({ min: 0, max: 399 }).map((i) => `NA-${String(i).padStart(3, '0')}`) },
  { weight: 1, arbitrary: fc.oneof(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$/), fc.integer({ min: 10000, max: 99999 }).map(String)) },
)
const freshId = fc.oneof(
  { weight: 9, arbitrary: fc.integer({ min: 0, max: 399 }).map((i) => `xa${i}-line`) },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,79}$/) },
)
const host = fc.constantFrom('127.0.0.1', '10.20.30.40', '::1', '[fe80::1%eth0]', 'mcu.kyson.vn', 'ubnd-muonglong.nghean.gov.vn', '203.113.1.1')

const thresholds = fc.record(
  {
    rttWarningSeconds: fc.double({ min: 0.001, max: 1, noNaN: true }),
    rttCriticalSeconds: fc.double({ min: 0.001, max: 2, noNaN: true }),
    lossWarningRatio: fc.double({ min: 0, max: 1, noNaN: true }),
    lossMinPackets: fc.integer({ min: 1, max: 5000 }),
    mosWarning: fc.double({ min: 1, max: 4.5, noNaN: true }),
    throughputTests: fc.integer({ min: 1, max: 10 }),
    utilizationForSeconds: fc.integer({ min: 60, max: 86400 }),
  },
  { requiredKeys: [] },
)

const communeFields = {
  name: vietnamese(4).map((n) => `Xã ${n}`),
  kind: fc.constantFrom('xa', 'phuong', 'dac_khu'),
  districtCluster: fc.constantFrom(...SEED_CLUSTERS, 'Cụm Tương Dương', ''),
  lat: fc.double({ min: 8.1, max: 23.4, noNaN: true }),
  lon: fc.double({ min: 102.1, max: 109.5, noNaN: true }),
  contractedMbps: fc.constantFrom(10, 50, 100, 300, 1000, 0.5),
  priority: fc.integer({ min: 0, max: 9 }),
  notes: vietnamese(12),
  thresholds: fc.option(thresholds, { nil: null }),
}
const communeBody = (code: fc.Arbitrary<string>): fc.Arbitrary<Json> =>
  fc.record({ code, ...communeFields }, { requiredKeys: ['code', 'name', 'lat', 'lon'] }) as fc.Arbitrary<Json>

/** Valid `options` of each check kind (the store checks them against the kind's schema). */
function optionsOf(kind: CheckKind): fc.Arbitrary<Json> {
  const opt = <T extends Record<string, fc.Arbitrary<unknown>>>(model: T, required: Array<keyof T & string> = []) =>
    fc.record(model, { requiredKeys: required }) as unknown as fc.Arbitrary<Json>
  switch (kind) {
    case 'icmp':
      return opt({ packets: fc.integer({ min: 1, max: 1000 }), payloadBytes: fc.integer({ min: 0, max: 1400 }) })
    case 'udp_echo':
      return opt({ packets: fc.integer({ min: 1, max: 10000 }), ratePps: fc.double({ min: 0.1, max: 1000, noNaN: true }), payloadBytes: fc.integer({ min: 40, max: 1400 }) })
    case 'tcp':
      return opt({ tls: fc.boolean(), serverName: fc.constantFrom('mcu.kyson.vn', 'xn--mng-lng-9ya.vn'), insecure: fc.boolean() })
    case 'http':
      return opt({
        scheme: fc.constantFrom('http', 'https'),
        path: fc.constantFrom('/', '/healthz', '/cổng-thông-tin', '/?q=mường'),
        method: fc.constantFrom('GET', 'HEAD'),
        expectStatus: fc.array(fc.integer({ min: 100, max: 599 }), { maxLength: 3 }),
        bodyContains: vietnamese(3),
        insecure: fc.boolean(),
        maxBodyBytes: fc.integer({ min: 1, max: 64 * 1024 * 1024 }),
      })
    case 'dns':
      return opt({ name: fc.constantFrom('kyson.nghean.gov.vn', 'xn--mng-lng-9ya.vn'), type: fc.constantFrom('A', 'AAAA', 'MX', 'TXT', 'SRV') }, ['name'])
    case 'sip':
      return opt({ transport: fc.constantFrom('udp', 'tcp'), uri: fc.constantFrom('sip:ping@10.20.30.40', 'sip:mcu@kyson.vn') })
    case 'h323':
      return fc.constant({})
    case 'throughput':
      return opt({
        mode: fc.constantFrom('http', 'iperf3'),
        streams: fc.integer({ min: 1, max: 16 }),
        warmupSeconds: fc.integer({ min: 0, max: 30 }),
        durationSeconds: fc.integer({ min: 1, max: 60 }),
        scheme: fc.constantFrom('http', 'https'),
        insecure: fc.boolean(),
      })
    case 'snmp':
      return opt(
        {
          version: fc.constantFrom('2c', '3'),
          community: fc.constantFrom('public', 'cộng-đồng'),
          ifIndex: fc.integer({ min: 1, max: 100 }),
          user: fc.constant('xanh'),
          securityLevel: fc.constantFrom('noAuthNoPriv', 'authNoPriv', 'authPriv'),
          authProtocol: fc.constantFrom('md5', 'sha', 'sha256'),
          authPassword: fc.constant('mat-khau-snmp'),
          privProtocol: fc.constantFrom('des', 'aes'),
          privPassword: fc.constant('mat-khau-bao-mat'),
          contractedBytesPerSecond: fc.integer({ min: 1, max: 125_000_000 }),
        },
        ['ifIndex'],
      )
  }
}

const targetBody = (w: World, id: fc.Arbitrary<string>): fc.Arbitrary<Json> =>
  fc.tuple(fc.constantFrom(...CheckKind.options), id).chain(
    ([kind, tid]) =>
      fc.record(
        {
          id: fc.constant(tid),
          communeCode: fc.constantFrom(...SEED_COMMUNES, 'KHONG-CO'),
          name: vietnamese(5),
          kind: fc.constant(kind),
          host,
          port: fc.integer({ min: 1, max: 65535 }),
          role: fc.constantFrom(...TargetRole.options),
          intervalSeconds: fc.constantFrom(1, 15, 60, 3600, 21600),
          timeoutSeconds: fc.constantFrom(0.1, 1, 5, 10, 60),
          // Its own id and the seeded ones: cycles in the topology (ml-video's parent is ml-line).
          parents: fc.subarray([...SEED_TARGETS, tid], { maxLength: 3 }),
          options: optionsOf(kind),
          probeId: fc.constantFrom(null, w.probeId, w.otherProbeId, 'p-khongco'),
          enabled: fc.boolean(),
          thresholds: fc.option(thresholds, { nil: null }),
        },
        { requiredKeys: ['id', 'communeCode', 'kind', 'host', 'role'] },
      ) as fc.Arbitrary<Json>,
  )

const gapBody: fc.Arbitrary<Json> = fc.record(
  {
    communeCode: fc.constantFrom(...SEED_COMMUNES, 'KHONG-CO'),
    hamlet: vietnamese(3).map((n) => `Bản ${n}`),
    kind: fc.constantFrom('no_mobile', 'no_power', 'no_internet', 'weak_mobile'),
    population: fc.option(fc.integer({ min: 0, max: 20000 }), { nil: null }),
    households: fc.option(fc.integer({ min: 0, max: 5000 }), { nil: null }),
    since: fc.option(isoDate, { nil: null }),
    plannedFix: fc.option(vietnamese(6), { nil: null }),
    fixedAt: fc.option(isoDate, { nil: null }),
    source: vietnamese(4),
  },
  { requiredKeys: ['communeCode', 'hamlet', 'kind'] },
) as fc.Arbitrary<Json>

const position = fc.tuple(fc.double({ min: 102, max: 110, noNaN: true }), fc.double({ min: 8, max: 23.5, noNaN: true }))
const ring = fc.array(position, { minLength: 1, maxLength: 12 })
const geometry: fc.Arbitrary<Json> = fc.oneof(
  ring.map((r) => ({ type: 'Polygon', coordinates: [r] })),
  fc.array(fc.array(ring, { minLength: 1, maxLength: 2 }), { minLength: 1, maxLength: 2 }).map((c) => ({ type: 'MultiPolygon', coordinates: c })),
  ring.map((r) => ({ type: 'LineString', coordinates: r })),
  fc.array(ring, { maxLength: 3 }).map((c) => ({ type: 'MultiLineString', coordinates: c })),
)
const feature = fc.option(geometry, { nil: null }).map((g) => ({ type: 'Feature', properties: { ten: 'Nghệ An' }, geometry: g }))
const boundaryBody: fc.Arbitrary<Json> = fc.oneof(geometry, feature, fc.array(feature, { maxLength: 4 }).map((f) => ({ type: 'FeatureCollection', features: f })))

/**
 * Label sets come mostly from a small pool: every distinct set opens an incident, and nothing
 * resolves them here (no alerting tick), so unbounded variety would pile up open incidents that
 * each request reads back (a run that grows quadratically, not a property of the route).
 */
const labels: fc.Arbitrary<Json> = fc.oneof(
  {
    weight: 9,
    // At most 4 × 5 × 6 label sets (and the empty one, refused).
    arbitrary: fc.record(
      {
        alertname: fc.constantFrom('MatDien', 'DuongTruyenCham', 'MayChuNong', 'UpsHetPin'),
        severity: fc.constantFrom('critical', 'warning', 'info', 'khẩn'),
        commune_code: fc.constantFrom(...SEED_COMMUNES, 'KHONG-CO', ''),
      },
      { requiredKeys: ['alertname'] },
    ) as fc.Arbitrary<Json>,
  },
  { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('alertname', 'instance', 'commune', 'tỉnh'), fc.constantFrom('', 'KS-NN', 'Xã Mường Lống', 'Mất điện', 'tỉnh Nghệ An'), { minKeys: 0, maxKeys: 2 }) as fc.Arbitrary<Json> },
)
const alertBody = (w: World): fc.Arbitrary<Json> =>
  fc.array(
    fc.record(
      {
        labels,
        annotations: fc.dictionary(fc.constantFrom('summary', 'description', 'runbook_url'), vietnamese(8), { maxKeys: 3 }),
        startsAt: fc.oneof(isoAt(w, -DAY, HOUR), fc.constant('0001-01-01T00:00:00Z')),
        endsAt: fc.oneof(isoAt(w, -HOUR, 2 * DAY), fc.constant('0001-01-01T00:00:00Z')),
        generatorURL: fc.constantFrom('http://prometheus.kyson:9090/graph?g0.expr=up%3D%3D0', 'javascript:alert(1)', 'ftp://x', ''),
      },
      { requiredKeys: ['labels'] },
    ),
    { maxLength: 5 },
  ) as fc.Arbitrary<Json>

const matcher = fc.record(
  {
    name: fc.constantFrom('alertname', 'commune', 'commune_code', 'severity', 'cluster', '_x'),
    value: fc.oneof(vietnamese(2), fc.constantFrom('KS-.*', 'KS-ML', '(', '[a-', '(a+)+$', '.*', '')),
    isRegex: fc.boolean(),
    isEqual: fc.boolean(),
  },
  { requiredKeys: ['name', 'value'] },
)
const silenceBody = (w: World): fc.Arbitrary<Json> =>
  fc.record(
    {
      matchers: fc.array(matcher, { minLength: 1, maxLength: 3 }),
      startsAt: isoAt(w, -2 * HOUR, HOUR),
      endsAt: isoAt(w, -HOUR, 7 * DAY),
      createdBy: vietnamese(2),
      comment: vietnamese(8),
    },
    { requiredKeys: ['matchers', 'startsAt', 'endsAt', 'comment'] },
  ) as fc.Arbitrary<Json>

const hhmm = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })).map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`)
const maintenanceBody = (w: World): fc.Arbitrary<Json> =>
  fc.record(
    {
      scope: fc.record(
        { communes: fc.subarray([...SEED_COMMUNES, 'KHONG-CO'], { maxLength: 2 }), clusters: fc.subarray([...SEED_CLUSTERS, 'Cụm Khác'], { maxLength: 2 }), targets: fc.subarray([...SEED_TARGETS], { maxLength: 2 }) },
        { requiredKeys: [] },
      ),
      startsAt: isoAt(w, -DAY, DAY),
      endsAt: isoAt(w, -HOUR, 30 * DAY),
      recurrence: fc.option(fc.record({ weekdays: fc.subarray([1, 2, 3, 4, 5, 6, 7], { minLength: 1 }), start: hhmm, end: hhmm }), { nil: null }),
      reason: vietnamese(8),
      createdBy: vietnamese(2),
    },
    { requiredKeys: ['scope', 'startsAt', 'endsAt', 'reason'] },
  ) as fc.Arbitrary<Json>

/** Channels of every type, all pointing at 127.0.0.1 (nothing sends in these tests; if it did, it would stay local). */
const channel = fc.oneof(
  fc.record({ type: fc.constant('zalo'), mode: fc.constant('bot'), baseUrl: fc.constant('http://127.0.0.1:9'), token: fc.constant('1459232241454765289:abcXYZ'), chatId: fc.constantFrom('8f3a2b', '12345') }, { requiredKeys: ['type', 'token', 'chatId'] }),
  fc.record({
    type: fc.constant('zalo'),
    mode: fc.constant('oa'),
    baseUrl: fc.constant('http://127.0.0.1:9'),
    oauthBaseUrl: fc.constant('http://127.0.0.1:9'),
    token: fc.constant('oa-access-token'),
    groupId: fc.constant('g-kyson'),
    appId: fc.constant('4321'),
    secretKey: fc.constant('bi-mat'),
    refreshToken: fc.constant('refresh-1'),
  }),
  fc.record({ type: fc.constant('telegram'), baseUrl: fc.constant('http://127.0.0.1:9'), botToken: fc.constant('123:abc'), chatId: fc.oneof(fc.constant('@to_ky_thuat'), fc.integer()), messageThreadId: fc.integer({ min: 1, max: 999 }) }, { requiredKeys: ['type', 'botToken', 'chatId'] }),
  fc.record({ type: fc.constant('email'), host: fc.constant('127.0.0.1'), port: fc.constant(2525), secure: fc.boolean(), from: fc.constant('Xanh <xanh@kyson.vn>'), to: fc.constant(['kythuat@kyson.vn', 'tú@kyson.vn']) }, { requiredKeys: ['type', 'host', 'from', 'to'] }),
  fc.record({ type: fc.constant('webhook'), url: fc.constant('http://127.0.0.1:9/xanh'), secret: fc.constant('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw') }, { requiredKeys: ['type', 'url'] }),
  fc.record({ type: fc.constant('slack'), url: fc.constant('http://127.0.0.1:9/hooks/T000/B000/XXXXXXXXXXXXXXXX'), flavor: fc.constantFrom('slack', 'mattermost'), channel: fc.constant('#kỹ-thuật') }, { requiredKeys: ['type', 'url'] }),
) as unknown as fc.Arbitrary<Json>
/** Group names: a pool of a few hundred (as with codes), sometimes any Vietnamese name. */
const groupName = fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 0, max: 599 }).map((i) => `Tổ trực số ${i}`) }, { weight: 1, arbitrary: vietnamese(4).map((n) => `Tổ ${n}`) })
const groupBody = (w: World): fc.Arbitrary<Json> =>
  groupName.chain(
    (name) =>
      fc.record(
        {
          name: fc.oneof({ weight: 5, arbitrary: fc.constant(name) }, { weight: 1, arbitrary: fc.constant(w.groupName) }),
          channels: fc.array(channel, { maxLength: 3 }),
          communes: fc.subarray([...SEED_COMMUNES], { maxLength: 2 }),
          clusters: fc.subarray([...SEED_CLUSTERS]),
          roles: fc.subarray([...TargetRole.options]),
          minSeverity: fc.constantFrom('critical', 'warning', 'info'),
          language: fc.constantFrom('vi', 'en'),
          escalation: fc.array(fc.record({ afterMinutes: fc.constantFrom(5, 30, 120, 10080), group: fc.constantFrom(w.groupName, name, 'Không có tổ này') }), { maxLength: 2 }),
          sendResolved: fc.boolean(),
        },
        { requiredKeys: ['name'] },
      ) as fc.Arbitrary<Json>,
  )

const password = fc.oneof(vietnamese(5).filter((p) => p.length >= 12), fc.string({ minLength: 12, maxLength: 60 }), fc.constant(SELF_PASSWORD))
const username = fc.oneof({ weight: 6, arbitrary: fc.stringMatching(/^[a-z][a-z0-9._-]{1,20}$/) }, { weight: 1, arbitrary: fc.constantFrom(OTHER_USER, SELF_USER) })

/** Snake-case measurement names and finite values, as a probe sends them. */
const measurements = fc.dictionary(
  fc.oneof(fc.constantFrom('rtt_median_seconds', 'rtt_min_seconds', 'loss_ratio', 'sent', 'received', 'jitter_seconds', 'throughput_down_bps', 'if_in_octets'), fc.stringMatching(/^[a-z][a-z0-9_]{0,20}$/)),
  fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: 0, max: 1000 })),
  { maxKeys: 6 },
)
/** A few fixed result ids: a batch replayed from the spool stores nothing twice. */
const REPLAYED_IDS = ['6f1c3c52-7d7e-4d0e-9a43-0d4f0a1c2b3d', 'a3b1c2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d', '1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed']
const ingestBody = (w: World): fc.Arbitrary<Json> => {
  const skew = w.s.config.ingest.maxClockSkewSeconds * 1000
  const result = fc.record(
    {
      id: fc.oneof({ weight: 3, arbitrary: fc.uuid({ version: 4 }) }, { weight: 1, arbitrary: fc.constantFrom(...REPLAYED_IDS) }),
      targetId: fc.oneof({ weight: 12, arbitrary: fc.constantFrom('ml-line', 'ml-video') }, { weight: 1, arbitrary: fc.constantFrom('nn-line', 'khong-co') }),
      kind: fc.constantFrom('udp_echo', 'tcp', 'icmp', 'throughput'),
      // Mostly the last days; a few later than the server's clock allows (E_CLOCK_SKEW).
      observedAt: fc.oneof({ weight: 15, arbitrary: isoAt(w, -3 * DAY, skew) }, { weight: 1, arbitrary: isoAt(w, skew + 1000, 30 * DAY) }),
      durationSeconds: fc.double({ min: 0, max: 86400, noNaN: true }),
      ok: fc.boolean(),
      error: vietnamese(6),
      measurements,
    },
    { requiredKeys: ['id', 'targetId', 'kind', 'observedAt', 'durationSeconds', 'ok', 'measurements'] },
  )
  return fc.record(
    {
      protocolVersion: fc.constant(1),
      probeId: fc.oneof({ weight: 20, arbitrary: fc.constant(w.probeId) }, { weight: 1, arbitrary: fc.constantFrom(w.otherProbeId, 'p-khongco') }),
      sentAt: isoAt(w, -HOUR, 10 * 60_000),
      status: fc.record(
        {
          version: fc.constantFrom('0.1.0', '0.2.0-rc.1'),
          spoolBatches: fc.nat(50),
          spoolBytes: fc.nat(10_000_000),
          droppedBatches: fc.nat(5),
          overruns: fc.nat(5),
          unavailable: fc.subarray(['icmp: neither fping nor ping is installed', 'snmp: không có cộng đồng']),
        },
        { requiredKeys: ['version', 'spoolBatches', 'spoolBytes', 'droppedBatches', 'overruns'] },
      ),
      results: fc.array(result, { maxLength: 4 }),
    },
    { requiredKeys: ['protocolVersion', 'probeId', 'sentAt', 'results'] },
  ) as fc.Arbitrary<Json>
}

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

type Who = keyof World['headers'] | 'none'

/**
 * The caller: mostly the right one; sometimes nobody (401) or a weaker role (403). A wrong
 * Basic password is not generated: it is checked with scrypt on every request (~40 ms; no cache
 * for failures), which would spend the time budget on the authentication gate instead of the route.
 */
const caller = (right: Who, weaker: Who[] = []): fc.Arbitrary<{ who: Who; swapped: boolean }> =>
  fc.oneof(
    { weight: 40, arbitrary: fc.constant({ who: right, swapped: false }) },
    { weight: 1, arbitrary: fc.constantFrom<Who>('none', ...weaker).map((who) => ({ who, swapped: true })) },
  )

const headersOf = (w: World, who: Who): Record<string, string> => (who === 'none' ? {} : w.headers[who])

interface JsonRouteSpec<P> {
  method: string
  /** Path parameters (or nothing). */
  params: fc.Arbitrary<P>
  path: (p: P) => string
  valid: (p: P) => fc.Arbitrary<Json>
  who: Who | fc.Arbitrary<Who>
  weaker?: Who[]
  weights?: Partial<BodyWeights>
  gzipWeight?: number
  fix?: (v: Json) => Json
}

/** Requests of a JSON route: caller × path × body (valid, mutated, arbitrary, not JSON) × wire encoding. */
function jsonRoute<P>(spec: JsonRouteSpec<P>): (w: World) => fc.Arbitrary<Req> {
  return (w) => {
    const who: fc.Arbitrary<Who> = typeof spec.who === 'string' ? fc.constant(spec.who) : spec.who
    // Built once per parameter value: some arbitraries (stringMatching) are costly to build.
    const bodies = new Map<string, fc.Arbitrary<Body>>()
    const bodiesOf = (p: P): fc.Arbitrary<Body> => {
      const key = JSON.stringify(p) ?? ''
      let b = bodies.get(key)
      if (!b) bodies.set(key, (b = jsonBodies(spec.valid(p), spec.weights, spec.fix)))
      return b
    }
    return fc
      .tuple(
        who.chain((right) => caller(right, spec.weaker)),
        spec.params.chain((p) => bodiesOf(p).map((body) => ({ p, body }))),
        wire(spec.gzipWeight),
      )
      .map(([{ who: w2, swapped }, { p, body }, how]): Req => {
        const sent = onWire(body, how)
        return { method: spec.method, path: spec.path(p), headers: { ...headersOf(w, w2), ...sent.headers }, data: sent.data, label: swapped ? 'auth' : body.label }
      })
  }
}

const none = fc.constant(undefined)
/** A path parameter as the server decodes it (itself when it does not decode). */
const decoded = (p: string): string => {
  try {
    return decodeURIComponent(p)
  } catch {
    return p
  }
}

// ---- imports ----

type ImportKind = 'communes' | 'targets' | 'gaps'
type Cells = Record<string, string | number | boolean | null | Json>

/** Rows of an import file as column name → value (English column names; aliases applied later). */
function importRows(w: World, kind: ImportKind): fc.Arbitrary<Cells[]> {
  switch (kind) {
    case 'communes':
      return fc.array(
        fc
          .record({
            code: fc.oneof(freshCode, fc.constantFrom(...SEED_COMMUNES)),
            name: communeFields.name,
            kind: fc.constantFrom('xa', 'phuong', 'dac_khu', 'Xã', 'Phường', 'Đặc khu'),
            district_cluster: communeFields.districtCluster,
            lat: communeFields.lat,
            lon: communeFields.lon,
            contracted_mbps: communeFields.contractedMbps,
            priority: communeFields.priority,
            notes: communeFields.notes,
            thresholds: fc.option(thresholds, { nil: null }),
          })
          .map((r) => r as Cells),
        { minLength: 1, maxLength: 8 },
      )
    case 'targets':
      return fc.array(
        targetBody(w, fc.oneof(freshId, fc.constantFrom(...SEED_TARGETS))).map((t) => {
          const o = t as Record<string, Json>
          return {
            id: o.id ?? null,
            commune_code: o.communeCode ?? null,
            name: o.name ?? null,
            kind: o.kind ?? null,
            host: o.host ?? null,
            port: o.port ?? null,
            role: o.role ?? null,
            interval_s: o.intervalSeconds ?? null,
            timeout_s: o.timeoutSeconds ?? null,
            parents: o.parents ?? null,
            options: o.options ?? null,
            probe_id: o.probeId ?? null,
            enabled: o.enabled ?? null,
            thresholds: o.thresholds ?? null,
          } as Cells
        }),
        { minLength: 1, maxLength: 8 },
      )
    case 'gaps':
      return fc.array(
        gapBody.map((g) => {
          const o = g as Record<string, Json>
          return { commune_code: o.communeCode ?? null, hamlet: o.hamlet ?? null, kind: o.kind ?? null, population: o.population ?? null, households: o.households ?? null, since: o.since ?? null, planned_fix: o.plannedFix ?? null, fixed_at: o.fixedAt ?? null, source: o.source ?? null } as Cells
        }),
        { minLength: 1, maxLength: 8 },
      )
  }
}

/** Vietnamese headers an admin's spreadsheet may use instead of the English ones. */
const ALIASES: Record<string, string[]> = {
  code: ['Mã xã', 'MA_XA'],
  name: ['Tên xã', 'Tên'],
  district_cluster: ['Cụm'],
  lat: ['Vĩ độ', 'latitude'],
  lon: ['Kinh độ', 'lng'],
  contracted_mbps: ['Băng thông hợp đồng (Mbps)'],
  commune_code: ['Mã xã'],
  hamlet: ['Thôn/bản'],
  population: ['Dân số'],
  host: ['Địa chỉ IP'],
  enabled: ['Bật'],
  interval_s: ['Chu kỳ (giây)'],
}

function csvCell(v: Cells[string], delimiter: string): string {
  let s: string
  if (v === null || v === undefined) s = ''
  else if (Array.isArray(v)) s = v.map(String).join(';')
  else if (typeof v === 'object') s = JSON.stringify(v)
  else if (typeof v === 'number' && delimiter === ';') s = String(v).replace('.', ',')
  else s = String(v)
  return /[",;\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s
}

interface FileShape {
  format: 'csv' | 'yaml'
  delimiter: ',' | ';'
  crlf: boolean
  bom: boolean
  aliases: boolean
  wrapped: boolean
}
const fileShape: fc.Arbitrary<FileShape> = fc.record({
  format: fc.constantFrom('csv', 'yaml'),
  delimiter: fc.constantFrom(',', ';'),
  crlf: fc.boolean(),
  bom: fc.boolean(),
  aliases: fc.boolean(),
  wrapped: fc.boolean(),
})

function writeFile(kind: ImportKind, rows: Cells[], shape: FileShape, pick: number): string {
  const header = (name: string): string => (shape.aliases && ALIASES[name] ? (ALIASES[name][pick % ALIASES[name].length] as string) : name)
  if (shape.format === 'yaml') {
    const items = rows.map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== null).map(([k, v]) => [header(k), v])))
    return toYaml(shape.wrapped ? { [kind]: items } : items)
  }
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))]
  const nl = shape.crlf ? '\r\n' : '\n'
  const lines = [columns.map((c) => csvCell(header(c), shape.delimiter)).join(shape.delimiter), ...rows.map((r) => columns.map((c) => csvCell(r[c] ?? null, shape.delimiter)).join(shape.delimiter))]
  return `${shape.bom ? '\ufeff' : ''}${lines.join(nl)}${nl}`
}

/** YAML that has bitten parsers: aliases, tags, merge keys, documents, deep nesting. */
const NASTY_YAML = [
  '- &a {code: KS-A, name: *a, lat: 19, lon: 105}\n',
  'base: &b {lat: 19, lon: 105}\ncommunes:\n  - <<: *b\n    code: KS-B\n    name: Xã B\n',
  'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ncommunes: [*d]\n',
  '- code: KS-C\n  name: !!binary aGVsbG8=\n  lat: !!float 19\n  lon: .nan\n',
  '- code: KS-D\n  name: Xã D\n  lat: .inf\n  lon: -.inf\n',
  '--- \n- code: KS-E\n--- \n- code: KS-F\n',
  '- ? [code]\n  : KS-G\n',
  '- code: 01234\n  name: 0x1F\n  lat: 1_9\n  lon: 105\n  priority: 0o7\n',
  '- {code: KS-H, name: "Xã \\uD800", lat: 19, lon: 105}\n',
  `- code: KS-I\n  name: ${'['.repeat(500)}${']'.repeat(500)}\n  lat: 19\n  lon: 105\n`,
  '- code: KS-J\n  code: KS-K\n  name: hai lần\n  lat: 19\n  lon: 105\n',
  '%YAML 1.1\n---\n- code: KS-L\n  since: 2025-09-01\n  enabled: yes\n',
  '- !!js/function "function(){}"\n',
  'communes: 42\n',
  '{communes: [{code: KS-M, lat: 19, lon: 105, name: M}], targets: []}\n',
  '- id: t1\n  commune_code: KS-ML\n  kind: dns\n  host: 127.0.0.1\n  role: service\n  options: !!set {a, b}\n',
  '- id: t2\n  commune_code: KS-ML\n  kind: udp_echo\n  host: 127.0.0.1\n  role: line\n  parents: [t2, t2, t2]\n',
  '- commune_code: KS-ML\n  hamlet: Bản Xốp\n  kind: mất sóng\n  since: 31/12/2025\n  population: -5\n',
]
const NASTY_CSV = [
  'code,name,lat,lon\n"KS-A,Xã ""A"",19,105\n',
  'code;name;lat;lon\nKS-B;Xã B;19,5;105,1\n',
  'code,name,lat,lon\nKS-C,Xã C,19,105,extra\n',
  'code,code,name,lat,lon\nKS-D,KS-E,Xã D,19,105\n',
  ',,,\n,,,\n',
  'code,name,lat,lon,\nKS-F,Xã F,19,105,dữ liệu\n',
  'Mã xã,Tên xã,Vĩ độ,Kinh độ\nKS-G,Xã G,19,105\nKS-G,Xã G lần hai,19,105\n',
  'id,commune_code,kind,host,role,options\nt1,KS-ML,http,127.0.0.1,service,"{""path"":""không-có-gạch""}"\n',
  'id,commune_code,kind,host,role,parents\nt1,KS-ML,udp_echo,127.0.0.1,line,t1\n',
  'commune_code,hamlet,kind,since\nKS-ML,Bản Xốp,mat_song,2026-02-30\n',
  '\ufeff\ufeffcode,name,lat,lon\nKS-H,H,19,105\n',
  'code,name,lat,lon\r\nKS-I,"Xã\r\nxuống dòng",19,105\r\n',
]

/** Cell-level damage: a cell replaced by junk, a column renamed to nothing known, a row repeated. */
interface FileDamage {
  row: number
  column: number
  value: string | number
  op: 'cell' | 'unknownColumn' | 'repeatRow' | 'dropColumn'
}
const fileDamage: fc.Arbitrary<FileDamage> = fc.record({
  row: fc.nat(),
  column: fc.nat(),
  value: fc.oneof(junkString, fc.double({ noNaN: true, noDefaultInfinity: true })),
  op: fc.constantFrom('cell', 'cell', 'unknownColumn', 'repeatRow', 'dropColumn'),
})
function damage(rows: Cells[], d: FileDamage): Cells[] {
  const out = rows.map((r) => ({ ...r }))
  const row = out[d.row % out.length] as Cells
  const keys = Object.keys(row)
  const col = keys[d.column % Math.max(1, keys.length)]
  switch (d.op) {
    case 'cell':
      if (col !== undefined) row[col] = d.value
      break
    case 'unknownColumn':
      row[String(d.value).slice(0, 20) || 'cột lạ'] = 'x'
      break
    case 'repeatRow':
      out.push({ ...row })
      break
    case 'dropColumn':
      if (col !== undefined) for (const r of out) delete r[col]
      break
  }
  return out
}

const IMPORT_TYPES = ['text/csv', 'text/csv; charset=utf-8', 'application/yaml', 'text/yaml', 'application/x-yaml', 'application/octet-stream', 'application/json'] as const

/** `POST /api/v1/<kind>/import`: CSV and YAML files, valid, damaged and junk, with and without `?dryRun=1`. */
function importRoute(kind: ImportKind): (w: World) => fc.Arbitrary<Req> {
  return (w) => {
    const file: fc.Arbitrary<{ text: string | Uint8Array | undefined; format: 'csv' | 'yaml'; label: Label }> = fc.oneof(
      { weight: 30, arbitrary: fc.tuple(importRows(w, kind), fileShape, fc.nat()).map(([rows, shape, pick]) => ({ text: writeFile(kind, rows, shape, pick), format: shape.format, label: 'valid' as Label })) },
      {
        weight: 35,
        arbitrary: fc.tuple(importRows(w, kind), fileShape, fc.nat(), fc.array(fileDamage, { minLength: 1, maxLength: 3 })).map(([rows, shape, pick, ds]) => ({ text: writeFile(kind, ds.reduce(damage, rows), shape, pick), format: shape.format, label: 'mutated' as Label })),
      },
      { weight: 10, arbitrary: fc.constantFrom(...NASTY_YAML).map((text) => ({ text, format: 'yaml' as const, label: 'text' as Label })) },
      { weight: 10, arbitrary: fc.constantFrom(...NASTY_CSV).map((text) => ({ text, format: 'csv' as const, label: 'text' as Label })) },
      { weight: 13, arbitrary: fc.tuple(notJsonBody(fc.constant('code,name\n'), 5000), fc.constantFrom<'csv' | 'yaml'>('csv', 'yaml')).map(([b, format]) => ({ text: b.data, format, label: b.label })) },
      // Deep YAML nesting, flow and block: the composer recurses once per level.
      { weight: 2, arbitrary: fc.tuple(fc.constantFrom('[', '{a: ', '- ', '? '), fc.integer({ min: 10, max: 5000 })).map(([open, n]) => ({ text: `${open.repeat(n)}x${open === '[' ? ']'.repeat(n) : open === '{a: ' ? '}'.repeat(n) : ''}\n`, format: 'yaml' as const, label: 'text' as Label })) },
    )
    return fc
      .tuple(caller('admin', ['operator', 'none']), file, fc.nat(), fc.constantFrom('', '', '', '?dryRun=1', '?dryRun=true', '?dryRun=0'), fc.constantFrom('type', 'type', 'type', 'query', 'wrong-query', 'gzip'))
      .map(([{ who, swapped }, f, pick, dry, how]): Req => {
        const headers: Record<string, string> = { ...headersOf(w, who) }
        let query = dry
        let data = f.text
        if (how === 'type' || how === 'gzip') headers['content-type'] = f.format === 'csv' ? 'text/csv' : (IMPORT_TYPES[2 + (pick % 3)] as string)
        if (how === 'query') query += `${query ? '&' : '?'}format=${f.format}`
        if (how === 'wrong-query') {
          query += `${query ? '&' : '?'}format=${['xlsx', 'CSV', '', 'yaml'][pick % 4] as string}`
          headers['content-type'] = IMPORT_TYPES[pick % IMPORT_TYPES.length] as string
        }
        if (how === 'gzip') {
          const sent = onWire({ data, label: f.label }, 'gzip', headers['content-type'])
          Object.assign(headers, sent.headers)
          data = sent.data
        } else if (data !== undefined) headers['content-length'] = String(typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength)
        return { method: 'POST', path: `/api/v1/${kind}/import${query}`, headers, data, label: swapped ? 'auth' : f.label, dryRun: /dryRun=(1|true)/.test(query) }
      })
  }
}

// ---------------------------------------------------------------------------------------------
// The cases
// ---------------------------------------------------------------------------------------------

/** A route case and the access-table entry it covers (the imports are one entry, three cases). */
export type NamedCase = RouteCase & { route: RouteKey }

/**
 * Write routes that take no JSON body, each with why it is not fuzzed here. A write route that is
 * neither here nor in {@link CASES} is fuzzed with {@link genericCase} (arbitrary bodies).
 */
export const SKIPPED: Partial<Record<RouteKey, string>> = {
  'POST /api/v1/speedtest/upload': 'raw bytes, not JSON: the upload is counted and thrown away (test/server/routes/speedtest.test.ts covers sizes and limits)',
  'POST /api/v1/probes/:id/rotate': 'no body (only ?graceSeconds=, checked by zod); rotating would also change the token of the probe the ingest cases use',
  'POST /api/v1/probes/:id/revoke': 'no body; revoking is a state change tested in test/server/routes/probe-scope.test.ts',
  'POST /api/v1/groups/:id{[0-9]+}/test': 'no body, and it sends a message to every channel of the group (an outbound call per case)',
  'POST /api/v1/groups/:id{[0-9]+}/channels/:index{[0-9]+}/enable': 'no body (the group and channel are path parameters)',
}

/** Valid bodies of scrypt routes are kept rare: each costs one or more scrypt runs (~40 ms here). */
const SCRYPT_WEIGHTS: Partial<BodyWeights> = { valid: 1, mutated: 10, json: 44, notJson: 45 }

export const CASES: Record<string, NamedCase> = {
  // ---- inventory ----
  'POST /api/v1/communes': {
    route: 'POST /api/v1/communes',
    area: 'inventory',
    minAccepted: 0.05,
    requests: jsonRoute({ method: 'POST', params: none, path: () => '/api/v1/communes', valid: () => communeBody(fc.oneof({ weight: 6, arbitrary: freshCode }, { weight: 1, arbitrary: fc.constantFrom(...SEED_COMMUNES) })), who: 'admin', weaker: ['operator', 'viewer'] }),
  },
  'PUT /api/v1/communes/:code': {
    route: 'PUT /api/v1/communes/:code',
    area: 'inventory',
    minAccepted: 0.15,
    requests: jsonRoute({
      method: 'PUT',
      params: fc.tuple(param([...SEED_COMMUNES, 'KS-MOI']), fc.nat(9)),
      path: ([code]) => `/api/v1/communes/${code}`,
      // Mostly the code of the URL in the body; sometimes another one (E_VALIDATION).
      valid: ([code, n]) => communeBody(n === 0 ? freshCode : fc.constant(decoded(code))),
      who: 'admin',
      weaker: ['operator'],
    }),
  },
  'PATCH /api/v1/communes/:code': {
    route: 'PATCH /api/v1/communes/:code',
    area: 'inventory',
    minAccepted: 0.15,
    requests: jsonRoute({ method: 'PATCH', params: param([...SEED_COMMUNES]), path: (code) => `/api/v1/communes/${code}`, valid: () => fc.record(communeFields, { requiredKeys: [] }) as fc.Arbitrary<Json>, who: 'admin', weaker: ['viewer'] }),
  },
  'POST /api/v1/targets': {
    route: 'POST /api/v1/targets',
    area: 'inventory',
    minAccepted: 0.04,
    requests: (w) => jsonRoute({ method: 'POST', params: none, path: () => '/api/v1/targets', valid: () => targetBody(w, fc.oneof({ weight: 6, arbitrary: freshId }, { weight: 1, arbitrary: fc.constantFrom(...SEED_TARGETS) })), who: 'admin', weaker: ['operator'] })(w),
  },
  'PUT /api/v1/targets/:id': {
    route: 'PUT /api/v1/targets/:id',
    area: 'inventory',
    minAccepted: 0.1,
    requests: (w) =>
      jsonRoute({
        method: 'PUT',
        params: fc.tuple(param([...SEED_TARGETS, 'moi-line']), fc.nat(9)),
        path: ([id]) => `/api/v1/targets/${id}`,
        valid: ([id, n]) => targetBody(w, n === 0 ? freshId : fc.constant(decoded(id))),
        who: 'admin',
        weaker: ['viewer'],
      })(w),
  },
  'POST /api/v1/probes': {
    route: 'POST /api/v1/probes',
    area: 'inventory',
    minAccepted: 0.1,
    requests: jsonRoute({
      method: 'POST',
      params: none,
      path: () => '/api/v1/probes',
      valid: () =>
        fc.record(
          {
            name: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 99_999 }).map((i) => `dau-do-${i}`) }, { weight: 2, arbitrary: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/) }, { weight: 1, arbitrary: fc.constant('xa-na-ngoi') }),
            location: vietnamese(6),
          },
          { requiredKeys: ['name'] },
        ) as fc.Arbitrary<Json>,
      who: 'admin',
      weaker: ['operator'],
    }),
  },
  'POST /api/v1/gaps': {
    route: 'POST /api/v1/gaps',
    area: 'inventory',
    minAccepted: 0.15,
    requests: jsonRoute({ method: 'POST', params: none, path: () => '/api/v1/gaps', valid: () => gapBody, who: 'admin', weaker: ['viewer'] }),
  },
  'PUT /api/v1/gaps/:id{[0-9]+}': {
    route: 'PUT /api/v1/gaps/:id{[0-9]+}',
    area: 'inventory',
    minAccepted: 0.1,
    requests: (w) => jsonRoute({ method: 'PUT', params: param([String(w.gapId), String(w.gapId), String(w.gapId), '999999']), path: (id) => `/api/v1/gaps/${id}`, valid: () => gapBody, who: 'admin', weaker: ['operator'] })(w),
  },
  'PUT /api/v1/settings/boundary': {
    route: 'PUT /api/v1/settings/boundary',
    area: 'inventory',
    minAccepted: 0.2,
    requests: jsonRoute({ method: 'PUT', params: none, path: () => '/api/v1/settings/boundary', valid: () => boundaryBody, who: 'admin', weaker: ['viewer'] }),
  },

  // ---- imports: one access-table entry, a case per kind ----
  'POST /api/v1/communes/import': { route: 'POST /api/v1/:kind{communes|targets|gaps}/import', area: 'imports', minAccepted: 0.15, requests: importRoute('communes') },
  'POST /api/v1/targets/import': { route: 'POST /api/v1/:kind{communes|targets|gaps}/import', area: 'imports', minAccepted: 0.1, requests: importRoute('targets') },
  'POST /api/v1/gaps/import': { route: 'POST /api/v1/:kind{communes|targets|gaps}/import', area: 'imports', minAccepted: 0.15, requests: importRoute('gaps') },

  // ---- alerting ----
  'POST /api/v1/alerts/:id{[0-9]+}/ack': {
    route: 'POST /api/v1/alerts/:id{[0-9]+}/ack',
    area: 'alerting',
    minAccepted: 0.1,
    requests: (w) =>
      jsonRoute({
        method: 'POST',
        params: param([String(w.openIncidentId), String(w.openIncidentId), String(w.openIncidentId), String(w.resolvedIncidentId), '999999']),
        path: (id) => `/api/v1/alerts/${id}/ack`,
        valid: () => fc.record({ comment: vietnamese(10) }) as fc.Arbitrary<Json>,
        who: fc.constantFrom<Who>('operator', 'admin'),
        weaker: ['viewer'],
      })(w),
  },
  'POST /api/v1/communes/:code/test-runs': {
    route: 'POST /api/v1/communes/:code/test-runs',
    area: 'alerting',
    minAccepted: 0.1,
    requests: jsonRoute({
      method: 'POST',
      params: param([...SEED_COMMUNES]),
      path: (code) => `/api/v1/communes/${code}/test-runs`,
      valid: () => fc.record({ kinds: fc.subarray([...LINE_TEST_KINDS], { minLength: 1 }) }, { requiredKeys: [] }) as fc.Arbitrary<Json>,
      who: 'operator',
      weaker: ['viewer'],
    }),
  },
  'POST /api/v1/silences': {
    route: 'POST /api/v1/silences',
    area: 'alerting',
    minAccepted: 0.1,
    requests: (w) => jsonRoute({ method: 'POST', params: none, path: () => '/api/v1/silences', valid: () => silenceBody(w), who: 'operator', weaker: ['viewer'] })(w),
  },
  'POST /api/v1/maintenance': {
    route: 'POST /api/v1/maintenance',
    area: 'alerting',
    minAccepted: 0.1,
    requests: (w) => jsonRoute({ method: 'POST', params: none, path: () => '/api/v1/maintenance', valid: () => maintenanceBody(w), who: 'operator', weaker: ['viewer'] })(w),
  },
  'POST /api/v1/groups': {
    route: 'POST /api/v1/groups',
    area: 'alerting',
    minAccepted: 0.04,
    requests: (w) => jsonRoute({ method: 'POST', params: none, path: () => '/api/v1/groups', valid: () => groupBody(w), who: 'admin', weaker: ['operator'] })(w),
  },
  'PUT /api/v1/groups/:id{[0-9]+}': {
    route: 'PUT /api/v1/groups/:id{[0-9]+}',
    area: 'alerting',
    // A third of the paths name no group (404): runs accept 10–11 % of all cases, and the floor of
    // 0.1 this case had failed one CI run at 9.95 %. Half the usual share still catches generators
    // that stopped reaching the write path.
    minAccepted: 0.05,
    requests: (w) => jsonRoute({ method: 'PUT', params: param([String(w.groupId), String(w.groupId), '999999']), path: (id) => `/api/v1/groups/${id}`, valid: () => groupBody(w), who: 'admin', weaker: ['operator'] })(w),
  },
  'POST /api/v1/channels/zalo/chats': {
    route: 'POST /api/v1/channels/zalo/chats',
    area: 'alerting',
    minAccepted: 0.1,
    // Valid bodies make the server call the Zalo bot API: every URL the schema would accept (and a
    // missing one, which means bot-api.zaloplatforms.com) is replaced by a local stand-in that
    // answers any token. The fetch guard fails the run if anything still leaves 127.0.0.1.
    async setup(w) {
      const fake = await listenFake((req, res) => {
        if (req.path.endsWith('/getUpdates')) return answerJson(res, 200, { ok: false, error_code: 408, description: 'Request timeout' })
        return answerJson(res, 200, { ok: true, result: { id: '1459232241454765289', account_name: 'bot.XanhKySon', can_join_groups: false } })
      })
      w.fakeUrl = fake.url
      w.closers.push(() => fake.close())
    },
    requests: (w) =>
      jsonRoute({
        method: 'POST',
        params: none,
        path: () => '/api/v1/channels/zalo/chats',
        valid: () => fc.record({ token: fc.oneof(fc.constant('1459232241454765289:abcXYZ'), fc.string({ minLength: 1, maxLength: 80 })), baseUrl: fc.constant('http://127.0.0.1:9') }, { requiredKeys: ['token'] }) as fc.Arbitrary<Json>,
        who: 'admin',
        weaker: ['operator'],
        fix: (v) => {
          if (v === null || typeof v !== 'object' || Array.isArray(v)) return v
          const url = (v as Record<string, Json>).baseUrl
          if (url === undefined || (typeof url === 'string' && ZaloBotChatsInput.shape.baseUrl.safeParse(url).success)) {
            Object.defineProperty(v, 'baseUrl', { value: w.fakeUrl, enumerable: true, writable: true, configurable: true })
          }
          return v
        },
      })(w),
  },
  'POST /api/v2/alerts': {
    route: 'POST /api/v2/alerts',
    area: 'alerting',
    minAccepted: 0.15,
    // Alertmanager's semantics: the valid alerts of a batch are stored even when others are not,
    // and the answer is a 400 saying how many were stored. Only those alerts' incidents may change.
    allowance: (status, error) => {
      const stored = Number(/\((\d+) stored\)/.exec(error.message)?.[1] ?? 0)
      return status === 400 && stored > 0 ? { reason: `${stored} valid alert(s) of the batch stored, as Alertmanager does`, tables: { incidents: 'ignore', incident_events: 'ignore' } } : undefined
    },
    requests: (w) =>
      jsonRoute({
        method: 'POST',
        params: none,
        path: () => '/api/v2/alerts',
        valid: () => alertBody(w),
        who: fc.oneof({ weight: 9, arbitrary: fc.constant<Who>('alerts') }, { weight: 1, arbitrary: fc.constant<Who>('admin') }),
        weaker: ['none', 'probe', 'operator'],
      })(w),
  },

  // ---- accounts ----
  'POST /api/v1/session': {
    route: 'POST /api/v1/session',
    area: 'accounts',
    minAccepted: 0.001,
    // Every well-formed attempt runs scrypt until the throttle locks the user and the address
    // (5 failures in 15 minutes, all requests here come from one address); the clock then moves
    // past the window every 500 cases, so the lock-out, the wrong passwords and the successes
    // all recur. 10,000 cases cost 20 windows × a handful of scrypt runs.
    beforeEach(w, run) {
      if (run > 0 && run % 500 === 0) w.s.clock.now += 15 * 60_000 + 1000
    },
    // A failed sign-in is audited (who tried, from where): one new audit row, nothing else.
    allowance: (status, error) =>
      status === 401 && error.code === 'E_UNAUTHORIZED'
        ? {
            reason: 'a failed sign-in is audited',
            tables: { audit_log: { addsRows: 1 } },
            check: (reader) => {
              const last = reader.prepare('SELECT action FROM audit_log ORDER BY id DESC LIMIT 1').pluck().get()
              return last === 'sign-in-failed' ? undefined : `a rejected sign-in wrote an audit row "${String(last)}"`
            },
          }
        : undefined,
    requests: jsonRoute({
      method: 'POST',
      params: none,
      path: () => '/api/v1/session',
      valid: () =>
        fc.oneof(
          fc.constant({ username: SELF_USER, password: SELF_PASSWORD }),
          fc.constant({ username: 'test-viewer', password: TEST_PASSWORD }),
          fc.record({ username: fc.oneof(username, vietnamese(2)), password: fc.oneof(password, junkString.filter((s) => s.length > 0 && s.length <= 500)) }),
        ) as fc.Arbitrary<Json>,
      who: 'none',
      weights: { valid: 4, mutated: 16, json: 40, notJson: 40 },
    }),
  },
  'POST /api/v1/me/password': {
    route: 'POST /api/v1/me/password',
    area: 'accounts',
    minAccepted: 0.001,
    // An accepted change is put back (the same user keeps signing in with SELF_PASSWORD).
    afterAccepted(w) {
      w.s.runtime.store.users.setPassword(SELF_USER, w.selfHash, w.s.clock.now)
    },
    requests: jsonRoute({
      method: 'POST',
      params: none,
      path: () => '/api/v1/me/password',
      valid: () => fc.record({ current: fc.oneof({ weight: 4, arbitrary: fc.constant(SELF_PASSWORD) }, { weight: 1, arbitrary: password }), password }) as fc.Arbitrary<Json>,
      who: 'self',
      weights: SCRYPT_WEIGHTS,
    }),
  },
  'POST /api/v1/users': {
    route: 'POST /api/v1/users',
    area: 'accounts',
    minAccepted: 0.005,
    requests: jsonRoute({
      method: 'POST',
      params: none,
      path: () => '/api/v1/users',
      valid: () => fc.record({ username, displayName: vietnamese(4), role: fc.constantFrom('viewer', 'operator', 'admin'), password }, { requiredKeys: ['username', 'role', 'password'] }) as fc.Arbitrary<Json>,
      who: 'admin',
      weaker: ['operator'],
      weights: SCRYPT_WEIGHTS,
    }),
  },
  'PATCH /api/v1/users/:username': {
    route: 'PATCH /api/v1/users/:username',
    area: 'accounts',
    minAccepted: 0.1,
    requests: jsonRoute({
      method: 'PATCH',
      // Never the runner's own admin: disabling or demoting it would lock the run out.
      params: param([OTHER_USER, SELF_USER, 'test-operator', 'test-viewer', 'khong-co-ai'], junkString.filter((s) => s !== 'test-admin')),
      path: (u) => `/api/v1/users/${u}`,
      valid: () => fc.record({ displayName: vietnamese(4), role: fc.constantFrom('viewer', 'operator', 'admin'), disabled: fc.boolean() }, { requiredKeys: [] }) as fc.Arbitrary<Json>,
      who: 'admin',
      weaker: ['operator'],
    }),
  },
  'POST /api/v1/users/:username/password': {
    route: 'POST /api/v1/users/:username/password',
    area: 'accounts',
    minAccepted: 0.003,
    requests: jsonRoute({
      method: 'POST',
      params: param([OTHER_USER, 'khong-co-ai'], junkString.filter((s) => s !== 'test-admin')),
      path: (u) => `/api/v1/users/${u}/password`,
      valid: () => fc.record({ password }) as fc.Arbitrary<Json>,
      who: 'admin',
      weaker: ['viewer'],
      weights: SCRYPT_WEIGHTS,
    }),
  },

  // ---- ingest ----
  'POST /api/v1/ingest': {
    route: 'POST /api/v1/ingest',
    area: 'ingest',
    minAccepted: 0.15,
    // Documented in routes/ingest.ts: a refused but well-formed batch still records the probe's
    // clock offset (so a wrong clock shows before it does harm). Only those two columns may change.
    allowance: (_status, error) =>
      error.code === 'E_PROBE_SCOPE' || error.code === 'E_CLOCK_SKEW' ? { reason: "a refused batch records the probe's clock offset", tables: { probes: ['clock_offset_ms', 'clock_offset_at'] } } : undefined,
    requests: (w) =>
      jsonRoute({
        method: 'POST',
        params: none,
        path: () => '/api/v1/ingest',
        valid: () => ingestBody(w),
        who: fc.oneof({ weight: 30, arbitrary: fc.constant<Who>('probe') }, { weight: 1, arbitrary: fc.constant<Who>('otherProbe') }),
        weaker: ['none', 'admin', 'alerts'],
        // Agents gzip their batches: half the cases go compressed.
        gzipWeight: 10,
      })(w),
  },
}

/** The cases one area's test file runs (properties-<area>.test.ts). */
export function casesOf(area: RouteCase['area']): Array<[string, NamedCase]> {
  return Object.entries(CASES).filter(([, c]) => c.area === area)
}

/** A concrete path for a route pattern (generic case): parameters filled with seeded ids. */
export function concretePath(pattern: string, w: World): string {
  return pattern
    .replace(/:kind\{[^}]*\}/, 'communes')
    .replace(/:code(\{[^}]*\})?/, 'KS-ML')
    .replace(/:username/, OTHER_USER)
    .replace(/:index\{[^}]*\}/, '0')
    .replace(/:id\{\[0-9\]\+\}/, String(w.groupId))
    .replace(/:id/, 'ml-line')
}

/**
 * The case of a write route nobody wrote one for yet: arbitrary JSON, junk and `{}` from a caller
 * of the route's access. It keeps a new route under the same properties until it gets its own.
 */
export function genericCase(route: RouteKey): NamedCase {
  const [method, pattern] = route.split(' ') as [string, string]
  const access = ROUTE_ACCESS[route]
  const who: Who = access === 'probe' ? 'probe' : access === 'alerts' ? 'alerts' : access === 'public' || access === 'metrics' ? 'none' : access === 'user' ? 'self' : access
  return {
    route,
    area: 'inventory',
    requests: (w) =>
      jsonRoute({ method, params: none, path: () => concretePath(pattern, w), valid: () => fc.oneof(fc.constant({}), fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }) as fc.Arbitrary<Json>), who })(w),
  }
}
