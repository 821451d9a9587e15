/**
 * A target's recent successful rounds as compact rows (issue 14: the state engine's 15-minute
 * windows were one object per round, ~210 B each with its boxed numbers, 400,000 of them at
 * national load). One buffer per window holds the rows, oldest first, each row the round's time
 * and only the figures this target's rounds carry; the time (as an offset from the window's
 * base), packet counts and status codes as 32-bit integers while they are ones, RTT, jitter and
 * answer times as 32-bit nanoseconds while they are whole ones, the other figures as doubles
 * (a udp_echo line: time, packets sent and received, RTT, jitter = 20 B, was 40 with every
 * column a double; an fping RTT in hundredths of a ms is often not whole nanoseconds once
 * divided into seconds: 28 B). A figure first seen in a later round widens the rows once.
 * Every value reads back exactly as it was measured. The
 * buffer lives outside the V8 heap, so it is neither scanned nor multiplied by the heap's growth.
 * @module
 */

/** The figures of a successful round that some rule reads, in base units. */
export type SampleField = 'rtt' | 'sent' | 'received' | 'jitter' | 'download' | 'upload' | 'inBps' | 'outBps' | 'statusCode' | 'responseSeconds'

/** Every field, in bit order (bit i of a layout's mask is `FIELDS[i]`). */
const FIELDS: readonly SampleField[] = ['rtt', 'sent', 'received', 'jitter', 'download', 'upload', 'inBps', 'outBps', 'statusCode', 'responseSeconds']
const FIELD_BIT: Readonly<Record<SampleField, number>> = Object.fromEntries(FIELDS.map((f, i) => [f, i])) as Record<SampleField, number>
const SENT = FIELD_BIT.sent
const RECEIVED = FIELD_BIT.received

/** Field numbers for {@link SampleWindow.valueAt}. */
export const FIELD = { rtt: 0, sent: 1, received: 2, jitter: 3 } as const

/**
 * Read-only rows of a window, oldest first: what the grading rules see (`rules/rule.ts`).
 * A field the round did not measure reads `undefined`; `sent` and `received` read 0 then.
 */
export interface WindowView {
  readonly length: number
  /** Observed time (ms) of row `i` (0 = oldest). */
  at(i: number): number
  /** Field `field` of row `i`; undefined when that round did not measure it (0 for sent and received). */
  value(i: number, field: SampleField): number | undefined
}

/**
 * An absent optional figure. Measurements are finite numbers (the protocol's schema refuses
 * NaN and infinities), so NaN never stands for a measured value.
 */
const ABSENT = NaN

/**
 * Reads a round's figures from its measurements (the agents' metric names, SPEC §3) into
 * `into` (by field bit; absent optional figures NaN, absent counts 0): the RTT is the median,
 * else the average, else the TCP connect time of tcp/h323.
 * @returns the mask of the fields the round carries (counts only when not +0)
 */
function readRound(m: Readonly<Record<string, number>>, into: Float64Array): number {
  const rtt = m.rtt_median_seconds ?? m.rtt_avg_seconds ?? m.connect_seconds
  const sent = m.sent ?? 0
  const received = m.received ?? 0
  const jitter = m.jitter_seconds
  const download = m.download_bytes_per_second
  const upload = m.upload_bytes_per_second
  const inBps = m.in_bytes_per_second
  const outBps = m.out_bytes_per_second
  const statusCode = m.status_code
  const responseSeconds = m.response_seconds
  into[0] = rtt ?? ABSENT
  into[1] = sent
  into[2] = received
  into[3] = jitter ?? ABSENT
  into[4] = download ?? ABSENT
  into[5] = upload ?? ABSENT
  into[6] = inBps ?? ABSENT
  into[7] = outBps ?? ABSENT
  into[8] = statusCode ?? ABSENT
  into[9] = responseSeconds ?? ABSENT
  return (
    (rtt !== undefined ? 1 : 0) |
    // Object.is: a measured -0 is carried (and read back as -0), only an absent count (+0) is not.
    (Object.is(sent, 0) ? 0 : 2) |
    (Object.is(received, 0) ? 0 : 4) |
    (jitter !== undefined ? 8 : 0) |
    (download !== undefined ? 16 : 0) |
    (upload !== undefined ? 32 : 0) |
    (inBps !== undefined ? 64 : 0) |
    (outBps !== undefined ? 128 : 0) |
    (statusCode !== undefined ? 256 : 0) |
    (responseSeconds !== undefined ? 512 : 0)
  )
}

/** Bit of the round's time in a layout's `wide` mask (the fields use bits 0–9). */
const TIME = FIELDS.length
/** Fields kept as 32-bit integers while every value they get is one: the packet counts and SIP's status. */
const INTEGRAL = (1 << SENT) | (1 << RECEIVED) | (1 << FIELD_BIT.statusCode) | (1 << TIME)
/**
 * Times in seconds kept as 32-bit integer nanoseconds while every value they get is exactly
 * `n / 1e9` (what agents measuring with a nanosecond clock send, up to ~2.1 s): 4 B a value, not 8.
 */
const NANOS = (1 << FIELD_BIT.rtt) | (1 << FIELD_BIT.jitter) | (1 << FIELD_BIT.responseSeconds)
/** Fields that may live in the integer part. */
const NARROW = INTEGRAL | NANOS
/** An absent status code in an integer column (NaN in a float one); a measured -2^31 goes to a float column. */
const INT_ABSENT = -0x80000000
const INT_MAX = 0x7fffffff

/** True when `v` is kept exactly by an integer column (-0 is not: it is kept as measured). */
const fitsInt = (v: number): boolean => Number.isInteger(v) && v >= -INT_MAX && v <= INT_MAX && !Object.is(v, -0)

/** True when `v` (seconds) is kept exactly as integer nanoseconds: `round(v · 1e9) / 1e9` gives `v` back (-0 does not). */
const fitsNanos = (v: number): boolean => {
  const n = Math.round(v * 1e9)
  return n >= -INT_MAX && n <= INT_MAX && n / 1e9 === v && !Object.is(v, -0)
}

/** True when time `t` can be kept as an integer offset from some base (whole ms; -0 is kept as given). */
const fitsTime = (t: number): boolean => Number.isSafeInteger(t) && !Object.is(t, -0)

/**
 * Which fields a row holds and where: shared by every window with the same fields. A row is a
 * float part (8 B a figure) and an integer part (4 B each: the time as an offset from the
 * window's base, the packet counts, the status code, and the times in seconds as nanoseconds);
 * a field that once gets a value its integer column cannot give back exactly (a fraction of a
 * count, -0, a huge count, an RTT that is not whole nanoseconds) moves to the float part for
 * good, and so does the time when it cannot be kept as an offset.
 */
interface Layout {
  mask: number
  /** Fields that could be integers (and {@link TIME}) kept in the float part. */
  wide: number
  /** Float and integer columns per row. */
  fStride: number
  iStride: number
  /** Column of each field and of the time (by bit, time last) within its part, -1 when absent. */
  col: Int8Array
  /** 1 where that column is in the float part. */
  inF: Uint8Array
}

const layouts = new Map<number, Layout>()

function layoutOf(mask: number, wide: number): Layout {
  const key = mask | (wide << (TIME + 1))
  let l = layouts.get(key)
  if (l === undefined) {
    const col = new Int8Array(TIME + 1).fill(-1)
    const inF = new Uint8Array(TIME + 1)
    let f = 0
    let i = 0
    for (let b = 0; b <= TIME; b++) {
      if (b !== TIME && !(mask & (1 << b))) continue
      const float = !(NARROW & (1 << b)) || (wide & (1 << b)) !== 0
      inF[b] = float ? 1 : 0
      col[b] = float ? f++ : i++
    }
    l = { mask, wide, fStride: f, iStride: i, col, inF }
    layouts.set(key, l)
  }
  return l
}

const NO_FIELDS = layoutOf(0, 0)
/** A round's figures as read once from its measurements (one row before it is stored). */
const scratch = new Float64Array(FIELDS.length)

/** Field `bit` (or {@link TIME}) of buffer row `row` in layout `l`, whose column exists: NaN when absent. */
function readRow(l: Layout, f: Float64Array | null, i: Int32Array | null, base: number, row: number, bit: number): number {
  const c = l.col[bit] as number
  if (l.inF[bit]) return (f as Float64Array)[row * l.fStride + c] as number
  const v = (i as Int32Array)[row * l.iStride + c] as number
  return bit === TIME ? base + v : v === INT_ABSENT ? NaN : NANOS & (1 << bit) ? v / 1e9 : v
}

/** Stores `v` (NaN: absent) as field `bit` of buffer row `row` in layout `l`; `v` fits the column. */
function writeRow(l: Layout, f: Float64Array | null, i: Int32Array | null, base: number, row: number, bit: number, v: number): void {
  const c = l.col[bit] as number
  if (l.inF[bit]) (f as Float64Array)[row * l.fStride + c] = v
  else (i as Int32Array)[row * l.iStride + c] = bit === TIME ? v - base : v !== v ? INT_ABSENT : NANOS & (1 << bit) ? Math.round(v * 1e9) : v
}

/**
 * The rows of one target's window, oldest first, kept sorted by time: a round replayed late is
 * inserted after the rows of the same or an earlier time. Rows leave from the oldest end
 * ({@link SampleWindow.dropOldest}); space freed there is reused before the buffer grows. Both
 * parts of the rows share one buffer (a udp_echo row at nanosecond resolution: 20 B of integers).
 */
export class SampleWindow implements WindowView {
  private layout: Layout = NO_FIELDS
  /** The float part and the integer part of the rows (views of one buffer), null before the first row. */
  private f: Float64Array | null = null
  private i: Int32Array | null = null
  /** Rows the buffer holds. */
  private capacity = 0
  /** Time (ms) the integer time offsets count from. */
  private base = 0
  /** Index of the oldest row in the buffer (rows before it were dropped). */
  private head = 0
  length = 0

  /** @param capacityHint rows to make room for on the first insert (the rounds a full window holds) */
  constructor(private readonly capacityHint = 8) {}

  at(i: number): number {
    return this.raw(this.head + i, TIME)
  }

  value(i: number, field: SampleField): number | undefined {
    return this.valueAt(i, FIELD_BIT[field])
  }

  /** {@link value} by field number (`FIELD.rtt`…): the engine's per-round path, without the name lookup. */
  valueAt(i: number, bit: number): number | undefined {
    if (this.layout.col[bit] === -1) return bit === SENT || bit === RECEIVED ? 0 : undefined
    const v = this.raw(this.head + i, bit)
    return v !== v ? undefined : v
  }

  /** Bytes a row takes in the current layout (tests). */
  rowBytes(): number {
    return this.layout.fStride * 8 + this.layout.iStride * 4
  }

  /** Observed time of the newest row; null when empty. */
  newestAt(): number | null {
    return this.length === 0 ? null : this.at(this.length - 1)
  }

  /**
   * Adds a successful round observed at `t` with measurements `m`, in time order (after rows of
   * equal time). @returns the index the row got
   */
  insert(t: number, m: Readonly<Record<string, number>>): number {
    // sent and received default to 0: they get a column once a round carries another count.
    const present = readRound(m, scratch)
    const mask = this.layout.mask | present
    let wide = this.layout.wide
    for (let b = 0; b < FIELDS.length; b++) {
      if (!(present & NARROW & (1 << b))) continue
      const v = scratch[b] as number
      if (INTEGRAL & (1 << b) ? !fitsInt(v) : !fitsNanos(v)) wide |= 1 << b
    }
    if (!(wide & (1 << TIME))) {
      if (this.length === 0) this.base = fitsTime(t) ? t : 0
      if (!fitsTime(t) || (!fitsInt(t - this.base) && !this.rebase(t))) wide |= 1 << TIME
    }
    if (mask !== this.layout.mask || wide !== this.layout.wide) this.repack(layoutOf(mask, wide), this.capacity)
    this.makeRoom()
    let i = this.length
    while (i > 0 && this.at(i - 1) > t) i--
    const row = this.head + i
    if (i < this.length) this.shift(row)
    this.setRaw(row, TIME, t)
    const col = this.layout.col
    for (let b = 0; b < FIELDS.length; b++) if (col[b] !== -1) this.setRaw(row, b, scratch[b] as number)
    this.length++
    return i
  }

  /** Removes the `n` oldest rows. */
  dropOldest(n: number): void {
    const k = Math.min(n, this.length)
    this.head += k
    this.length -= k
    if (this.length === 0) this.head = 0
  }

  /**
   * Median of field `bit` (`FIELD.rtt`…) over the rows that measured it; null when none did.
   * Selected in a scratch copy, O(rows): cheaper in memory than keeping each window's values
   * sorted beside it (two arrays per target, ~5.7 MB at national load, issue 14).
   */
  median(bit: number): number | null {
    if (this.layout.col[bit] === -1 || this.length === 0) return null
    if (medianScratch.length < this.length) medianScratch = new Float64Array(this.length * 2)
    const a = medianScratch
    let n = 0
    const l = this.layout
    const c = l.col[bit] as number
    const end = this.head + this.length
    // Straight down the column (the engine asks for two medians every round of every target).
    if (l.inF[bit]) {
      const f = this.f as Float64Array
      for (let at = this.head * l.fStride + c, r = this.head; r < end; r++, at += l.fStride) {
        const v = f[at] as number
        if (v === v) a[n++] = v
      }
    } else {
      const ints = this.i as Int32Array
      // Nanoseconds back to the very seconds they were (exact: see fitsNanos).
      const scale = NANOS & (1 << bit) ? 1e9 : 1
      for (let at = this.head * l.iStride + c, r = this.head; r < end; r++, at += l.iStride) {
        const v = ints[at] as number
        if (v !== INT_ABSENT) a[n++] = v / scale
      }
    }
    if (n === 0) return null
    const mid = n >> 1
    selectNth(a, n, mid)
    const upper = a[mid] as number
    if (n % 2 === 1) return upper
    // Every value before `mid` is ≤ the upper middle: the lower middle is the largest of them.
    let lower = a[0] as number
    for (let i = 1; i < mid; i++) if ((a[i] as number) > lower) lower = a[i] as number
    return (lower + upper) / 2
  }

  /** Field `bit` (or {@link TIME}) of buffer row `row` (its column exists): NaN when absent. */
  private raw(row: number, bit: number): number {
    return readRow(this.layout, this.f, this.i, this.base, row, bit)
  }

  /** Stores `v` (NaN: absent) as field `bit` of buffer row `row`; it fits the field's column. */
  private setRaw(row: number, bit: number, v: number): void {
    writeRow(this.layout, this.f, this.i, this.base, row, bit, v)
  }

  /**
   * Counts the integer times from a new base so that `t` fits beside every row (a window older
   * than 24 days moved its base along as it went). @returns false when they cannot all fit
   */
  private rebase(t: number): boolean {
    const from = this.length === 0 ? t : Math.min(t, this.at(0))
    const to = this.length === 0 ? t : Math.max(t, this.at(this.length - 1))
    if (!fitsInt(to - from)) return false
    const l = this.layout
    const c = l.col[TIME] as number
    const d = this.base - from
    const ints = this.i as Int32Array
    for (let r = this.head; r < this.head + this.length; r++) ints[r * l.iStride + c] = (ints[r * l.iStride + c] as number) + d
    this.base = from
    return true
  }

  /** Moves buffer rows `row`… one down (room for an insert at `row`). */
  private shift(row: number): void {
    const l = this.layout
    const end = this.head + this.length
    if (l.fStride > 0) (this.f as Float64Array).copyWithin((row + 1) * l.fStride, row * l.fStride, end * l.fStride)
    if (l.iStride > 0) (this.i as Int32Array).copyWithin((row + 1) * l.iStride, row * l.iStride, end * l.iStride)
  }

  /** Room for one more row at the end: the dropped rows' space first, else a larger buffer. */
  private makeRoom(): void {
    if (this.head + this.length < this.capacity) return
    if (this.capacity > 0 && this.head > 0 && this.length < this.capacity) {
      const l = this.layout
      if (l.fStride > 0) (this.f as Float64Array).copyWithin(0, this.head * l.fStride, (this.head + this.length) * l.fStride)
      if (l.iStride > 0) (this.i as Int32Array).copyWithin(0, this.head * l.iStride, (this.head + this.length) * l.iStride)
      this.head = 0
      return
    }
    this.repack(this.layout, this.capacity === 0 ? Math.max(1, this.capacityHint) : Math.max(this.capacity * 2, 4))
  }

  /** Copies the rows into a new buffer of `rows` rows in layout `to` (new columns absent, counts 0). */
  private repack(to: Layout, rows: number): void {
    const from = this.layout
    const capacity = Math.max(rows, this.length)
    this.layout = to
    if (capacity === 0) return
    const buffer = new ArrayBuffer(capacity * (to.fStride * 8 + to.iStride * 4))
    const f = to.fStride > 0 ? new Float64Array(buffer, 0, capacity * to.fStride) : null
    const i = to.iStride > 0 ? new Int32Array(buffer, capacity * to.fStride * 8, capacity * to.iStride) : null
    for (let r = 0; r < this.length; r++) {
      const row = this.head + r
      for (let b = 0; b <= TIME; b++) {
        if (to.col[b] === -1) continue
        const v = b === TIME || from.col[b] !== -1 ? readRow(from, this.f, this.i, this.base, row, b) : b === SENT || b === RECEIVED ? 0 : NaN
        writeRow(to, f, i, this.base, r, b, v)
      }
    }
    this.f = f
    this.i = i
    this.capacity = capacity
    this.head = 0
  }
}

/** Scratch for {@link SampleWindow.median} (one thread; grown when a window is longer). */
let medianScratch = new Float64Array(256)

/**
 * Hoare's selection: reorders `a[0..n)` so that `a[k]` is its k-th smallest value (0-based), every
 * value before it ≤ it and every value after it ≥ it.
 */
function selectNth(a: Float64Array, n: number, k: number): void {
  let lo = 0
  let hi = n - 1
  while (hi > lo) {
    const pivot = a[(lo + hi) >> 1] as number
    let i = lo
    let j = hi
    while (i <= j) {
      while ((a[i] as number) < pivot) i++
      while ((a[j] as number) > pivot) j--
      if (i <= j) {
        const t = a[i] as number
        a[i] = a[j] as number
        a[j] = t
        i++
        j--
      }
    }
    // Now a[lo..j] ≤ pivot ≤ a[i..hi], and whatever lies between j and i equals the pivot.
    if (k <= j) hi = j
    else if (k >= i) lo = i
    else return
  }
}

/** A window with no rows (rules given nothing). */
export const EMPTY_WINDOW: WindowView = new SampleWindow(0)
