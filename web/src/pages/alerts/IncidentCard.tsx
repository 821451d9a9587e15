import { useSignal } from '@preact/signals'
import { useEffect, useRef } from 'preact/hooks'
import type { IncidentView } from '../../../../protocol'
import type { ApiError } from '../../api'
import { useModels, useI18n } from '../../context'
import { describeIncident, formatDateTime, formatElapsed, formatNumber, formatShortDateTime, toMs } from '../../format'
import { FormError } from '../../components/FormError'
import { ProbeError } from '../../components/ProbeError'
import { IncidentStateBadge, SeverityBadge } from '../../components/IncidentBadges'
import type { ActionResult } from '../../models/alerts'
import { communeHref } from '../../models/router'
import { SilenceCommune } from './SilenceCommune'
import { Timeline } from './Timeline'

/**
 * One open incident: which commune, target and check; since when (the same instant as the first
 * line of its timeline); ack with a comment, confirmed in place; "silence this commune".
 */
export function IncidentCard({ incident: i, operator }: { incident: IncidentView; operator: boolean }) {
  const { alerts, live } = useModels()
  const { t, lang } = useI18n()
  const acking = useSignal(false)
  const silencing = useSignal(false)
  const comment = useSignal('')
  const error = useSignal<ApiError | null>(null)
  const busy = useSignal(false)
  const nowMs = live.now.value
  const opened = toMs(i.openedAt) ?? nowMs
  const selected = alerts.selected.value
  const showTimeline = selected?.id === i.id
  const formId = `ack-${i.id}`
  const described = describeIncident(i, t, lang)
  const textarea = useRef<HTMLTextAreaElement>(null)
  const confirmation = useRef<HTMLParagraphElement>(null)
  const justAcked = alerts.justAcked.value.has(i.id)
  useEffect(() => {
    if (acking.value) textarea.current?.focus()
  }, [acking.value])

  async function submit(e: Event): Promise<void> {
    e.preventDefault()
    busy.value = true
    const r: ActionResult = await alerts.ack(i.id, comment.value)
    busy.value = false
    if (r.ok) {
      acking.value = false
      comment.value = ''
      error.value = null
      // The form that had focus is gone: the confirmation takes it, so it is read out too.
      queueMicrotask(() => confirmation.current?.focus())
    } else error.value = r.error
  }

  const ackedAt = toMs(i.ackedAt)
  return (
    <li class={`incident incident--${i.state} incident--${i.severity}${justAcked ? ' incident--just-acked' : ''}`} data-incident={i.id}>
      <div class="incident__head">
        <div class="incident__badges">
          <IncidentStateBadge state={i.state} />
          <SeverityBadge severity={i.severity} />
          {i.flapping && <span class="flag flag--flapping">{t('incident.flapping')}</span>}
        </div>
        <div class="incident__main">
          <p class="incident__summary">
            {i.communeCode ? (
              <a href={communeHref(i.communeCode)} class="incident__commune">
                {i.communeName ?? i.communeCode}
              </a>
            ) : (
              <strong>{i.alertname}</strong>
            )}
            <span class="incident__what">{described.what}</span>
          </p>
          {described.error && <ProbeError raw={described.error} class="incident__error small" />}
          <p class="muted small incident__meta">
            <time class="incident__start" dateTime={i.openedAt} title={formatDateTime(opened)}>
              {t('incident.opened', { time: formatShortDateTime(opened, nowMs) })}
            </time>
            {' · '}
            {formatElapsed((nowMs - opened) / 1000, t)}
            {i.cluster && ` · ${i.cluster}`}
            {i.affectedCommunes > 1 && ` · ${t('incident.affected', { n: formatNumber(i.affectedCommunes, lang, 0) })}`}
          </p>
          {i.silence && (
            <p class="incident__silenced small">
              <span class="pill pill--active">{t('incident.silenced', { time: formatShortDateTime(toMs(i.silence.endsAt) ?? nowMs, nowMs) })}</span>
            </p>
          )}
          {i.state === 'acknowledged' && (
            <p class="incident__ack" role={justAcked ? 'status' : undefined} tabIndex={-1} ref={confirmation}>
              {t('incident.ackedAt', { user: i.ackedBy ?? '?', time: ackedAt === null ? '?' : formatShortDateTime(ackedAt, nowMs) })}
              {i.ackComment && <span class="incident-row__comment"> “{i.ackComment}”</span>}
            </p>
          )}
        </div>
        <div class="incident__actions">
          {i.state === 'open' && operator && !acking.value && (
            <button type="button" class="btn btn--quiet-accent" onClick={() => (acking.value = true)}>
              {t('incident.ack')}
            </button>
          )}
          {operator && i.communeCode && !i.silence && (
            <button type="button" class="btn" aria-expanded={silencing.value} aria-controls={`silence-${i.id}`} onClick={() => (silencing.value = !silencing.value)}>
              {t('incident.silence')}
            </button>
          )}
          <button type="button" class="btn" aria-expanded={showTimeline} onClick={() => void alerts.toggleTimeline(i.id)}>
            {t('incident.timeline')}
          </button>
        </div>
      </div>
      {acking.value && (
        <form class="ack-form" onSubmit={submit} aria-label={t('incident.ackForm')}>
          <label class="form-field" htmlFor={formId}>
            <span>{t('incident.ackComment')}</span>
          </label>
          <textarea
            id={formId}
            rows={2}
            required
            maxLength={1000}
            value={comment.value}
            placeholder={t('incident.ackPlaceholder')}
            onInput={(e) => (comment.value = e.currentTarget.value)}
            ref={textarea}
          />
          <FormError error={error.value} />
          <div class="form-actions">
            <button type="submit" class="btn btn--primary" disabled={busy.value || comment.value.trim() === ''}>
              {t('incident.ackSubmit')}
            </button>
            <button
              type="button"
              class="btn"
              onClick={() => {
                acking.value = false
                error.value = null
              }}
            >
              {t('form.cancel')}
            </button>
          </div>
        </form>
      )}
      {i.communeCode && <SilenceCommune id={`silence-${i.id}`} incident={i} what={described.what} open={silencing.value} onDone={() => (silencing.value = false)} />}
      {showTimeline && selected && <Timeline detail={selected.detail.data} loading={selected.detail.status === 'loading'} error={selected.detail.error} />}
    </li>
  )
}
