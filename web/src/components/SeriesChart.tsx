import { useEffect, useRef } from 'preact/hooks'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'
import type { Series } from '../../../protocol'
import { useI18n } from '../context'
import { TIME_ZONE, formatDateTime, formatHourMinute, formatNumber } from '../format'
import type { Lang } from '../i18n'

/** How a metric is drawn: scale from base unit, unit label, default thresholds (SPEC §4). */
export interface ChartSpec {
  /** Multiplier from the series' base unit to the plotted unit (s→ms: 1000, ratio→%: 100). */
  scale: number
  unit: string
  digits: number
  warning: number
  critical: number
  color: string
  fill: string
}

/** RTT median, plotted in ms; thresholds are SPEC §4 defaults (50 / 100 ms). */
export const RTT_CHART: ChartSpec = { scale: 1000, unit: 'ms', digits: 1, warning: 50, critical: 100, color: '#1c64b8', fill: 'rgba(28,100,184,0.08)' }
/** Loss, plotted in %; thresholds are SPEC §4 defaults (0.1 % / 1 %). */
export const LOSS_CHART: ChartSpec = { scale: 100, unit: '%', digits: 2, warning: 0.1, critical: 1, color: '#8a3ffc', fill: 'rgba(138,63,252,0.08)' }

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

function thresholdPlugin(spec: ChartSpec): uPlot.Plugin {
  return {
    hooks: {
      draw: (u) => {
        const ctx = u.ctx
        const { left, width, top, height } = u.bbox
        for (const [value, color] of [
          [spec.warning, '#c98a00'],
          [spec.critical, '#c2410c'],
        ] as const) {
          const y = Math.round(u.valToPos(value, 'y', true)) + 0.5
          if (y < top || y > top + height) continue
          ctx.save()
          ctx.strokeStyle = color
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

function buildOptions(spec: ChartSpec, label: string, timeLabel: string, lang: Lang, width: number, thresholdMax: number): uPlot.Options {
  const fmt = (v: number | null | undefined): string =>
    v === null || v === undefined ? '—' : `${formatNumber(v, lang, spec.digits)} ${spec.unit}`
  return {
    width,
    height: 220,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), TIME_ZONE),
    cursor: { drag: { x: false, y: false } },
    legend: { live: true },
    scales: {
      x: { time: true },
      // Always include the warning threshold so small values read as small, not as a
      // dramatic curve auto-scaled to fill the box.
      y: { range: (_u, _min, max) => [0, Math.max(max ?? 0, thresholdMax) * 1.15] },
    },
    axes: [
      {
        stroke: '#5b6b7b',
        grid: { stroke: '#eef1f4', width: 1 },
        ticks: { stroke: '#dde3ea', width: 1 },
        values: (_u, splits) =>
          splits.map((s) => {
            const hm = formatHourMinute(s * 1000)
            return hm === '00:00' ? formatDateTime(s * 1000).slice(0, 5) : hm
          }),
      },
      {
        stroke: '#5b6b7b',
        grid: { stroke: '#eef1f4', width: 1 },
        ticks: { stroke: '#dde3ea', width: 1 },
        size: 56,
        values: (_u, splits) => splits.map((v) => formatNumber(v, lang, spec.digits)),
      },
    ],
    series: [
      { label: timeLabel, value: (_u, v) => (v === null ? '—' : formatDateTime(v * 1000)) },
      {
        label,
        stroke: spec.color,
        fill: spec.fill,
        width: 1.5,
        spanGaps: false,
        points: { show: false },
        value: (_u, v) => fmt(v),
      },
    ],
    plugins: [thresholdPlugin(spec)],
  }
}

/**
 * A uPlot line chart of one series. The plot is created once per language/metric and fed
 * new data with `setData`, and follows its container's width.
 */
export function SeriesChart({ series, spec, label }: { series: Series; spec: ChartSpec; label: string }) {
  const { t, lang } = useI18n()
  const timeLabel = t('charts.time')
  const box = useRef<HTMLDivElement>(null)
  const plot = useRef<uPlot | null>(null)
  const data = toColumns(series, spec.scale)

  useEffect(() => {
    const el = box.current
    if (!el) return
    const u = new uPlot(buildOptions(spec, label, timeLabel, lang, Math.max(280, el.clientWidth), spec.warning), data, el)
    plot.current = u
    const ro = new ResizeObserver(() => u.setSize({ width: Math.max(280, el.clientWidth), height: 220 }))
    ro.observe(el)
    return () => {
      ro.disconnect()
      u.destroy()
      plot.current = null
    }
    // Data updates go through setData below; only a change of presentation rebuilds.
  }, [spec, label, lang])

  useEffect(() => {
    plot.current?.setData(data)
  }, [series])

  return <div class="chart" ref={box} />
}
