/**
 * Raw results, stored the way a time-series store would (docs/storage.md):
 *
 * - **Ingest writes one row per batch** (`result_log`): the batch's new results encoded with
 *   the record codec, committed before the 2xx. Nothing per result touches a b-tree.
 * - **Open chunks** are a slot per target in memory (open-chunks.ts: columns and one shared
 *   byte array); once a slot holds `spillBytes` of records they move to `result_spill` as one
 *   row (a run), so memory holds only each target's latest minute or so. They are **sealed** by
 *   {@link SqliteResultStore.flushStep} into `result_chunks`: one row per target and time window
 *   (`windowMs`, default 15 min), records sorted by time and deflated; the `onSeal` callback
 *   folds them into the rollups in the same transaction. A result arriving for an already
 *   sealed window (a spool replayed after an outage) is merged into its chunk at the next seal.
 *   Log rows go once every result in them is sealed.
 * - **Exactly once without a stored id:** a result is the same result when target and
 *   `observedAt` (ms) are equal. A result newer than everything stored for its target is new
 *   (the fast path, one map lookup); an older one is looked up in the open buffer and the
 *   sealed chunk of its window.
 * - **Retention** deletes whole chunks.
 * - Restart: the log rows still present are replayed into the open buffers (results already
 *   sealed are recognised as such and skipped).
 * @module
 */
import type Database from 'better-sqlite3'
import type { CheckResult } from '../../../protocol'
import { ByteReader, ByteWriter, decodeChunk, encodeChunk, readRecord, writeRecord, writeRecordBody, writeRecordHead, type ResultRecord } from './codec'
import { OpenChunks } from './open-chunks'
import { TimesByKey } from './times-by-key'

/** Whether `fresh` (6 numbers per result accepted so far, target key and time first) holds (tid, ts). */
function acceptedInBatch(fresh: readonly number[], tid: number, ts: number): boolean {
  for (let i = 0; i < fresh.length; i += 6) if (fresh[i] === tid && fresh[i + 1] === ts) return true
  return false
}

/** A stored result as readers get it. */
export interface StoredResult {
  targetId: string
  observedAt: number
  ok: boolean
  error: string | null
  durationMs: number
  probeId: string
  measurements: Record<string, number>
}

/** Outcome of an idempotent batch insert. */
export interface InsertOutcome {
  accepted: number
  duplicates: number
  /** The results that were new, in input order (the state engine only sees these). */
  inserted: CheckResult[]
}

/** What one flush did. */
export interface FlushOutcome {
  targets: number
  results: number
  chunksWritten: number
  logRowsDeleted: number
  /** Targets whose open buffer moved to `result_spill`. */
  spilled: number
}

/** Sizes the server exposes (`/metrics`, `db stats`). */
export interface ResultStoreFacts {
  /** Results in open (unsealed) chunks. */
  openResults: number
  /** Bytes of the open chunks' buffers in memory. */
  openBytes: number
  /** Of the open results, those moved to `result_spill` (on disk, not in memory). */
  spilledResults: number
  /** Rows of the batch log (batches not yet entirely sealed and folded). */
  logRows: number
}

/** Tuning of the result store. */
export interface ResultStoreOptions {
  /** Length of a chunk's time window, ms (default 15 min). */
  windowMs?: number
  /** A window is sealed this long after it ends, so results still in flight join it first (default 2 min). */
  sealGraceMs?: number
  /** Open buffers above this many bytes are sealed at once, current window included (default 48 MiB). */
  maxOpenBytes?: number
  /**
   * A target's open buffer that holds this many bytes moves to `result_spill` at the next flush
   * step (default 256 B: ~6 results, 1.5 minutes at a 15 s interval). 0: never.
   */
  spillBytes?: number
  /**
   * Called inside the sealing transaction with each target's newly sealed results (not those a
   * merge found already sealed): the rollups fold them there, so a result is folded exactly when
   * it is sealed.
   */
  onSeal?: (tid: number, records: readonly ResultRecord[]) => void
}

/** The results repository: what routes, the state engine and the series API use. */
export interface ResultRepository {
  insertBatch(probeId: string, batch: readonly CheckResult[], receivedAt: number): InsertOutcome
  /** Every stored result (open and sealed). */
  count(): number
  /** Results of one target in [fromMs, toMs), oldest first. */
  range(targetId: string, fromMs: number, toMs: number): StoredResult[]
  /** Results of every target observed at or after `sinceMs`, oldest first. */
  since(sinceMs: number): StoredResult[]
  /** The latest `n` ok results of each target observed before `beforeMs`, oldest first. */
  latestOk(targetIds: readonly string[], n: number, beforeMs: number): StoredResult[]
  /** The oldest stored result's time of a target, null when it has none. */
  oldestAt(targetId: string): number | null
  facts(): ResultStoreFacts
}

type KeyKind = 't' | 'm' | 'p'

/** SQLite implementation of {@link ResultRepository}. Synchronous, one connection. */
export class SqliteResultStore implements ResultRepository {
  readonly windowMs: number
  private readonly sealGraceMs: number
  private readonly maxOpenBytes: number
  private readonly spillBytes: number
  private readonly onSeal: (tid: number, records: readonly ResultRecord[]) => void
  private readonly keys: Record<KeyKind, Map<string, number>> = { t: new Map(), m: new Map(), p: new Map() }
  /** Names by key id (ids are small dense integers: an array, not a 10,000-entry Map). */
  private readonly names: Array<string | undefined> = []
  /** Every target's open (unsealed) results: runs in `result_spill`, the latest records in memory. */
  private readonly open = new OpenChunks()
  /** One record's bytes on their way into an open chunk, and the chain it is written relative to. */
  private readonly scratch = new ByteWriter(256)
  private readonly prev = { ts: 0, probe: 0 }
  /** A metric's key, created when new (ingest's body writer). */
  private readonly metricKeyOf = (name: string): number => this.key('m', name)
  /** Newest observedAt sealed per target key; absent: not looked up yet. Only ever too high (retention), never too low. */
  private readonly sealedNewest = new TimesByKey()
  /** Newest observedAt stored per target key (sealed or open); absent: not looked up yet. */
  private readonly newest = new TimesByKey()
  private openResults = 0
  private spilledResults = 0
  private readonly stmt: {
    insertKey: Database.Statement
    insertLog: Database.Statement
    lastChunk: Database.Statement
    chunk: Database.Statement
    upsertChunk: Database.Statement
    updateChunk: Database.Statement
    chunksIn: Database.Statement
    chunksDesc: Database.Statement
    firstChunk: Database.Statement
    deleteLog: Database.Statement
    maxLogSeq: Database.Statement
    logRows: Database.Statement
    countSealed: Database.Statement
    readLog: Database.Statement
    deleteOld: Database.Statement
    insertSpill: Database.Statement
    spillOf: Database.Statement
    deleteSpill: Database.Statement
  }
  private legacy: { newest: Database.Statement; has: Database.Statement } | undefined

  constructor(
    private readonly sqlite: Database.Database,
    opts: ResultStoreOptions = {},
  ) {
    this.windowMs = opts.windowMs ?? 15 * 60_000
    this.sealGraceMs = opts.sealGraceMs ?? 2 * 60_000
    this.maxOpenBytes = opts.maxOpenBytes ?? 48 * 2 ** 20
    this.spillBytes = opts.spillBytes ?? 256
    this.onSeal = opts.onSeal ?? ((): void => undefined)
    for (const row of sqlite.prepare('SELECT id, kind, name FROM result_keys').all() as Array<{ id: number; kind: KeyKind; name: string }>) {
      this.keys[row.kind].set(row.name, row.id)
      this.names[row.id] = row.name
    }
    this.stmt = {
      insertKey: sqlite.prepare('INSERT INTO result_keys (kind, name) VALUES (?, ?) RETURNING id').pluck(),
      insertLog: sqlite.prepare('INSERT INTO result_log (received_at, max_ts, n, data) VALUES (?, ?, ?, ?)'),
      lastChunk: sqlite.prepare('SELECT t_last FROM result_chunks WHERE tid = ? ORDER BY w DESC LIMIT 1').pluck(),
      chunk: sqlite.prepare('SELECT id, data FROM result_chunks WHERE tid = ? AND w = ?'),
      upsertChunk: sqlite.prepare('INSERT INTO result_chunks (tid, w, n, t_first, t_last, data) VALUES (?, ?, ?, ?, ?, ?)'),
      updateChunk: sqlite.prepare('UPDATE result_chunks SET n = ?, t_first = ?, t_last = ?, data = ? WHERE id = ?'),
      chunksIn: sqlite.prepare('SELECT w, data FROM result_chunks WHERE tid = ? AND w >= ? AND w < ? ORDER BY w'),
      chunksDesc: sqlite.prepare('SELECT w, data FROM result_chunks WHERE tid = ? AND w < ? ORDER BY w DESC'),
      firstChunk: sqlite.prepare('SELECT t_first FROM result_chunks WHERE tid = ? ORDER BY w LIMIT 1').pluck(),
      deleteLog: sqlite.prepare('DELETE FROM result_log WHERE seq <= ? AND max_ts < ?'),
      maxLogSeq: sqlite.prepare('SELECT coalesce(max(seq), 0) FROM result_log').pluck(),
      logRows: sqlite.prepare('SELECT count(*) FROM result_log').pluck(),
      countSealed: sqlite.prepare('SELECT coalesce(sum(n), 0) FROM result_chunks').pluck(),
      readLog: sqlite.prepare('SELECT seq, data FROM result_log ORDER BY seq').raw(),
      deleteOld: sqlite.prepare('DELETE FROM result_chunks WHERE tid = ? AND w < ?'),
      insertSpill: sqlite.prepare('INSERT INTO result_spill (tid, n, t_min, t_max, data) VALUES (?, ?, ?, ?, ?)'),
      spillOf: sqlite.prepare('SELECT data FROM result_spill WHERE tid = ? ORDER BY id').pluck(),
      deleteSpill: sqlite.prepare('DELETE FROM result_spill WHERE tid = ?'),
    }
    const hasLegacy = sqlite.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'results'").get() !== undefined
    this.legacy = hasLegacy
      ? {
          newest: sqlite.prepare('SELECT max(observed_at) FROM results WHERE target_id = ?').pluck(),
          has: sqlite.prepare('SELECT 1 FROM results WHERE target_id = ? AND observed_at = ? LIMIT 1').pluck(),
        }
      : undefined
    // Every target's newest sealed time in one statement at open rather than one query per
    // target at its first batch after a start (10,000 of those were a third of ingest's first
    // second on a cold server). One index seek per target key: a GROUP BY over the chunks
    // would grow with the history kept (165 ms at 2 M chunks against 38 ms).
    const lastSealed = sqlite.prepare("SELECT k.id, (SELECT c.t_last FROM result_chunks c WHERE c.tid = k.id ORDER BY c.w DESC LIMIT 1) FROM result_keys k WHERE k.kind = 't'").raw()
    for (const [tid, last] of lastSealed.all() as Array<[number, number | null]>) this.sealedNewest.set(tid, last ?? -Infinity)
    // Spilled runs are open results: their targets' open chunks start with them (nothing in memory).
    const spills = sqlite.prepare('SELECT tid, sum(n), min(t_min), max(t_max) FROM result_spill GROUP BY tid').raw()
    for (const [tid, n, min, max] of spills.all() as Array<[number, number, number, number]>) {
      const s = this.open.open(tid)
      this.open.count[s] = this.open.spilled[s] = n
      this.open.minTs[s] = min
      this.open.maxTs[s] = max
      this.openResults += n
      this.spilledResults += n
    }
    this.replayLog()
  }

  /** The legacy `results` table is about to be dropped (legacy-migration.ts): stop consulting it. */
  forgetLegacy(): void {
    this.legacy = undefined
  }

  /** The chunk window a time falls in (its start, ms). */
  windowOf(ts: number): number {
    return ts - (((ts % this.windowMs) + this.windowMs) % this.windowMs)
  }

  // ---- keys ----

  /** The dictionary key of a name, created (and committed) when new. */
  key(kind: KeyKind, name: string): number {
    let id = this.keys[kind].get(name)
    if (id === undefined) {
      id = this.stmt.insertKey.get(kind, name) as number
      this.keys[kind].set(name, id)
      this.names[id] = name
    }
    return id
  }

  /** The key of a name if it has one (reads never create keys). */
  private existingKey(kind: KeyKind, name: string): number | undefined {
    return this.keys[kind].get(name)
  }

  /** The name behind a key (target id, metric name or probe id). */
  nameOf(id: number): string {
    return this.names[id] ?? `?${id}`
  }

  // ---- ingest ----

  insertBatch(probeId: string, batch: readonly CheckResult[], receivedAt: number): InsertOutcome {
    const probe = this.key('p', probeId)
    const log = new ByteWriter(batch.length * 40 + 16)
    const logPrev = { ts: 0, probe: 0 }
    const inserted: CheckResult[] = []
    /** Per new result: target key, time, ok, error flag, and where its body is in `log` (start, end). */
    const fresh: number[] = []
    /** Newest accepted per target within this batch. */
    const batchNewest = new Map<number, number>()
    const seen = new Map<string, Set<number>>()
    let maxTs = -Infinity
    for (const r of batch) {
      const tid = this.key('t', r.targetId)
      const ts = Date.parse(r.observedAt)
      const newest = Math.max(this.newestOf(tid), batchNewest.get(tid) ?? -Infinity)
      if (ts <= newest) {
        // Not newer than its target's newest: accepted earlier in this batch (looked up in
        // `fresh`, not appended yet), or stored before, or new history. A scan of the batch
        // rather than a set of every accepted result's key: the common newer-than-all result
        // then allocates nothing here (a string and a set entry each before stop 29). A batch
        // holds at most 1,000 results (protocol MAX_BATCH_RESULTS): a batch of nothing but
        // replays costs at most ~500,000 comparisons, under a millisecond.
        if (acceptedInBatch(fresh, tid, ts) || this.stored(tid, ts, seen)) continue
      } else batchNewest.set(tid, ts)
      const error = r.error ?? null
      log.uvarint(tid)
      writeRecordHead(log, ts, r.ok, error !== null, probe, logPrev)
      const bodyStart = log.len
      writeRecordBody(log, r.durationSeconds * 1000, r.measurements, this.metricKeyOf, error)
      fresh.push(tid, ts, r.ok ? 1 : 0, error !== null ? 1 : 0, bodyStart, log.len)
      inserted.push(r)
      if (ts > maxTs) maxTs = ts
    }
    if (fresh.length > 0) this.stmt.insertLog.run(receivedAt, maxTs, inserted.length, log.view())
    // Committed: only now do the open buffers and the newest-times learn about them. Each
    // record's body is copied from the log row's bytes, not encoded again.
    for (let i = 0; i < fresh.length; i += 6) {
      const tid = fresh[i] as number
      const ts = fresh[i + 1] as number
      this.appendEncoded(tid, ts, fresh[i + 2] === 1, fresh[i + 3] === 1, probe, log.buf, fresh[i + 4] as number, fresh[i + 5] as number)
      if (ts > (this.newest.get(tid) ?? -Infinity)) this.newest.set(tid, ts)
    }
    return { accepted: inserted.length, duplicates: batch.length - inserted.length, inserted }
  }

  /** Newest observedAt in the target's sealed chunks (-Infinity without any); read once, then kept as seals happen. */
  private sealedNewestOf(tid: number): number {
    let t = this.sealedNewest.get(tid)
    if (t === undefined) {
      t = (this.stmt.lastChunk.get(tid) as number | undefined) ?? -Infinity
      this.sealedNewest.set(tid, t)
    }
    return t
  }

  private newestOf(tid: number): number {
    let t = this.newest.get(tid)
    if (t === undefined) {
      t = this.sealedNewestOf(tid)
      if (this.legacy) {
        const name = this.nameOf(tid)
        t = Math.max(t, (this.legacy.newest.get(name) as number | null) ?? -Infinity)
      }
      const s = this.open.slotOf(tid)
      if (s >= 0) t = Math.max(t, this.open.maxTs[s] as number)
      this.newest.set(tid, t)
    }
    return t
  }

  /**
   * Whether a result of target `tid` observed at `ts` is already stored (open, sealed or
   * legacy). `seen` caches the times of each open buffer and chunk it decodes, for one batch
   * (or one replay): a replayed batch decodes each chunk once, not once per result.
   */
  private stored(tid: number, ts: number, seen: Map<string, Set<number>>): boolean {
    const s = this.open.slotOf(tid)
    if (s >= 0 && ts >= (this.open.minTs[s] as number) && ts <= (this.open.maxTs[s] as number)) {
      const k = `o${tid}`
      let times = seen.get(k)
      if (times === undefined) {
        times = new Set(this.openRecords(tid, s).map((r) => r.ts))
        seen.set(k, times)
      }
      if (times.has(ts)) return true
    }
    // Newer than anything sealed for the target (a batch overtaken by the next one): no chunk to read.
    if (ts <= this.sealedNewestOf(tid)) {
      const w = this.windowOf(ts)
      const k = `c${tid}:${w}`
      let times = seen.get(k)
      if (times === undefined) {
        const row = this.stmt.chunk.get(tid, w) as { id: number; data: Buffer } | undefined
        times = new Set(row ? decodeChunk(row.data, w).map((r) => r.ts) : [])
        seen.set(k, times)
      }
      if (times.has(ts)) return true
    }
    return this.legacy !== undefined && this.legacy.has.get(this.nameOf(tid), ts) !== undefined
  }

  private append(tid: number, rec: ResultRecord): void {
    const s = this.startAppend(tid)
    writeRecord(this.scratch, rec, this.prev)
    this.endAppend(s, rec.ts)
  }

  /** Appends a record whose body (see `writeRecordHead`) is already encoded: `src[start, end)`. */
  private appendEncoded(tid: number, ts: number, ok: boolean, hasError: boolean, probe: number, src: Uint8Array, start: number, end: number): void {
    const s = this.startAppend(tid)
    writeRecordHead(this.scratch, ts, ok, hasError, probe, this.prev)
    this.scratch.copyFrom(src, start, end)
    this.endAppend(s, ts)
  }

  /** The target's open slot (opened when it has none), with `prev` and the scratch writer set for its next record. */
  private startAppend(tid: number): number {
    const c = this.open
    let s = c.slotOf(tid)
    if (s < 0) s = c.open(tid)
    this.prev.ts = c.ts[s] as number
    this.prev.probe = c.probe[s] as number
    this.scratch.len = 0
    return s
  }

  /** Moves the record the scratch writer holds (observed at `ts`) into slot `s`. */
  private endAppend(s: number, ts: number): void {
    const c = this.open
    c.append(s, this.scratch.buf, this.scratch.len)
    c.ts[s] = this.prev.ts
    c.probe[s] = this.prev.probe
    c.count[s] = (c.count[s] as number) + 1
    this.openResults++
    if (ts < (c.minTs[s] as number)) c.minTs[s] = ts
    if (ts > (c.maxTs[s] as number)) c.maxTs[s] = ts
    if (ts < (c.memMinTs[s] as number)) c.memMinTs[s] = ts
    if (ts > (c.memMaxTs[s] as number)) c.memMaxTs[s] = ts
  }

  /** Every open record of a target (open chunk in `slot`): its spilled runs in order, then those in memory. */
  private openRecords(tid: number, slot: number): ResultRecord[] {
    const out: ResultRecord[] = []
    const run = (buf: Uint8Array): void => {
      const rd = new ByteReader(buf)
      const prev = { ts: 0, probe: 0 }
      while (!rd.done) out.push(readRecord(rd, prev))
    }
    if ((this.open.spilled[slot] as number) > 0) for (const data of this.stmt.spillOf.all(tid) as Buffer[]) run(data)
    run(this.open.bytesOf(slot))
    return out
  }

  /** Puts the batches of the log back into the open buffers (start-up), skipping what is sealed. */
  private replayLog(): void {
    const seen = new Map<string, Set<number>>()
    for (const [, data] of this.stmt.readLog.all() as Array<[number, Buffer]>) {
      for (const [tid, rec] of decodeLogRow(data)) {
        if (this.stored(tid, rec.ts, seen)) continue
        this.append(tid, rec)
        // The open buffer changed: its cached times are extended rather than decoded again.
        seen.get(`o${tid}`)?.add(rec.ts)
        if (!seen.has(`o${tid}`)) seen.set(`o${tid}`, new Set([rec.ts]))
      }
    }
  }

  // ---- sealing ----

  /** Whether the open buffers are over their memory budget (the caller then flushes everything). */
  get overBudget(): boolean {
    return this.open.bytes > this.maxOpenBytes
  }

  /**
   * Seals open results into chunks: those of windows that ended at least `sealGraceMs` before
   * `now`, or every open result with `all` (memory budget, shutdown). Works on at most
   * `maxTargets` targets per call, in one transaction; call again while `more` says so.
   * Log rows whose results are all sealed are deleted once a pass over every target is complete.
   */
  flushStep(now: number, all: boolean, cursor: FlushCursor): FlushOutcome & { more: boolean } {
    const horizon = all ? Infinity : this.windowOf(now - this.sealGraceMs)
    const out = { targets: 0, results: 0, chunksWritten: 0, logRowsDeleted: 0, spilled: 0, more: false }
    if (cursor.queue === undefined) {
      cursor.queue = this.open.tids()
      cursor.logSeq = this.stmt.maxLogSeq.get() as number
      cursor.horizon = horizon
    }
    const queue = cursor.queue
    // Plan in memory, write in one transaction, and only once it committed change the open
    // buffers: a failed write (a full disk) leaves every result open, nothing half-moved.
    const plans: Array<{ tid: number; byWindow: Map<number, ResultRecord[]>; keep: ResultRecord[] }> = []
    const spills: Array<{ tid: number; slot: number; data: Uint8Array }> = []
    const c = this.open
    while (queue.length > 0 && plans.length + spills.length < cursor.maxTargets) {
      const tid = queue.pop() as number
      const s = c.slotOf(tid)
      if (s < 0) continue
      if ((c.minTs[s] as number) >= cursor.horizon) {
        // Nothing to seal yet: a full slot moves to the spill table instead (its own copy of the bytes).
        if (this.spillBytes > 0 && (c.len[s] as number) >= this.spillBytes) spills.push({ tid, slot: s, data: c.bytesOf(s).slice() })
        continue
      }
      const byWindow = new Map<number, ResultRecord[]>()
      const keep: ResultRecord[] = []
      for (const r of this.openRecords(tid, s)) {
        const w = this.windowOf(r.ts)
        if (w >= cursor.horizon) keep.push(r)
        else {
          const list = byWindow.get(w)
          if (list) list.push(r)
          else byWindow.set(w, [r])
        }
      }
      plans.push({ tid, byWindow, keep })
    }
    const last = queue.length === 0
    try {
      this.sqlite.transaction(() => {
        for (const p of plans) {
          for (const [w, list] of p.byWindow) {
            this.onSeal(p.tid, this.seal(p.tid, w, list))
            out.chunksWritten++
            out.results += list.length
          }
          const s = c.slotOf(p.tid)
          if (s >= 0 && (c.spilled[s] as number) > 0) this.stmt.deleteSpill.run(p.tid)
        }
        for (const sp of spills) this.stmt.insertSpill.run(sp.tid, (c.count[sp.slot] as number) - (c.spilled[sp.slot] as number), c.memMinTs[sp.slot], c.memMaxTs[sp.slot], sp.data)
        if (last) out.logRowsDeleted = this.stmt.deleteLog.run(cursor.logSeq, cursor.horizon === Infinity ? Number.MAX_SAFE_INTEGER : cursor.horizon).changes
      })()
    } catch (err) {
      // Nothing moved; the next pass starts afresh (these targets are still open).
      cursor.queue = undefined
      throw err
    }
    for (const p of plans) {
      let sealed = this.sealedNewestOf(p.tid)
      for (const list of p.byWindow.values()) for (const r of list) if (r.ts > sealed) sealed = r.ts
      this.sealedNewest.set(p.tid, sealed)
      const s = c.slotOf(p.tid)
      if (s < 0) continue
      this.openResults -= c.count[s] as number
      this.spilledResults -= c.spilled[s] as number
      c.close(s)
      for (const r of p.keep) this.append(p.tid, r)
    }
    for (const { slot: s } of spills) {
      // The slot stays the target's for its next records.
      this.spilledResults += (c.count[s] as number) - (c.spilled[s] as number)
      c.spilled[s] = c.count[s] as number
      c.clearBytes(s)
      c.ts[s] = 0
      c.probe[s] = 0
      c.memMinTs[s] = Infinity
      c.memMaxTs[s] = -Infinity
    }
    out.spilled = spills.length
    out.targets = plans.length
    out.more = !last
    if (last) cursor.queue = undefined
    return out
  }

  /**
   * Writes `list` into the chunk of (tid, w), merging with what it holds (sorted by time, one
   * record per time). @returns the records that were not in the chunk yet
   */
  private seal(tid: number, w: number, list: ResultRecord[]): ResultRecord[] {
    const row = this.stmt.chunk.get(tid, w) as { id: number; data: Buffer } | undefined
    let added = list
    let all = list
    if (row) {
      const have = decodeChunk(row.data, w)
      const times = new Set(have.map((r) => r.ts))
      added = list.filter((r) => !times.has(r.ts))
      all = have.concat(added)
    }
    all.sort((a, b) => a.ts - b.ts)
    const data = encodeChunk(all, w)
    const first = all[0]?.ts ?? w
    const last = all[all.length - 1]?.ts ?? w
    if (row) this.stmt.updateChunk.run(all.length, first, last, data, row.id)
    else this.stmt.upsertChunk.run(tid, w, all.length, first, last, data)
    return added
  }

  /**
   * Writes results straight into sealed chunks (the legacy migration and benchmark prefill):
   * grouped per target and window, merged with what the chunks hold. The caller owns the
   * transaction. Does not touch the log or the rollups.
   */
  writeSealed(items: ReadonlyArray<{ targetId: string; probeId: string; record: Omit<ResultRecord, 'probe' | 'values'> & { measurements: Record<string, number> } }>): number {
    const groups = new Map<string, { tid: number; w: number; list: ResultRecord[] }>()
    for (const it of items) {
      const tid = this.key('t', it.targetId)
      const w = this.windowOf(it.record.ts)
      const values: number[] = []
      for (const name in it.record.measurements) values.push(this.key('m', name), it.record.measurements[name] as number)
      const rec: ResultRecord = { ts: it.record.ts, ok: it.record.ok, durationMs: it.record.durationMs, error: it.record.error, probe: this.key('p', it.probeId), values }
      const k = `${tid}:${w}`
      const g = groups.get(k)
      if (g) g.list.push(rec)
      else groups.set(k, { tid, w, list: [rec] })
      const n = this.newest.get(tid)
      if (n !== undefined && rec.ts > n) this.newest.set(tid, rec.ts)
    }
    for (const g of groups.values()) {
      this.seal(g.tid, g.w, g.list)
      // Read again when next needed (the caller's transaction may still roll back).
      this.sealedNewest.delete(g.tid)
    }
    return groups.size
  }

  /** Deletes chunks whose whole window ended before `cutoffMs`, for up to `maxTargets` targets from `cursor.next`. */
  deleteExpired(cutoffMs: number, cursor: { next: number }, maxTargets: number): { deleted: number; done: boolean } {
    const tids = [...this.keys.t.values()].sort((a, b) => a - b)
    const cut = this.windowOf(cutoffMs)
    let deleted = 0
    let i = tids.findIndex((t) => t >= cursor.next)
    if (i < 0) return { deleted: 0, done: true }
    this.sqlite.transaction(() => {
      for (let done = 0; i < tids.length && done < maxTargets; i++, done++) {
        const tid = tids[i] as number
        const n = this.stmt.deleteOld.run(tid, cut).changes
        deleted += n
      }
    })()
    const finished = i >= tids.length
    cursor.next = finished ? 0 : (tids[i] as number)
    return { deleted, done: finished }
  }

  // ---- reads ----

  private view(tid: number, r: ResultRecord): StoredResult {
    const measurements: Record<string, number> = {}
    for (let i = 0; i < r.values.length; i += 2) measurements[this.nameOf(r.values[i] as number)] = r.values[i + 1] as number
    return { targetId: this.nameOf(tid), observedAt: r.ts, ok: r.ok, error: r.error, durationMs: r.durationMs, probeId: this.nameOf(r.probe), measurements }
  }

  /** Records of one target in [fromMs, toMs), sorted, keys numeric (the series path avoids building objects). */
  records(targetId: string, fromMs: number, toMs: number): ResultRecord[] {
    const tid = this.existingKey('t', targetId)
    if (tid === undefined) return []
    const out: ResultRecord[] = []
    for (const row of this.stmt.chunksIn.all(tid, this.windowOf(fromMs), toMs) as Array<{ w: number; data: Buffer }>) {
      for (const r of decodeChunk(row.data, row.w)) if (r.ts >= fromMs && r.ts < toMs) out.push(r)
    }
    const open = this.openRecordsOf(targetId, fromMs, toMs)
    if (open.length > 0) {
      const sealed = new Set(out.map((r) => r.ts))
      for (const r of open) if (!sealed.has(r.ts)) out.push(r)
      out.sort((a, b) => a.ts - b.ts)
    }
    return out
  }

  /** Open (not yet sealed, not yet folded) records of one target in [fromMs, toMs). */
  openRecordsOf(targetId: string, fromMs: number, toMs: number): ResultRecord[] {
    const tid = this.existingKey('t', targetId)
    const s = tid === undefined ? -1 : this.open.slotOf(tid)
    if (tid === undefined || s < 0 || (this.open.maxTs[s] as number) < fromMs || (this.open.minTs[s] as number) >= toMs) return []
    return this.openRecords(tid, s).filter((r) => r.ts >= fromMs && r.ts < toMs)
  }

  /** The numeric key of a target id, if any result of it was ever stored. */
  targetKey(targetId: string): number | undefined {
    return this.existingKey('t', targetId)
  }

  /** The numeric key of a metric name, if any result ever carried it. */
  metricKey(name: string): number | undefined {
    return this.existingKey('m', name)
  }

  range(targetId: string, fromMs: number, toMs: number): StoredResult[] {
    const tid = this.existingKey('t', targetId)
    if (tid === undefined) return []
    return this.records(targetId, fromMs, toMs).map((r) => this.view(tid, r))
  }

  since(sinceMs: number): StoredResult[] {
    const out: StoredResult[] = []
    for (const [name, tid] of this.keys.t) for (const r of this.records(name, sinceMs, Number.MAX_SAFE_INTEGER)) out.push(this.view(tid, r))
    return out.sort((a, b) => a.observedAt - b.observedAt)
  }

  latestOk(targetIds: readonly string[], n: number, beforeMs: number): StoredResult[] {
    const out: StoredResult[] = []
    for (const id of targetIds) {
      const tid = this.existingKey('t', id)
      if (tid === undefined) continue
      const found: ResultRecord[] = []
      const s = this.open.slotOf(tid)
      if (s >= 0) for (const r of this.openRecords(tid, s)) if (r.ok && r.ts < beforeMs) found.push(r)
      found.sort((a, b) => b.ts - a.ts)
      if (found.length < n) {
        for (const row of this.stmt.chunksDesc.iterate(tid, beforeMs) as IterableIterator<{ w: number; data: Buffer }>) {
          const recs = decodeChunk(row.data, row.w).filter((r) => r.ok && r.ts < beforeMs)
          const times = new Set(found.map((r) => r.ts))
          for (const r of recs) if (!times.has(r.ts)) found.push(r)
          found.sort((a, b) => b.ts - a.ts)
          if (found.length >= n) break
        }
      }
      for (const r of found.slice(0, n).reverse()) out.push(this.view(tid, r))
    }
    return out
  }

  oldestAt(targetId: string): number | null {
    const tid = this.existingKey('t', targetId)
    if (tid === undefined) return null
    const sealed = (this.stmt.firstChunk.get(tid) as number | undefined) ?? Infinity
    const s = this.open.slotOf(tid)
    const open = s >= 0 ? (this.open.minTs[s] as number) : Infinity
    const t = Math.min(sealed, open)
    return Number.isFinite(t) ? t : null
  }

  count(): number {
    return (this.stmt.countSealed.get() as number) + this.openResults
  }

  /** Results in open (unsealed, so not yet folded) chunks; no query. */
  get openCount(): number {
    return this.openResults
  }

  facts(): ResultStoreFacts {
    return { openResults: this.openResults, openBytes: this.open.bytes, spilledResults: this.spilledResults, logRows: this.stmt.logRows.get() as number }
  }
}

/** Progress of a flush pass over every target (kept by the caller between steps). */
export interface FlushCursor {
  maxTargets: number
  queue?: number[]
  logSeq: number
  horizon: number
}

/** A fresh cursor for {@link SqliteResultStore.flushStep}. */
export function flushCursor(maxTargets = 500): FlushCursor {
  return { maxTargets, logSeq: 0, horizon: 0 }
}

/** Decodes a log row's data: (target key, record) pairs in batch order. */
export function decodeLogRow(data: Uint8Array): Array<[number, ResultRecord]> {
  const rd = new ByteReader(data)
  const prev = { ts: 0, probe: 0 }
  const out: Array<[number, ResultRecord]> = []
  while (!rd.done) {
    const tid = rd.uvarint()
    out.push([tid, readRecord(rd, prev)])
  }
  return out
}
