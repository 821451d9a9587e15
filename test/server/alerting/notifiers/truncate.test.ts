import { describe, expect, it } from 'vitest'
import { htmlTextLength, truncateHtml, truncatePlain } from '../../../../server/alerting/notifiers/truncate'
import { parseTelegramHtml } from '../../../helpers/fake-telegram'

const LINK = 'https://xanh.example.vn/#/commune/26734'

describe('truncatePlain', () => {
  it('leaves short text alone and appends the link when missing', () => {
    expect(truncatePlain('Mất kết nối', 100)).toBe('Mất kết nối')
    expect(truncatePlain('Mất kết nối', 100, LINK)).toBe(`Mất kết nối\n${LINK}`)
    expect(truncatePlain(`Mở: ${LINK}`, 100, LINK)).toBe(`Mở: ${LINK}`)
  })

  it('cuts long Vietnamese text to the limit with an ellipsis, at a space, keeping the link', () => {
    const text = `${'Xã Tân Phú mất kết nối đường truyền. '.repeat(100)}\nMở: ${LINK}`
    const out = truncatePlain(text, 2000, LINK)
    expect(out.length).toBeLessThanOrEqual(2000)
    expect(out.length).toBeGreaterThan(1950)
    expect(out.endsWith(`…\n${LINK}`)).toBe(true)
    expect(out.split(LINK)).toHaveLength(2)
    expect(out).toMatch(/\S…\n/)
  })

  it('never splits a letter from its combining marks (decomposed Vietnamese) or an emoji sequence', () => {
    const nfd = 'Tiếng Việt'.normalize('NFD')
    const src = nfd.repeat(5)
    for (let max = 2; max <= 40; max++) {
      const out = truncatePlain(src, max)
      expect(out.length).toBeLessThanOrEqual(max)
      const kept = out.replace(/…$/, '')
      // A prefix of whole grapheme clusters: what follows it never starts with a combining mark.
      expect(src.startsWith(kept)).toBe(true)
      expect(src.slice(kept.length)).not.toMatch(/^\p{M}/u)
    }
    const family = '👨‍👩‍👧‍👦'
    const out = truncatePlain(`${'a'.repeat(8)}${family}${family}`, 20)
    expect(out).toBe(`${'a'.repeat(8)}${family}…`)
  })
})

describe('truncateHtml', () => {
  const rows = Array.from({ length: 300 }, (_, i) => `<b>Xã ${i}</b> <i>mất kết nối &amp; trễ &gt; 500&#160;ms</i> <a href="${LINK}?r=${i}">mở</a> <pre><code>ngưỡng 20%</code></pre>`)
  const html = `<b>🔴 Sự cố</b>\n${rows.join('\n')}`

  it('leaves HTML within the limit untouched', () => {
    expect(truncateHtml('<b>a</b> &amp; b', 5)).toBe('<b>a</b> &amp; b')
  })

  it.each([50, 333, 1000, 4096])('cuts to ≤ %i visible characters of HTML Telegram parses', (max) => {
    const out = truncateHtml(html, max, LINK)
    const parsed = parseTelegramHtml(out)
    expect(parsed).not.toHaveProperty('error')
    if ('text' in parsed) {
      expect(parsed.text.length).toBeLessThanOrEqual(max)
      expect(parsed.text.length).toBe(htmlTextLength(out))
      expect(parsed.text).toContain('…')
      // The link is kept when it fits in half the room.
      expect(parsed.text.endsWith(`\n${LINK}`)).toBe(max >= 2 * (LINK.length + 2))
    }
  })

  it('cuts at every position without breaking tags or entities', () => {
    const small = '<b>Xã</b> &amp; <i>Tân&#160;Phú <code>a&lt;b</code></i> <a href="https://x.vn/?a=1&amp;b=2">mở</a> xong'
    const total = htmlTextLength(small)
    for (let max = 1; max < total; max++) {
      const out = truncateHtml(small, max)
      const parsed = parseTelegramHtml(out)
      expect(parsed, out).not.toHaveProperty('error')
      if ('text' in parsed) expect(parsed.text.length, out).toBeLessThanOrEqual(max)
    }
  })

  it('does not repeat the link when the kept part already links to it', () => {
    const h = `<a href="${LINK}">Mở trang</a>\n${'ư'.repeat(500)}`
    const out = truncateHtml(h, 100, LINK)
    expect(out.split(`href="${LINK}"`)).toHaveLength(2)
  })
})
