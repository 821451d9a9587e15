/**
 * One term per meaning, in Vietnamese and English, for everything Xanh says: dashboard labels
 * (`web/src/i18n.ts`), alert messages (`server/alerting/messages.ts`), verdicts and CSV headers.
 * An operator who reads "Cảnh báo" on the menu must never read the same word as a state on a
 * row, and the words of a message must be the words of the dashboard it links to.
 *
 * Vietnamese terms were chosen as a provincial IT operator says them: the menu and the chat
 * notifications are "Cảnh báo" (alerts), so the warning state is only ever "Suy giảm"; "Mất kết
 * nối" is only the down state, so the dashboard's own lost feed is "Dữ liệu cũ" (stale data).
 * `test/protocol/glossary.test.ts` holds every text to this list.
 * @module
 */

/** One meaning and the single term each language uses for it. */
export interface GlossaryTerm {
  /** What the term means, for whoever writes a new label. */
  readonly meaning: string
  /** The Vietnamese term, as a label shows it. */
  readonly vi: string
  /** The English term, as a label shows it. */
  readonly en: string
  /** Further forms in running text (English inflections; Vietnamese rarely needs any). */
  readonly viForms?: readonly string[]
  readonly enForms?: readonly string[]
  /** Synonyms once used for this meaning that no text may use any more. */
  readonly avoid?: { readonly vi?: readonly string[]; readonly en?: readonly string[] }
}

/**
 * The glossary. Keys are meaning ids; the five states use the `State` names.
 * Adding a meaning here makes the glossary test check every text for it.
 */
export const GLOSSARY = {
  ok: { meaning: 'State: every check within its thresholds.', vi: 'Bình thường', en: 'OK' },
  warning: {
    meaning: 'State: a threshold crossed at the lower level (also the incident severity `warning`).',
    vi: 'Suy giảm',
    en: 'Degraded',
  },
  critical: {
    meaning: 'State: a threshold crossed at the higher level (also the incident severity `critical`).',
    vi: 'Nghiêm trọng',
    en: 'Critical',
  },
  down: { meaning: 'State: the target does not answer at all.', vi: 'Mất kết nối', en: 'Down' },
  unknown: {
    meaning: 'State: no result to judge by (silent probe, no targets, nothing yet). Never up or down.',
    vi: 'Không có dữ liệu',
    en: 'No data',
    viForms: ['chưa có dữ liệu'],
    enForms: ['without data'],
  },
  alerts: {
    meaning: 'The Alerts page and the notifications Xanh sends (what an operator acknowledges or silences).',
    vi: 'Cảnh báo',
    en: 'Alerts',
    enForms: ['alert'],
  },
  incident: { meaning: 'One problem from its start to its resolution, as listed under Alerts.', vi: 'Sự cố', en: 'Incident', enForms: ['incidents'] },
  outage: {
    meaning: 'Time spent down, as the SLA report counts it.',
    vi: 'Gián đoạn',
    en: 'Downtime',
    enForms: ['outage', 'outages'],
  },
  staleData: {
    meaning: "The dashboard's own live feed is lost: the figures shown are old while it reconnects. Not a commune's state.",
    vi: 'Dữ liệu cũ',
    en: 'Stale data',
  },
  silent: {
    meaning: 'A probe or target sending no results (a monitoring-data gap, not a commune outage).',
    vi: 'Mất dữ liệu',
    en: 'Silent',
  },
  coverageGap: {
    meaning: 'A hamlet without mobile signal, power or Internet (a registry entry, not monitoring).',
    vi: 'Vùng lõm',
    en: 'Coverage gap',
    enForms: ['coverage gaps', 'gap', 'gaps'],
  },
  maintenance: { meaning: 'A scheduled window during which a commune is not alerted on nor counted as down.', vi: 'Bảo trì', en: 'Maintenance' },
  silence: {
    meaning: 'Muting alerts that match labels for a while.',
    vi: 'Tạm tắt',
    en: 'Silence',
    enForms: ['silences', 'silenced'],
  },
  acknowledge: {
    meaning: 'An operator taking an incident on (with a comment).',
    vi: 'Xác nhận',
    en: 'Acknowledge',
    enForms: ['acknowledged', 'acknowledges', 'acknowledging', 'acknowledgement'],
  },
  resolved: {
    meaning: 'An incident that ended because the state came back.',
    vi: 'Đã khôi phục',
    en: 'Resolved',
  },
  flapping: {
    meaning: 'A target whose state keeps changing; per-change notifications pause.',
    vi: 'Chập chờn',
    en: 'Flapping',
    avoid: { vi: ['dao động'] },
  },
  probe: {
    meaning: 'The agent that runs checks and sends results.',
    vi: 'Đầu đo',
    en: 'Probe',
    enForms: ['probes'],
    avoid: { vi: ['đầu dò'] },
  },
  unreachable: {
    meaning: 'A target not judged because a parent on its path is down.',
    vi: 'Không tới được',
    en: 'Unreachable',
  },
} as const satisfies Record<string, GlossaryTerm>

/** A meaning id of the glossary. */
export type Meaning = keyof typeof GLOSSARY

/** Every meaning id. */
export const MEANINGS = Object.keys(GLOSSARY) as Meaning[]

const patterns = new Map<string, RegExp>()
/** Whole-word, case-insensitive match of a phrase (letters with diacritics and `_` count as word characters). */
function phrase(words: string): RegExp {
  let re = patterns.get(words)
  if (!re) {
    const escaped = words.normalize('NFC').replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s+')
    re = new RegExp(`(?<![\\p{L}\\p{N}_])${escaped}(?![\\p{L}\\p{N}_])`, 'iu')
    patterns.set(words, re)
  }
  return re
}

/** Every form of a meaning's term in one language. */
export function termForms(meaning: Meaning, lang: 'vi' | 'en'): string[] {
  const g: GlossaryTerm = GLOSSARY[meaning]
  return [g[lang], ...((lang === 'vi' ? g.viForms : g.enForms) ?? [])]
}

/**
 * The meanings whose terms occur in `text` (whole words, any case). A text that holds two
 * meanings' terms ("Mất kết nối — dữ liệu cũ") reports both: that is how a collision shows.
 */
export function meaningsIn(text: string, lang: 'vi' | 'en'): Set<Meaning> {
  const found = new Set<Meaning>()
  const s = text.normalize('NFC')
  for (const m of MEANINGS) if (termForms(m, lang).some((f) => phrase(f).test(s))) found.add(m)
  return found
}

/** The avoided synonyms that occur in `text`, as `meaning: word`. */
export function avoidedIn(text: string, lang: 'vi' | 'en'): string[] {
  const s = text.normalize('NFC')
  const out: string[] = []
  for (const m of MEANINGS) {
    const g: GlossaryTerm = GLOSSARY[m]
    for (const w of g.avoid?.[lang] ?? []) if (phrase(w).test(s)) out.push(`${m}: ${w}`)
  }
  return out
}
