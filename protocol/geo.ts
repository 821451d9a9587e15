/**
 * Province outline for the dashboard map (SPEC §8): GeoJSON polygons or lines in lon/lat,
 * uploaded by an admin, served to every viewer. Checked for shape only; coordinates must be
 * finite numbers within lon/lat range.
 * @module
 */
import { z } from 'zod'

const Position = z.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)]).rest(z.number())
const Ring = z.array(Position).max(200_000)
const Polygon = z.object({ type: z.literal('Polygon'), coordinates: z.array(Ring).max(10_000) })
const MultiPolygon = z.object({ type: z.literal('MultiPolygon'), coordinates: z.array(z.array(Ring).max(10_000)).max(10_000) })
const LineString = z.object({ type: z.literal('LineString'), coordinates: Ring })
const MultiLineString = z.object({ type: z.literal('MultiLineString'), coordinates: z.array(Ring).max(10_000) })

/** The geometries an outline may use. */
export const BoundaryGeometry = z.discriminatedUnion('type', [Polygon, MultiPolygon, LineString, MultiLineString])
export type BoundaryGeometry = z.infer<typeof BoundaryGeometry>

const BoundaryFeature = z.object({ type: z.literal('Feature'), geometry: BoundaryGeometry.nullable() })

/** A province outline: a geometry, a feature or a feature collection (other members are kept as sent). */
export const ProvinceBoundary = z.union([
  BoundaryGeometry,
  BoundaryFeature,
  z.object({ type: z.literal('FeatureCollection'), features: z.array(BoundaryFeature).max(10_000) }),
])
export type ProvinceBoundary = z.infer<typeof ProvinceBoundary>

/** `GET /api/v1/settings/boundary`. */
export const BoundaryAnswer = z.strictObject({ boundary: ProvinceBoundary.nullable() })
export type BoundaryAnswer = z.infer<typeof BoundaryAnswer>

/** Geometries of an outline in file order; features without geometry are skipped. */
export function boundaryGeometries(b: ProvinceBoundary): BoundaryGeometry[] {
  if (b.type === 'FeatureCollection') return b.features.flatMap((f) => (f.geometry ? [f.geometry] : []))
  if (b.type === 'Feature') return b.geometry ? [b.geometry] : []
  return [b]
}
