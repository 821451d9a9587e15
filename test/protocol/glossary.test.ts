/**
 * One term per meaning (issue 13, Words): the glossary's terms are distinct, and every text Xanh
 * shows or sends — dashboard labels in vi and en, alert messages, verdicts, delivery hints, CSV
 * headers — uses them for their meaning only. The English side disambiguates: a vi text and
 * its en counterpart must name the same glossary meanings, so "Cảnh báo" written for the
 * warning state (en "Warning"/"Degraded") cannot pass as the Alerts page's word.
 */
import { describe, expect, it } from 'vitest'
import { CHANNEL_ERROR_HINTS, GLOSSARY, MEANINGS, VERDICT_WORDS, avoidedIn, meaningsIn, termForms, type Meaning } from '../../protocol'
import { MESSAGE_WORDS } from '../../server/alerting/messages'
import { SLA_CSV_COLUMNS } from '../../server/reports/sla'
import { AUDIT_CSV_HEADERS } from '../../server/routes/users'
import { DICTIONARIES, type MessageKey } from '../../web/src/i18n'

/** A text in both languages and where it comes from. */
interface Pair {
  where: string
  vi: string
  en: string
}

const sorted = (s: Set<Meaning>): Meaning[] => [...s].sort()

/** Flattens parallel vi/en word tables (strings, nested records, and functions of a number or name). */
function pairsOf(where: string, vi: unknown, en: unknown): Pair[] {
  if (typeof vi === 'string' && typeof en === 'string') return [{ where, vi, en }]
  if (typeof vi === 'function' && typeof en === 'function') {
    // Called with a sample figure: the words around it are what counts.
    return [{ where, vi: String(vi(3)), en: String(en(3)) }]
  }
  if (vi && en && typeof vi === 'object' && typeof en === 'object') {
    const a = vi as Record<string, unknown>
    const b = en as Record<string, unknown>
    expect(Object.keys(b).sort(), where).toEqual(Object.keys(a).sort())
    return Object.keys(a).flatMap((k) => pairsOf(`${where}.${k}`, a[k], b[k]))
  }
  throw new Error(`${where}: vi and en differ in shape`)
}

/** Every text of the product in both languages. */
function allPairs(dict = DICTIONARIES): Pair[] {
  const keys = Object.keys(dict.vi) as MessageKey[]
  return [
    ...keys.map((k) => ({ where: `i18n ${k}`, vi: dict.vi[k], en: dict.en[k] })),
    ...pairsOf('messages', MESSAGE_WORDS.vi, MESSAGE_WORDS.en),
    ...pairsOf('verdict', VERDICT_WORDS.vi, VERDICT_WORDS.en),
    ...Object.entries(CHANNEL_ERROR_HINTS).map(([code, h]) => ({ where: `channel hint ${code}`, vi: h.vi, en: h.en })),
    ...AUDIT_CSV_HEADERS.vi.map((vi, i) => ({ where: `audit CSV column ${i}`, vi, en: AUDIT_CSV_HEADERS.en[i] ?? '' })),
  ]
}

/**
 * Dictionary keys that are the label of one meaning: each must name that meaning, and only it,
 * in both languages. Today's collisions were exactly such labels.
 */
const LABELS: Partial<Record<MessageKey, Meaning>> = {
  'state.ok': 'ok',
  'state.warning': 'warning',
  'state.critical': 'critical',
  'state.down': 'down',
  'state.unknown': 'unknown',
  'severity.warning': 'warning',
  'severity.critical': 'critical',
  'charts.warning': 'warning',
  'charts.critical': 'critical',
  'nav.alerts': 'alerts',
  'incidents.toAlerts': 'alerts',
  'live.stale': 'staleData',
  'reports.down': 'outage',
  'reports.outages': 'outage',
  'reports.unknown': 'unknown',
  'reports.maintenance': 'maintenance',
  'reports.incidents': 'incident',
  'alerts.view.silences': 'silence',
  'alerts.view.maintenance': 'maintenance',
  'incident.ack': 'acknowledge',
  'incident.state.resolved': 'resolved',
  'event.resolved': 'resolved',
  'incident.flapping': 'flapping',
  'gaps.silentNow': 'silent',
  'import.kind.gaps': 'coverageGap',
  'settings.tab.probes': 'probe',
  'targets.unreachable': 'unreachable',
}

/** Every way a text can break the rule, as readable lines (empty when it holds). */
function violations(pairs: Pair[], labels: Partial<Record<string, Meaning>>): string[] {
  const out: string[] = []
  for (const p of pairs) {
    const vi = sorted(meaningsIn(p.vi, 'vi'))
    const en = sorted(meaningsIn(p.en, 'en'))
    if (vi.join() !== en.join()) out.push(`${p.where}: vi "${p.vi}" names [${vi.join(', ')}] but en "${p.en}" names [${en.join(', ')}]`)
    for (const w of avoidedIn(p.vi, 'vi')) out.push(`${p.where}: vi "${p.vi}" uses the retired synonym ${w}`)
    for (const w of avoidedIn(p.en, 'en')) out.push(`${p.where}: en "${p.en}" uses the retired synonym ${w}`)
    const label = labels[p.where.replace(/^i18n /, '')]
    if (label && (vi.join() !== label || en.join() !== label)) out.push(`${p.where} is the label of ${label} but names vi [${vi.join(', ')}], en [${en.join(', ')}]`)
  }
  return out
}

describe('glossary', () => {
  it('gives each meaning its own term in each language, none inside another', () => {
    for (const lang of ['vi', 'en'] as const) {
      const owner = new Map<string, Meaning>()
      for (const m of MEANINGS) {
        for (const form of termForms(m, lang)) {
          const key = form.normalize('NFC').toLocaleLowerCase(lang)
          expect(owner.get(key), `${lang} "${form}" is the term of both ${owner.get(key)} and ${m}`).toBeUndefined()
          owner.set(key, m)
          // "Mất kết nối tới máy chủ" for the stale badge would contain the down state's term.
          expect(sorted(meaningsIn(form, lang)), `${lang} "${form}" (${m}) contains another meaning's term`).toEqual([m])
        }
      }
    }
  })

  it('keeps the states of the spec as labelled on the dashboard', () => {
    expect([GLOSSARY.ok.vi, GLOSSARY.warning.vi, GLOSSARY.critical.vi, GLOSSARY.down.vi, GLOSSARY.unknown.vi]).toEqual(['Bình thường', 'Suy giảm', 'Nghiêm trọng', 'Mất kết nối', 'Không có dữ liệu'])
    for (const s of ['ok', 'warning', 'critical', 'down', 'unknown'] as const) {
      expect(DICTIONARIES.vi[`state.${s}`]).toBe(GLOSSARY[s].vi)
      expect(DICTIONARIES.en[`state.${s}`]).toBe(GLOSSARY[s].en)
    }
  })

  it('finds no word used for two meanings in the dashboard, messages, verdicts, hints or CSV headers', () => {
    const pairs = allPairs()
    // Every source took part (a renamed export would otherwise leave a source unchecked).
    for (const source of ['i18n ', 'messages.', 'verdict.', 'channel hint ', 'audit CSV ']) expect(pairs.some((p) => p.where.startsWith(source)), source).toBe(true)
    expect(violations(pairs, LABELS)).toEqual([])
  })

  it('rejects the collisions issue 13 found (Cảnh báo for a state, Mất kết nối for the stale badge)', () => {
    const found = violations(
      [
        { where: 'i18n severity.warning', vi: 'Cảnh báo', en: 'Warning' },
        { where: 'i18n nav.alerts', vi: 'Cảnh báo', en: 'Alerts' },
        { where: 'i18n live.stale', vi: 'Mất kết nối — dữ liệu cũ', en: 'Disconnected — stale data' },
        { where: 'messages.vi.degradedCritical', vi: 'SUY GIẢM NGHIÊM TRỌNG', en: 'CRITICAL' },
        { where: 'i18n incident.flapping', vi: 'Dao động', en: 'Flapping' },
      ],
      LABELS,
    )
    expect(found.join('\n')).toMatch(/severity\.warning: vi "Cảnh báo" names \[alerts\] but en "Warning" names \[\]/)
    expect(found.join('\n')).toMatch(/severity\.warning is the label of warning/)
    expect(found.join('\n')).not.toMatch(/nav\.alerts/)
    expect(found.join('\n')).toMatch(/live\.stale: vi "Mất kết nối — dữ liệu cũ" names \[down, staleData\]/)
    expect(found.join('\n')).toMatch(/degradedCritical: vi "SUY GIẢM NGHIÊM TRỌNG" names \[critical, warning\]/)
    expect(found.join('\n')).toMatch(/incident\.flapping: vi "Dao động" uses the retired synonym flapping: dao động/)
  })

  it('labels each SLA CSV column in the glossary words of its meaning', () => {
    for (const c of SLA_CSV_COLUMNS) {
      expect(sorted(meaningsIn(c.vi, 'vi')), c.vi).toEqual(c.meaning ? [c.meaning] : [])
      expect(avoidedIn(c.vi, 'vi'), c.vi).toEqual([])
    }
    // The same words as the Reports page's columns.
    expect(SLA_CSV_COLUMNS.find((c) => c.meaning === 'unknown')?.vi).toContain(GLOSSARY.unknown.vi.toLowerCase())
  })
})
