import { useSignal } from '@preact/signals'
import type { ApiError } from '../../api'
import { useModels, useI18n } from '../../context'
import { formatDuration } from '../../format'
import { formatInputDateTime, parseInputDateTime } from '../../datetime-input'
import { DateTimeField } from '../../components/DateTimeField'
import { FormError } from '../../components/FormError'

const DURATIONS_H = [1, 2, 4, 8, 24, 72] as const
const MATCHER_LABELS = ['commune_code', 'cluster', 'target', 'role', 'alertname', 'severity', 'kind'] as const

/** A new silence by label matcher, from / until typed as dd/MM/yyyy HH:mm (Vietnam time). */
export function SilenceForm() {
  const { alerts, live } = useModels()
  const { t } = useI18n()
  const startMs = Math.floor(live.now.peek() / 60_000) * 60_000
  const name = useSignal<string>('commune_code')
  const op = useSignal('=')
  const value = useSignal('')
  const from = useSignal(formatInputDateTime(startMs))
  const until = useSignal(formatInputDateTime(startMs + 2 * 3600_000))
  const comment = useSignal('')
  const submitted = useSignal(false)
  const error = useSignal<ApiError | null>(null)

  /** A length button sets the end from the start typed (or from now when the start is unreadable). */
  function lasting(hours: number): void {
    const s = parseInputDateTime(from.value)
    until.value = formatInputDateTime((s.ok ? s.value : Math.floor(live.now.peek() / 60_000) * 60_000) + hours * 3600_000)
  }

  async function create(e: Event): Promise<void> {
    e.preventDefault()
    submitted.value = true
    const s = parseInputDateTime(from.value)
    const u = parseInputDateTime(until.value)
    if (!s.ok || !u.ok) return
    if (u.value <= s.value) {
      error.value = { code: 'E_VALIDATION', message: t('maintenance.badTimes'), path: 'endsAt' }
      return
    }
    const r = await alerts.createSilence({
      matchers: [{ name: name.value, value: value.value.trim(), isRegex: op.value.includes('~'), isEqual: !op.value.startsWith('!') }],
      startsAtMs: s.value,
      endsAtMs: u.value,
      comment: comment.value.trim(),
    })
    if (r.ok) {
      value.value = ''
      comment.value = ''
      submitted.value = false
      error.value = null
    } else error.value = r.error
  }

  return (
    <form class="card form-card" onSubmit={create} aria-labelledby="silence-new-title" noValidate>
      <div class="card__head">
        <h2 id="silence-new-title" class="card__title">
          {t('silences.new')}
        </h2>
      </div>
      <div class="form-body">
        <div class="form-row">
          <label class="form-field">
            <span>{t('silences.label')}</span>
            <select value={name.value} onChange={(e) => (name.value = e.currentTarget.value)}>
              {MATCHER_LABELS.map((l) => (
                <option key={l} value={l}>
                  {l}
                </option>
              ))}
            </select>
          </label>
          <label class="form-field form-field--narrow">
            <span>{t('silences.op')}</span>
            <select value={op.value} onChange={(e) => (op.value = e.currentTarget.value)}>
              {['=', '!=', '=~', '!~'].map((o) => (
                <option key={o} value={o}>
                  {o}
                </option>
              ))}
            </select>
          </label>
          <label class="form-field form-field--grow">
            <span>{t('silences.value')}</span>
            <input required value={value.value} onInput={(e) => (value.value = e.currentTarget.value)} placeholder="NA-…" />
          </label>
        </div>
        <div class="form-row">
          <DateTimeField id="silence-from" class="form-field--grow" label={t('maintenance.from')} value={from.value} onInput={(v) => (from.value = v)} showProblem={submitted.value} />
          <DateTimeField id="silence-until" class="form-field--grow" label={t('maintenance.to')} value={until.value} onInput={(v) => (until.value = v)} showProblem={submitted.value} />
        </div>
        <div class="quick-lengths" role="group" aria-label={t('silences.duration')}>
          <span class="muted small">{t('silences.duration')}</span>
          {DURATIONS_H.map((h) => (
            <button key={h} type="button" class="btn btn--small" onClick={() => lasting(h)}>
              {formatDuration(h * 3600, t)}
            </button>
          ))}
        </div>
        <p class="muted small">{t('maintenance.tz')}</p>
        <label class="form-field">
          <span>{t('form.reason')}</span>
          <textarea rows={2} required value={comment.value} onInput={(e) => (comment.value = e.currentTarget.value)} />
        </label>
        <FormError error={error.value} />
        <div class="form-actions">
          <button type="submit" class="btn btn--primary" disabled={!value.value.trim() || !comment.value.trim()}>
            {t('silences.create')}
          </button>
        </div>
      </div>
    </form>
  )
}
