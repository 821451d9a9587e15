/**
 * Pure list logic over commune summaries: merging live deltas, filtering, sorting and the
 * "needs attention" order. No signals here, so it is tested directly and reused by models.
 * @module
 */
import { ATTENTION_RANK, STATES, type CommuneSummary, type State } from '../../../protocol'

/** Sortable columns of the commune table. */
export type SortKey = 'state' | 'name' | 'code' | 'cluster' | 'rtt' | 'loss' | 'download' | 'upload' | 'contracted' | 'utilization' | 'mos' | 'gaps' | 'since' | 'lastSeen'

/** Sort direction. */
export type SortDir = 'asc' | 'desc'

/** State filter: everything, one state, or every state but ok. */
export type StateFilter = 'all' | 'attention' | State

/**
 * Returns `list` with every row of `changed` replacing the row with the same code, in
 * place order; codes not yet in `list` are appended (a `reload` normally precedes them,
 * but a delta must never be lost). Returns `list` itself when `changed` is empty.
 */
export function mergeByKey<T>(list: readonly T[], changed: readonly T[], key: (row: T) => string): readonly T[] {
  if (changed.length === 0) return list
  const byKey = new Map<string, T>()
  for (const row of changed) byKey.set(key(row), row)
  const out = list.map((row) => {
    const k = key(row)
    const next = byKey.get(k)
    if (next === undefined) return row
    byKey.delete(k)
    return next
  })
  for (const row of byKey.values()) out.push(row)
  return out
}

/**
 * Folds a string for search: lower case, no diacritics, đ→d, so "dong hoi" finds
 * "Đồng Hới" (staff often type without Vietnamese input on shared machines).
 */
export function foldSearch(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
}

// Rows are immutable and replaced on change, so a WeakMap keyed by row is a safe cache.
const searchKeys = new WeakMap<CommuneSummary, string>()

function searchKey(c: CommuneSummary): string {
  let k = searchKeys.get(c)
  if (k === undefined) {
    k = foldSearch(`${c.name}\u0000${c.code}\u0000${c.cluster}`)
    searchKeys.set(c, k)
  }
  return k
}

/** Narrows a string (e.g. a `<select>` value) to a StateFilter. */
export function isStateFilter(value: string): value is StateFilter {
  return value === 'all' || value === 'attention' || (STATES as readonly string[]).includes(value)
}

/** True when `state` passes `filter`. */
export function matchesStateFilter(state: State, filter: StateFilter): boolean {
  if (filter === 'all') return true
  if (filter === 'attention') return state !== 'ok'
  return state === filter
}

/**
 * Rows whose name, code or cluster contains every whitespace-separated word of `query`
 * (diacritic-insensitive) and whose state passes `filter`.
 */
export function filterCommunes(
  list: readonly CommuneSummary[],
  query: string,
  filter: StateFilter,
): readonly CommuneSummary[] {
  const words = foldSearch(query).split(/\s+/).filter(Boolean)
  if (words.length === 0 && filter === 'all') return list
  return list.filter((c) => matchesStateFilter(c.state, filter) && words.every((w) => searchKey(c).includes(w)))
}

const collators = new Map<string, Intl.Collator>()

function collator(locale: string): Intl.Collator {
  let c = collators.get(locale)
  if (!c) {
    c = new Intl.Collator(locale, { sensitivity: 'base', numeric: true })
    collators.set(locale, c)
  }
  return c
}

/**
 * Vietnamese-aware ranks for a set of strings. Collator.compare is slow, so each distinct
 * string is compared once here and rows are then sorted by integer rank.
 */
function rankStrings(values: readonly string[], locale: string): ReadonlyMap<string, number> {
  // Names barely change between live updates: reuse the last ranking while it still covers
  // every value (extra entries for removed rows do not disturb the order of the others).
  const cached = rankCache.get(locale)
  if (cached && values.every((v) => cached.has(v))) return cached
  const unique = [...new Set([...values, ...(cached?.keys() ?? [])])].sort(collator(locale).compare)
  const ranks = new Map(unique.map((v, i) => [v, i]))
  rankCache.set(locale, ranks)
  return ranks
}

const rankCache = new Map<string, Map<string, number>>()

function timeOf(iso: string | null): number | null {
  if (iso === null) return null
  const ms = Date.parse(iso)
  return Number.isNaN(ms) ? null : ms
}

/**
 * Sorts a copy of `list` by `key`. Missing values (null RTT, never seen…) always go last,
 * in either direction, so "sort by RTT" shows measured communes first. Ties fall back to
 * worst state first, then name, then code, so the order is stable across live updates.
 * The state column sorts by attention rank (down > critical > unknown > warning > ok).
 * @param locale collation for names and clusters.
 */
export function sortCommunes(
  list: readonly CommuneSummary[],
  key: SortKey,
  dir: SortDir,
  locale = 'vi-VN',
): CommuneSummary[] {
  const names = rankStrings(
    list.map((c) => c.name),
    locale,
  )
  const clusters = key === 'cluster' ? rankStrings(list.map((c) => c.cluster), locale) : null
  const value = (c: CommuneSummary): number | null => {
    switch (key) {
      case 'state':
        return ATTENTION_RANK[c.state]
      case 'name':
        return names.get(c.name) ?? 0
      case 'code':
        return null // compared as strings below
      case 'cluster':
        return clusters?.get(c.cluster) ?? 0
      case 'rtt':
        return c.rttSeconds
      case 'loss':
        return c.lossRatio
      case 'download':
        // Share of the contract: a 57 Mbit/s line on 100 sorts below 150 on 200.
        return c.throughput?.downloadBytesPerSecond != null ? c.throughput.downloadBytesPerSecond / c.throughput.contractedBytesPerSecond : null
      case 'upload':
        return c.throughput?.uploadBytesPerSecond != null ? c.throughput.uploadBytesPerSecond / c.throughput.contractedBytesPerSecond : null
      case 'contracted':
        return c.contractedMbps
      case 'utilization':
        return c.utilizationRatio
      case 'mos':
        return c.mos
      case 'gaps':
        return c.openGaps
      case 'since':
        return timeOf(c.since)
      case 'lastSeen':
        return timeOf(c.lastSeenAt)
    }
  }
  const sign = dir === 'asc' ? 1 : -1
  const decorated = list.map((c) => ({ c, v: value(c), n: names.get(c.name) ?? 0 }))
  decorated.sort((a, b) => {
    if (key === 'code') {
      const d = a.c.code < b.c.code ? -1 : a.c.code > b.c.code ? 1 : 0
      if (d !== 0) return d * sign
    } else if (a.v !== b.v) {
      if (a.v === null) return 1
      if (b.v === null) return -1
      return (a.v - b.v) * sign
    }
    const rank = ATTENTION_RANK[b.c.state] - ATTENTION_RANK[a.c.state]
    if (rank !== 0) return rank
    if (a.n !== b.n) return a.n - b.n
    return a.c.code < b.c.code ? -1 : a.c.code > b.c.code ? 1 : 0
  })
  return decorated.map((d) => d.c)
}

/**
 * Communes that need attention, most urgent first: every non-ok commune by attention rank
 * (down, critical, unknown, warning), then ok communes whose line or endpoint is flapping
 * (in `flapping`); within a rank the longest-standing problem first (an outage of hours is
 * worse than one of minutes; a missing `since` counts as oldest), then by code.
 */
export function attentionOrder(list: readonly CommuneSummary[], flapping: ReadonlySet<string> = new Set()): CommuneSummary[] {
  return list
    .filter((c) => c.state !== 'ok' || flapping.has(c.code))
    .map((c) => ({ c, since: timeOf(c.since) ?? Number.NEGATIVE_INFINITY }))
    .sort((a, b) => {
      const rank = ATTENTION_RANK[b.c.state] - ATTENTION_RANK[a.c.state]
      if (rank !== 0) return rank
      if (a.since !== b.since) return a.since - b.since
      return a.c.code < b.c.code ? -1 : a.c.code > b.c.code ? 1 : 0
    })
    .map((x) => x.c)
}
