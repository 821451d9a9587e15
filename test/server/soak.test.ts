/**
 * Issue 15, long runs: a compressed soak. Days of a small troubled province (20 communes, a line
 * and an MCU behind it each, results every 15 s) pass on an injected clock in about a minute,
 * through the real runtime: results posted to the real ingest route with the probe's token, the
 * engine and alerting ticked, notifications delivered to a webhook receiver on 127.0.0.1, the
 * storage jobs run at their configured cadence. Retention is shortened in the config so several
 * retention periods pass. Every simulated hour the heap (after a full GC) and the rows of every
 * table are sampled; the test asserts the heap stays flat after the first day and every table
 * stops growing once its retention applies, and prints a per-day table.
 *
 * Cadence, chosen so the semantics hold at the least CPU (each tick and each request has a fixed
 * cost of about a millisecond, and there are 17,280 15-second rounds in 3 days):
 * - One batch per 30 s, holding each target's two results of that time (an agent batches what it
 *   observed while it waited; bench/ and the route tests cover one-round batches). A result is
 *   then at most 30 s old when the next one arrives, under the 45 s (3 intervals) after which a
 *   target turns unknown, so no target reads as silent that is not. A 60-second batch breaks this
 *   (every target flips to unknown each minute: 170,000 state changes a day).
 * - One tick per 15-second round (main.ts ticks every `state.tickSeconds`, 1 s). What a tick
 *   advances is due at a coarser grain: unknown after 45 s, alert groups wait 30 s, are spaced
 *   5 min apart and repeated every 4 h, retries back off from 5 s; a 15-second tick moves each of
 *   those by at most 15 s and skips none (results change state once per interval at most).
 * - Storage jobs as main.ts's timers run them: fold every `rollupEverySeconds` (10 s: every
 *   round), retention every `retentionEverySeconds` (raised here to 10 min: a sweep walks every
 *   rollup series, and 10 min is far below the shortest horizon, 12 h).
 */
import v8 from 'node:v8'
import vm from 'node:vm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CheckResult } from '../../protocol'
import { commune, makeTestServer, result, udpTarget, type TestServer } from '../helpers/server'
import { startRecordServer, type RecordServer } from '../helpers/record-server'
import { prng } from '../helpers/prng'

const DAYS = Math.max(3, Number(process.env.XANH_SOAK_DAYS ?? 3))
const COMMUNES = 20
const ROUND_MS = 15_000
const BATCH_MS = 30_000
const TICK_MS = 15_000
const HOUR = 3_600_000
const DAY = 24 * HOUR
const START = Date.parse('2026-11-24T00:00:00Z')

/**
 * Retention under test: raw results 12 h, 5-minute rollups 1 day, hourly ones 1.5 days; state
 * changes, resolved incidents and finished notifications 1 day. Three days pass 2 to 6 of them.
 */
const RETENTION = { rawDays: 0.5, rollup5mDays: 1, rollup1hDays: 1.5, stateLogDays: 1, rollupEverySeconds: 10, retentionEverySeconds: 600, chunkMinutes: 15 }
const CONFIG_YAML = `retention: ${JSON.stringify(RETENTION)}\nalerting:\n  groupWaitSeconds: 30\n`

/**
 * A full collection, without starting node with --expose-gc: V8 flags can be set at run time,
 * and a fresh context then exposes `gc`: the file runs with a plain `npx vitest run`.
 */
v8.setFlagsFromString('--expose-gc')
const gc = vm.runInNewContext('gc') as () => void

const code = (i: number): string => `C${String(i).padStart(2, '0')}`
const inHours = (at: number, from: number, to: number): boolean => {
  const h = (at % DAY) / HOUR
  return h >= from && h < to
}

/**
 * The province's day: C00's line is cut 01:00–04:00 every day (its MCU behind it fails too),
 * C01 and C02's MCUs flap 08:00–10:00, C03's line loses 15 % 18:00–20:00 (degraded), C04's MCU
 * says nothing 12:00–13:30 (unknown), C05's whole commune goes silent 22:00–23:00; elsewhere a
 * rare lost round. `undefined`: no result this round.
 */
function outcome(targetIndex: number, at: number, rnd: () => number): { ok: boolean; loss: number } | undefined {
  const c = Math.floor(targetIndex / 2)
  const mcu = targetIndex % 2 === 1
  const down = { ok: false, loss: 1 }
  if (c === 0 && inHours(at, 1, 4)) return down
  if ((c === 1 || c === 2) && mcu && inHours(at, 8, 10)) return rnd() < 0.4 ? down : { ok: true, loss: 0 }
  if (c === 3 && !mcu && inHours(at, 18, 20)) return { ok: true, loss: 0.15 }
  if (c === 4 && mcu && inHours(at, 12, 13.5)) return undefined
  if (c === 5 && inHours(at, 22, 23)) return undefined
  return rnd() < 0.001 ? down : { ok: true, loss: 0 }
}

interface Sample {
  at: number
  heapBytes: number
  rows: Record<string, number>
  openResults: number
  logRows: number
}

let s: TestServer
let receiver: RecordServer
const samples: Sample[] = []
let delivered = 0
let posted = 0
let runSeconds = 0

beforeAll(async () => {
  receiver = await startRecordServer()
  const communes = Array.from({ length: COMMUNES }, (_, i) => commune(code(i), { districtCluster: `Cụm ${i % 4}` }))
  const targets = communes.flatMap((c) => [
    udpTarget(`${c.code}-line`, c.code, 'line'),
    udpTarget(`${c.code}-mcu`, c.code, 'mcu', { parents: [`${c.code}-line`] }),
  ])
  s = makeTestServer({ communes, targets, configYaml: CONFIG_YAML })
  s.clock.now = START
  for (let g = 0; g < 4; g++) {
    s.runtime.store.supportGroups.create({ name: `Tổ ${g}`, channels: [{ type: 'webhook', url: `${receiver.url}/g${g}` }], communes: [], clusters: [`Cụm ${g}`], escalation: [] })
  }
  s.runtime.reloadInventory()

  const rnd = prng(15)
  const ids = targets.map((t) => t.id)
  const storage = s.runtime.storage
  let lastFold = START
  let lastRetention = START
  let nextSample = START + HOUR
  let results: CheckResult[] = []
  const started = performance.now()
  for (let round = START; round < START + DAYS * DAY; round += ROUND_MS) {
    // Each target's result of the round just ended, observed at its own offset within it.
    for (let i = 0; i < ids.length; i++) {
      const at = round - ROUND_MS + 200 * i
      const o = outcome(i, at, rnd)
      if (!o) continue
      results.push(
        result(ids[i] as string, at, {
          ok: o.ok,
          ...(o.ok ? {} : { error: 'timeout after 5s waiting for echo' }),
          m: { loss_ratio: o.loss, received: Math.round(50 * (1 - o.loss)) },
        }),
      )
    }
    if ((round - START) % BATCH_MS === BATCH_MS - ROUND_MS && results.length > 0) {
      const res = await s.runtime.app.request('/api/v1/ingest', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${s.token}` },
        body: JSON.stringify({ protocolVersion: 1, probeId: s.probeId, sentAt: new Date(s.clock.now).toISOString(), results }),
      })
      if (res.status !== 202) throw new Error(`ingest answered ${res.status}: ${await res.text()}`)
      posted += results.length
      results = []
    }
    for (let k = 0; k < ROUND_MS / TICK_MS; k++) {
      s.clock.now += TICK_MS
      s.runtime.tick()
      // Joins the round tick() started: deliveries to the loopback receiver end before time moves on.
      await s.runtime.alerting.outbox.deliverDue()
    }
    if (s.clock.now - lastFold >= RETENTION.rollupEverySeconds * 1000) {
      lastFold = s.clock.now
      await storage.fold()
    }
    if (s.clock.now - lastRetention >= RETENTION.retentionEverySeconds * 1000) {
      lastRetention = s.clock.now
      await storage.retention.run()
    }
    if (s.clock.now >= nextSample) {
      nextSample += HOUR
      delivered += receiver.requests.length
      // The receiver's record is the test's, not the server's memory: emptied before measuring.
      receiver.requests.length = 0
      gc()
      const facts = s.runtime.store.results.facts()
      samples.push({ at: s.clock.now, heapBytes: process.memoryUsage().heapUsed, rows: s.runtime.store.database.rowCounts(), openResults: facts.openResults, logRows: facts.logRows })
    }
  }
  runSeconds = (performance.now() - started) / 1000
}, DAYS * 40_000)

afterAll(async () => {
  s?.close()
  await receiver?.close()
})

const mb = (b: number): string => (b / 1048576).toFixed(1)
const day = (sample: Sample): number => Math.ceil((sample.at - START) / DAY)
const ofDay = (d: number): Sample[] => samples.filter((x) => day(x) === d)
const endOfDay = (d: number): Sample => ofDay(d).at(-1) as Sample

describe(`soak: ${DAYS} simulated days, ${COMMUNES * 2} targets every 15 s`, () => {
  it('ran the whole scenario: results, incidents, state changes and deliveries', () => {
    const last = samples.at(-1) as Sample
    const growing = Object.keys(last.rows).filter((t) => samples.some((x) => x.rows[t] !== samples[0]?.rows[t]))
    const lines = [`soak: ${DAYS} days in ${runSeconds.toFixed(1)} s, ${posted} results posted, ${delivered} webhook deliveries`]
    lines.push(['day', 'heap max MB', ...growing, 'open results', 'result_log'].join(' | '))
    for (let d = 1; d <= DAYS; d++) {
      const e = endOfDay(d)
      lines.push([d, mb(Math.max(...ofDay(d).map((x) => x.heapBytes))), ...growing.map((t) => e.rows[t]), e.openResults, e.logRows].join(' | '))
    }
    console.log(lines.join('\n'))
    expect(samples).toHaveLength(DAYS * 24)
    expect(delivered).toBeGreaterThan(DAYS * 4)
    // Every day opens incidents (C00's outage, the flapping MCUs, C04 and C05 silent): more than
    // the ones retention keeps at any time.
    expect(Math.max(...samples.map((x) => x.rows.incidents ?? 0))).toBeGreaterThanOrEqual(5)
    expect(last.rows.incident_events).toBeGreaterThan(0)
    expect(last.rows.state_log).toBeGreaterThan(COMMUNES * 3)
  })

  it('keeps the heap flat after the first day', () => {
    // Max over a day, after a full GC: day 1 builds the caches (windows, series, statements);
    // from day 2 a leak of even 20 bytes per result (~4.6 MB a day here) pushes past the margin.
    const warm = Math.max(...ofDay(1).map((x) => x.heapBytes))
    for (let d = 2; d <= DAYS; d++) {
      const max = Math.max(...ofDay(d).map((x) => x.heapBytes))
      expect(max, `day ${d}: ${mb(max)} MB vs day 1 ${mb(warm)} MB`).toBeLessThanOrEqual(warm * 1.15)
    }
  })

  it('bounds every table by its retention, and drains the batch log', () => {
    const targets = COMMUNES * 2
    const series = s.runtime.store.database.rowCounts().rollup_series as number
    const windowMs = RETENTION.chunkMinutes * 60_000
    // Each horizon's rows, plus the window being filled and one within its seal grace.
    const bound = {
      result_chunks: targets * ((RETENTION.rawDays * DAY) / windowMs + 2),
      rollups_5m: series * ((RETENTION.rollup5mDays * DAY + 2 * windowMs) / 300_000),
      rollups_1h: series * ((RETENTION.rollup1hDays * DAY) / HOUR + 2),
    }
    // From hour 48 every horizon (at most 1.5 days) has passed at least once.
    for (const x of samples.filter((y) => y.at - START >= 2 * DAY)) {
      const hour = (x.at - START) / HOUR
      for (const table of ['result_chunks', 'rollups_5m', 'rollups_1h'] as const) {
        expect(x.rows[table], `${table} at hour ${hour}`).toBeLessThanOrEqual(bound[table])
      }
      // Results not sealed yet (held in memory) and the batch log: two chunk windows at most.
      expect(x.openResults, `open results at hour ${hour}`).toBeLessThanOrEqual(targets * 2 * (windowMs / ROUND_MS))
      expect(x.logRows, `batch log at hour ${hour}`).toBeLessThanOrEqual(2 * (windowMs / BATCH_MS))
    }
    // Past every horizon one simulated day repeats the one before: no table (incidents, their
    // events, the outbox and the state log included) ends the last day with more rows than the
    // day before, beyond the noise of a day's random trouble (10 % + 10 rows).
    const prev = endOfDay(DAYS - 1)
    const last = endOfDay(DAYS)
    for (const table of Object.keys(last.rows)) {
      const before = prev.rows[table] as number
      expect(last.rows[table] as number, `${table}: ${before} → ${last.rows[table]}`).toBeLessThanOrEqual(before * 1.1 + 10)
    }
  })
})
