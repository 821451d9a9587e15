import type { VNode } from 'preact'
import { useEffect, useMemo, useRef, useState } from 'preact/hooks'
import { STATES, type CommuneSummary, type State } from '../../../protocol'
import { useI18n } from '../context'
import { formatNumber } from '../format'
import { boundaryPath, boundsOf, clampView, fitProjection, zoomAt, type Projection, type View } from '../geo'
import { stateKey } from '../i18n'
import { groupMarkers, LABEL_FONT, MARKER_SIZE, placeLabels, SEVERITY_ORDER, type MapPoint, type MarkerGroup, type PlacedLabel } from '../map-layout'
import { communeHref } from '../models/router'
import type { Boundary } from '../wire'
import { StateBadge } from './StateBadge'

/** What the markers show: commune state, or signal gaps (coverage gaps and silent targets). */
export type MapLayer = 'state' | 'gaps'

const WIDTH = 1000
/** Pixels per map unit of the map as drawn on a 1440-px desktop: marker and label sizes are set for it. */
const REFERENCE_PX_PER_UNIT = 0.72
const PADDING = 24
/** Problems are drawn last, on top of the calm majority. */
const DRAW_ORDER: readonly State[] = [...SEVERITY_ORDER].reverse()

interface Point extends MapPoint {
  c: CommuneSummary
}

/**
 * SVG map of communes from their lat/lon (no tiles, no network), with the optional province
 * outline. Each state has its own marker shape (circle, triangle, octagon, crossed circle,
 * dashed "?" circle) as well as colour; down and unknown are the largest. Markers that would
 * overlap are grouped under the most severe one with a count (see map-layout.ts); a click on a
 * group zooms in on it. Communes in trouble are named on the map, every commune from zoom ×3.
 * Pan by dragging or arrow keys, zoom with the buttons,
 * +/−, double-click or Ctrl + wheel; hover shows the commune, click opens it. Keyboard users
 * reach every commune through the table and the attention list; the map is a picture for them
 * (role=img with a summary of the counts).
 */
export function CommuneMap({
  communes,
  boundary,
  layer = 'state',
  gapCounts,
  silent,
  label,
}: {
  communes: readonly CommuneSummary[]
  boundary: Boundary | null
  layer?: MapLayer
  /** Open coverage gaps per commune (gaps layer). */
  gapCounts?: ReadonlyMap<string, number>
  /** Communes with a silent target now (gaps layer). */
  silent?: ReadonlySet<string>
  /** Accessible name of the map. */
  label: string
}) {
  const { t, lang } = useI18n()
  const svgRef = useRef<SVGSVGElement>(null)
  const [view, setView] = useState<View>({ k: 1, x: 0, y: 0 })
  const [hover, setHover] = useState<{ c: CommuneSummary; left: number; top: number } | null>(null)
  const drag = useRef<{ x: number; y: number; vx: number; vy: number; moved: boolean } | null>(null)

  // Positions depend only on coordinates; a live delta (new states) must not refit the map.
  const coordKey = useMemo(() => coordinateKey(communes), [communes])
  const proj: Projection | null = useMemo(() => {
    const b = boundsOf(communes, boundary)
    return b ? fitProjection(b, WIDTH, PADDING, 360, 1100) : null
  }, [coordKey, boundary])
  const outline = useMemo(() => (proj && boundary ? boundaryPath(boundary, proj) : ''), [proj, boundary])

  const points = useMemo(() => {
    const out: Point[] = []
    if (!proj) return out
    for (const c of communes) {
      if (!Number.isFinite(c.lat) || !Number.isFinite(c.lon)) continue
      const [x, y] = proj.project(c.lon, c.lat)
      out.push({ c, code: c.code, name: c.name, state: c.state, x, y })
    }
    return out
  }, [communes, proj])

  const k = view.k
  const boxW = proj?.width ?? WIDTH
  const boxH = proj?.height ?? 0
  // The element's size: the page may letterbox the map (its height is capped), and what shows
  // beside the viewBox is on screen too, so labels must be placed there as well.
  const [element, setElement] = useState<{ w: number; h: number } | null>(null)
  useEffect(() => {
    const svg = svgRef.current
    if (!svg || typeof ResizeObserver === 'undefined') return
    const ro = new ResizeObserver(() => {
      const r = svg.getBoundingClientRect()
      setElement((old) => (old && old.w === r.width && old.h === r.height ? old : { w: r.width, h: r.height }))
    })
    ro.observe(svg)
    return () => ro.disconnect()
  }, [proj !== null])
  // Screen pixels per viewBox unit (preserveAspectRatio "xMidYMid meet").
  const scale = element && element.w > 0 && element.h > 0 && boxH > 0 ? Math.min(element.w / boxW, element.h / boxH) : REFERENCE_PX_PER_UNIT
  // Markers and names keep their desktop size in pixels on a narrow screen (up to 2.5 times the map
  // units): layout at zoom k with sizes × boost is layout at zoom k ÷ boost.
  const boost = Math.min(2.5, Math.max(1, REFERENCE_PX_PER_UNIT / scale))
  const ek = k / boost
  const groups = useMemo(() => (layer === 'state' ? groupMarkers(points, ek) : []), [points, ek, layer])
  const labels = useMemo(() => {
    if (layer !== 'state') return []
    // Visible area in viewBox units, then in unzoomed map units.
    const visW = element ? element.w / scale : boxW
    const visH = element ? element.h / scale : boxH
    const x0 = (boxW - visW) / 2
    const y0 = (boxH - visH) / 2
    return placeLabels(groups, ek, { x: (x0 - view.x) / k, y: (y0 - view.y) / k, w: visW / k, h: visH / k })
  }, [groups, k, ek, view.x, view.y, boxW, boxH, layer, element, scale])
  // Marker vnodes are kept per commune row (rows are immutable, replaced when they change) and
  // group size, so a live batch re-diffs only the markers that changed, and re-rendering the page
  // every second (durations elsewhere) costs nothing here.
  const markerCache = useRef<{ key: string; byRow: WeakMap<CommuneSummary, { count: number; v: VNode }> }>({ key: '', byRow: new WeakMap() })
  const layers = useMemo(() => {
    const key = `${ek}|${coordKey}|${boxW}|${boxH}`
    if (markerCache.current.key !== key) markerCache.current = { key, byRow: new WeakMap() }
    return layer === 'state' ? stateLayers(groups, labels, ek, markerCache.current.byRow) : gapLayers(points, ek, gapCounts, silent)
  }, [groups, labels, points, ek, layer, gapCounts, silent])

  if (!proj) return <p class="card__empty">{t('map.empty')}</p>
  const { width, height } = proj

  function toSvg(clientX: number, clientY: number): [number, number] {
    const svg = svgRef.current
    const ctm = svg?.getScreenCTM()
    if (!svg || !ctm) return [0, 0]
    const p = new DOMPoint(clientX, clientY).matrixTransform(ctm.inverse())
    return [p.x, p.y]
  }
  const zoom = (factor: number, cx = width / 2, cy = height / 2): void => setView((v) => zoomAt(v, factor, cx, cy, width, height))
  const pan = (dx: number, dy: number): void => setView((v) => clampView({ k: v.k, x: v.x + dx, y: v.y + dy }, width, height))

  function codeAt(target: EventTarget | null): string | null {
    const el = (target as Element | null)?.closest?.('[data-code]')
    return el?.getAttribute('data-code') ?? null
  }

  function onPointerMove(e: PointerEvent): void {
    const d = drag.current
    if (d) {
      const [x, y] = toSvg(e.clientX, e.clientY)
      if (Math.abs(x - d.x) + Math.abs(y - d.y) > 3) d.moved = true
      if (d.moved) {
        setView((v) => clampView({ k: v.k, x: d.vx + (x - d.x), y: d.vy + (y - d.y) }, width, height))
        setHover(null)
        return
      }
    }
    const code = codeAt(e.target)
    const c = code ? communes.find((x) => x.code === code) : undefined
    const box = svgRef.current?.parentElement?.getBoundingClientRect()
    if (c && box) setHover({ c, left: e.clientX - box.left, top: e.clientY - box.top })
    else if (hover) setHover(null)
  }

  const counts = countStates(communes)
  const summary =
    layer === 'state'
      ? STATES.filter((s) => counts[s] > 0)
          .map((s) => `${t(stateKey(s))}: ${formatNumber(counts[s], lang, 0)}`)
          .join(', ')
      : t('map.gapsSummary', { gaps: formatNumber(gapCounts?.size ?? 0, lang, 0), silent: formatNumber(silent?.size ?? 0, lang, 0) })

  return (
    <div class="map">
      <div
        class="map__frame"
        tabIndex={0}
        aria-label={t('map.keys')}
        onKeyDown={(e) => {
          const step = 60
          const keys: Record<string, () => void> = {
            ArrowLeft: () => pan(step, 0),
            ArrowRight: () => pan(-step, 0),
            ArrowUp: () => pan(0, step),
            ArrowDown: () => pan(0, -step),
            '+': () => zoom(1.5),
            '=': () => zoom(1.5),
            '-': () => zoom(1 / 1.5),
            '0': () => setView({ k: 1, x: 0, y: 0 }),
          }
          const f = keys[e.key]
          if (f) {
            e.preventDefault()
            f()
          }
        }}
      >
        <svg
          ref={svgRef}
          class="map__svg"
          viewBox={`0 0 ${width} ${height}`}
          role="img"
          aria-label={`${label}. ${summary}`}
          data-points={points.length}
          onPointerDown={(e) => {
            if (e.pointerType !== 'mouse' || e.button !== 0) return
            const [x, y] = toSvg(e.clientX, e.clientY)
            drag.current = { x, y, vx: view.x, vy: view.y, moved: false }
          }}
          onPointerMove={onPointerMove}
          onPointerLeave={() => {
            drag.current = null
            setHover(null)
          }}
          onPointerUp={(e) => {
            const d = drag.current
            drag.current = null
            if (d?.moved) return
            const code = codeAt(e.target)
            if (!code) return
            const group = groups.find((g) => g.anchor.code === code && g.members.length > 1)
            // A group opens by zooming in on it; one commune opens its page.
            if (group) zoom(2, group.anchor.x * k + view.x, group.anchor.y * k + view.y)
            else window.location.hash = communeHref(code)
          }}
          onDblClick={(e) => {
            const [x, y] = toSvg(e.clientX, e.clientY)
            zoom(e.shiftKey ? 1 / 2 : 2, x, y)
          }}
          onWheel={(e) => {
            // Plain wheel scrolls the page (the map sits in a long page); Ctrl/⌘ + wheel zooms.
            if (!e.ctrlKey && !e.metaKey) return
            e.preventDefault()
            const [x, y] = toSvg(e.clientX, e.clientY)
            zoom(e.deltaY < 0 ? 1.25 : 1 / 1.25, x, y)
          }}
        >
          <MarkerDefs />
          <rect class="map__sea" x="0" y="0" width={width} height={height} />
          <g transform={`translate(${view.x.toFixed(2)} ${view.y.toFixed(2)}) scale(${k})`}>
            {outline && <path class="map__outline" d={outline} vector-effect="non-scaling-stroke" />}
            {layers}
          </g>
        </svg>
        {hover && (
          <div class="map__tip" style={{ left: `${hover.left}px`, top: `${hover.top}px` }} role="presentation">
            <strong>{hover.c.name}</strong>
            <span class="mono muted">{hover.c.code}</span>
            {layer === 'state' ? (
              <>
                <StateBadge state={hover.c.state} compact />
                {hoverGroup(groups, hover.c.code) > 1 && <span>{t('map.groupTip', { n: formatNumber(hoverGroup(groups, hover.c.code) - 1, lang, 0) })}</span>}
              </>
            ) : (
              <span>
                {t('map.gapsTip', { n: formatNumber(gapCounts?.get(hover.c.code) ?? 0, lang, 0) })}
                {silent?.has(hover.c.code) ? ` · ${t('map.silentTip')}` : ''}
              </span>
            )}
          </div>
        )}
        <div class="map__zoom" role="group" aria-label={t('map.zoom')}>
          <button type="button" class="map__btn" onClick={() => zoom(1.5)} aria-label={t('map.zoomIn')}>
            +
          </button>
          <button type="button" class="map__btn" onClick={() => zoom(1 / 1.5)} aria-label={t('map.zoomOut')}>
            −
          </button>
          <button type="button" class="map__btn map__btn--reset" onClick={() => setView({ k: 1, x: 0, y: 0 })} aria-label={t('map.reset')}>
            <svg width="14" height="14" viewBox="0 0 20 20" aria-hidden="true" focusable="false">
              <path d="M3 8V3h5M17 12v5h-5M3 3l5 5M17 17l-5-5" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" />
            </svg>
          </button>
        </div>
      </div>
      <MapLegend layer={layer} counts={counts} />
    </div>
  )
}

/** A cheap fingerprint of every commune's position (changes when one moves, is added or removed). */
function coordinateKey(list: readonly CommuneSummary[]): string {
  let h = 0
  for (const c of list) h = (h * 31 + Math.round(c.lat * 1e5) * 7 + Math.round(c.lon * 1e5)) | 0
  return `${list.length}:${h}`
}

function countStates(list: readonly CommuneSummary[]): Record<State, number> {
  const c: Record<State, number> = { ok: 0, warning: 0, critical: 0, down: 0, unknown: 0 }
  for (const x of list) c[x.state]++
  return c
}

/** Size of the group a commune anchors (1 when alone or not an anchor). */
function hoverGroup(groups: readonly MarkerGroup[], code: string): number {
  return groups.find((g) => g.anchor.code === code)?.members.length ?? 1
}

function stateLayers(groups: ReadonlyArray<MarkerGroup<Point>>, labels: readonly PlacedLabel[], k: number, cache: WeakMap<CommuneSummary, { count: number; v: VNode }>) {
  const by: Record<State, Array<MarkerGroup<Point>>> = { ok: [], warning: [], critical: [], down: [], unknown: [] }
  for (const g of groups) by[g.anchor.state].push(g)
  const font = LABEL_FONT / k
  return (
    <>
      {DRAW_ORDER.map((s) => {
        const size = MARKER_SIZE[s] / k
        const half = size / 2
        return (
          <g key={s} class={`map__layer map__layer--${s}`} data-state={s}>
            {by[s].map(({ anchor: p, members }) => {
              const hit = cache.get(p.c)
              if (hit && hit.count === members.length) return hit.v
              const v = (
                <g key={p.code} class="map__marker" data-code={p.code} data-state={s} data-count={members.length}>
                  <use href={`#mk-${s}`} x={p.x - half} y={p.y - half} width={size} height={size} class="map__mk" />
                  {members.length > 1 && (
                    <g class="map__count" transform={`translate(${(p.x + half + 3 / k).toFixed(2)} ${(p.y - half - 3 / k).toFixed(2)}) scale(${1 / k})`}>
                      <circle r={members.length > 9 ? 7.5 : 6} />
                      <text y="3.2" text-anchor="middle">
                        {members.length}
                      </text>
                    </g>
                  )}
                </g>
              )
              cache.set(p.c, { count: members.length, v })
              return v
            })}
          </g>
        )
      })}
      <g class="map__labels" aria-hidden="true" style={{ fontSize: `${font.toFixed(3)}px` }}>
        {labels.map((l) => {
          const state = groups.find((g) => g.anchor.code === l.code)?.anchor.state ?? 'ok'
          return (
            <text key={l.code} class={`map__label map__label--${state}`} data-code={l.code} x={l.box.x} y={l.box.y + l.box.h * 0.75} stroke-width={3 / k}>
              {l.text}
            </text>
          )
        })}
      </g>
    </>
  )
}

function gapLayers(points: readonly Point[], k: number, gapCounts?: ReadonlyMap<string, number>, silent?: ReadonlySet<string>) {
  const base = 5 / k
  return (
    <>
      <g class="map__layer map__layer--base">
        {points.map((p) => (
          <circle key={p.c.code} cx={p.x} cy={p.y} r={base / 2} data-code={p.c.code} />
        ))}
      </g>
      <g class="map__layer map__layer--gaps">
        {points.flatMap((p) => {
          const n = gapCounts?.get(p.c.code) ?? 0
          if (n === 0) return []
          const r = (5 + 3.2 * Math.sqrt(n)) / k
          return [<circle key={p.c.code} cx={p.x} cy={p.y} r={r} data-code={p.c.code} />]
        })}
      </g>
      <g class="map__layer map__layer--silent">
        {points.flatMap((p) => {
          if (!silent?.has(p.c.code)) return []
          const size = MARKER_SIZE.unknown / k
          return [<use key={p.c.code} href="#mk-unknown" x={p.x - size / 2} y={p.y - size / 2} width={size} height={size} data-code={p.c.code} />]
        })}
      </g>
    </>
  )
}

/** Marker symbols: the same shapes as the state icons, simplified for a few pixels. */
function MarkerDefs() {
  return (
    <defs>
      <symbol id="mk-ok" viewBox="-10 -10 20 20">
        <circle r="8" class="mk mk--ok" />
      </symbol>
      <symbol id="mk-warning" viewBox="-10 -10 20 20">
        <path d="M0-9L9 7.5H-9z" class="mk mk--warning" />
      </symbol>
      <symbol id="mk-critical" viewBox="-10 -10 20 20">
        <path d="M-3.7-9h7.4L9-3.7v7.4L3.7 9h-7.4L-9 3.7v-7.4z" class="mk mk--critical" />
        <path d="M0-4.5v4" class="mk-glyph" />
        <circle cy="4.2" r="1.3" fill="#fff" />
      </symbol>
      <symbol id="mk-down" viewBox="-10 -10 20 20">
        <circle r="9" class="mk mk--down" />
        <path d="M-4-4l8 8M4-4l-8 8" class="mk-glyph" />
      </symbol>
      <symbol id="mk-unknown" viewBox="-10 -10 20 20">
        <circle r="8.5" class="mk mk--unknown" />
        <path d="M-2.6-2.6a2.6 2.6 0 1 1 3.6 2.4c-.7.3-1 .8-1 1.5v.6" class="mk-glyph mk-glyph--unknown" />
        <circle cy="4.4" r="1.2" fill="#3d4752" />
      </symbol>
    </defs>
  )
}

function MapLegend({ layer, counts }: { layer: MapLayer; counts: Record<State, number> }) {
  const { t, lang } = useI18n()
  if (layer === 'gaps') {
    return (
      <ul class="map__legend">
        <li>
          <svg width="16" height="16" viewBox="-10 -10 20 20" aria-hidden="true" focusable="false">
            <circle r="8" class="map__legend-gap" />
          </svg>
          {t('map.legend.gaps')}
        </li>
        <li>
          <svg width="14" height="14" aria-hidden="true" focusable="false">
            <use href="#mk-unknown" width="14" height="14" />
          </svg>
          {t('map.legend.silent')}
        </li>
        <li>
          <svg width="8" height="8" viewBox="-5 -5 10 10" aria-hidden="true" focusable="false">
            <circle r="3" class="map__legend-base" />
          </svg>
          {t('map.legend.commune')}
        </li>
      </ul>
    )
  }
  return (
    <ul class="map__legend">
      {STATES.map((s) => (
        <li key={s}>
          <svg width="14" height="14" aria-hidden="true" focusable="false">
            <use href={`#mk-${s}`} width="14" height="14" />
          </svg>
          {t(stateKey(s))} <span class="muted">{formatNumber(counts[s], lang, 0)}</span>
        </li>
      ))}
    </ul>
  )
}
