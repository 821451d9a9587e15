/**
 * One commune's history over a chart range (issue 13): the states of the commune and of each
 * of its targets from the state log, the maintenance that covered it, and how far back its
 * data goes (so the page opens on a range that holds data). Read-only, plain SQL on the
 * indexed columns: a 90-day range of a commune is a few hundred rows.
 * @module
 */
import type { CommuneTimeline, State, StateSpan } from '../../protocol'
import { createMaintenanceIndex, listMaintenance, maintenanceOccurrences } from '../alerting/maintenance'
import type { Store } from '../store/store'

const iso = (ms: number): string => new Date(ms).toISOString()

/**
 * Spans of one entity over `[from, to)`: the state it entered the range in (its last row before
 * `from`), then each change. Before its first row there is no span: it was not monitored yet.
 * Consecutive rows of one state (a restart logging the same state again) merge.
 */
export function spansOf(before: { at: number; state: State } | undefined, changes: ReadonlyArray<{ at: number; state: State }>, from: number, to: number): StateSpan[] {
  const points = [...(before ? [{ at: from, state: before.state }] : []), ...changes.filter((c) => c.at >= from && c.at < to)]
  const out: StateSpan[] = []
  let open: { at: number; state: State } | null = null
  for (const p of points) {
    if (open && open.state === p.state) continue
    if (open && p.at > open.at) out.push({ from: iso(open.at), to: iso(p.at), state: open.state })
    open = p
  }
  if (open && to > open.at) out.push({ from: iso(open.at), to: iso(to), state: open.state })
  return out
}

/**
 * Builds the history of commune `code` over `[from, to)`; `to` is capped at `now` (the future
 * has no state). Targets are listed in `targetIds` order.
 */
export function buildCommuneTimeline(store: Store, code: string, targetIds: readonly string[], from: number, toRequested: number, now: number): CommuneTimeline {
  const to = Math.max(from, Math.min(toRequested, now))
  const log = store.stateLog
  const history = (entity: 'commune' | 'target', id: string): StateSpan[] => spansOf(log.before(entity, id, from), log.changes(entity, id, from, to), from, to)

  const windows = listMaintenance(store)
  const index = createMaintenanceIndex(windows, {
    targets: store.listTargets().map((t) => ({ id: t.id, communeCode: t.communeCode, parents: t.parents })),
    communes: store.listCommunes().map((c) => ({ code: c.code, cluster: c.districtCluster })),
  })
  const maintenance = index
    .windowsTouchingCommune(code)
    .flatMap((w) => maintenanceOccurrences(w, from, to).map(([a, b]) => ({ id: w.id, from: iso(a), to: iso(b), reason: w.reason })))
    .sort((a, b) => a.from.localeCompare(b.from))

  return {
    code,
    from: iso(from),
    to: iso(to),
    firstDataAt: firstDataAt(store, targetIds),
    commune: history('commune', code),
    targets: targetIds.map((id) => ({ targetId: id, spans: history('target', id) })),
    maintenance,
  }
}

/** The oldest stored measurement of the targets (see {@link Store.oldestHistoryAt}). */
function firstDataAt(store: Store, targetIds: readonly string[]): string | null {
  let first = Infinity
  for (const id of targetIds) first = Math.min(first, store.oldestHistoryAt(id) ?? Infinity)
  return Number.isFinite(first) ? iso(first) : null
}
