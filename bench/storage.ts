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

/** A deterministic PRNG (mulberry32): the same data on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

interface Sample {
  ok: boolean
  error: string | null
  durationMs: number
  measurements: Record<string, number>
}

/** One result as the kind's checker would produce it. */
function sample(kind: number, r: () => number): Sample {
  const failed = r() < 0.005
  if (kind === 2) {
    // icmp via fping: 15 echoes, RTTs in ms with 2 decimals, converted to seconds by division.
    const rtts = Array.from({ length: 15 }, () => Math.round((11 + r() * 4) * 100) / 100)
    const got = failed ? 0 : 15 - (r() < 0.05 ? 1 : 0)
    const sorted = rtts.slice(0, got).sort((a, b) => a - b)
    const m: Record<string, number> = { sent: 15, received: got, loss_ratio: (15 - got) / 15 }
    if (got > 0) {
      m.rtt_min_seconds = (sorted[0] as number) / 1000
      m.rtt_median_seconds = (sorted[Math.floor(got / 2)] as number) / 1000
      m.rtt_max_seconds = (sorted[got - 1] as number) / 1000
    }
    return { ok: !failed, error: failed ? 'fping: 10.42.7.1 không trả lời (15/15 mất)' : null, durationMs: 13_100 + Math.round(r() * 20), measurements: m }
  }
  // udp_echo: 50 probes, nanosecond timestamps → seconds with 9 decimals.
  const ns = (ms: number): number => Math.round(ms * 1e6) / 1e9
  const base = kind === 0 ? 12 : 18
  const got = failed ? 0 : 50 - (r() < 0.1 ? Math.floor(r() * 3) : 0)
  const m: Record<string, number> = { sent: 50, received: got, loss_ratio: (50 - got) / 50 }
  if (got > 0) {
    const med = base + r() * 3
    m.rtt_median_seconds = ns(med)
    m.rtt_min_seconds = ns(med - r())
    m.rtt_max_seconds = ns(med + r() * 5)
    m.jitter_seconds = ns(r() * 0.8)
    m.mos_estimate = Math.round((4.3 - r() * 0.2) * 1000) / 1000
  }
  return { ok: !failed, error: failed ? 'udp_echo: 10.42.7.9:8621 không có phản hồi trong 2 s' : null, durationMs: 2_500 + Math.round(r() * 40), measurements: m }
}

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

    out.push(`storage @ ${written.toLocaleString('en')} results, ${opts.targets.toLocaleString('en')} targets every 15 s (${(rounds * 15 / 86400).toFixed(1)} days)`)
    out.push(`  compact raw anchor (6 columns + index) : ${(anchorBytes / written).toFixed(1)} B/result (${(anchorBytes / 2 ** 20).toFixed(0)} MiB), insert ${Math.round(written / anchorSeconds).toLocaleString('en')} rows/s`)
    out.push(`  Xanh chunks (table + index, all fields): ${(xanhBytes / written).toFixed(1)} B/result (${(xanhBytes / 2 ** 20).toFixed(0)} MiB), sealed ${Math.round(written / xanhSeconds).toLocaleString('en')} results/s; dictionary ${(keyBytes / 1024).toFixed(0)} KiB`)
    out.push(`  ratio Xanh / anchor bytes               : ${(xanhBytes / anchorBytes).toFixed(2)} (target: ≤ 40 B/result); count() ${count === written ? 'exact' : `WRONG (${count})`} in ${countMs.toFixed(0)} ms`)
    return out
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
