/**
 * Silences (SPEC §4, reference/alerting.md §1.3): ad-hoc mutes by label matchers with
 * Alertmanager semantics, plus their storage. Pure matching first, storage at the bottom.
 *
 * Matching: `=` / `!=` compare the label value exactly; `=~` / `!~` test a regular expression
 * anchored at both ends (`^(?:re)$`, as Alertmanager does); a label the alert does not carry
 * matches as the empty string (so `foo=""` and `foo!~".+"` select alerts without `foo`).
 *
 * Regex safety (JavaScript regexes backtrack and cannot be interrupted): a regex value is
 * refused with E_VALIDATION when it
 * - is longer than {@link MAX_REGEX_LENGTH} characters;
 * - repeats (`*`, `+`, `{n,}`, `{n,m}`) a group that itself contains a repetition or an
 *   alternation — `(a+)+`, `(a|aa)*`, `(\.[a-z]+)*` — the shapes behind catastrophic
 *   backtracking. Rewrite without the outer repetition (`[a-z.]*`);
 * - uses lookaround or backreferences, which Alertmanager's RE2 syntax does not have either.
 * A leading `(?i)` (RE2's case-insensitive flag, common in Alertmanager silences) is accepted
 * and becomes the `i` flag. Labels the engine produces are short (≤ 1000 chars, protocol), so
 * what remains (a long alternation of literals) is linear in practice.
 * @module
 */
import type { Matcher, SilenceInput } from '../../protocol'
import { AppError } from '../errors'
import type { AlertingRepos, SilenceRow } from '../store/types'

/** Longest regex value accepted in a matcher (characters). */
export const MAX_REGEX_LENGTH = 512

/** A stored silence; times are epoch milliseconds, active on [startsAt, endsAt). */
export interface Silence {
  id: number
  matchers: Matcher[]
  startsAt: number
  endsAt: number
  createdBy: string
  comment: string
}

export type SilenceState = 'pending' | 'active' | 'expired'

/** Why a regex is refused, or undefined when its shape is acceptable (see the module doc). */
function regexShapeProblem(re: string): string | undefined {
  if (re.length > MAX_REGEX_LENGTH) return `regex longer than ${MAX_REGEX_LENGTH} characters`
  // One frame per open group: whether it (or anything nested in it) repeats or alternates.
  const stack: Array<{ repeats: boolean; alternates: boolean }> = [{ repeats: false, alternates: false }]
  const top = (): { repeats: boolean; alternates: boolean } => stack[stack.length - 1] as { repeats: boolean; alternates: boolean }
  /** Length of a repeating quantifier starting at i (0 when there is none). `?` does not repeat. */
  const repeatAt = (i: number): number => {
    const ch = re[i]
    if (ch === '*' || ch === '+') return 1
    if (ch === '{') {
      const m = /^\{\d+,\d*\}/.exec(re.slice(i))
      if (m) return m[0].length
    }
    return 0
  }
  for (let i = 0; i < re.length; i++) {
    const ch = re[i]
    if (ch === '\\') {
      const next = re[i + 1] ?? ''
      if (/[1-9]/.test(next) || (next === 'k' && re[i + 2] === '<')) return 'backreferences are not supported (Alertmanager regexes are RE2)'
      i++
      continue
    }
    if (ch === '[') {
      // Skip the character class; `]` right after `[` or `[^` is a literal in RE2.
      let j = i + 1
      if (re[j] === '^') j++
      if (re[j] === ']') j++
      while (j < re.length && re[j] !== ']') j += re[j] === '\\' ? 2 : 1
      i = j
      continue
    }
    if (ch === '(') {
      if (/^\(\?<?[=!]/.test(re.slice(i))) return 'lookaround is not supported (Alertmanager regexes are RE2)'
      stack.push({ repeats: false, alternates: false })
      continue
    }
    if (ch === '|') {
      top().alternates = true
      continue
    }
    if (ch === ')') {
      if (stack.length === 1) continue // unbalanced: the RegExp constructor reports it
      const group = stack.pop() as { repeats: boolean; alternates: boolean }
      const q = repeatAt(i + 1)
      if (q > 0 && (group.repeats || group.alternates)) {
        return 'a repeated group must not itself contain a repetition or an alternation (catastrophic backtracking)'
      }
      const parent = top()
      parent.repeats ||= group.repeats || q > 0
      parent.alternates ||= group.alternates
      i += q
      continue
    }
    const q = repeatAt(i)
    if (q > 0) {
      top().repeats = true
      i += q - 1
    }
  }
  return undefined
}

/** Compiles one regex value to an anchored RegExp, or throws a message. */
function compileRegex(value: string): RegExp {
  let source = value
  let flags = ''
  if (source.startsWith('(?i)')) {
    source = source.slice(4)
    flags = 'i'
  }
  const problem = regexShapeProblem(source)
  if (problem) throw new Error(problem)
  // Compile alone first: `a)|(b` would otherwise escape the anchoring group as `^(?:a)|(b)$`.
  new RegExp(source, flags)
  return new RegExp(`^(?:${source})$`, flags)
}

/**
 * Compiles matchers into one predicate that is true when every matcher holds (Alertmanager
 * semantics, see the module doc). Labels missing from the alert count as ''.
 * @throws AppError E_VALIDATION with path `matchers.<i>.value` for a regex that does not
 *   compile or is refused by the safety rules
 * @example compileMatchers([{ name: 'commune', value: 'NA-.*', isRegex: true, isEqual: true }])({ commune: 'NA-KYSON' }) // true
 */
export function compileMatchers(matchers: readonly Matcher[]): (labels: Record<string, string>) => boolean {
  const tests = matchers.map((m, i): ((labels: Record<string, string>) => boolean) => {
    if (!m.isRegex) return m.isEqual ? (l) => (l[m.name] ?? '') === m.value : (l) => (l[m.name] ?? '') !== m.value
    let re: RegExp
    try {
      re = compileRegex(m.value)
    } catch (e) {
      const message = `invalid regex: ${(e as Error).message}`
      throw new AppError('E_VALIDATION', `matchers.${i}.value: ${message}`, [{ path: `matchers.${i}.value`, message }])
    }
    return m.isEqual ? (l) => re.test(l[m.name] ?? '') : (l) => !re.test(l[m.name] ?? '')
  })
  return (labels) => tests.every((t) => t(labels))
}

/** pending before startsAt, active on [startsAt, endsAt), expired from endsAt on. */
export function silenceState(s: Pick<Silence, 'startsAt' | 'endsAt'>, now: number): SilenceState {
  if (now < s.startsAt) return 'pending'
  if (now >= s.endsAt) return 'expired'
  return 'active'
}

// Compiled predicates per silence object; a memo only (weak keys, no observable state).
const compiled = new WeakMap<Silence, (labels: Record<string, string>) => boolean>()

function predicateOf(s: Silence): (labels: Record<string, string>) => boolean {
  let p = compiled.get(s)
  if (!p) {
    try {
      p = compileMatchers(s.matchers)
    } catch {
      // Validated when written; a row that no longer compiles must neither crash the engine nor mute everything.
      p = () => false
    }
    compiled.set(s, p)
  }
  return p
}

/**
 * The first silence that is active at `now` and whose matchers all hold for `labels`.
 * Matchers are compiled once per silence object; a stored silence whose regex no longer
 * compiles matches nothing.
 */
export function findSilence(list: readonly Silence[], labels: Record<string, string>, now: number): Silence | undefined {
  return list.find((s) => silenceState(s, now) === 'active' && predicateOf(s)(labels))
}

// ---- storage ----

function fromRow(row: SilenceRow): Silence {
  return { id: row.id, matchers: row.matchers, startsAt: row.startsAt, endsAt: row.endsAt, createdBy: row.createdBy, comment: row.comment }
}

/** Every stored silence (expired ones too), oldest first. */
export function listSilences(repos: Pick<AlertingRepos, 'silences'>): Silence[] {
  return repos.silences.list().map(fromRow)
}

/**
 * Stores a silence after checking what the schema cannot: endsAt after startsAt, endsAt in
 * the future, every matcher compiles. Nothing is written when a check fails.
 * @throws AppError E_VALIDATION with path `endsAt` or `matchers.<i>.value`
 */
export function createSilence(repos: Pick<AlertingRepos, 'silences'>, input: SilenceInput, now: number): Silence {
  const startsAt = Date.parse(input.startsAt)
  const endsAt = Date.parse(input.endsAt)
  if (!(endsAt > startsAt)) throw new AppError('E_VALIDATION', 'endsAt must be after startsAt', [{ path: 'endsAt', message: 'must be after startsAt' }])
  if (!(endsAt > now)) throw new AppError('E_VALIDATION', 'endsAt must be in the future', [{ path: 'endsAt', message: 'must be in the future' }])
  compileMatchers(input.matchers)
  return fromRow(repos.silences.create({ matchers: input.matchers, startsAt, endsAt, createdBy: input.createdBy, comment: input.comment }))
}

/**
 * Expires a silence at `now`: an active one gets endsAt = now; a pending one gets
 * startsAt = endsAt = now (it never becomes active); an expired one is left as it is.
 * @throws AppError E_NOT_FOUND when no silence has this id
 */
export function expireSilence(repos: Pick<AlertingRepos, 'silences'>, id: number, now: number): Silence {
  const row = repos.silences.get(id)
  if (!row) throw new AppError('E_NOT_FOUND', `no silence ${id}`)
  const state = silenceState(row, now)
  if (state === 'expired') return fromRow(row)
  const set = state === 'pending' ? { startsAt: now, endsAt: now } : { endsAt: now }
  const updated = repos.silences.setTimes(id, set)
  return fromRow(updated ?? row)
}
