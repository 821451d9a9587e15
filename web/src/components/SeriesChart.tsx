import { useEffect, useRef } from 'preact/hooks'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'
import { useI18n } from '../context'
import { TIME_ZONE, formatDateTime, formatHourMinute, formatNumber } from '../format'
import type { Lang } from '../i18n'
import { gapRuns, type AlignedData, type ChartBand } from '../chart-data'

/** One plotted line of a chart. */
export interface LineSpec {
  /** Legend label (already translated). */
  label: string
  color: string
  fill?: string
  /** Drawn as a band edge: no line, only the fill between it and its partner (see `band`). */
  bandEdge?: boolean
  dash?: number[]
}

/** A dashed horizontal reference line (threshold, contracted rate). */
export interface ReferenceLine {
  value: number
  color: string
}

/** How a chart is drawn. Values are already scaled to the plotted unit. */
export interface ChartSpec {
  unit: string
  digits: number
  lines: readonly LineSpec[]
  references: readonly ReferenceLine[]
  /** Fixed y range, e.g. MOS 1–4.5; otherwise 0 … max(data, references) + 15 %. */
  yRange?: [number, number]
  /** Fill between line `band[0]` (upper) and `band[1]` (lower), 1-based uPlot indexes. */
  band?: { upper: number; lower: number; fill: string }
  /** Rare measurements (throughput every few hours): draw points, do not shade gaps. */
  sparse?: boolean
}

const NO_BANDS: readonly ChartBand[] = []

/** Fill of periods without any data. Also used by the legend swatch in CSS (`--gap-fill`). */
export const GAP_FILL = 'rgba(85, 96, 108, 0.13)'

function gapShadePlugin(): uPlot.Plugin {
  return {
    hooks: {
      // Under the series: the lines of the data around a gap stay crisp.
      drawClear: (u) => {
        const xs = u.data[0]
        if (xs.length < 2) return
        const runs = gapRuns(u.data as AlignedData)
        // A chart with no data at all says so in words; shading all of it adds nothing.
        if (runs.length === 1 && runs[0]?.[0] === 0 && runs[0][1] === xs.length - 1) return
        const step = (xs[1] as number) - (xs[0] as number)
        const ctx = u.ctx
        const { top, height, left, width } = u.bbox
        ctx.save()
        ctx.fillStyle = GAP_FILL
        for (const [a, b] of runs) {
          const x0 = Math.max(left, u.valToPos(xs[a] as number, 'x', true))
          const x1 = Math.min(left + width, u.valToPos((xs[b] as number) + step, 'x', true))
          if (x1 > x0) ctx.fillRect(x0, top, x1 - x0, height)
        }
        ctx.restore()
      },
    },
  }
}

/**
 * Incidents and maintenance as shaded bands over the plot, DOM elements in uPlot's overlay (not
 * canvas paint) so each carries its title and times for assistive tech and tests. Read from a
 * ref: new bands need a redraw, not a rebuilt chart.
 */
function bandPlugin(bands: { current: readonly ChartBand[] }): uPlot.Plugin {
  return {
    hooks: {
      draw: (u) => {
        let layer = u.over.querySelector<HTMLDivElement>(':scope > .chart-bands')
        if (!layer) {
          layer = document.createElement('div')
          layer.className = 'chart-bands'
          u.over.appendChild(layer)
        }
        layer.replaceChildren()
        const min = u.scales.x?.min
        const max = u.scales.x?.max
        if (min === undefined || max === undefined) return
        // Exposed so a reader (or a test) can map a band's position back to a time.
        u.root.dataset.xMin = String(min)
        u.root.dataset.xMax = String(max)
        const width = u.over.clientWidth
        // Placed from the same min/max the data attributes expose, so a reader maps a band's
        // offset back to its time exactly.
        const pos = (sec: number): number => ((sec - min) / (max - min)) * width
        for (const b of bands.current) {
          const x0 = Math.max(0, pos(b.fromMs / 1000))
          const x1 = Math.min(width, pos(b.toMs / 1000))
          if (!(x1 > x0)) continue
          const el = document.createElement('div')
          el.className = `chart-band chart-band--${b.kind}${b.open ? ' chart-band--open' : ''}`
          el.style.left = `${x0}px`
          el.style.width = `${Math.max(2, x1 - x0)}px`
          el.title = b.label
          el.dataset.kind = b.kind
          el.dataset.id = String(b.id)
          el.dataset.from = new Date(b.fromMs).toISOString()
          el.dataset.to = new Date(b.toMs).toISOString()
          layer.appendChild(el)
        }
      },
    },
  }
}

function referencePlugin(refs: readonly ReferenceLine[]): uPlot.Plugin {
  return {
    hooks: {
      draw: (u) => {
        const ctx = u.ctx
        const { left, width, top, height } = u.bbox
        for (const r of refs) {
          const y = Math.round(u.valToPos(r.value, 'y', true)) + 0.5
          if (y < top || y > top + height) continue
          ctx.save()
          ctx.strokeStyle = r.color
          ctx.lineWidth = 1 * uPlot.pxRatio
          ctx.setLineDash([6 * uPlot.pxRatio, 4 * uPlot.pxRatio])
          ctx.beginPath()
          ctx.moveTo(left, y)
          ctx.lineTo(left + width, y)
          ctx.stroke()
          ctx.restore()
        }
      },
    },
  }
}

/** Ticks of the time axis: `HH:mm`, or `dd/MM` at local midnight and on multi-day ranges. */
function timeTicks(splits: number[], spanSeconds: number): string[] {
  return splits.map((s) => {
    const hm = formatHourMinute(s * 1000)
    if (spanSeconds > 3 * 86400 || hm === '00:00') return formatDateTime(s * 1000).slice(0, 5)
    return hm
  })
}

/** A chart's time range, ms since the epoch. */
export interface XWindow {
  fromMs: number
  toMs: number
}

function buildOptions(
  spec: ChartSpec,
  timeLabel: string,
  lang: Lang,
  width: number,
  height: number,
  bands: { current: readonly ChartBand[] },
  shown: { current: XWindow | undefined },
): uPlot.Options {
  const fmt = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : `${formatNumber(v, lang, spec.digits)} ${spec.unit}`)
  const refMax = spec.references.reduce((m, r) => Math.max(m, r.value), 0)
  return {
    width,
    height,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), TIME_ZONE),
    cursor: { drag: { x: false, y: false } },
    legend: { live: true },
    scales: {
      // The chosen range, not the data's extent: an outage that began with the last result, or a
      // young install, must sit where it happened on the clock, not stretched to the edges.
      x: { time: true, range: (_u, min, max): uPlot.Range.MinMax => (shown.current ? [shown.current.fromMs / 1000, shown.current.toMs / 1000] : [min, max]) },
      y: {
        range: (_u, _min, max): uPlot.Range.MinMax => {
          if (spec.yRange) return spec.yRange
          // Always include the references so small values read as small, not as a dramatic
          // curve auto-scaled to fill the box.
          return [0, Math.max(max ?? 0, refMax) * 1.15 || 1]
        },
      },
    },
    axes: [
      {
        stroke: '#5b6b7b',
        grid: { stroke: '#eef1f4', width: 1 },
        ticks: { stroke: '#dde3ea', width: 1 },
        values: (u, splits) => {
          const xs = u.data[0]
          const span = xs.length > 1 ? (xs[xs.length - 1] as number) - (xs[0] as number) : 0
          return timeTicks(splits, span)
        },
      },
      {
        stroke: '#5b6b7b',
        grid: { stroke: '#eef1f4', width: 1 },
        ticks: { stroke: '#dde3ea', width: 1 },
        size: 52,
        values: (_u, splits) => splits.map((v) => formatNumber(v, lang, spec.digits)),
      },
    ],
    series: [
      { label: timeLabel, value: (_u, v) => (v === null ? '—' : formatDateTime(v * 1000)) },
      ...spec.lines.map(
        (l): uPlot.Series => ({
          label: l.label,
          stroke: l.bandEdge ? 'transparent' : l.color,
          ...(l.fill && !l.bandEdge ? { fill: l.fill } : {}),
          ...(l.dash ? { dash: l.dash } : {}),
          width: l.bandEdge ? 0 : 1.6,
          spanGaps: false,
          points: spec.sparse ? { show: true, size: 7, fill: l.color, stroke: l.color } : { show: false },
          value: (_u, v) => fmt(v),
        }),
      ),
    ],
    ...(spec.band ? { bands: [{ series: [spec.band.upper, spec.band.lower], fill: spec.band.fill }] } : {}),
    plugins: [...(spec.sparse ? [] : [gapShadePlugin()]), referencePlugin(spec.references), bandPlugin(bands)],
  }
}

/**
 * A uPlot time chart of one or more aligned series. The plot is rebuilt when its presentation
 * (spec, language) changes and fed new data with `setData`; it follows its container's width.
 * Periods where every series is null are shaded, never joined; `bands` (incidents, maintenance)
 * are drawn over the plot.
 */
export function SeriesChart({
  data,
  spec,
  label,
  height = 200,
  bands = NO_BANDS,
  shown,
}: {
  data: AlignedData
  spec: ChartSpec
  label: string
  height?: number
  bands?: readonly ChartBand[]
  /** The time range shown (the data may cover less of it). */
  shown?: XWindow
}) {
  const { t, lang } = useI18n()
  const timeLabel = t('charts.time')
  const box = useRef<HTMLDivElement>(null)
  const plot = useRef<uPlot | null>(null)
  const specKey = JSON.stringify(spec)
  const bandsRef = useRef<readonly ChartBand[]>(bands)
  bandsRef.current = bands
  const windowRef = useRef<XWindow | undefined>(shown)
  windowRef.current = shown

  useEffect(() => {
    const el = box.current
    if (!el) return
    const u = new uPlot(buildOptions(spec, timeLabel, lang, Math.max(260, el.clientWidth), height, bandsRef, windowRef), data as uPlot.AlignedData, el)
    plot.current = u
    const ro = new ResizeObserver(() => u.setSize({ width: Math.max(260, el.clientWidth), height }))
    ro.observe(el)
    return () => {
      ro.disconnect()
      u.destroy()
      plot.current = null
    }
    // Data updates go through setData below; only a change of presentation rebuilds.
  }, [specKey, lang, height])

  useEffect(() => {
    plot.current?.setData(data as uPlot.AlignedData)
  }, [data])

  useEffect(() => {
    plot.current?.redraw(false)
  }, [bands])

  useEffect(() => {
    if (shown) plot.current?.setScale('x', { min: shown.fromMs / 1000, max: shown.toMs / 1000 })
  }, [shown?.fromMs, shown?.toMs])

  return <div class="chart" ref={box} data-label={label} />
}
