/**
 * Property tests of the write routes (issue 12, done-when 2), part 1: the route list and the
 * harness itself. The list is `ROUTE_ACCESS`'s POST/PUT/PATCH routes: each has a case in
 * `test/helpers/route-cases.ts` (run by properties-<area>.test.ts) or a reason in `SKIPPED`; a
 * new write route with neither is fuzzed here with the generic case until it gets its own.
 */
import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { ROUTE_ACCESS, type RouteKey } from '../../../server/access'
import { CASES, SKIPPED, genericCase } from '../../helpers/route-cases'
import { DbWatch, NUM_RUNS, checkRoute, closeWorld, differences, mutate, openWorld, schemaTables, summary, writeRoutes, type Json } from '../../helpers/route-properties'

const covered = new Set(Object.values(CASES).map((c) => c.route))
const uncovered = writeRoutes().filter((r) => !covered.has(r) && SKIPPED[r] === undefined)

describe('route properties: the list of write routes', () => {
  it('takes every POST, PUT and PATCH route of the access table: a case, a skip with its reason, or the generic case', () => {
    const all = writeRoutes()
    expect(all.length).toBeGreaterThan(20)
    for (const c of Object.values(CASES)) expect(ROUTE_ACCESS).toHaveProperty([c.route])
    for (const [route, reason] of Object.entries(SKIPPED)) {
      expect(all).toContain(route as RouteKey)
      expect(reason?.length ?? 0).toBeGreaterThan(20)
      expect(covered.has(route as RouteKey)).toBe(false)
    }
    // The import route is one entry of the table and three cases (communes, targets, gaps).
    expect(Object.values(CASES).filter((c) => c.route === 'POST /api/v1/:kind{communes|targets|gaps}/import')).toHaveLength(3)
  })

  for (const route of uncovered) {
    it(`${route} (generic case: no dedicated generators yet)`, async () => {
      const st = await checkRoute(route, genericCase(route))
      console.log(summary(route, st))
      expect(st.runs).toBe(NUM_RUNS)
    }, 180_000)
  }
})

describe('route properties: the generators', () => {
  const body: Json = { code: 'KS-ML', name: 'Xã Mường Lống', scope: { communes: ['KS-ML', 'KS-NN'] } }
  const m = { at: 0, key: '__proto__', value: 'rác', times: 21 }

  it('mutates a copy: drop, replace, extra keys (__proto__ as an own key), wrap and grow', () => {
    const copy = structuredClone(body)
    expect(mutate(body, { ...m, op: 'drop', at: 1 })).toEqual({ name: 'Xã Mường Lống', scope: { communes: ['KS-ML', 'KS-NN'] } })
    expect(mutate(body, { ...m, op: 'replace', at: 2 })).toEqual({ ...copy, name: 'rác' })
    expect(JSON.stringify(mutate(body, { ...m, op: 'extra', at: 0 }))).toBe('{"code":"KS-ML","name":"Xã Mường Lống","scope":{"communes":["KS-ML","KS-NN"]},"__proto__":"rác"}')
    expect(mutate(body, { ...m, op: 'wrap', at: 4 })).toEqual({ ...copy, scope: { communes: [['KS-ML', 'KS-NN']] } })
    expect((mutate(body, { ...m, op: 'grow', at: 0 }) as { scope: { communes: string[] } }).scope.communes).toHaveLength(21)
    expect(body).toEqual(copy)
  })

  it('the generic case of a route without its own generators runs and checks like the others', async () => {
    const st = await checkRoute('POST /api/v1/communes', { ...genericCase('POST /api/v1/communes'), numRuns: 200 })
    expect(st.runs).toBe(200)
    expect(Object.keys(st.byStatus).some((k) => k.startsWith('422'))).toBe(true)
  }, 60_000)
})

describe('route properties: the database watch', () => {
  it('fingerprints every table of the database, and the schema names them all', async () => {
    const w = await openWorld()
    try {
      const inDb = (w.s.opened.sqlite.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '__drizzle%' ORDER BY name").pluck().all() as string[]).sort()
      expect(schemaTables()).toEqual(inDb)
    } finally {
      await closeWorld(w)
    }
  })

  it('sees a row stored while it held the snapshot, and not a write that was rolled back', async () => {
    const w = await openWorld()
    const watch = new DbWatch(join(w.s.dir, 'xanh.db'), w.s.opened.sqlite)
    try {
      const db = w.s.opened.sqlite
      const before0 = watch.changes()
      watch.pin()
      try {
        db.transaction(() => {
          db.prepare("UPDATE communes SET name = 'Xã đổi tên' WHERE code = 'KS-ML'").run()
          throw new Error('roll back')
        })()
      } catch {
        // rolled back
      }
      expect(watch.changes()).toBeGreaterThan(before0) // a write was attempted…
      const a = watch.fingerprint()
      watch.release()
      expect(differences(a, watch.fingerprint())).toEqual([]) // …but nothing was stored

      watch.pin()
      db.prepare("UPDATE communes SET notes = 'ghi chú mới' WHERE code = 'KS-ML'").run()
      const b = watch.fingerprint()
      watch.release()
      expect(differences(b, watch.fingerprint())).toEqual(['communes: 3→3 rows (content changed)'])
      // A column the rule lets change is not a difference; a new row counted by addsRows is not either.
      watch.pin()
      db.prepare("UPDATE probes SET clock_offset_ms = 1234 WHERE id = ?").run(w.probeId)
      db.prepare("INSERT INTO audit_log (at, actor, action, entity) VALUES (1, 'ai-do', 'sign-in-failed', 'session')").run()
      const rules = { probes: ['clock_offset_ms'], audit_log: { addsRows: 1 } } as const
      const c = watch.fingerprint(rules)
      watch.release()
      expect(differences(c, watch.fingerprint(rules), rules)).toEqual([])
    } finally {
      watch.close()
      await closeWorld(w)
    }
  })
})

describe('route properties: counterexamples they found', () => {
  // POST /api/v1/communes/import, YAML nested ~1,000 deep (found widening the import
  // generator's nesting): the YAML composer overflowed the stack, and on the second such file V8
  // aborted the whole process ("FATAL ERROR: RegExpCompiler Allocation failed"), taking the
  // worker down. 2 KB bodies were enough.
  it('deeply nested YAML imports are refused, and the server is still there afterwards', async () => {
    const w = await openWorld()
    try {
      for (const body of ['['.repeat(1000) + ']'.repeat(1000), '['.repeat(1000) + ']'.repeat(1000), '['.repeat(20_000) + ']'.repeat(20_000), `${'- '.repeat(20_000)}x\n`]) {
        const res = await w.s.runtime.app.request('/api/v1/communes/import?dryRun=1', { method: 'POST', headers: { ...w.headers.admin, 'content-type': 'application/yaml' }, body })
        expect(res.status).toBe(200)
        expect(await res.json()).toMatchObject({ valid: false, issues: [{ line: 1, path: '(file)' }] })
      }
    } finally {
      await closeWorld(w)
    }
  })

  // PATCH /api/v1/communes/:code, seed 1019967374, case 7863 of 10,000: a name of lone UTF-16
  // surrogates passes the 200-character limit, SQLite stores each as three U+FFFD, and the next
  // PATCH re-validated the stored row with CommuneInput.parse, whose ZodError became a 500.
  it('a PATCH of a commune whose stored row no longer validates is a 4xx naming the field, not a 500', async () => {
    const w = await openWorld()
    try {
      const patch = (body: string) => w.s.runtime.app.request('/api/v1/communes/KS-NN', { method: 'PATCH', headers: { ...w.headers.admin, 'content-type': 'application/json' }, body })
      await patch(`{"name":"${'\\ud800'.repeat(67)}"}`)
      const res = await patch('{}')
      expect(res.status).toBeLessThan(500)
      if (res.status >= 400) expect(((await res.json()) as { error: { code: string; path: string } }).error).toMatchObject({ code: 'E_VALIDATION', path: 'name' })
    } finally {
      await closeWorld(w)
    }
  })
})
