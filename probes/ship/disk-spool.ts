/**
 * Disk spool: one JSON file per batch, so results observed during a server outage survive an
 * agent restart, a `kill -9` and a power cut (SPEC §3, model-codebases §9.5).
 *
 * Layout of `dir`:
 * ```
 * 000001767225600000-000000.json        a batch (name = time + sequence, so names sort FIFO)
 * 000001767225600000-000001.json.tmp    a write in progress; removed on open (never acknowledged)
 * dead-letter/<key>.json                a batch the server refused for good, or found corrupt
 * dead-letter/<key>.reason.json         why: { at, status, code, reason }
 * ```
 * @module
 */
import { mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import type { Logger } from 'pino'
import { ResultBatch } from '../../protocol'
import { oneLine } from '../checks/describe'
import type { DeadLetterReason, Spool, SpoolEntry, SpoolSize } from './spool'

/** The file operations whose failure the spool must survive; injectable to simulate a full disk. */
export interface DiskSpoolIo {
  /** Writes `data` to `path`, fsyncs the file and closes it. Rejects with the fs error (ENOSPC…). */
  writeDurably(path: string, data: Buffer): Promise<void>
}

export interface DiskSpoolOptions {
  /** Folder of the spool; created (mode 0700) when missing. */
  dir: string
  /** Cap on the summed size of spooled batches (disk and memory); past it the oldest are dropped. */
  maxBytes: number
  /** Cap on the number of spooled batches. */
  maxBatches: number
  /**
   * While the disk refuses writes (full, read-only), batches wait in memory up to this many bytes;
   * older ones are dropped (counted) beyond it. Defaults to min(maxBytes, 16 MiB).
   */
  maxMemoryBytes?: number
  /** Cap on `dead-letter/` (batches + reasons); the oldest dead letters go first. Defaults to maxBytes. */
  deadLetterMaxBytes?: number
  log: Logger
  io?: DiskSpoolIo
}

/** A {@link Spool} on disk, plus what it found when it opened. */
export interface DiskSpool extends Spool {
  readonly dir: string
  /** What {@link openDiskSpool} found: batches to replay and partial writes it removed. */
  readonly opened: { batches: number; bytes: number; partialFilesRemoved: number }
  /** Batches currently held in memory because the disk refused them. */
  memoryBatches(): number
}

const BATCH_FILE = /^(\d{18}-\d{6})\.json$/
const TMP_SUFFIX = '.tmp'
const MAX_SEQ = 999_999
/** Sub-folder of the spool holding batches that will never be sent again, each with a reason file. */
export const DEAD_LETTER_DIR = 'dead-letter'

interface Item {
  key: string
  bytes: number
  /** Set when the disk refused the write: the batch lives only in memory. */
  memory?: ResultBatch
}

const defaultIo: DiskSpoolIo = {
  async writeDurably(path, data) {
    const fh = await open(path, 'w', 0o600)
    try {
      await fh.writeFile(data)
      await fh.sync()
    } finally {
      await fh.close()
    }
  },
}

/**
 * Opens (creating if needed) a disk spool. Guarantees:
 * - `append` resolves only after the batch is written to `<key>.json.tmp`, fsynced, renamed to
 *   `<key>.json` and the directory fsynced, so a resolved append survives `kill -9` and power loss;
 * - replay order is oldest first: keys are time + sequence and never go backwards, even when the
 *   wall clock does (a commune box without RTC setting its clock at boot);
 * - `*.tmp` leftovers (a write cut short) are deleted on open: they were never acknowledged to the
 *   shipper, so nothing durable is lost;
 * - a batch file that cannot be read or parsed is moved to `dead-letter/` with a reason file and
 *   a log line when it reaches the head, counted in `droppedBatches`; it never stops the queue;
 * - a write refused by the disk (ENOSPC, EDQUOT, EROFS…) is logged once per episode and the batch
 *   is kept in memory (bounded by `maxMemoryBytes`; beyond it the oldest are dropped and counted);
 *   the agent keeps running.
 * @throws when `dir` cannot be created or listed (a configuration error the caller reports)
 */
export async function openDiskSpool(opts: DiskSpoolOptions): Promise<DiskSpool> {
  const { dir, log } = opts
  const io = opts.io ?? defaultIo
  const deadDir = join(dir, DEAD_LETTER_DIR)
  const maxMemoryBytes = opts.maxMemoryBytes ?? Math.min(opts.maxBytes, 16 * 1024 * 1024)
  const deadLetterMaxBytes = opts.deadLetterMaxBytes ?? opts.maxBytes
  await mkdir(deadDir, { recursive: true, mode: 0o700 })

  const items: Item[] = []
  const deadLetters: { key: string; bytes: number }[] = []
  let bytes = 0
  let memoryBytes = 0
  let dropped = 0
  let lastMs = 0
  let seq = 0
  let diskFailing: string | undefined
  /** Parsed head, so retries of the same batch do not re-read and re-validate the file. */
  let headCache: SpoolEntry | undefined

  let partialFilesRemoved = 0
  for (const name of (await readdir(dir)).sort()) {
    if (name === DEAD_LETTER_DIR) continue
    const path = join(dir, name)
    if (name.endsWith(TMP_SUFFIX)) {
      await unlink(path).catch(() => {})
      partialFilesRemoved++
      continue
    }
    const m = BATCH_FILE.exec(name)
    if (!m?.[1]) {
      log.warn({ file: path }, 'spool: ignoring a file that is not a spooled batch')
      continue
    }
    try {
      items.push({ key: m[1], bytes: (await stat(path)).size })
    } catch (err) {
      await moveToDeadLetter(m[1], { reason: `unreadable: ${errorText(err)}` }, 'unreadable')
    }
  }
  for (const it of items) bytes += it.bytes
  for (const name of (await readdir(deadDir)).sort()) {
    const m = BATCH_FILE.exec(name)
    if (!m?.[1]) continue
    const size = async (p: string): Promise<number> => (await stat(p).catch(() => undefined))?.size ?? 0
    deadLetters.push({ key: m[1], bytes: (await size(join(deadDir, name))) + (await size(reasonPath(m[1]))) })
  }
  // New keys continue after every name in use, dead letters included, so none is ever reused.
  const newest = [items.at(-1)?.key ?? '', deadLetters.at(-1)?.key ?? ''].sort().at(-1)
  if (newest) {
    lastMs = Number(newest.slice(0, 18))
    seq = Number(newest.slice(19))
  }
  if (partialFilesRemoved > 0) log.warn({ dir, partialFilesRemoved }, 'spool: removed partial batch files left by an interrupted write')
  await evictPastCaps()
  const opened = { batches: items.length, bytes, partialFilesRemoved }
  log.info({ dir, ...opened, deadLetters: deadLetters.length }, 'spool opened')

  // One operation at a time: appends, reads and removals touch the same index and files.
  let chain: Promise<unknown> = Promise.resolve()
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = chain.then(fn)
    chain = run.catch(() => {})
    return run
  }

  function batchPath(key: string): string {
    return join(dir, `${key}.json`)
  }
  function reasonPath(key: string): string {
    return join(deadDir, `${key}.reason.json`)
  }

  function nextKey(): string {
    // Never backwards: a clock stepped back must not put new batches before old ones.
    const now = Math.max(Date.now(), lastMs)
    if (now > lastMs) {
      lastMs = now
      seq = 0
    } else if (seq < MAX_SEQ) seq++
    else {
      // Only reachable after the clock stepped far back: borrow the next millisecond.
      lastMs++
      seq = 0
    }
    return `${String(lastMs).padStart(18, '0')}-${String(seq).padStart(6, '0')}`
  }

  function forget(it: Item): void {
    bytes -= it.bytes
    if (it.memory) memoryBytes -= it.bytes
    if (headCache?.key === it.key) headCache = undefined
  }

  async function unlinkQuietly(path: string): Promise<void> {
    await unlink(path).catch((err: unknown) => {
      if (codeOf(err) !== 'ENOENT') log.warn({ file: path, err: errorText(err) }, 'spool: cannot delete a file; it may be sent again after a restart (the server ignores duplicates)')
    })
  }

  async function dropHead(): Promise<void> {
    const gone = items.shift()
    if (!gone) return
    forget(gone)
    dropped++
    if (!gone.memory) await unlinkQuietly(batchPath(gone.key))
  }

  /** Drops the oldest batches past the caps, keeping at least the newest one. */
  async function evictPastCaps(): Promise<void> {
    while (items.length > 1 && (bytes > opts.maxBytes || items.length > opts.maxBatches)) await dropHead()
    // The memory fallback has its own, smaller cap: it is RAM on a small box.
    while (memoryBytes > maxMemoryBytes) {
      const i = items.findIndex((it) => it.memory !== undefined)
      const gone = i >= 0 ? items[i] : undefined
      if (!gone || items.length <= 1) break
      items.splice(i, 1)
      forget(gone)
      dropped++
    }
  }

  async function moveToDeadLetter(key: string, why: DeadLetterReason, kind: string, memory?: ResultBatch): Promise<void> {
    const target = join(deadDir, `${key}.json`)
    const reason = Buffer.from(`${JSON.stringify({ at: new Date().toISOString(), kind, ...why })}\n`)
    try {
      if (memory) await io.writeDurably(target, Buffer.from(JSON.stringify(memory)))
      else await rename(batchPath(key), target)
      await io.writeDurably(reasonPath(key), reason)
      const size = (await stat(target).catch(() => undefined))?.size ?? 0
      deadLetters.push({ key, bytes: size + reason.length })
      log.warn({ file: target, ...why }, `spool: batch moved to ${DEAD_LETTER_DIR}/`)
    } catch (err) {
      // The batch must leave the queue either way, or it would block everything behind it.
      if (!memory) await unlinkQuietly(batchPath(key))
      log.error({ key, err: errorText(err), ...why }, `spool: could not keep the batch in ${DEAD_LETTER_DIR}/; it is dropped`)
    }
    let total = deadLetters.reduce((s, d) => s + d.bytes, 0)
    while (total > deadLetterMaxBytes && deadLetters.length > 1) {
      const old = deadLetters.shift()
      if (!old) break
      total -= old.bytes
      await unlinkQuietly(join(deadDir, `${old.key}.json`))
      await unlinkQuietly(reasonPath(old.key))
    }
  }

  async function append(batch: ResultBatch): Promise<void> {
    const data = Buffer.from(JSON.stringify(batch))
    const key = nextKey()
    const path = batchPath(key)
    const tmp = `${path}${TMP_SUFFIX}`
    let item: Item
    try {
      await io.writeDurably(tmp, data)
      await rename(tmp, path)
      await syncDir(dir)
      item = { key, bytes: data.length }
      if (diskFailing) {
        log.info({ dir, was: diskFailing }, 'spool: disk writable again; new batches are durable again')
        diskFailing = undefined
      }
    } catch (err) {
      await unlink(tmp).catch(() => {})
      const code = codeOf(err) ?? 'EIO'
      if (diskFailing !== code) {
        const what = code === 'ENOSPC' || code === 'EDQUOT' ? 'disk full' : 'cannot write'
        log.error(
          { dir, code, err: errorText(err), maxMemoryBytes },
          `spool ${what} (${code}) in ${dir}: keeping batches in memory until it can write again; they are lost if the agent restarts before they are shipped`,
        )
        diskFailing = code
      }
      item = { key, bytes: data.length, memory: batch }
      memoryBytes += data.length
    }
    items.push(item)
    bytes += item.bytes
    log.debug({ key, bytes: item.bytes, results: batch.results.length, memory: item.memory !== undefined }, 'spool: batch written')
    await evictPastCaps()
  }

  async function oldest(): Promise<SpoolEntry | undefined> {
    for (;;) {
      const head = items[0]
      if (!head) return undefined
      if (head.memory) return { key: head.key, batch: head.memory }
      if (headCache?.key === head.key) return headCache
      const path = batchPath(head.key)
      let problem: string
      try {
        const parsed = ResultBatch.safeParse(JSON.parse(await readFile(path, 'utf8')))
        if (parsed.success) {
          headCache = { key: head.key, batch: parsed.data }
          return headCache
        }
        problem = `not a valid batch: ${oneLine(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')).slice(0, 300)}`
      } catch (err) {
        if (codeOf(err) === 'ENOENT') {
          log.warn({ file: path }, 'spool: a batch file vanished (deleted by hand?); counted as dropped')
          items.shift()
          forget(head)
          dropped++
          continue
        }
        problem = `unreadable: ${errorText(err)}`
      }
      log.error({ file: path, problem }, `spool: corrupt batch file moved to ${DEAD_LETTER_DIR}/`)
      items.shift()
      forget(head)
      dropped++
      await moveToDeadLetter(head.key, { reason: problem }, 'corrupt')
    }
  }

  async function take(key: string): Promise<Item | undefined> {
    const i = items.findIndex((it) => it.key === key)
    if (i < 0) return undefined
    const [it] = items.splice(i, 1)
    if (it) forget(it)
    return it
  }

  return {
    dir,
    opened,
    memoryBatches: () => items.filter((it) => it.memory).length,
    append: (batch) => exclusive(() => append(batch)),
    oldest: () => exclusive(oldest),
    remove: (key) =>
      exclusive(async () => {
        const it = await take(key)
        if (it && !it.memory) await unlinkQuietly(batchPath(key))
      }),
    deadLetter: (key, why) =>
      exclusive(async () => {
        const it = await take(key)
        if (it) await moveToDeadLetter(key, why, 'rejected', it.memory)
      }),
    size: () => exclusive(async (): Promise<SpoolSize> => ({ batches: items.length, bytes, droppedBatches: dropped })),
  }
}

/** Makes a rename durable: the new directory entry is on disk once this resolves. */
async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r')
  try {
    await fh.sync()
  } catch (err) {
    // Some filesystems cannot fsync a directory; the rename is still atomic there.
    if (codeOf(err) !== 'EINVAL' && codeOf(err) !== 'EISDIR') throw err
  } finally {
    await fh.close()
  }
}

function codeOf(err: unknown): string | undefined {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined
}

function errorText(err: unknown): string {
  return oneLine(err instanceof Error ? err.message : String(err))
}
