/**
 * Truncation that never breaks what it cuts: plain text is cut between grapheme clusters
 * (a Vietnamese letter with its combining marks, an emoji with its modifiers stay whole);
 * Telegram HTML is cut between tags and entities, and the tags left open are closed.
 * Lengths are UTF-16 code units, which is never less than the characters a provider counts.
 * @module
 */

const ELLIPSIS = '…'
/** How far back (in characters) a cut may move to land on a space instead of mid-word. */
const WORD_BACKTRACK = 40

/** Built at the first cut, not at import: ICU's segmentation data stays out of memory until a message needs it. */
let graphemes: Intl.Segmenter | undefined
/** Grapheme clusters are short; looking this far around a cut finds its boundary. */
const CLUSTER_WINDOW = 32

/**
 * The largest index ≤ `n` of `text` that is a grapheme boundary. Only a window around `n` is
 * segmented (segmenting whole messages costs milliseconds per kilobyte).
 */
function safeCut(text: string, n: number): number {
  if (n >= text.length) return text.length
  if (n <= 0) return 0
  const start = Math.max(0, n - CLUSTER_WINDOW)
  let best = start
  graphemes ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' })
  for (const { index } of graphemes.segment(text.slice(start, n + CLUSTER_WINDOW))) {
    // The first segment of a window that starts mid-text may begin mid-cluster: skip it.
    if (index === 0 && start > 0) continue
    if (start + index > n) break
    best = start + index
  }
  return best
}

/** Index of the last whitespace in `text` before `end`, searching back at most `within`; -1 if none. */
function lastSpace(text: string, end: number, within: number): number {
  for (let i = end - 1; i >= 0 && i >= end - within; i--) if (/\s/.test(text[i] ?? '')) return i
  return -1
}

/** Cuts `text` to at most `max` code units at a grapheme boundary, preferring a space. */
function cutPlain(text: string, max: number): string {
  if (text.length <= max) return text
  const end = safeCut(text, max)
  const space = lastSpace(text, end, WORD_BACKTRACK)
  return text.slice(0, space >= 0 ? space : end).trimEnd()
}

/**
 * Plain text of at most `max` code units. When cut, it ends in an ellipsis and, if given,
 * `keep` on its own line (the link, which is what a reader needs most).
 */
export function truncatePlain(text: string, max: number, keep?: string): string {
  const tailKeep = keep !== undefined && keep.length > 0 && keep.length + 2 <= max / 2 ? keep : undefined
  const full = tailKeep !== undefined && !text.includes(tailKeep) ? `${text}\n${tailKeep}` : text
  if (full.length <= max) return full
  let head = text
  if (tailKeep !== undefined && head.trimEnd().endsWith(tailKeep)) head = head.trimEnd().slice(0, -tailKeep.length)
  const tail = tailKeep !== undefined ? `${ELLIPSIS}\n${tailKeep}` : ELLIPSIS
  const cut = cutPlain(head, max - tail.length)
  return tailKeep !== undefined && cut.includes(tailKeep) ? cut + ELLIPSIS : cut + tail
}

/** A tag, an entity (one atom of `length` visible units) or a run of literal text. */
type Token =
  | { kind: 'open'; name: string; raw: string }
  | { kind: 'close'; name: string; raw: string }
  | { kind: 'atom'; raw: string; length: number }
  | { kind: 'text'; raw: string }

const ENTITY = /&(?:#\d{1,7}|#x[0-9a-f]{1,6}|[a-z]{2,8});/iy
const SPECIAL = /[<&]/g
const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }

/** The text an entity stands for (an unknown one stands for itself, as Telegram shows it). */
function decodeEntity(raw: string): string {
  const body = raw.slice(1, -1)
  if (body.startsWith('#')) {
    const n = body[1] === 'x' || body[1] === 'X' ? Number.parseInt(body.slice(2), 16) : Number(body.slice(1))
    return n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : raw
  }
  return NAMED[body.toLowerCase()] ?? raw
}

/** Tags, entities and runs of text of Telegram HTML, lazily (a cut stops reading early). */
function* tokenize(html: string): Generator<Token> {
  let textStart = 0
  let i = 0
  for (;;) {
    SPECIAL.lastIndex = i
    const m = SPECIAL.exec(html)
    if (!m) break
    const at = m.index
    let token: Token | undefined
    let next = at + 1
    if (m[0] === '<') {
      const end = tagEnd(html, at)
      if (end > 0) {
        const raw = html.slice(at, end + 1)
        const tag = /^<\s*(\/?)\s*([a-zA-Z][a-zA-Z0-9-]*)/.exec(raw)
        const name = (tag?.[2] ?? '').toLowerCase()
        token = !tag || raw.endsWith('/>') ? { kind: 'atom', raw, length: 0 } : tag[1] === '/' ? { kind: 'close', name, raw } : { kind: 'open', name, raw }
        next = end + 1
      }
    } else {
      ENTITY.lastIndex = at
      const e = ENTITY.exec(html)
      if (e) {
        token = { kind: 'atom', raw: e[0], length: decodeEntity(e[0]).length }
        next = at + e[0].length
      }
    }
    if (token !== undefined) {
      if (at > textStart) yield { kind: 'text', raw: html.slice(textStart, at) }
      yield token
      textStart = next
    }
    i = next
  }
  if (textStart < html.length) yield { kind: 'text', raw: html.slice(textStart) }
}

/** Index of the `>` closing the tag that starts at `start`, skipping quoted attribute values; -1 if none. */
function tagEnd(html: string, start: number): number {
  let quote: string | undefined
  for (let j = start + 1; j < html.length; j++) {
    const c = html[j]
    if (quote !== undefined) {
      if (c === quote) quote = undefined
    } else if (c === '"' || c === "'") quote = c
    else if (c === '>') return j
  }
  return -1
}

/** Length of Telegram HTML as Telegram counts it: after tags are removed and entities decoded (counting stops past `stopAbove`). */
export function htmlTextLength(html: string, stopAbove = Infinity): number {
  let n = 0
  for (const t of tokenize(html)) {
    n += t.kind === 'text' ? t.raw.length : t.kind === 'atom' ? t.length : 0
    if (n > stopAbove) break
  }
  return n
}

/** Escapes text for Telegram HTML (text nodes and attribute values). */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

/**
 * Telegram HTML whose visible text is at most `max` code units. When cut: never inside a tag
 * or an entity, between grapheme clusters, preferably at a space; an ellipsis marks the cut,
 * every tag still open is closed in order, and `link` (if given and not already kept) follows
 * on its own line as `<a href>`.
 */
export function truncateHtml(html: string, max: number, link?: string): string {
  if (html.length <= max || htmlTextLength(html, max) <= max) return html
  const keepLink = link !== undefined && link.length > 0 && link.length + 2 <= max / 2 ? link : undefined
  const linkHtml = keepLink !== undefined ? `\n<a href="${escapeHtml(keepLink)}">${escapeHtml(keepLink)}</a>` : ''
  const budget = max - ELLIPSIS.length - (keepLink !== undefined ? keepLink.length + 1 : 0)

  let out = ''
  let used = 0
  const open: { name: string }[] = []
  let checkpoint: { out: string; used: number; open: { name: string }[] } | undefined
  for (const t of tokenize(html)) {
    if (t.kind === 'text') {
      const fits = used + t.raw.length <= budget
      const take = fits ? t.raw.length : safeCut(t.raw, budget - used)
      const space = lastSpace(t.raw, take, take)
      if (space >= 0) checkpoint = { out: out + t.raw.slice(0, space), used: used + space, open: [...open] }
      out += t.raw.slice(0, take)
      used += take
      if (!fits) break
    } else if (t.kind === 'atom') {
      if (used + t.length > budget) break
      out += t.raw
      used += t.length
    } else if (t.kind === 'open') {
      out += t.raw
      open.push({ name: t.name })
    } else {
      // Close only what is open; a stray closing tag is dropped rather than made worse.
      const at = open.map((o) => o.name).lastIndexOf(t.name)
      if (at < 0) continue
      for (const o of open.splice(at).reverse()) out += `</${o.name}>`
    }
  }
  let stack = open
  if (checkpoint !== undefined && used - checkpoint.used <= WORD_BACKTRACK) {
    out = checkpoint.out
    stack = checkpoint.open
  }
  out = out.replace(/\s+$/, '') + ELLIPSIS
  for (const o of [...stack].reverse()) out += `</${o.name}>`
  const alreadyLinked = keepLink !== undefined && out.includes(`href="${escapeHtml(keepLink)}"`)
  return alreadyLinked ? out : out + linkHtml
}
