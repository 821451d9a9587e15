/**
 * Bytes per stored result (issue 14): the chunked store against the compact raw anchor
 * `(target_id INTEGER, ts INTEGER, ok, rtt, loss, jitter)` + index on (target_id, ts), both
 * holding the same results. Results are shaped like a province's: 3 targets per commune
 * (udp_echo line and MCU path every 15 s, icmp every 15 s), values as the probes report them
 * (udp_echo at nanosecond resolution, fping's 0.01 ms, loss as k/n, jitter from differences),
 * 1 failed round in 200 with its error text. Written through the store's sealing path (the
 * path a flush takes), in time order, one window of every target after another.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDatabase } from '../server/store/db'
import { Store } from '../server/store/store'
import { rng, sample } from './data'

/** Runs the benchmark; returns a printable summary. */
export async function benchStorage(opts: { results: number; targets: number }): Promise<string[]> {
  const out: string[] = []
  const dir = mkdtempSync(join(tmpdir(), 'xanh-bench-storage-'))
  try {
    const intervalMs = 15_000
    const rounds = Math.ceil(opts.results / opts.targets)
    const t0 = Date.parse('2026-11-01T00:00:00Z')
    const r = rng(14)

    // Xanh: sealed through the store, one 15-minute window of every target per transaction.
    const opened = openDatabase(join(dir, 'xanh.db'))
    const store = new Store(opened.sqlite, opened.db)
    const perWindow = store.results.windowMs / intervalMs
    let written = 0
    let t = performance.now()
    const anchorRows: Array<[number, number, number, number | null, number | null, number | null]> = []
    const anchor = new (await import('better-sqlite3')).default(join(dir, 'anchor.db'))
    anchor.pragma('journal_mode = WAL')
    anchor.pragma('synchronous = NORMAL')
    anchor.exec('CREATE TABLE r (target_id INTEGER, ts INTEGER, ok INTEGER, rtt REAL, loss REAL, jitter REAL); CREATE INDEX r_tt ON r (target_id, ts)')
    const ins = anchor.prepare('INSERT INTO r VALUES (?, ?, ?, ?, ?, ?)')
    const anchorTx = anchor.transaction((rows: typeof anchorRows) => {
      for (const row of rows) ins.run(...row)
    })
    let anchorSeconds = 0
    let lastPrint = performance.now()
    for (let round = 0; round < rounds && written < opts.results; round += perWindow) {
      const items: Parameters<Store['results']['writeSealed']>[0][number][] = []
      anchorRows.length = 0
      for (let k = round; k < Math.min(rounds, round + perWindow); k++) {
        for (let i = 0; i < opts.targets && written < opts.results; i++) {
          const s = sample(i % 3, r)
          const ts = t0 + k * intervalMs + (i % 1000) * 7
          items.push({ targetId: `xa-${Math.floor(i / 3)}-${['line', 'mcu', 'icmp'][i % 3] as string}`, probeId: 'p-tinh', record: { ts, ok: s.ok, durationMs: s.durationMs, error: s.error, measurements: s.measurements } })
          anchorRows.push([i, ts, s.ok ? 1 : 0, s.measurements.rtt_median_seconds ?? null, s.measurements.loss_ratio ?? null, s.measurements.jitter_seconds ?? null])
          written++
        }
      }
      opened.sqlite.transaction(() => store.results.writeSealed(items))()
      const a = performance.now()
      anchorTx(anchorRows)
      anchorSeconds += (performance.now() - a) / 1000
      if (performance.now() - lastPrint > 10_000) {
        lastPrint = performance.now()
        process.stderr.write(`storage: ${written.toLocaleString('en')} / ${opts.results.toLocaleString('en')} results written\n`)
      }
    }
    const xanhSeconds = (performance.now() - t) / 1000 - anchorSeconds
    opened.sqlite.pragma('wal_checkpoint(TRUNCATE)')
    anchor.pragma('wal_checkpoint(TRUNCATE)')
    const tableBytes = (db: typeof anchor, names: string[]): number =>
      (db.prepare(`SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name IN (${names.map(() => '?').join(',')})`).pluck().get(...names) as number)
    const xanhBytes = tableBytes(opened.sqlite, ['result_chunks', 'result_chunks_tw'])
    const keyBytes = tableBytes(opened.sqlite, ['result_keys', 'result_keys_uq'])
    const anchorBytes = tableBytes(anchor, ['r', 'r_tt'])
    t = performance.now()
    const count = store.countResults()
    const countMs = performance.now() - t
    opened.sqlite.close()
    anchor.close()

    out.push(`storage @ ${written.toLocaleString('en')} results, ${opts.targets.toLocaleString('en')} targets every 15 s (${((rounds * 15) / 3600).toFixed(1)} h)`)
    out.push(`  compact raw anchor (6 columns + index) : ${(anchorBytes / written).toFixed(1)} B/result (${(anchorBytes / 2 ** 20).toFixed(0)} MiB), insert ${Math.round(written / anchorSeconds).toLocaleString('en')} rows/s`)
    out.push(`  Xanh chunks (table + index, all fields): ${(xanhBytes / written).toFixed(1)} B/result (${(xanhBytes / 2 ** 20).toFixed(0)} MiB), sealed ${Math.round(written / xanhSeconds).toLocaleString('en')} results/s; dictionary ${(keyBytes / 1024).toFixed(0)} KiB`)
    out.push(`  ratio Xanh / anchor bytes               : ${(xanhBytes / anchorBytes).toFixed(2)} (target: ≤ 40 B/result); count() ${count === written ? 'exact' : `WRONG (${count})`} in ${countMs.toFixed(0)} ms`)
    return out
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
