/**
 * View model of the commune table: search text, state filter and sort over the overview's
 * rows. Kept apart from the overview (business) model so the data and the way one user
 * looks at it change independently.
 * @module
 */
import { computed, createModel, signal, type ReadonlySignal } from '@preact/signals'
import type { CommuneSummary } from '../../../protocol'
import { filterCommunes, sortCommunes, type SortDir, type SortKey, type StateFilter } from './communes'

/** Dependencies of {@link CommuneTableModel}. */
export interface CommuneTableDeps {
  /** All rows, e.g. `OverviewModel.communes`. */
  communes: ReadonlySignal<readonly CommuneSummary[]>
  /** Collation locale for names; a signal so the order follows the UI language. */
  locale: ReadonlySignal<string>
}

/** Table state plus its actions. */
export interface CommuneTableState {
  query: ReadonlySignal<string>
  stateFilter: ReadonlySignal<StateFilter>
  sortKey: ReadonlySignal<SortKey>
  sortDir: ReadonlySignal<SortDir>
  /** Filtered and sorted rows. */
  rows: ReadonlySignal<readonly CommuneSummary[]>
  setQuery: (q: string) => void
  setStateFilter: (f: StateFilter) => void
  /** Sorts by `key`; clicking the current column again flips the direction. */
  toggleSort: (key: SortKey) => void
  /** Back to no search and all states. */
  clearFilters: () => void
}

/**
 * Direction a column starts in: problems and big numbers first for state, RTT, loss and
 * "since" (desc = most recent change first), alphabetical for the text columns.
 */
export function defaultDir(key: SortKey): SortDir {
  return key === 'name' || key === 'code' || key === 'cluster' ? 'asc' : 'desc'
}

/** Commune table view model; default order is worst state first. */
export const CommuneTableModel = createModel((deps: CommuneTableDeps): CommuneTableState => {
  const query = signal('', { name: 'table-query' })
  const stateFilter = signal<StateFilter>('all', { name: 'table-state-filter' })
  const sortKey = signal<SortKey>('state', { name: 'table-sort-key' })
  const sortDir = signal<SortDir>('desc', { name: 'table-sort-dir' })

  // Filtering and sorting are separate computeds so typing in the search box re-filters
  // an already sorted list instead of re-sorting 3,321 rows per keystroke.
  const sorted = computed(() => sortCommunes(deps.communes.value, sortKey.value, sortDir.value, deps.locale.value), {
    name: 'table-sorted',
  })
  const rows = computed(() => filterCommunes(sorted.value, query.value, stateFilter.value), { name: 'table-rows' })

  return {
    query,
    stateFilter,
    sortKey,
    sortDir,
    rows,
    setQuery: (q: string) => {
      query.value = q
    },
    setStateFilter: (f: StateFilter) => {
      stateFilter.value = f
    },
    toggleSort: (key: SortKey) => {
      if (sortKey.peek() === key) {
        sortDir.value = sortDir.peek() === 'asc' ? 'desc' : 'asc'
      } else {
        sortKey.value = key
        sortDir.value = defaultDir(key)
      }
    },
    clearFilters: () => {
      query.value = ''
      stateFilter.value = 'all'
    },
  }
})

/** An instance of {@link CommuneTableModel}. */
export type CommuneTableModel = InstanceType<typeof CommuneTableModel>
