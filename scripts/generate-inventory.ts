/**
 * A generated national-size inventory for the dashboard e2e and benchmark: 3,321 communes
 * (Vietnam's count since 1 July 2025) laid along the country's S-shaped spine, one line target
 * each (run by a remote probe the test feeds), coverage gaps over the last 14 months, and a
 * country outline. Deterministic (seeded), so screenshots and figures are comparable run to run.
 *
 * As a CLI: `tsx scripts/generate-inventory.ts <dir> [probe-id]` writes communes.csv,
 * targets.csv, gaps.csv and outline.geojson for manual testing.
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { CommuneSummary, ProvinceBoundary, State } from '../protocol'

/** Number of communes and wards since 1 July 2025. */
export const COMMUNE_COUNT = 3321

/** Points (lat, lon) along the country, north to south; communes are scattered around them. */
const SPINE: ReadonlyArray<[number, number, number]> = [
  // lat, lon, half-width in degrees of longitude
  [22.9, 104.8, 1.3],
  [21.8, 105.2, 1.5],
  [21.0, 105.8, 1.1],
  [20.0, 105.7, 0.8],
  [18.9, 105.3, 0.7],
  [17.8, 106.2, 0.45],
  [16.8, 107.0, 0.4],
  [15.8, 108.0, 0.5],
  [14.6, 108.5, 0.55],
  [13.3, 108.6, 0.6],
  [12.2, 108.4, 0.7],
  [11.3, 107.4, 0.8],
  [10.6, 106.4, 0.75],
  [9.9, 105.7, 0.65],
  [9.1, 105.2, 0.45],
]

const SYLLABLES = [
  'An', 'Bình', 'Cát', 'Đông', 'Hòa', 'Hưng', 'Lạc', 'Long', 'Mỹ', 'Nam', 'Phú', 'Quang', 'Sơn', 'Tân', 'Thạnh',
  'Thuận', 'Trung', 'Vĩnh', 'Xuân', 'Yên', 'Hải', 'Lộc', 'Phước', 'Thọ', 'Nghĩa', 'Tiến', 'Hợp', 'Đức', 'Khánh', 'Lâm',
]
const HAMLETS = ['Bản Nà', 'Bản Khe', 'Thôn Đồng', 'Xóm Bãi', 'Bản Pác', 'Thôn Làng', 'Bản Huổi', 'Ấp Rạch', 'Thôn Suối', 'Bản Phiêng']

/** A small deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** One generated commune and the state the test makes it show. */
export interface GeneratedCommune {
  code: string
  name: string
  kind: 'xa' | 'phuong' | 'dac_khu'
  cluster: string
  lat: number
  lon: number
  contractedMbps: number
  /** What the fed results make it: unknown = never reported. */
  planned: State
}

function spineAt(f: number): [number, number, number] {
  const x = f * (SPINE.length - 1)
  const i = Math.min(SPINE.length - 2, Math.floor(x))
  const t = x - i
  const a = SPINE[i] as [number, number, number]
  const b = SPINE[i + 1] as [number, number, number]
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t]
}

/**
 * The communes: codes `VN-00001`…, unique three-syllable names, 40 support clusters north to
 * south, about 93 % ok, 3 % warning, 1.5 % critical, 0.6 % down and 2 % never reporting.
 */
export function generateCommunes(count = COMMUNE_COUNT, seed = 20250701): GeneratedCommune[] {
  const r = rng(seed)
  const names = new Set<string>()
  const out: GeneratedCommune[] = []
  for (let i = 0; i < count; i++) {
    const f = (i + r() * 0.8) / count
    const [lat, lon, w] = spineAt(f)
    let name = ''
    do {
      const pick = () => SYLLABLES[Math.floor(r() * SYLLABLES.length)] as string
      name = `${pick()} ${pick()} ${pick()}`
    } while (names.has(name) || new Set(name.split(' ')).size < 3)
    names.add(name)
    const roll = r()
    const planned: State = roll < 0.006 ? 'down' : roll < 0.021 ? 'critical' : roll < 0.051 ? 'warning' : roll < 0.071 ? 'unknown' : 'ok'
    out.push({
      code: `VN-${String(i + 1).padStart(5, '0')}`,
      name,
      kind: r() < 0.18 ? 'phuong' : r() < 0.004 ? 'dac_khu' : 'xa',
      cluster: `Cụm ${String(Math.floor(f * 40) + 1).padStart(2, '0')}`,
      lat: Math.round((lat + (r() - 0.5) * 0.9) * 1e5) / 1e5,
      lon: Math.round((lon + (r() - 0.5) * 2 * w) * 1e5) / 1e5,
      contractedMbps: r() < 0.3 ? 200 : 100,
      planned,
    })
  }
  return out
}

/** The country outline: the spine widened on both sides, as a GeoJSON feature. */
export function generateOutline(): ProvinceBoundary {
  const east: number[][] = []
  const west: number[][] = []
  for (let i = 0; i <= 60; i++) {
    const [lat, lon, w] = spineAt(i / 60)
    east.push([Math.round((lon + w + 0.25) * 1000) / 1000, Math.round(lat * 1000) / 1000])
    west.push([Math.round((lon - w - 0.25) * 1000) / 1000, Math.round(lat * 1000) / 1000])
  }
  const first = east[0] as number[]
  const north = [[first[0] as number, (first[1] as number) + 0.55], [(west[0] as number[])[0] as number, (first[1] as number) + 0.55]]
  const last = east[east.length - 1] as number[]
  const south = [[(west[west.length - 1] as number[])[0] as number, (last[1] as number) - 0.55], [last[0] as number, (last[1] as number) - 0.55]]
  const ring = [...east, ...south.reverse(), ...[...west].reverse(), ...north.reverse(), first] as Array<[number, number]>
  return { type: 'Feature', geometry: { type: 'Polygon', coordinates: [ring] } }
}

const csvCell = (v: string | number): string => (typeof v === 'number' ? String(v) : /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)
const csvLine = (cells: ReadonlyArray<string | number>): string => cells.map(csvCell).join(',')

/** communes.csv (English headers, UTF-8). */
export function communesCsv(communes: readonly GeneratedCommune[]): string {
  const rows = communes.map((c) => csvLine([c.code, c.name, c.kind, c.cluster, c.lat, c.lon, c.contractedMbps]))
  return ['code,name,kind,district_cluster,lat,lon,contracted_mbps', ...rows].join('\n') + '\n'
}

/** Line target id of a commune. */
export const lineTargetId = (code: string): string => `${code.toLowerCase()}-line`

/** targets.csv: one udp_echo line per commune, run by `probeId` (the test feeds its results). */
export function targetsCsv(communes: readonly GeneratedCommune[], probeId: string, intervalSeconds = 300): string {
  const rows = communes.map((c, i) =>
    csvLine([lineTargetId(c.code), c.code, `Cáp quang ${c.name}`, 'udp_echo', `10.${Math.floor(i / 250)}.${i % 250}.1`, 8620, 'line', intervalSeconds, probeId]),
  )
  return ['id,commune_code,name,kind,host,port,role,interval_s,probe_id', ...rows].join('\n') + '\n'
}

/** gaps.csv: 1–3 coverage gaps in about one commune in twenty, opened over the last 14 months, a third fixed. */
export function gapsCsv(communes: readonly GeneratedCommune[], nowMs: number, seed = 7): string {
  const r = rng(seed)
  const kinds = ['no_mobile', 'no_mobile', 'weak_mobile', 'no_power', 'no_internet'] as const
  const day = (ms: number) => new Date(ms + 7 * 3600_000).toISOString().slice(0, 10)
  const rows: string[] = []
  for (const c of communes) {
    if (r() > 0.05) continue
    const n = 1 + Math.floor(r() * 3)
    for (let k = 0; k < n; k++) {
      const since = nowMs - Math.floor(r() * 420) * 86_400_000
      const fixed = r() < 0.33 ? since + Math.floor(r() * ((nowMs - since) / 86_400_000)) * 86_400_000 : null
      const hamlet = `${HAMLETS[Math.floor(r() * HAMLETS.length)]} ${k + 1}`
      rows.push(
        csvLine([c.code, hamlet, kinds[Math.floor(r() * kinds.length)] as string, 50 + Math.floor(r() * 900), 10 + Math.floor(r() * 200), day(since), r() < 0.5 ? 'Quý II/2026' : '', fixed === null ? '' : day(fixed), 'UBND xã']),
      )
    }
  }
  return ['commune_code,hamlet,kind,population,households,since,planned_fix,fixed_at,source', ...rows].join('\n') + '\n'
}

/** Measurements of a udp_echo round that a commune in `state` would report. */
export function measurementsFor(state: State, r: () => number): { ok: boolean; error?: string; measurements: Record<string, number> } {
  if (state === 'down') return { ok: false, error: '100% loss to 10.0.0.1:8620 (50 sent)', measurements: { sent: 50, received: 0 } }
  const rtt = state === 'critical' ? 0.115 + r() * 0.03 : state === 'warning' ? 0.058 + r() * 0.02 : 0.008 + r() * 0.018
  const jitter = 0.0015 + r() * 0.003
  const lossRatio = state === 'ok' && r() < 0.05 ? 0.0005 : 0
  const el = rtt * 1000 + 2 * jitter * 1000 + 10
  let R = el < 160 ? 93.2 - el / 40 : 93.2 - (el - 120) / 10
  R -= 2.5 * lossRatio * 100
  const mos = Math.min(4.5, Math.max(1, 1 + 0.035 * R + 7e-6 * R * (R - 60) * (100 - R)))
  return {
    ok: true,
    measurements: {
      sent: 1000,
      received: Math.round(1000 * (1 - lossRatio)),
      loss_ratio: lossRatio,
      rtt_min_seconds: rtt * 0.7,
      rtt_median_seconds: rtt,
      rtt_avg_seconds: rtt * 1.05,
      rtt_max_seconds: rtt * 1.9,
      jitter_seconds: jitter,
      mos_estimate: mos,
    },
  }
}

/** Overview rows as the server would send them for these communes (the benchmark serves them). */
export function overviewRows(communes: readonly GeneratedCommune[], nowMs: number, seed = 11): CommuneSummary[] {
  const r = rng(seed)
  return communes.map((c) => {
    const m = measurementsFor(c.planned, r).measurements
    const seen = c.planned === 'unknown' ? null : new Date(nowMs - Math.floor(r() * 60_000)).toISOString()
    return {
      code: c.code,
      name: c.name,
      kind: c.kind,
      cluster: c.cluster,
      lat: c.lat,
      lon: c.lon,
      contractedMbps: c.contractedMbps,
      state: c.planned,
      since: new Date(nowMs - Math.floor(r() * 6 * 3600_000)).toISOString(),
      reason: c.planned === 'ok' ? 'line:ok' : c.planned === 'down' ? 'line:down' : c.planned === 'unknown' ? 'line:no-data' : 'line:rtt',
      verdict: null,
      lineState: c.planned,
      mcuState: null,
      rttSeconds: m.rtt_median_seconds ?? null,
      lossRatio: m.loss_ratio ?? null,
      throughput: null,
      utilizationRatio: null,
      mos: m.mos_estimate ?? null,
      lastSeenAt: seen,
      openGaps: r() < 0.05 ? 1 + Math.floor(r() * 3) : 0,
    }
  })
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, ''))) {
  const dir = process.argv[2] ?? 'generated-inventory'
  const probeId = process.argv[3] ?? ''
  const communes = generateCommunes()
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'communes.csv'), communesCsv(communes))
  writeFileSync(join(dir, 'targets.csv'), targetsCsv(communes, probeId))
  writeFileSync(join(dir, 'gaps.csv'), gapsCsv(communes, Date.now()))
  writeFileSync(join(dir, 'outline.geojson'), JSON.stringify(generateOutline()))
  console.log(`wrote ${communes.length} communes to ${dir}/`)
}
