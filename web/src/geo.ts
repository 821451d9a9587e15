/**
 * Map projection for the commune map: an equirectangular projection scaled by the cosine of
 * the middle latitude, fitted to a box. Over one province (a few degrees) it is
 * indistinguishable from Mercator and needs no library, tiles or network.
 * @module
 */
import { boundaryGeometries, type Boundary } from './wire'

/** Longitude/latitude bounds. */
export interface Bounds {
  minLon: number
  maxLon: number
  minLat: number
  maxLat: number
}

/** A projection fitted to a box of `width` × `height` user units. */
export interface Projection {
  width: number
  height: number
  /** [x, y] in the box for a longitude and latitude; y grows southwards. */
  project(lon: number, lat: number): [number, number]
}

/** Bounds of a set of points (and of an outline, when given); null when there is nothing. */
export function boundsOf(points: ReadonlyArray<{ lon: number; lat: number }>, boundary?: Boundary | null): Bounds | null {
  let b: Bounds | null = null
  const add = (lon: number, lat: number): void => {
    if (!Number.isFinite(lon) || !Number.isFinite(lat)) return
    if (!b) b = { minLon: lon, maxLon: lon, minLat: lat, maxLat: lat }
    else {
      if (lon < b.minLon) b.minLon = lon
      if (lon > b.maxLon) b.maxLon = lon
      if (lat < b.minLat) b.minLat = lat
      if (lat > b.maxLat) b.maxLat = lat
    }
  }
  for (const p of points) add(p.lon, p.lat)
  if (boundary) for (const ring of boundaryRings(boundary)) for (const [lon, lat] of ring) add(lon ?? NaN, lat ?? NaN)
  return b
}

/**
 * Fits bounds into a box `width` wide, with `padding` user units on every side; the height
 * follows the shape of the area (clamped to `[minHeight, maxHeight]`), so a tall province is
 * not squashed into a wide box. A single point (zero span) gets a small area around it.
 */
export function fitProjection(bounds: Bounds, width: number, padding: number, minHeight: number, maxHeight: number): Projection {
  const midLat = (bounds.minLat + bounds.maxLat) / 2
  const kx = Math.cos((midLat * Math.PI) / 180)
  const spanX = Math.max((bounds.maxLon - bounds.minLon) * kx, 0.01)
  const spanY = Math.max(bounds.maxLat - bounds.minLat, 0.01)
  const innerW = width - 2 * padding
  const height = Math.min(maxHeight, Math.max(minHeight, (innerW * spanY) / spanX + 2 * padding))
  const innerH = height - 2 * padding
  const scale = Math.min(innerW / spanX, innerH / spanY)
  const offX = padding + (innerW - spanX * scale) / 2
  const offY = padding + (innerH - spanY * scale) / 2
  const cx = (bounds.minLon + bounds.maxLon) / 2
  const cy = (bounds.minLat + bounds.maxLat) / 2
  return {
    width,
    height,
    project(lon, lat) {
      const x = offX + ((lon - cx) * kx + spanX / 2) * scale
      const y = offY + (spanY / 2 - (lat - cy)) * scale
      return [x, y]
    },
  }
}

/** Every ring (polygon ring or line) of an outline, as [lon, lat] positions. */
export function boundaryRings(b: Boundary): number[][][] {
  const out: number[][][] = []
  for (const g of boundaryGeometries(b)) {
    if (g.type === 'Polygon' || g.type === 'MultiLineString') out.push(...g.coordinates)
    else if (g.type === 'MultiPolygon') for (const poly of g.coordinates) out.push(...poly)
    else out.push(g.coordinates)
  }
  return out
}

/**
 * SVG path data of an outline. Coordinates are rounded to 0.1 unit; rings with fewer than
 * two points are skipped. Polygon rings are closed.
 */
export function boundaryPath(b: Boundary, proj: Projection): string {
  const parts: string[] = []
  for (const g of boundaryGeometries(b)) {
    const closed = g.type === 'Polygon' || g.type === 'MultiPolygon'
    const rings = g.type === 'MultiPolygon' ? g.coordinates.flat() : g.type === 'Polygon' || g.type === 'MultiLineString' ? g.coordinates : [g.coordinates]
    for (const ring of rings) {
      if (ring.length < 2) continue
      const pts = ring.map(([lon, lat]) => proj.project(lon ?? 0, lat ?? 0))
      parts.push('M' + pts.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join('L') + (closed ? 'Z' : ''))
    }
  }
  return parts.join('')
}

/** Pan/zoom state of the map: screen = point · k + (x, y). */
export interface View {
  k: number
  x: number
  y: number
}

export const MIN_ZOOM = 1
export const MAX_ZOOM = 12

/**
 * Zooms by `factor` keeping the box point (cx, cy) fixed on screen, clamped to
 * [MIN_ZOOM, MAX_ZOOM] and kept inside the box (see {@link clampView}).
 */
export function zoomAt(v: View, factor: number, cx: number, cy: number, width: number, height: number): View {
  const k = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, v.k * factor))
  const f = k / v.k
  return clampView({ k, x: cx - (cx - v.x) * f, y: cy - (cy - v.y) * f }, width, height)
}

/** Keeps the zoomed content covering the box: no panning the province off screen. */
export function clampView(v: View, width: number, height: number): View {
  const minX = width - width * v.k
  const minY = height - height * v.k
  return { k: v.k, x: Math.min(0, Math.max(minX, v.x)), y: Math.min(0, Math.max(minY, v.y)) }
}
