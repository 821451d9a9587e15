/**
 * The database-admin contract (SQLite, its only implementation): facts about the file, an online
 * copy, and a version that moves only when another connection writes.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CommuneInput } from '../../../protocol'
import { MIGRATIONS_DIR, openDatabase, type OpenedDb } from '../../../server/store/db'
import { Store } from '../../../server/store/store'

let dir: string
const opened: OpenedDb[] = []
const open = (): Store => {
  const o = openDatabase(join(dir, 'xanh.db'))
  opened.push(o)
  return Store.fromOpened(o)
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'xanh-admin-'))
})
afterEach(() => {
  for (const o of opened.splice(0)) o.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('database admin contract: SQLite', () => {
  it('counts every committed migration as applied', () => {
    const committed = readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql')).length
    expect(committed).toBeGreaterThan(0)
    expect(open().database.appliedMigrations()).toBe(committed)
  })

  it("changes the data version on another connection's write, not on its own", () => {
    const server = open()
    const cli = open()
    const v0 = server.database.dataVersion()
    server.setSetting('province.name', 'Tỉnh Nghệ An')
    expect(server.database.dataVersion()).toBe(v0)
    cli.setSetting('province.name', 'Tỉnh Hà Tĩnh')
    expect(server.database.dataVersion()).not.toBe(v0)
  })

  it('counts rows per table and copies the database to a file that opens with the same rows', async () => {
    const store = open()
    store.upsertCommune(CommuneInput.parse({ code: '17001', name: 'Xã An', lat: 18.7, lon: 105.7 }))
    const stats = store.database.stats()
    expect(stats.tables.find((t) => t.table === 'communes')?.rows).toBe(1)
    expect(stats.fileBytes).toBe(stats.pages * stats.pageSize)

    const copy = join(dir, 'copy.db')
    const written = await store.database.backup(copy)
    expect(written.bytes).toBe(written.pages * stats.pageSize)
    const o = openDatabase(copy)
    opened.push(o)
    expect(Store.fromOpened(o).listCommunes().map((c) => c.code)).toEqual(['17001'])
    expect(readdirSync(dir).filter((f) => f.endsWith('.partial'))).toEqual([])
  })
})
