/**
 * Topology (SPEC §4 "unreachable"): whether a failing target is explained by its parents, so it
 * must not page on its own. Pure: the engine passes the child's and its parents' live facts and
 * keeps the returned bookkeeping.
 *
 * Three cases keep a child quiet:
 * - **unreachable**: it fails and every parent is down;
 * - **held after the parents' recovery**: it was unreachable, the parents came back, and it has
 *   not yet had rounds of its own — it stays unreachable until it recovers, or until it has
 *   failed `downAfter` rounds observed after the parents came back (then it fails on its own);
 * - **awaiting parents**: it fails while a parent is failing but not yet down (rounds of
 *   different intervals arrive in any order: a child can reach its third failure before its
 *   parent does), or while a parent has not reported since the child's failures began (bounded
 *   by two of that parent's intervals, so a silent parent does not muzzle the child for ever).
 * @module
 */
import type { State } from '../../protocol'

/** What topology needs to know about a parent. */
export interface ParentFacts {
  readonly state: State
  readonly consecutiveFailures: number
  readonly lastObservedAt: number | null
  readonly intervalSeconds: number
}

/** The child's topology bookkeeping, kept by the engine between evaluations. */
export interface ChildTopology {
  unreachable: boolean
  awaitingParents: boolean
  /** It was unreachable; it stays so until it has rounds of its own. */
  held: boolean
  /** When the engine first saw the parents back while the child was held. */
  parentsUpAt: number | null
  /** Failed rounds observed after `parentsUpAt` (the engine counts them at ingest). */
  ownFailures: number
}

/** The child's own facts. */
export interface ChildFacts {
  readonly state: State
  readonly consecutiveFailures: number
  /** Observed time of the first failed round of the current streak (null when not failing). */
  readonly failingSince: number | null
}

/** A fresh bookkeeping record. */
export function newChildTopology(): ChildTopology {
  return { unreachable: false, awaitingParents: false, held: false, parentsUpAt: null, ownFailures: 0 }
}

/**
 * Updates `topo` for the child's current facts and its parents'.
 * @param downAfter failed rounds that make a target down (the child's own failures after the parents' recovery are counted against it)
 */
export function updateTopology(topo: ChildTopology, child: ChildFacts, parents: readonly ParentFacts[], now: number, downAfter: number): void {
  const failing = child.state === 'down' || child.state === 'unknown' || child.consecutiveFailures > 0
  if (parents.length === 0 || !failing) {
    topo.unreachable = false
    topo.awaitingParents = false
    topo.held = false
    topo.parentsUpAt = null
    topo.ownFailures = 0
    return
  }
  const allDown = parents.every((p) => p.state === 'down')
  if (allDown) {
    topo.held = true
    topo.parentsUpAt = null
    topo.ownFailures = 0
  } else if (topo.held) {
    if (topo.parentsUpAt === null) {
      topo.parentsUpAt = now
      topo.ownFailures = 0
    }
    if (topo.ownFailures >= downAfter) topo.held = false
  }
  topo.unreachable = topo.held
  topo.awaitingParents =
    !topo.unreachable &&
    child.failingSince !== null &&
    parents.some((p) => {
      if (p.state === 'down' || p.state === 'unknown') return false
      if (p.consecutiveFailures > 0) return true
      const since = child.failingSince as number
      return (p.lastObservedAt ?? -Infinity) < since && now - since < 2 * p.intervalSeconds * 1000
    })
}
