/**
 * The byte format of stored results (docs/storage.md). One record per result:
 *
 * ```
 * varint  zigzag(observedAt − previous observedAt)   ms; the first record is relative to a base the container gives
 * byte    flags                                      bit 0 ok, bit 1 error text follows, bit 2 probe key follows
 * [varint probe key]                                 only when it differs from the previous record's
 * value   duration (ms)
 * varint  measurement count, then per measurement: varint metric key, value
 * [varint byte length + UTF-8 error text]
 * ```
 *
 * A `value` is lossless: a number that is exactly `m / 10^k` for an integer `m` below 2^47 and
 * `k` ≤ 9 (what probes report: 0.012, 50, 0.000123456) is the varint of `zigzag(m) · 16 + k`,
 * one to seven bytes; anything else (1/15, a float a division produced) is tag 15 and the
 * eight bytes of the IEEE double. Decoding gives back the very same double.
 *
 * Keys (target, metric, probe) are small integers from the `result_keys` dictionary.
 * Records are written by ingest (the batch log), kept per target in memory until their chunk
 * is sealed, and sealed into per-target chunks sorted by time (see result-store.ts).
 * @module
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib'

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9] as const
/** |m| must stay below this so zigzag(m)·16 + k is an exact double (2^52). */
const MAX_MANTISSA = 2 ** 47
const FLOAT_TAG = 15
/** Below this, m = v · 10^9 stays under MAX_MANTISSA: the one-try path applies. */
const SMALL = MAX_MANTISSA / 1e9

/** Zigzag: signed integers as unsigned (0, -1, 1, -2 … → 0, 1, 2, 3 …), exact up to ±2^52. */
function zigzag(n: number): number {
  return n >= 0 ? n * 2 : -n * 2 - 1
}

/** The inverse of {@link zigzag}. */
function unzigzag(z: number): number {
  return z % 2 === 0 ? z / 2 : -(z + 1) / 2
}

/** One decoded result, keys still numeric. */
export interface ResultRecord {
  ts: number
  ok: boolean
  probe: number
  durationMs: number
  /** Alternating metric key, value. */
  values: number[]
  error: string | null
}

/** Scratch for one float's bytes, shared by every writer (one thread, nothing awaits mid-write). */
const FLOAT_SCRATCH = new DataView(new ArrayBuffer(8))
const FLOAT_BYTES = new Uint8Array(FLOAT_SCRATCH.buffer)

/** A growable byte buffer with the writers the format needs. */
export class ByteWriter {
  buf: Uint8Array
  len = 0

  /** @param initial first capacity in bytes (doubled whenever full) */
  constructor(initial = 256) {
    this.buf = new Uint8Array(initial)
  }

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return
    // At least 16 bytes more each step, so an empty buffer grows too.
    let size = Math.max(this.buf.length + 16, this.buf.length * 2)
    while (size < this.len + n) size = Math.max(size + 16, size * 2)
    const next = new Uint8Array(size)
    next.set(this.buf.subarray(0, this.len))
    this.buf = next
  }

  /** Unsigned varint of a non-negative integer up to 2^53. */
  uvarint(n: number): void {
    this.room(8)
    while (n >= 0x80) {
      this.buf[this.len++] = (n % 0x80) | 0x80
      n = Math.floor(n / 0x80)
    }
    this.buf[this.len++] = n
  }

  /** Signed varint (zigzag) of an integer within ±2^52. */
  svarint(n: number): void {
    this.uvarint(zigzag(n))
  }

  byte(b: number): void {
    this.room(1)
    this.buf[this.len++] = b
  }

  bytes(b: Uint8Array): void {
    this.room(b.length)
    this.buf.set(b, this.len)
    this.len += b.length
  }

  /** Appends `src[start, end)` (a record body of a few dozen bytes: a loop, no view to allocate). */
  copyFrom(src: Uint8Array, start: number, end: number): void {
    this.room(end - start)
    const buf = this.buf
    let at = this.len
    for (let i = start; i < end; i++) buf[at++] = src[i] as number
    this.len = at
  }

  /** A measurement value: decimal when exact, else the IEEE double (see the module doc). */
  value(v: number): void {
    if (Number.isInteger(v)) {
      // -0 is an integer too, but zigzag would give back +0: it takes the double path.
      if (Math.abs(v) < MAX_MANTISSA && !Object.is(v, -0)) return this.uvarint(zigzag(v) * 16)
    } else if (Math.abs(v) < SMALL) {
      // One try at 9 decimals, then trailing zeros off (the same decimal, so the same double):
      // what probes report (0.012, ns-resolution seconds) costs one multiply and one divide.
      let m = Math.round(v * 1e9)
      if (m / 1e9 === v) {
        let k = 9
        while (k > 1 && m % 10 === 0) {
          m /= 10
          k--
        }
        return this.uvarint(zigzag(m) * 16 + k)
      }
    } else {
      for (let k = 1; k < POW10.length; k++) {
        const p = POW10[k] as number
        const m = Math.round(v * p)
        if (Math.abs(m) >= MAX_MANTISSA) break
        if (m / p === v) return this.uvarint(zigzag(m) * 16 + k)
      }
    }
    this.uvarint(FLOAT_TAG)
    FLOAT_SCRATCH.setFloat64(0, v, true)
    this.bytes(FLOAT_BYTES)
  }

  /** UTF-8 text with its byte length. */
  text(s: string): void {
    const b = Buffer.from(s, 'utf8')
    this.uvarint(b.length)
    this.bytes(b)
  }

  /** The written bytes (a view: copy before the writer is reused). */
  view(): Uint8Array {
    return this.buf.subarray(0, this.len)
  }
}

/** Reads what {@link ByteWriter} wrote. */
export class ByteReader {
  pos = 0
  private readonly dv: DataView

  constructor(readonly buf: Uint8Array, start = 0, readonly end = buf.length) {
    this.pos = start
    this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  }

  get done(): boolean {
    return this.pos >= this.end
  }

  uvarint(): number {
    let n = 0
    let mul = 1
    for (;;) {
      if (this.pos >= this.end) throw new Error('result codec: truncated varint')
      const b = this.buf[this.pos++] as number
      n += (b & 0x7f) * mul
      if (b < 0x80) return n
      mul *= 0x80
    }
  }

  svarint(): number {
    return unzigzag(this.uvarint())
  }

  byte(): number {
    if (this.pos >= this.end) throw new Error('result codec: truncated byte')
    return this.buf[this.pos++] as number
  }

  value(): number {
    const u = this.uvarint()
    const k = u % 16
    if (k === FLOAT_TAG) {
      if (this.pos + 8 > this.end) throw new Error('result codec: truncated double')
      const v = this.dv.getFloat64(this.pos, true)
      this.pos += 8
      return v
    }
    const m = unzigzag((u - k) / 16)
    return k === 0 ? m : m / (POW10[k] as number)
  }

  text(): string {
    const n = this.uvarint()
    if (this.pos + n > this.end) throw new Error('result codec: truncated text')
    const s = Buffer.from(this.buf.buffer, this.buf.byteOffset + this.pos, n).toString('utf8')
    this.pos += n
    return s
  }
}

const FLAG_OK = 1
const FLAG_ERROR = 2
const FLAG_PROBE = 4

/**
 * Writes one record. `prev` carries the previous record's time and probe (the chain the
 * container keeps); it is updated.
 */
export function writeRecord(w: ByteWriter, r: ResultRecord, prev: { ts: number; probe: number }): void {
  writeRecordHead(w, r.ts, r.ok, r.error !== null, r.probe, prev)
  w.value(r.durationMs)
  w.uvarint(r.values.length / 2)
  for (let i = 0; i < r.values.length; i += 2) {
    w.uvarint(r.values[i] as number)
    w.value(r.values[i + 1] as number)
  }
  if (r.error !== null) w.text(r.error)
}

/**
 * Writes a record's body (duration, measurements, error text: what follows
 * {@link writeRecordHead}) from a result's measurements as they arrive, keys looked up by
 * `keyOf`: the same bytes as {@link writeRecord} writes for the record with those values, in
 * the object's key order, without building the record.
 */
export function writeRecordBody(w: ByteWriter, durationMs: number, measurements: Readonly<Record<string, number>>, keyOf: (metric: string) => number, error: string | null): void {
  w.value(durationMs)
  let n = 0
  for (const _ in measurements) n++
  w.uvarint(n)
  for (const name in measurements) {
    w.uvarint(keyOf(name))
    w.value(measurements[name] as number)
  }
  if (error !== null) w.text(error)
}

/**
 * Writes the part of a record that depends on the chain: the time delta, the flags and the
 * probe key when it changed (`prev` is updated). The rest of a record (duration, measurements,
 * error text: its *body*) is the same bytes wherever the record is written, so ingest encodes
 * it once and copies it (the batch log and the open chunk).
 */
export function writeRecordHead(w: ByteWriter, ts: number, ok: boolean, hasError: boolean, probe: number, prev: { ts: number; probe: number }): void {
  w.svarint(ts - prev.ts)
  const probeChanged = probe !== prev.probe
  w.byte((ok ? FLAG_OK : 0) | (hasError ? FLAG_ERROR : 0) | (probeChanged ? FLAG_PROBE : 0))
  if (probeChanged) w.uvarint(probe)
  prev.ts = ts
  prev.probe = probe
}

/** Reads one record written by {@link writeRecord} with the same chain. */
export function readRecord(rd: ByteReader, prev: { ts: number; probe: number }): ResultRecord {
  const ts = prev.ts + rd.svarint()
  const flags = rd.byte()
  const probe = flags & FLAG_PROBE ? rd.uvarint() : prev.probe
  const durationMs = rd.value()
  const n = rd.uvarint()
  const values: number[] = new Array<number>(n * 2)
  for (let i = 0; i < n; i++) {
    values[2 * i] = rd.uvarint()
    values[2 * i + 1] = rd.value()
  }
  const error = flags & FLAG_ERROR ? rd.text() : null
  prev.ts = ts
  prev.probe = probe
  return { ts, ok: (flags & FLAG_OK) !== 0, probe, durationMs, values, error }
}

const CHUNK_VERSION = 1
const CHUNK_PLAIN = 0
const CHUNK_DEFLATE = 1

/**
 * Encodes one target's records (sorted by time) as a chunk: a version byte, a method byte and
 * the records relative to `base` (the chunk's window start), deflated when that is smaller.
 */
export function encodeChunk(records: readonly ResultRecord[], base: number): Buffer {
  const w = new ByteWriter(records.length * 32 + 16)
  const prev = { ts: base, probe: 0 }
  w.uvarint(records.length)
  for (const r of records) writeRecord(w, r, prev)
  const plain = w.view()
  const packed = deflateRawSync(plain, { level: 6 })
  const body = packed.length < plain.length ? packed : plain
  const out = Buffer.allocUnsafe(body.length + 2)
  out[0] = CHUNK_VERSION
  out[1] = body === packed ? CHUNK_DEFLATE : CHUNK_PLAIN
  out.set(body, 2)
  return out
}

/** Decodes a chunk written by {@link encodeChunk} with the same `base`. */
export function decodeChunk(blob: Uint8Array, base: number): ResultRecord[] {
  if (blob[0] !== CHUNK_VERSION) throw new Error(`result codec: unknown chunk version ${String(blob[0])}`)
  const body = blob.subarray(2)
  const plain = blob[1] === CHUNK_DEFLATE ? inflateRawSync(body) : body
  const rd = new ByteReader(plain)
  const n = rd.uvarint()
  const prev = { ts: base, probe: 0 }
  const out: ResultRecord[] = new Array<ResultRecord>(n)
  for (let i = 0; i < n; i++) out[i] = readRecord(rd, prev)
  return out
}
