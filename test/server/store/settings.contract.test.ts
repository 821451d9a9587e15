/** The settings repository's contract, run against the SQLite and the in-memory implementation. */
import { afterEach, describe, expect, it } from 'vitest'
import { openDatabase, type OpenedDb } from '../../../server/store/db'
import { createMemorySettingsRepo, createSettingsRepo, type SettingsRepo } from '../../../server/store/settings'

const opened: OpenedDb[] = []
afterEach(() => {
  for (const o of opened.splice(0)) o.close()
})

const IMPLEMENTATIONS: Array<[string, () => SettingsRepo]> = [
  [
    'SQLite',
    () => {
      const o = openDatabase(':memory:')
      opened.push(o)
      return createSettingsRepo(o.db)
    },
  ],
  ['in-memory', createMemorySettingsRepo],
]

describe.each(IMPLEMENTATIONS)('settings repository contract: %s', (_name, make) => {
  it('reads undefined for a key never set, and an empty value as empty', () => {
    const repo = make()
    expect(repo.get('province.name')).toBeUndefined()
    repo.set('province.name', '')
    expect(repo.get('province.name')).toBe('')
  })

  it('replaces a value and keeps keys apart', () => {
    const repo = make()
    repo.set('a', '1')
    repo.set('b', 'Tỉnh Nghệ An')
    repo.set('a', '2')
    expect(repo.get('a')).toBe('2')
    expect(repo.get('b')).toBe('Tỉnh Nghệ An')
  })

  it('forgets a deleted key; deleting a missing key is no error', () => {
    const repo = make()
    repo.set('demo', '1')
    repo.delete('demo')
    repo.delete('never-set')
    expect(repo.get('demo')).toBeUndefined()
  })
})
