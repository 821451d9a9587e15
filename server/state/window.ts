/**
 * A target's recent successful rounds as compact rows (issue 14: the state engine's 15-minute
 * windows were one object per round, ~210 B each with its boxed numbers, 400,000 of them at
 * national load). One `Float64Array` per window holds the rows, oldest first, each row the
 * round's time and only the figures this target's rounds carry (an ICMP line: time, RTT,
 * packets sent and received, jitter = 40 B; a SIP endpoint: time, status, answer time). A
 * figure first seen in a later round widens the rows once. The buffer lives outside the V8
 * heap, so it is neither scanned nor multiplied by the heap's growth.
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

/** Which fields a row holds and where: shared by every window with the same fields. */
interface Layout {
  mask: number
  /** 1 (the time) + one column per field present. */
  stride: number
  /** Column of each field (by bit), -1 when absent. */
  col: Int8Array
}

const layouts = new Map<number, Layout>()

function layoutOf(mask: number): Layout {
  let l = layouts.get(mask)
  if (l === undefined) {
    const col = new Int8Array(FIELDS.length).fill(-1)
    let stride = 1
    for (let b = 0; b < FIELDS.length; b++) if (mask & (1 << b)) col[b] = stride++
    l = { mask, stride, col }
    layouts.set(mask, l)
  }
  return l
}

const NO_FIELDS = layoutOf(0)
/** A round's figures as read once from its measurements (one row before it is stored). */
const scratch = new Float64Array(FIELDS.length)

/**
 * The rows of one target's window, oldest first, kept sorted by time: a round replayed late is
 * inserted after the rows of the same or an earlier time. Rows leave from the oldest end
 * ({@link SampleWindow.dropOldest}); space freed there is reused before the buffer grows.
 */
export class SampleWindow implements WindowView {
  private layout: Layout = NO_FIELDS
  private buf: Float64Array | null = null
  /** Index of the oldest row in `buf` (rows before it were dropped). */
  private head = 0
  length = 0

  /** @param capacityHint rows to make room for on the first insert (the rounds a full window holds) */
  constructor(private readonly capacityHint = 8) {}

  at(i: number): number {
    return (this.buf as Float64Array)[(this.head + i) * this.layout.stride] as number
  }

  value(i: number, field: SampleField): number | undefined {
    return this.valueAt(i, FIELD_BIT[field])
  }

  /** {@link value} by field number (`FIELD.rtt`…): the engine's per-round path, without the name lookup. */
  valueAt(i: number, bit: number): number | undefined {
    const c = this.layout.col[bit] as number
    if (c < 0) return bit === SENT || bit === RECEIVED ? 0 : undefined
    const v = (this.buf as Float64Array)[(this.head + i) * this.layout.stride + c] as number
    return v !== v ? undefined : v
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
    const mask = this.layout.mask | readRound(m, scratch)
    if (mask !== this.layout.mask) this.widen(layoutOf(mask))
    const stride = this.layout.stride
    this.makeRoom()
    const buf = this.buf as Float64Array
    let i = this.length
    while (i > 0 && (buf[(this.head + i - 1) * stride] as number) > t) i--
    const at = (this.head + i) * stride
    if (i < this.length) buf.copyWithin(at + stride, at, (this.head + this.length) * stride)
    buf[at] = t
    const col = this.layout.col
    for (let b = 0; b < FIELDS.length; b++) {
      const c = col[b] as number
      if (c >= 0) buf[at + c] = scratch[b] as number
    }
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

  /** Room for one more row at the end: the dropped rows' space first, else a larger buffer. */
  private makeRoom(): void {
    const stride = this.layout.stride
    const capacity = this.buf === null ? 0 : this.buf.length / stride
    if (this.head + this.length < capacity) return
    if (this.buf !== null && this.head > 0 && this.length < capacity) {
      this.buf.copyWithin(0, this.head * stride, (this.head + this.length) * stride)
      this.head = 0
      return
    }
    const rows = capacity === 0 ? Math.max(1, this.capacityHint) : Math.max(capacity * 2, 4)
    const next = new Float64Array(rows * stride)
    if (this.buf !== null) next.set(this.buf.subarray(this.head * stride, (this.head + this.length) * stride))
    this.buf = next
    this.head = 0
  }

  /**
   * Median of field `bit` (`FIELD.rtt`…) over the rows that measured it; null when none did.
   * Selected in a scratch copy, O(rows): cheaper in memory than keeping each window's values
   * sorted beside it (two arrays per target, ~5.7 MB at national load, issue 14).
   */
  median(bit: number): number | null {
    const c = this.layout.col[bit] as number
    if (c < 0 || this.buf === null || this.length === 0) return null
    if (medianScratch.length < this.length) medianScratch = new Float64Array(this.length * 2)
    const a = medianScratch
    const stride = this.layout.stride
    let n = 0
    for (let r = 0, at = this.head * stride + c; r < this.length; r++, at += stride) {
      const v = this.buf[at] as number
      if (v === v) a[n++] = v
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

  /** Re-packs every row into a layout with more fields (the new columns absent, counts 0). */
  private widen(to: Layout): void {
    const from = this.layout
    this.layout = to
    if (this.buf === null) return
    const capacity = Math.max(this.length, 1)
    const next = new Float64Array(Math.max(capacity, this.buf.length / from.stride) * to.stride)
    for (let r = 0; r < this.length; r++) {
      const src = (this.head + r) * from.stride
      const dst = r * to.stride
      next[dst] = this.buf[src] as number
      for (let b = 0; b < FIELDS.length; b++) {
        const c = to.col[b] as number
        if (c < 0) continue
        const old = from.col[b] as number
        next[dst + c] = old >= 0 ? (this.buf[src + old] as number) : b === SENT || b === RECEIVED ? 0 : ABSENT
      }
    }
    this.buf = next
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
