/**
 * A verdict in words, the same in the dashboard and in alert messages: the figure, the
 * comparison and the threshold ("Tải xuống 57 Mbit/s < 80 Mbit/s (0,8 × hợp đồng 100 Mbit/s)").
 * Pure (no Intl: see ./number-text.ts and ./time-zone.ts), so `server/` and `web/` share one wording.
 * @module
 */
import { EN_NUMBER, formatNumber, VI_NUMBER, type NumberSeparators } from './number-text'
import { localTimeText } from './time-zone'
import type { Verdict } from './verdict'

export type VerdictLanguage = 'vi' | 'en'

const WORDS = {
  vi: {
    download: 'Tải xuống',
    upload: 'Tải lên',
    in: 'chiều vào',
    out: 'chiều ra',
    contract: 'hợp đồng',
    utilization: 'Tải đường truyền',
    for: 'trong',
    heldFor: 'đã',
    minutes: 'phút',
    mos: 'MOS',
    oneWay: 'Trễ một chiều',
    rtt: 'RTT trung vị',
    loss: 'Mất gói',
    jitter: 'Jitter',
    sipStatus: 'SIP trả lời',
    sipWants: 'cần 2xx',
    sipSlow: 'SIP trả lời sau',
    stale: 'số liệu cũ, đo lúc',
    overPackets: 'trên',
    packets: 'gói',
  },
  en: {
    download: 'Download',
    upload: 'Upload',
    in: 'inbound',
    out: 'outbound',
    contract: 'contracted',
    utilization: 'Link load',
    for: 'for',
    heldFor: 'held',
    minutes: 'min',
    mos: 'MOS',
    oneWay: 'One-way delay',
    rtt: 'Median RTT',
    loss: 'Loss',
    jitter: 'Jitter',
    sipStatus: 'SIP answered',
    sipWants: '2xx expected',
    sipSlow: 'SIP answered after',
    stale: 'stale, measured at',
    overPackets: 'over',
    packets: 'packets',
  },
} as const

/** The verdict vocabulary per language (read by the glossary test, `protocol/glossary.ts`). */
export const VERDICT_WORDS: Readonly<Record<VerdictLanguage, Readonly<Record<keyof (typeof WORDS)['vi'], string>>>> = WORDS

const SEPARATORS: Record<VerdictLanguage, NumberSeparators> = { vi: VI_NUMBER, en: EN_NUMBER }
function num(v: number, lang: VerdictLanguage, digits: number): string {
  return formatNumber(v, digits, SEPARATORS[lang])
}

/** Mbit/s with precision that suits the size (57, 9,4, 312). */
function mbit(bytesPerSecond: number, lang: VerdictLanguage): string {
  const m = (bytesPerSecond * 8) / 1e6
  return `${num(m, lang, m < 10 ? 1 : 0)} Mbit/s`
}
function ms(seconds: number, lang: VerdictLanguage): string {
  const v = seconds * 1000
  return `${num(v, lang, v < 10 ? 1 : 0)} ms`
}
function pct(ratio: number, lang: VerdictLanguage, digits = 0): string {
  return `${num(ratio * 100, lang, digits)} %`
}

/** The comparison sign between value and threshold, as the verdict stands. */
function sign(v: Verdict): string {
  if (v.bad === 'above') return v.state === 'ok' ? '≤' : '>'
  if (v.bad === 'below') return v.state === 'ok' ? '≥' : '<'
  return ''
}

/**
 * One line describing a verdict: figure, comparison, threshold (and the contract behind a
 * ratio threshold, the time a stale figure was measured, how long a load has held).
 * @example describeVerdict({ rule: 'throughput', part: 'download', state: 'warning', value: 7.1e6, threshold: 1e7, contracted: 1.25e7, factor: 0.8, unit: 'bytes_per_second', bad: 'below', at: null }, 'vi')
 * // "Tải xuống 57 Mbit/s < 80 Mbit/s (0,8 × hợp đồng 100 Mbit/s)"
 */
export function describeVerdict(v: Verdict, lang: VerdictLanguage): string {
  const w = WORDS[lang]
  const value = v.value
  switch (v.rule) {
    case 'throughput': {
      const dir = v.part === 'upload' ? w.upload : w.download
      if (value === null) return dir
      if (v.state === 'stale') return `${dir} ${mbit(value, lang)} (${w.stale} ${v.at ? localTimeText(Date.parse(v.at)) : '?'})`
      const basis = v.contracted !== undefined && v.factor !== undefined ? ` (${num(v.factor, lang, 2)} × ${w.contract} ${mbit(v.contracted, lang)})` : ''
      return `${dir} ${mbit(value, lang)} ${sign(v)} ${mbit(v.threshold, lang)}${basis}`
    }
    case 'utilization': {
      const dir = v.part === 'out' ? w.out : w.in
      if (value === null) return `${w.utilization} ${dir}`
      const held = v.forSeconds !== undefined && v.state !== 'ok' ? ` ${w.for} ${num(Math.round((v.heldSeconds ?? v.forSeconds) / 60), lang, 0)} ${w.minutes}` : ''
      return `${w.utilization} ${dir} ${pct(value, lang)} ${sign(v)} ${pct(v.threshold, lang)}${held}`
    }
    case 'mos':
      return value === null ? w.mos : `${w.mos} ${num(value, lang, 2)} ${sign(v)} ${num(v.threshold, lang, 1)}`
    case 'one_way_delay':
      return value === null ? w.oneWay : `${w.oneWay} ${ms(value, lang)} ${sign(v)} ${ms(v.threshold, lang)}`
    case 'rtt':
      return value === null ? w.rtt : `${w.rtt} ${ms(value, lang)} ${sign(v)} ${ms(v.threshold, lang)}`
    case 'jitter':
      return value === null ? w.jitter : `${w.jitter} ${ms(value, lang)} ${sign(v)} ${ms(v.threshold, lang)}`
    case 'loss': {
      if (value === null) return w.loss
      const digits = value < 0.01 && v.threshold < 0.01 ? 2 : 1
      const over = v.samples !== undefined ? ` (${w.overPackets} ${num(v.samples, lang, 0)} ${w.packets})` : ''
      return `${w.loss} ${pct(value, lang, digits)} ${sign(v)} ${pct(v.threshold, lang, digits)}${over}`
    }
    case 'sip':
      if (v.part === 'status') return value === null ? w.sipStatus : `${w.sipStatus} ${value}${v.state === 'ok' ? '' : ` (${w.sipWants})`}`
      if (value === null) return w.sipSlow
      return `${w.sipSlow} ${value < 1 ? ms(value, lang) : `${num(value, lang, value < 10 ? 1 : 0)} s`} ${sign(v)} ${num(v.threshold, lang, 1)} s`
  }
}
