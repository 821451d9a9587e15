/**
 * The state log repository's contract, run against every implementation: the SQLite one the
 * server uses and the in-memory one for tests above the store. Same inputs, same answers.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { openDatabase, type OpenedDb } from '../../../server/store/db'
import { createMemoryStateLogRepo, createStateLogRepo, type StateLogEntry, type StateLogRepo } from '../../../server/store/state-log'

/** A fresh, empty repository and how to dispose of it. */
type Make = () => { repo: StateLogRepo; close: () => void }

const opened: OpenedDb[] = []
afterEach(() => {
  for (const o of opened.splice(0)) o.close()
})

const IMPLEMENTATIONS: Array<[string, Make]> = [
  [
    'SQLite',
    () => {
      const o = openDatabase(':memory:')
      opened.push(o)
      return { repo: createStateLogRepo(o.sqlite), close: () => undefined }
    },
  ],
  ['in-memory', () => ({ repo: createMemoryStateLogRepo(), close: () => undefined })],
]

const row = (entityId: string, at: number, state: StateLogEntry['state'], entity: StateLogEntry['entity'] = 'commune'): StateLogEntry => ({ entity, entityId, at, state })

describe.each(IMPLEMENTATIONS)('state log repository contract: %s', (_name, make) => {
  it('is empty at first', () => {
    const { repo } = make()
    expect(repo.latest()).toEqual([])
    expect(repo.newestAt()).toBeNull()
    expect(repo.first('commune', 'A')).toBeNull()
    expect(repo.before('commune', 'A', 1000)).toBeUndefined()
    expect(repo.changes('commune', 'A', 0, 1000)).toEqual([])
  })

  it('answers the state before a period, the changes inside it (from inclusive, to exclusive) and the first row', () => {
    const { repo } = make()
    repo.append([row('A', 100, 'unknown'), row('A', 200, 'ok'), row('A', 300, 'down'), row('A', 400, 'ok'), row('A', 500, 'warning')])
    expect(repo.first('commune', 'A')).toBe(100)
    expect(repo.before('commune', 'A', 300)).toEqual({ at: 200, state: 'ok' })
    expect(repo.before('commune', 'A', 100)).toBeUndefined()
    expect(repo.before('commune', 'A', 10_000)).toEqual({ at: 500, state: 'warning' })
    expect(repo.changes('commune', 'A', 300, 500)).toEqual([
      { at: 300, state: 'down' },
      { at: 400, state: 'ok' },
    ])
    expect(repo.changes('commune', 'A', 501, 600)).toEqual([])
  })

  it('keeps entities apart: same id as commune and target, and other ids', () => {
    const { repo } = make()
    repo.append([row('X', 100, 'ok', 'commune'), row('X', 150, 'down', 'target'), row('Y', 120, 'critical')])
    expect(repo.changes('commune', 'X', 0, 1000)).toEqual([{ at: 100, state: 'ok' }])
    expect(repo.changes('target', 'X', 0, 1000)).toEqual([{ at: 150, state: 'down' }])
    expect(repo.first('target', 'X')).toBe(150)
    expect(repo.before('commune', 'Y', 1000)).toEqual({ at: 120, state: 'critical' })
    expect(repo.newestAt()).toBe(150)
  })

  it('orders rows of one instant by append order, in every read', () => {
    const { repo } = make()
    // A transition and the downtime marker logged at the same instant (the restart case).
    repo.append([row('A', 100, 'ok'), row('A', 300, 'warning')])
    repo.append([row('A', 300, 'unknown')])
    expect(repo.changes('commune', 'A', 300, 301)).toEqual([
      { at: 300, state: 'warning' },
      { at: 300, state: 'unknown' },
    ])
    expect(repo.before('commune', 'A', 301)).toEqual({ at: 300, state: 'unknown' })
    expect(repo.latest()).toEqual([row('A', 300, 'unknown')])
  })

  it('gives each entity its newest row by time, whatever the append order', () => {
    const { repo } = make()
    repo.append([row('A', 500, 'down'), row('A', 100, 'ok'), row('B', 50, 'ok', 'target')])
    const latest = repo.latest().sort((a, b) => a.entityId.localeCompare(b.entityId))
    expect(latest).toEqual([row('A', 500, 'down'), row('B', 50, 'ok', 'target')])
    expect(repo.changes('commune', 'A', 0, 1000)).toEqual([
      { at: 100, state: 'ok' },
      { at: 500, state: 'down' },
    ])
    expect(repo.first('commune', 'A')).toBe(100)
  })

  it('appends nothing for an empty batch', () => {
    const { repo } = make()
    repo.append([])
    expect(repo.latest()).toEqual([])
  })
})

describe('SQLite state log', () => {
  it('appends a batch all or none', () => {
    const o = openDatabase(':memory:')
    opened.push(o)
    const repo = createStateLogRepo(o.sqlite)
    repo.append([row('A', 100, 'ok')])
    // NOT NULL rejects the second row: the first row of the batch must not stay.
    const bad = { ...row('A', 300, 'ok'), entityId: null } as unknown as StateLogEntry
    expect(() => repo.append([row('A', 200, 'down'), bad])).toThrow()
    expect(repo.changes('commune', 'A', 0, 1000)).toEqual([{ at: 100, state: 'ok' }])
  })

})
