/**
 * Data shaping for the charts, kept free of uPlot and the DOM so it is tested directly.
 * Nulls are gaps and stay null: nothing here ever interpolates.
 * @module
 */
import type { Series } from '../../protocol'

/** uPlot's aligned data: x values, then one column per series. */
export type AlignedData = [number[], ...(number | null | undefined)[][]]

/**
 * Converts series points to uPlot columns. Nulls stay null: with `spanGaps: false` they
 * break the line, so a data gap is visible as a gap instead of a made-up straight line.
 */
export function toColumns(series: Series, scale: number): [number[], (number | null)[]] {
  const xs: number[] = []
  const ys: (number | null)[] = []
  for (const [x, y] of series.points) {
    xs.push(x)
    ys.push(y === null ? null : y * scale)
  }
  return [xs, ys]
}

/**
 * Aligns several series of the same query (same from/to/step) into uPlot data: the x column
 * of the first present series, then one y column per entry (all null when absent). Values
 * are multiplied by `scale`.
 */
export function alignSeries(series: ReadonlyArray<Series | null>, scale: number): AlignedData {
  const first = series.find((s): s is Series => s !== null)
  const xs = first ? first.points.map(([x]) => x) : []
  const cols: (number | null)[][] = series.map((s) => {
    if (!s) return xs.map(() => null)
    const byX = new Map(s.points.map(([x, y]) => [x, y === null ? null : y * scale]))
    return xs.map((x) => byX.get(x) ?? null)
  })
  return [xs, ...cols]
}

/**
 * Runs of x indexes where every column is null: the periods without data, shaded on the
 * chart. Returns [firstIndex, lastIndex] pairs.
 */
export function gapRuns(data: AlignedData): Array<[number, number]> {
  const xs = data[0]
  const runs: Array<[number, number]> = []
  let start = -1
  for (let i = 0; i < xs.length; i++) {
    let empty = true
    for (let s = 1; s < data.length; s++) {
      const v = data[s]?.[i]
      if (v !== null && v !== undefined) {
        empty = false
        break
      }
    }
    if (empty && start < 0) start = i
    if (!empty && start >= 0) {
      runs.push([start, i - 1])
      start = -1
    }
  }
  if (start >= 0) runs.push([start, xs.length - 1])
  return runs
}


/** A period shaded on the charts: an incident (open or resolved) or a maintenance occurrence. */
export interface ChartBand {
  kind: 'incident' | 'maintenance'
  id: number
  /** Clipped to the chart window, epoch ms. */
  fromMs: number
  toMs: number
  /** Still open at the right edge (an incident not resolved yet). */
  open: boolean
  /** What the band is, for its title and the legend below the charts. */
  label: string
}

/**
 * The bands of a chart window `[fromMs, toMs)`: incidents from their opening to their resolution
 * (or now while open), maintenance occurrences as the server listed them, each clipped to the
 * window; those entirely outside it are left out. Maintenance first, so incidents draw on top.
 */
export function chartBands<I extends { id: number; openedAt: string; resolvedAt: string | null }>(
  incidents: readonly I[],
  maintenance: ReadonlyArray<{ id: number; from: string; to: string; reason: string }>,
  fromMs: number,
  toMs: number,
  nowMs: number,
  incidentLabel: (incident: I) => string,
): ChartBand[] {
  const clip = (a: number, b: number): [number, number] | null => {
    const lo = Math.max(a, fromMs)
    const hi = Math.min(b, toMs)
    return Number.isFinite(lo) && Number.isFinite(hi) && hi > lo ? [lo, hi] : null
  }
  const out: ChartBand[] = []
  for (const m of maintenance) {
    const c = clip(Date.parse(m.from), Date.parse(m.to))
    if (c) out.push({ kind: 'maintenance', id: m.id, fromMs: c[0], toMs: c[1], open: false, label: m.reason })
  }
  const incidentBands: ChartBand[] = []
  for (const i of incidents) {
    const end = i.resolvedAt === null ? nowMs : Date.parse(i.resolvedAt)
    const c = clip(Date.parse(i.openedAt), end)
    if (c) incidentBands.push({ kind: 'incident', id: i.id, fromMs: c[0], toMs: c[1], open: i.resolvedAt === null, label: incidentLabel(i) })
  }
  incidentBands.sort((a, b) => a.fromMs - b.fromMs)
  return [...out, ...incidentBands]
}

/** A state span placed on a timeline of `[fromMs, toMs)`: left offset and width in percent. */
export interface TimelineSegment<S extends string> {
  state: S
  fromMs: number
  toMs: number
  leftPct: number
  widthPct: number
}

/** Places state spans on a timeline of the chart window, clipped; spans outside it are dropped. */
export function timelineSegments<S extends string>(spans: ReadonlyArray<{ from: string; to: string; state: S }>, fromMs: number, toMs: number): TimelineSegment<S>[] {
  const span = toMs - fromMs
  if (!(span > 0)) return []
  const out: TimelineSegment<S>[] = []
  for (const s of spans) {
    const a = Math.max(fromMs, Date.parse(s.from))
    const b = Math.min(toMs, Date.parse(s.to))
    if (!(b > a)) continue
    out.push({ state: s.state, fromMs: a, toMs: b, leftPct: ((a - fromMs) / span) * 100, widthPct: ((b - a) / span) * 100 })
  }
  return out
}
