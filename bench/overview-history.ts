/**
 * Times `GET /api/v1/overview` and `GET /api/v1/overview/history` over the generated national
 * inventory (3,321 communes) with 30 days of state log: every commune changing state a few times
 * a day, one in twenty flapping (about 100 changes a day). Run: `BENCH_ONLY=history npm run bench`.
 *
 * Reference: one hand-written SQL statement (window function) summing every commune's up and
 * down time over the same 24 hours — less than the rebuild does (no maintenance, no strip, no
 * state before the period), so the ratio is an upper bound of the overhead. Also printed: the
 * longest the event loop was held during the first (cold) build, which yields between days.
 * @module
 */
import { generateCommunes } from '../scripts/generate-inventory'
import { commune, makeTestServer, udpTarget } from '../test/helpers/server'
import type { State } from '../protocol'

const DAY = 86_400_000

/** Runs the benchmark over the national inventory; returns printable lines. */
export async function benchOverviewHistory(): Promise<string[]> {
  const communes = generateCommunes()
  const server = makeTestServer({
    communes: communes.map((c) => commune(c.code, { name: c.name, districtCluster: c.cluster, lat: c.lat, lon: c.lon })),
    targets: communes.map((c) => udpTarget(`${c.code.toLowerCase()}-line`, c.code)),
  })
  const now = server.clock.now
  const from = now - 31 * DAY
  const insert = server.opened.sqlite.prepare('INSERT INTO state_log (entity, entity_id, at, state) VALUES (?, ?, ?, ?)')
  let rows = 0
  let seed = 7
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648)
  const STATES: State[] = ['ok', 'warning', 'critical', 'down', 'unknown']
  server.opened.sqlite.transaction(() => {
    server.opened.sqlite.prepare('DELETE FROM state_log').run()
    communes.forEach((c, i) => {
      const perDay = i % 20 === 0 ? 100 : 4
      let t = from
      insert.run('commune', c.code, t, 'unknown')
      rows++
      while (t < now) {
        t += (rnd() * 2 * DAY) / perDay
        if (t >= now) break
        insert.run('commune', c.code, Math.round(t), rnd() < 0.6 ? 'ok' : (STATES[Math.floor(rnd() * 5)] as State))
        rows++
      }
    })
  })()
  const headers = server.as('viewer')
  async function time(path: string): Promise<{ ms: number; bytes: number }> {
    const t0 = performance.now()
    const res = await server.runtime.app.request(path, { headers })
    const body = await res.text()
    if (res.status !== 200) throw new Error(`${path} → ${res.status}`)
    return { ms: performance.now() - t0, bytes: body.length }
  }
  const out: Record<string, unknown> = { communes: communes.length, stateLogRows: rows }
  for (let i = 0; i < 3; i++) await time('/api/v1/overview')
  const ov: number[] = []
  for (let i = 0; i < 10; i++) ov.push((await time('/api/v1/overview')).ms)
  out.overviewMedianMs = ov.sort((a, b) => a - b)[5]
  let longestStall = 0
  let last = performance.now()
  const ticker = setInterval(() => {
    const t = performance.now()
    longestStall = Math.max(longestStall, t - last)
    last = t
  }, 1)
  const cold = await time('/api/v1/overview/history')
  clearInterval(ticker)
  out.historyColdMs = cold.ms
  out.historyColdLongestEventLoopStallMs = longestStall
  out.historyBytes = cold.bytes
  const cached: number[] = []
  for (let i = 0; i < 10; i++) cached.push((await time('/api/v1/overview/history')).ms)
  out.historyCachedMedianMs = cached.sort((a, b) => a - b)[5]
  const rebuilt: number[] = []
  for (let i = 0; i < 3; i++) {
    server.clock.now += 61_000
    rebuilt.push((await time('/api/v1/overview/history')).ms)
  }
  out.historyRebuildMs = rebuilt
  const reference = server.opened.sqlite.prepare(`
    SELECT id, sum(CASE WHEN state = 'down' THEN nxt - at ELSE 0 END) AS down, sum(CASE WHEN state IN ('ok', 'warning', 'critical') THEN nxt - at ELSE 0 END) AS up
    FROM (SELECT entity_id AS id, state, at, coalesce(lead(at) OVER (PARTITION BY entity_id ORDER BY at, id), ?) AS nxt FROM state_log WHERE entity = 'commune' AND at >= ? AND at < ?)
    GROUP BY id`)
  const refMs: number[] = []
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now()
    reference.all(server.clock.now, server.clock.now - DAY, server.clock.now)
    refMs.push(performance.now() - t0)
  }
  out.referenceSqlMs = refMs
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number
  out.rebuildVsReference = Number((median(rebuilt) / median(refMs)).toFixed(2))
  server.close()
  const ms = (x: number): string => `${x.toFixed(0)} ms`
  return [
    `overview history: ${out.communes} communes, ${out.stateLogRows} state-log rows over 30 days`,
    `  /overview median ${ms(out.overviewMedianMs as number)}; /overview/history cold ${ms(out.historyColdMs as number)} (longest event-loop stall ${ms(out.historyColdLongestEventLoopStallMs as number)}), cached median ${ms(out.historyCachedMedianMs as number)}, ${((out.historyBytes as number) / 1024).toFixed(0)} KiB`,
    `  rebuild ${(out.historyRebuildMs as number[]).map(ms).join(', ')} vs hand-written SQL ${(out.referenceSqlMs as number[]).map(ms).join(', ')} → ratio ${out.rebuildVsReference}`,
  ]
}
