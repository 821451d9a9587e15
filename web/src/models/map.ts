/**
 * The province outline drawn under the commune map: optional GeoJSON an admin uploads once
 * (stored by the server, served to every viewer). Without one the map shows the communes alone.
 * @module
 */
import { createModel, signal, type ReadonlySignal } from '@preact/signals'
import type { Api } from '../api'
import { Boundary } from '../wire'
import { IDLE, loadInto, type ActionResult, type Loaded } from './alerts'

/** Largest outline accepted in the browser (the server has its own limit). */
export const MAX_BOUNDARY_BYTES = 4 * 1024 * 1024

/** Map state plus actions. */
export interface MapState {
  boundary: ReadonlySignal<Loaded<Boundary | null>>
  load: () => Promise<void>
  /** Parses and uploads a GeoJSON file's text (admin). */
  upload: (text: string) => Promise<ActionResult>
  clear: () => Promise<ActionResult>
}

/**
 * Parses GeoJSON text into an outline, or explains why it is not one (in the error's
 * `message`; `path` names the first bad field).
 */
export function parseBoundary(text: string): { ok: true; boundary: Boundary } | { ok: false; message: string; path?: string } {
  if (text.length > MAX_BOUNDARY_BYTES) return { ok: false, message: `file larger than ${MAX_BOUNDARY_BYTES / 1024 / 1024} MB` }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    return { ok: false, message: e instanceof Error ? e.message : 'not JSON' }
  }
  const r = Boundary.safeParse(json)
  if (!r.success) {
    const issue = r.error.issues[0]
    return { ok: false, message: issue?.message ?? 'not a GeoJSON polygon', path: issue?.path.join('.') ?? '' }
  }
  return { ok: true, boundary: r.data }
}

/** Map model. */
export const MapModel = createModel((deps: { api: Api; onUnauthorized?: () => void }): MapState => {
  const boundary = signal<Loaded<Boundary | null>>(IDLE, { name: 'map-boundary' })
  const load = () => loadInto(boundary, () => deps.api.boundary())
  return {
    boundary,
    load,
    upload: async (text) => {
      const parsed = parseBoundary(text)
      if (!parsed.ok) return { ok: false, error: { code: 'E_VALIDATION', message: parsed.message, ...(parsed.path ? { path: parsed.path } : {}) } }
      const r = await deps.api.setBoundary(parsed.boundary)
      if (!r.ok) {
        if (r.error.code === 'E_UNAUTHORIZED') deps.onUnauthorized?.()
        return { ok: false, error: r.error }
      }
      boundary.value = { status: 'ready', data: parsed.boundary, error: null }
      return { ok: true }
    },
    clear: async () => {
      const r = await deps.api.clearBoundary()
      if (!r.ok) return { ok: false, error: r.error }
      boundary.value = { status: 'ready', data: null, error: null }
      return { ok: true }
    },
  }
})

/** An instance of {@link MapModel}. */
export type MapModel = InstanceType<typeof MapModel>
