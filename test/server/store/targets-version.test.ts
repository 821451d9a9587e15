/**
 * `Store.targetsVersion` lets ingest cache what it derives from the targets table (a probe's
 * config ETag, target owners) without a query per batch: it must move on every change of the
 * table, through the server's connection (cascades and SET NULL included) or another one (a
 * CLI in another process), and `targetOwners` must answer from the table as it is now.
 */
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { TargetInput } from '../../../protocol'
import type { Store } from '../../../server/store/store'
import { createTempStore } from '../inventory/temp-store'

let store: Store
let dir: string
let dispose: () => void
let probeId: string

const target = (id: string, over: Partial<TargetInput> = {}): TargetInput => ({ id, communeCode: 'A', kind: 'icmp', host: '127.0.0.1', role: 'line', parents: [], options: {}, enabled: true, probeId: null, ...over })

beforeEach(() => {
  ;({ store, dir, dispose } = createTempStore())
  store.upsertCommune({ code: 'A', name: 'A', kind: 'xa', districtCluster: '', lat: 19, lon: 105, contractedMbps: 100, priority: 0, notes: '' })
  probeId = store.createProbe('tram-a', '').probe.id
})
afterEach(() => dispose())

/** Runs `write` and says whether the version moved. */
function moves(write: () => void): boolean {
  const before = store.targetsVersion()
  write()
  return store.targetsVersion() !== before
}

describe('Store.targetsVersion', () => {
  it('moves on every write to targets through the store, and only then', () => {
    expect(moves(() => store.upsertTarget(target('t1', { probeId })))).toBe(true)
    expect(moves(() => store.upsertTarget(target('t1', { probeId, intervalSeconds: 30 })))).toBe(true)
    expect(moves(() => store.upsertTarget(target('t2')))).toBe(true)
    expect(moves(() => store.deleteTarget('t2'))).toBe(true)
    expect(moves(() => store.touchProbe(probeId, Date.now(), '0.2.0', 0, 5))).toBe(false)
    expect(moves(() => store.upsertCommune({ code: 'B', name: 'B', kind: 'xa', districtCluster: '', lat: 19, lon: 105, contractedMbps: 100, priority: 0, notes: '' }))).toBe(false)
    expect(store.targetsVersion()).toBe(store.targetsVersion())
  })

  it('moves when a deleted probe hands its targets to the embedded one, and when a deleted commune takes its targets along', () => {
    store.upsertTarget(target('t1', { probeId }))
    expect(moves(() => store.deleteProbe(probeId))).toBe(true)
    expect(store.targetOwners().get('t1')).toBeNull()
    expect(moves(() => store.deleteCommune('A'))).toBe(true)
    expect(store.targetOwners().has('t1')).toBe(false)
  })

  it('moves when another connection changes the targets, not when it writes elsewhere', () => {
    store.upsertTarget(target('t1', { probeId }))
    const other = new Database(join(dir, 'xanh.db'))
    try {
      expect(moves(() => other.prepare("UPDATE communes SET name = 'A2' WHERE code = 'A'").run())).toBe(false)
      expect(moves(() => other.prepare('UPDATE targets SET probe_id = NULL, updated_at = updated_at + 1 WHERE id = ?').run('t1'))).toBe(true)
      expect(store.targetOwners().get('t1')).toBeNull()
      expect(moves(() => other.prepare('DELETE FROM targets WHERE id = ?').run('t1'))).toBe(true)
      expect(store.targetOwners().has('t1')).toBe(false)
    } finally {
      other.close()
    }
  })
})

describe('Store.targetOwners', () => {
  it('names the probe of every target (null: the embedded probe), enabled or not', () => {
    store.upsertTarget(target('t1', { probeId }))
    store.upsertTarget(target('t2', { enabled: false }))
    expect(store.targetOwners()).toEqual(
      new Map<string, string | null>([
        ['t1', probeId],
        ['t2', null],
      ]),
    )
  })

  it('follows a target moved between probes right away', () => {
    const other = store.createProbe('tram-b', '').probe.id
    store.upsertTarget(target('t1', { probeId }))
    expect(store.targetOwners().get('t1')).toBe(probeId)
    store.upsertTarget(target('t1', { probeId: other }))
    expect(store.targetOwners().get('t1')).toBe(other)
  })
})
