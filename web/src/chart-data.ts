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

