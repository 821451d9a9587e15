/**
 * Silent probes: the cause behind a cluster of silent communes ("probe demo-agent-ky-son has
 * not reported since 04:32 and leaves 4 communes without data"), for the signal-gaps page and
 * the overview's needs-attention list.
 * @module
 */
import type { SilentProbe } from '../../protocol'
import type { Store } from '../store/store'
import type { StateEngine } from './engine'

/** A probe that runs only long-interval targets still polls its config: never call it silent sooner than this. */
export const MIN_PROBE_SILENCE_MS = 60_000

/**
 * How long a probe may go unheard before it is silent: as long as its targets take to go silent
 * (`unknownAfterIntervals` of the shortest interval it runs), at least {@link MIN_PROBE_SILENCE_MS}
 * (also for a probe that runs nothing). The Settings probes tab uses the same rule.
 */
export function probeSilenceMs(shortestIntervalS: number | undefined, unknownAfterIntervals: number): number {
  return Math.max(MIN_PROBE_SILENCE_MS, unknownAfterIntervals * (shortestIntervalS ?? 0) * 1000)
}

/** The shortest interval (s) of the enabled targets each probe runs, by probe id (unassigned targets: the builtin probe's). */
export function shortestIntervals(store: Store): Map<string, number> {
  const builtin = store.listProbes().find((p) => p.builtin)
  const out = new Map<string, number>()
  for (const t of store.listTargets()) {
    if (!t.enabled) continue
    const owner = t.probeId ?? builtin?.id
    if (owner !== undefined) out.set(owner, Math.min(out.get(owner) ?? Infinity, t.intervalS))
  }
  return out
}

/**
 * Probes not heard from (no batch, no config poll) for as long as their targets take to go
 * silent (`unknownAfterIntervals` of the shortest interval they run), longest silent first,
 * each with the communes that are silent now and have a target it runs: the cause behind
 * a cluster of silent communes.
 */
export function silentProbes(store: Store, engine: Pick<StateEngine, 'communeSummary'>, unknownAfterIntervals: number, at: number): SilentProbe[] {
  const probes = store.listProbes()
  const builtin = probes.find((p) => p.builtin)
  const byProbe = new Map<string, { minInterval: number; communes: Set<string> }>()
  for (const t of store.listTargets()) {
    if (!t.enabled) continue
    const owner = t.probeId ?? builtin?.id
    if (owner === undefined) continue
    const row = byProbe.get(owner) ?? { minInterval: Infinity, communes: new Set<string>() }
    row.minInterval = Math.min(row.minInterval, t.intervalS)
    row.communes.add(t.communeCode)
    byProbe.set(owner, row)
  }
  const out: Array<SilentProbe & { sinceMs: number }> = []
  for (const p of probes) {
    const runs = byProbe.get(p.id)
    if (!runs || p.revokedAt !== null) continue
    const after = probeSilenceMs(runs.minInterval, unknownAfterIntervals)
    if (p.lastSeenAt !== null && at - p.lastSeenAt <= after) continue
    const communes = [...runs.communes]
      .flatMap((code) => {
        const s = engine.communeSummary(code)
        return s && s.state === 'unknown' ? [{ code: s.code, name: s.name }] : []
      })
      .sort((a, b) => a.name.localeCompare(b.name, 'vi'))
    const sinceMs = p.lastSeenAt ?? p.createdAt
    out.push({ id: p.id, name: p.name, location: p.location, lastSeenAt: p.lastSeenAt === null ? null : new Date(p.lastSeenAt).toISOString(), silentSince: new Date(sinceMs).toISOString(), communes, sinceMs })
  }
  return out.sort((a, b) => a.sinceMs - b.sinceMs).map(({ sinceMs: _sinceMs, ...rest }) => rest)
}
