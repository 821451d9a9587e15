/**
 * Layout of the commune map's markers and labels at a zoom level, as pure functions (tested
 * without a browser): which markers collide and are grouped, and where names go.
 *
 * Overlap: markers are grouped, not spread. Spreading moves a commune off its place, and in a
 * dense district the spread ring itself collides with the next one; a group keeps the worst
 * commune where it is, with a count badge, and zooming in (a click on the group) separates it.
 * Grouping is greedy by severity, so a down commune is never hidden under an ok one: the most
 * severe commune of a neighbourhood becomes the group's anchor, and a commune joins a group only
 * when its marker would overlap the anchor's. Anchors are therefore pairwise non-overlapping.
 *
 * Coordinates are map units of the unzoomed map; marker sizes are screen-constant, so two
 * points `d` units apart are `d × k` apart on screen at zoom `k`.
 * @module
 */
import type { State } from '../../protocol'

/** Marker diameter per state in map units at zoom 1 (the 1000-unit map is drawn ~600–900 px wide). Problems are bigger; down and unknown most of all, to be found. */
export const MARKER_SIZE: Readonly<Record<State, number>> = { ok: 12, warning: 20, critical: 22, down: 30, unknown: 28 }
/** Severity order for grouping and labels: first is most urgent. */
export const SEVERITY_ORDER: readonly State[] = ['down', 'critical', 'warning', 'unknown', 'ok']
/** From this zoom on, every visible commune is labelled (not only the ones in trouble). */
export const LABEL_ALL_ZOOM = 3
/** Label font size in map units at zoom 1 (screen-constant like markers; ~11 px on a 1440 px screen). */
export const LABEL_FONT = 17
/** Share of a label's box that other labels may cover before it is left out. */
const MAX_LABEL_OVERLAP = 0.25
/** Gap kept between two markers so they read as two (map units at zoom 1). */
const MARKER_GAP = 1

/** A commune placed on the map. */
export interface MapPoint {
  code: string
  name: string
  state: State
  x: number
  y: number
}

/** A drawn marker: one commune, or several that would overlap, shown as the most severe. */
export interface MarkerGroup<P extends MapPoint = MapPoint> {
  anchor: P
  /** Every commune in the group, anchor first. */
  members: P[]
}

const rank = (s: State): number => SEVERITY_ORDER.indexOf(s)

/** Orders points most severe first, then by code (stable across renders). */
function bySeverity(a: MapPoint, b: MapPoint): number {
  return rank(a.state) - rank(b.state) || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0)
}

/**
 * Groups markers that would overlap on screen at zoom `k`. A spatial grid keeps it near
 * linear: a cell is as wide as the largest collision distance, so only the 3 × 3 cells around a
 * point can hold an anchor it overlaps.
 */
export function groupMarkers<P extends MapPoint>(points: readonly P[], k: number): Array<MarkerGroup<P>> {
  const maxSize = Math.max(...Object.values(MARKER_SIZE))
  const cell = (maxSize + MARKER_GAP) / k
  const grid = new Map<string, Array<MarkerGroup<P>>>()
  const groups: Array<MarkerGroup<P>> = []
  for (const p of [...points].sort(bySeverity)) {
    const cx = Math.floor(p.x / cell)
    const cy = Math.floor(p.y / cell)
    let home: MarkerGroup<P> | undefined
    let best = Infinity
    for (let dx = -1; dx <= 1; dx++) {
      for (let dy = -1; dy <= 1; dy++) {
        for (const g of grid.get(`${cx + dx},${cy + dy}`) ?? []) {
          const d = Math.hypot(g.anchor.x - p.x, g.anchor.y - p.y) * k
          const reach = (MARKER_SIZE[g.anchor.state] + MARKER_SIZE[p.state]) / 2 + MARKER_GAP
          if (d < reach && d < best) {
            best = d
            home = g
          }
        }
      }
    }
    if (home) home.members.push(p)
    else {
      const g: MarkerGroup<P> = { anchor: p, members: [p] }
      groups.push(g)
      const key = `${cx},${cy}`
      const list = grid.get(key)
      if (list) list.push(g)
      else grid.set(key, [g])
    }
  }
  return groups
}

/** Whether two drawn markers overlap on screen at zoom `k` (used by tests to check the layout). */
export function markersOverlap(a: MapPoint, b: MapPoint, k: number): boolean {
  return Math.hypot(a.x - b.x, a.y - b.y) * k < (MARKER_SIZE[a.state] + MARKER_SIZE[b.state]) / 2
}

/** An axis-aligned box in map units. */
export interface Box {
  x: number
  y: number
  w: number
  h: number
}

/** A placed label: its text, the group it names, and its box (text anchored at its left, baseline at `y + h × 0.75`). */
export interface PlacedLabel {
  code: string
  text: string
  box: Box
}

const intersects = (a: Box, b: Box): number => Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x)) * Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y))

/**
 * Boxes bucketed on a grid, so a label spot is checked against its neighbourhood only (a
 * 3,000-commune province re-places labels on every pan step).
 */
class BoxIndex {
  private readonly cells = new Map<string, Box[]>()
  constructor(private readonly cell: number) {}

  private keys(b: Box): string[] {
    const out: string[] = []
    for (let cx = Math.floor(b.x / this.cell); cx <= Math.floor((b.x + b.w) / this.cell); cx++) {
      for (let cy = Math.floor(b.y / this.cell); cy <= Math.floor((b.y + b.h) / this.cell); cy++) out.push(`${cx},${cy}`)
    }
    return out
  }

  add(b: Box): void {
    for (const key of this.keys(b)) {
      const list = this.cells.get(key)
      if (list) list.push(b)
      else this.cells.set(key, [b])
    }
  }

  /** Total area of the stored boxes that `b` covers (each box counted once). */
  covered(b: Box): number {
    const seen = new Set<Box>()
    let sum = 0
    for (const key of this.keys(b)) {
      for (const o of this.cells.get(key) ?? []) {
        if (seen.has(o)) continue
        seen.add(o)
        sum += intersects(b, o)
      }
    }
    return sum
  }
}

/** The label of a group: the anchor's name, with "+N" for the others. */
export function labelText(g: MarkerGroup): string {
  return g.members.length > 1 ? `${g.anchor.name} +${g.members.length - 1}` : g.anchor.name
}

/**
 * Estimated width of a text in units of its font size. Vietnamese names are short words of
 * Latin letters with diacritics (which add height, not width); 0.6 em per character is the
 * system sans-serif average (DejaVu Sans, wider than most), with a little to spare.
 */
export function textWidth(text: string, font: number): number {
  return [...text.normalize('NFC')].length * 0.6 * font + 2
}

/**
 * Places labels at zoom `k` inside `viewport` (map units). Groups in trouble are labelled at
 * every zoom; the rest only from {@link LABEL_ALL_ZOOM}. Each label tries right, left, above,
 * below its marker, then the four corners, and takes the first spot that touches no other
 * label or marker; without a free spot it takes the least crowded one, unless another label
 * would cover more than a quarter of it (then it is left out: names piled on names help nobody;
 * zooming in makes room). Most severe first, so problems get the spots when room is short.
 */
export function placeLabels(groups: readonly MarkerGroup[], k: number, viewport: Box): PlacedLabel[] {
  const all = k >= LABEL_ALL_ZOOM
  const font = LABEL_FONT / k
  // A line and a bit: diacritics above and below (ỹ, ạ) need the room to stay apart.
  const h = font * 1.4
  const inView = (g: MarkerGroup): boolean => g.anchor.x >= viewport.x && g.anchor.x <= viewport.x + viewport.w && g.anchor.y >= viewport.y && g.anchor.y <= viewport.y + viewport.h
  const visible = groups.filter(inView)
  // Cells about a short name wide: a spot touches a handful of them.
  const obstacles = new BoxIndex(h * 4)
  for (const g of visible) {
    const r = MARKER_SIZE[g.anchor.state] / 2 / k
    obstacles.add({ x: g.anchor.x - r, y: g.anchor.y - r, w: 2 * r, h: 2 * r })
  }
  const taken = new BoxIndex(h * 4)
  const placed: PlacedLabel[] = []
  const wanted = visible.filter((g) => all || g.anchor.state !== 'ok').sort((a, b) => bySeverity(a.anchor, b.anchor))
  for (const g of wanted) {
    const text = labelText(g)
    const w = textWidth(text, font)
    const r = MARKER_SIZE[g.anchor.state] / 2 / k
    const pad = 2 / k
    const { x, y } = g.anchor
    const spots: Box[] = [
      { x: x + r + pad, y: y - h / 2, w, h },
      { x: x - r - pad - w, y: y - h / 2, w, h },
      { x: x - w / 2, y: y - r - pad - h, w, h },
      { x: x - w / 2, y: y + r + pad, w, h },
      { x: x + r * 0.7, y: y - r * 0.7 - h, w, h },
      { x: x + r * 0.7, y: y + r * 0.7, w, h },
      { x: x - r * 0.7 - w, y: y - r * 0.7 - h, w, h },
      { x: x - r * 0.7 - w, y: y + r * 0.7, w, h },
    ]
    let best: Box | undefined
    let bestCost = Infinity
    let bestOverlap = 0
    for (const s of spots) {
      const overlap = taken.covered(s)
      let cost = overlap * 4 + obstacles.covered(s)
      // Off the viewport counts as crowded: the name would be cut.
      cost += (s.w * s.h - intersects(s, viewport)) * 4
      if (cost < bestCost) {
        bestCost = cost
        bestOverlap = overlap
        best = s
      }
      if (cost === 0) break
    }
    if (!best) continue
    // A calm commune at a low zoom is named only in a free spot; any label that would cover a
    // quarter of itself with other names is left out (its marker and the lists still show it).
    if (bestCost > 0 && !all && g.anchor.state === 'ok') continue
    if (bestOverlap > MAX_LABEL_OVERLAP * w * h) continue
    placed.push({ code: g.anchor.code, text, box: best })
    taken.add(best)
  }
  return placed
}
