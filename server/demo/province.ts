/**
 * The demo province: Nghệ An, laid out inside a rough outline of the real province, with
 * communes named in public reporting plus generated names. Deterministic (seeded), so the
 * same demo appears on every machine. Everything produced here is marked as demo data.
 * @module
 */
import type { CommuneInput, CoverageGapInput, ProvinceBoundary, TargetInput } from '../../protocol'

export const DEMO_PROVINCE = { code: 'NA-DEMO', name: 'Nghệ An (demo — mô phỏng)' } as const

/** Rough outline of Nghệ An (lon, lat), enough to keep demo points inside the province. */
const OUTLINE: ReadonlyArray<readonly [number, number]> = [
  [103.88, 19.25], [104.05, 19.55], [104.6, 19.95], [105.3, 19.98], [105.62, 19.55],
  [105.78, 19.1], [105.72, 18.7], [105.25, 18.62], [104.95, 18.72], [104.5, 18.95],
]

/**
 * The demo's outline as GeoJSON for the map (the same polygon that keeps demo points inside):
 * a closed ring. Rough on purpose (ten points); the demo banner already says it is a simulation.
 */
export function demoBoundary(): ProvinceBoundary {
  const ring = [...OUTLINE, OUTLINE[0] as readonly [number, number]].map(([lon, lat]) => [lon, lat] as [number, number])
  return { type: 'Feature', geometry: { type: 'Polygon', coordinates: [ring] } }
}

/** Communes and wards named in public reporting on the 2025 reorganisation. */
const NAMED: ReadonlyArray<[string, 'xa' | 'phuong']> = [
  ['Diễn Châu', 'xa'], ['Đông Hiếu', 'phuong'], ['Nghĩa Đàn', 'xa'], ['Nghĩa Mai', 'xa'], ['Quỳnh Anh', 'xa'],
  ['Tam Đồng', 'xa'], ['Trí Lễ', 'xa'], ['Cát Ngạn', 'xa'], ['Châu Bình', 'xa'], ['Châu Tiến', 'xa'],
  ['Hữu Khuông', 'xa'], ['Mường Chọng', 'xa'], ['Mường Típ', 'xa'], ['Nghĩa Lộc', 'xa'], ['Tam Quang', 'xa'],
  ['Yên Hòa', 'xa'], ['Yên Xuân', 'xa'], ['Trường Vinh', 'phuong'], ['Thành Vinh', 'phuong'], ['Vinh Hưng', 'phuong'],
  ['Vinh Phú', 'phuong'], ['Vinh Lộc', 'phuong'], ['Cửa Lò', 'phuong'], ['Hoàng Mai', 'phuong'], ['Tân Mai', 'phuong'],
  ['Quỳnh Mai', 'phuong'], ['Thái Hòa', 'phuong'], ['Tây Hiếu', 'phuong'], ['Con Cuông', 'xa'], ['Tương Dương', 'xa'],
  ['Kỳ Sơn', 'xa'], ['Quế Phong', 'xa'], ['Anh Sơn', 'xa'], ['Đô Lương', 'xa'], ['Thanh Chương', 'xa'],
  ['Nam Đàn', 'xa'], ['Hưng Nguyên', 'xa'], ['Nghi Lộc', 'xa'], ['Quỳnh Lưu', 'xa'], ['Quỳ Hợp', 'xa'],
  ['Quỳ Châu', 'xa'], ['Tân Kỳ', 'xa'], ['Yên Thành', 'xa'], ['Mường Xén', 'xa'], ['Na Loi', 'xa'],
]

const FIRST = ['Nghĩa', 'Quỳnh', 'Diễn', 'Hưng', 'Nam', 'Thanh', 'Yên', 'Tân', 'Châu', 'Nghi', 'Đông', 'Tam', 'Hữu', 'Minh', 'Vân', 'Bình', 'Sơn', 'Lạng', 'Bích', 'Hạnh']
const SECOND = ['Thịnh', 'Phúc', 'Lâm', 'Hợp', 'Trung', 'Xuân', 'Thành', 'Sơn', 'Hòa', 'Lộc', 'Thọ', 'Khánh', 'Long', 'Phong', 'An', 'Mỹ', 'Đức', 'Tiến', 'Quang', 'Hải']
const CLUSTERS = ['Cụm Vinh', 'Cụm Diễn Châu', 'Cụm Quỳnh Lưu', 'Cụm Đô Lương', 'Cụm Thanh Chương', 'Cụm Con Cuông', 'Cụm Quỳ Hợp', 'Cụm Kỳ Sơn']
const HAMLET_PREFIX = ['Bản', 'Thôn', 'Xóm']
const HAMLET_NAME = ['Huồi Cọ', 'Na Ngân', 'Pha Khốm', 'Cha Nga', 'Xốp Lau', 'Tà Cạ', 'Đồng Tâm', 'Khe Nằn', 'Bãi Gạo', 'Mường Lống', 'Nậm Càn', 'Piêng Phô']

/** Small seeded PRNG (mulberry32): the demo must be identical everywhere. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function inside(lon: number, lat: number): boolean {
  let inPoly = false
  for (let i = 0, j = OUTLINE.length - 1; i < OUTLINE.length; j = i++) {
    const [xi, yi] = OUTLINE[i] as readonly [number, number]
    const [xj, yj] = OUTLINE[j] as readonly [number, number]
    if (yi > lat !== yj > lat && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inPoly = !inPoly
  }
  return inPoly
}

/** ASCII code from a Vietnamese name: "Quỳnh Anh" → "NA-QUYNH-ANH". */
export function asciiCode(name: string): string {
  const plain = name.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[đĐ]/g, 'd')
  return `NA-${plain.toUpperCase().replace(/[^A-Z0-9]+/g, '-').replace(/^-|-$/g, '')}`
}

export interface DemoInventory {
  communes: CommuneInput[]
  targets: TargetInput[]
  gaps: CoverageGapInput[]
  /** Loopback address of each commune's responders. */
  addresses: Map<string, string>
}

/**
 * Ports the demo responders use: H.323's real 1720; the echo ones above the server's own
 * reflector (8620, bound on every address), so both can run at once; the line's simulated
 * speedtest far end on 8680.
 */
export const DEMO_PORTS = { udpEcho: 8621, videoEcho: 8622, h323: 1720, sip: 5060, speedtest: 8680 } as const

/** Demo throughput tests: short (2 × 2.5 s), hourly, so a demo shows figures within the hour without loading the machine. */
export const DEMO_THROUGHPUT = { intervalSeconds: 3600, timeoutSeconds: 30, options: { mode: 'http', streams: 2, warmupSeconds: 0.5, durationSeconds: 2 } } as const

/**
 * Builds the demo inventory: `count` communes, each with a line (udp_echo to its reflector, and
 * an hourly throughput test against its simulated far end), an MCU endpoint (SIP OPTIONS, the
 * H.323 port, and a udp_echo video path whose MOS is graded), and a few coverage gaps.
 * @param demoNet second octet of the 127.X.Y.Z responder addresses
 */
export function buildDemoInventory(demoNet: number, count = 130): DemoInventory {
  const rand = seededRandom(20250701)
  const names: Array<[string, 'xa' | 'phuong']> = [...NAMED]
  const used = new Set(names.map(([n]) => n))
  while (names.length < count) {
    const n = `${FIRST[Math.floor(rand() * FIRST.length)]} ${SECOND[Math.floor(rand() * SECOND.length)]}`
    if (!used.has(n)) {
      used.add(n)
      names.push([n, 'xa'])
    }
  }
  const communes: CommuneInput[] = []
  const targets: TargetInput[] = []
  const gaps: CoverageGapInput[] = []
  const addresses = new Map<string, string>()
  names.slice(0, count).forEach(([name, kind], i) => {
    let lon = 0
    let lat = 0
    do {
      lon = 103.88 + rand() * (105.8 - 103.88)
      lat = 18.6 + rand() * (20.0 - 18.6)
    } while (!inside(lon, lat))
    const code = asciiCode(name)
    const cluster = CLUSTERS[Math.min(CLUSTERS.length - 1, Math.floor(((105.8 - lon) / (105.8 - 103.88)) * CLUSTERS.length))] as string
    communes.push({
      code,
      name,
      kind,
      districtCluster: cluster,
      lat: Math.round(lat * 1e5) / 1e5,
      lon: Math.round(lon * 1e5) / 1e5,
      contractedMbps: rand() < 0.3 ? 200 : 100,
      priority: kind === 'phuong' ? 1 : 0,
      notes: 'Demo — dữ liệu mô phỏng',
    })
    const address = `127.${demoNet}.${Math.floor((i + 1) / 250)}.${((i + 1) % 250) + 1}`
    addresses.set(code, address)
    const slug = code.slice(3).toLowerCase()
    targets.push({
      id: `${slug}-line`,
      communeCode: code,
      name: `Đường truyền ${name}`,
      kind: 'udp_echo',
      host: address,
      port: DEMO_PORTS.udpEcho,
      role: 'line',
      intervalSeconds: 15,
      timeoutSeconds: 5,
      parents: [],
      options: { packets: 50, ratePps: 20, payloadBytes: 64 },
      probeId: null,
      enabled: true,
    })
    targets.push({
      id: `${slug}-speed`,
      communeCode: code,
      name: `Đo tốc độ ${name}`,
      kind: 'throughput',
      host: address,
      port: DEMO_PORTS.speedtest,
      role: 'line',
      intervalSeconds: DEMO_THROUGHPUT.intervalSeconds,
      timeoutSeconds: DEMO_THROUGHPUT.timeoutSeconds,
      parents: [`${slug}-line`],
      options: { ...DEMO_THROUGHPUT.options },
      probeId: null,
      enabled: true,
    })
    targets.push({
      id: `${slug}-video`,
      communeCode: code,
      name: `Đường hình hội nghị ${name}`,
      kind: 'udp_echo',
      host: address,
      port: DEMO_PORTS.videoEcho,
      role: 'mcu',
      intervalSeconds: 15,
      timeoutSeconds: 5,
      parents: [`${slug}-line`],
      options: { packets: 50, ratePps: 20, payloadBytes: 200 },
      probeId: null,
      enabled: true,
    })
    targets.push({
      id: `${slug}-mcu`,
      communeCode: code,
      name: `Điểm cầu truyền hình ${name} (SIP)`,
      kind: 'sip',
      host: address,
      port: DEMO_PORTS.sip,
      role: 'mcu',
      intervalSeconds: 30,
      timeoutSeconds: 5,
      parents: [`${slug}-line`],
      options: { transport: 'udp' },
      probeId: null,
      enabled: true,
    })
    targets.push({
      id: `${slug}-h323`,
      communeCode: code,
      name: `Điểm cầu truyền hình ${name} (H.323)`,
      kind: 'h323',
      host: address,
      port: DEMO_PORTS.h323,
      role: 'mcu',
      intervalSeconds: 60,
      timeoutSeconds: 5,
      parents: [`${slug}-line`],
      options: {},
      probeId: null,
      enabled: true,
    })
    const gapCount = Math.floor(rand() * 4)
    for (let g = 0; g < gapCount; g++) {
      const r = rand()
      gaps.push({
        communeCode: code,
        hamlet: `${HAMLET_PREFIX[Math.floor(rand() * HAMLET_PREFIX.length)]} ${HAMLET_NAME[Math.floor(rand() * HAMLET_NAME.length)]}`,
        kind: r < 0.55 ? 'no_mobile' : r < 0.75 ? 'weak_mobile' : r < 0.9 ? 'no_power' : 'no_internet',
        population: 80 + Math.floor(rand() * 900),
        households: 20 + Math.floor(rand() * 200),
        since: '2025-07-01',
        plannedFix: rand() < 0.5 ? 'Quý II/2026' : null,
        fixedAt: null,
        source: 'Demo — dữ liệu mô phỏng',
      })
    }
  })
  return { communes, targets, gaps, addresses }
}
