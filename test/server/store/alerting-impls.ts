/**
 * The implementations of the alerting repositories every contract suite in this folder runs
 * against: the Store over a fresh SQLite database (migrated, in memory), and the in-memory one.
 */
import { openDatabase } from '../../../server/store/db'
import { createMemoryAlertingRepos } from '../../../server/store/memory/alerting-repos'
import { Store } from '../../../server/store/store'
import type { AlertingRepos } from '../../../server/store/types'

/** One implementation: a fresh, empty instance per call, and how to let it go. */
export interface AlertingImpl {
  name: string
  make(): { repos: AlertingRepos; close(): void }
}

export const ALERTING_IMPLS: AlertingImpl[] = [
  {
    name: 'sqlite',
    make() {
      const opened = openDatabase(':memory:')
      return { repos: new Store(opened.sqlite, opened.db), close: () => opened.sqlite.close() }
    },
  },
  {
    name: 'memory',
    make() {
      return { repos: createMemoryAlertingRepos(), close() {} }
    },
  },
]
