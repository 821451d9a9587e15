import { useSignal } from '@preact/signals'
import { useEffect, useRef } from 'preact/hooks'
import type { IncidentEvent, IncidentView } from '../../../protocol'
import { useModels, useI18n } from '../context'
import { describeIncident, describeStateChange, formatDateTime, formatDuration, formatNumber, formatShortDateTime, fromLocalInput, toLocalInput, toMs } from '../format'
import type { MessageKey } from '../i18n'
import { FormError } from '../components/FormError'
import { SearchField } from '../components/SearchField'
import { IncidentStateBadge, SeverityBadge } from '../components/IncidentBadges'
import { LoadError } from '../components/LoadError'
import type { ActionResult } from '../models/alerts'
import { foldSearch } from '../models/communes'
import { communeHref } from '../models/router'
import { hasRole } from '../models/session'
import type { ApiError } from '../api'
import type { MaintenanceView, SilenceView } from '../wire'

type View = 'open' | 'history' | 'silences' | 'maintenance'
const VIEWS: readonly View[] = ['open', 'history', 'silences', 'maintenance']

/** Alerts: open incidents (ack, timeline), history, silences and maintenance windows. */
export function AlertsPage() {
  const { alerts, session } = useModels()
  const { t, lang } = useI18n()
  const view = useSignal<View>('open')
  const operator = hasRole(session.user.value, 'operator')
  const open = alerts.open.value

  useEffect(() => {
    void alerts.loadOpen()
  }, [])
  useEffect(() => {
    if (view.value === 'history') void alerts.loadHistory()
    if ((view.value === 'silences' || view.value === 'maintenance') && operator) void alerts.loadSchedules()
  }, [view.value, operator])

  const incidents = open.data ?? []
  const unacked = incidents.filter((i) => i.state === 'open').length
  return (
    <>
      <div class="page-head">
        <h1 class="page-title">
          {t('nav.alerts')}
          <span class="page-title__sub">{t('alerts.subtitle', { open: formatNumber(incidents.length, lang, 0), unacked: formatNumber(unacked, lang, 0) })}</span>
        </h1>
      </div>
      <div class="segmented segmented--tabs" role="group" aria-label={t('alerts.views')}>
        {VIEWS.map((v) => (
          <button type="button" key={v} class="segmented__btn" aria-pressed={view.value === v} onClick={() => (view.value = v)}>
            {t(`alerts.view.${v}` as MessageKey)}
          </button>
        ))}
      </div>
      {view.value === 'open' && <OpenIncidents operator={operator} />}
      {view.value === 'history' && <History />}
      {view.value === 'silences' && (operator ? <Silences /> : <SignInNeeded what="alerts.needOperator" />)}
      {view.value === 'maintenance' && (operator ? <Maintenance /> : <SignInNeeded what="alerts.needOperator" />)}
    </>
  )
}

function SignInNeeded({ what }: { what: MessageKey }) {
  const { t } = useI18n()
  return (
    <div class="panel">
      <p>{t(what)}</p>
      <a class="btn btn--primary" href="#/signin">
        {t('session.signIn')}
      </a>
    </div>
  )
}

type OpenFilter = 'all' | 'unacked' | 'acked'

function OpenIncidents({ operator }: { operator: boolean }) {
  const { alerts } = useModels()
  const { t, lang } = useI18n()
  const query = useSignal('')
  const show = useSignal<OpenFilter>('all')
  const severity = useSignal<'all' | 'critical' | 'warning'>('all')
  const open = alerts.open.value
  const list = open.data ?? []
  if (!open.data) {
    if (open.error) return <LoadError error={open.error} onRetry={() => void alerts.loadOpen()} />
    return (
      <p class="loading" role="status">
        {t('load.loading')}
      </p>
    )
  }
  if (list.length === 0) {
    return (
      <section class="card">
        <p class="attention__none">{t('alerts.none')}</p>
      </section>
    )
  }
  const q = foldSearch(query.value.trim())
  // Unacknowledged first, then outages, then by severity, then the oldest.
  const sorted = list
    .filter(
      (i) =>
        (show.value === 'all' || (show.value === 'unacked') === (i.state === 'open')) &&
        (severity.value === 'all' || i.severity === severity.value) &&
        (!q || foldSearch(`${i.communeName ?? ''} ${i.communeCode ?? ''} ${i.cluster ?? ''} ${i.summary}`).includes(q)),
    )
    .sort(
      (a, b) =>
        (a.state === 'open' ? 0 : 1) - (b.state === 'open' ? 0 : 1) ||
        (a.alertname === 'XanhTargetDown' ? 0 : 1) - (b.alertname === 'XanhTargetDown' ? 0 : 1) ||
        (b.severity === 'critical' ? 2 : b.severity === 'warning' ? 1 : 0) - (a.severity === 'critical' ? 2 : a.severity === 'warning' ? 1 : 0) ||
        a.openedAt.localeCompare(b.openedAt),
    )
  const shown = sorted.slice(0, OPEN_SHOWN)
  return (
    <section class="card" aria-labelledby="open-title">
      <div class="card__head">
        <h2 id="open-title" class="card__title">
          {t('alerts.view.open')}
          <span class="count-pill">{list.length}</span>
        </h2>
        <div class="filters">
          <SearchField label={t('alerts.filter')} value={query.value} placeholder={t('alerts.filter')} onInput={(v) => (query.value = v)} />
          <label class="field">
            <span class="visually-hidden">{t('alerts.show')}</span>
            <select value={show.value} onChange={(e) => (show.value = e.currentTarget.value as OpenFilter)}>
              <option value="all">{t('alerts.show.all')}</option>
              <option value="unacked">{t('alerts.show.unacked')}</option>
              <option value="acked">{t('alerts.show.acked')}</option>
            </select>
          </label>
          <label class="field">
            <span class="visually-hidden">{t('alerts.severity')}</span>
            <select value={severity.value} onChange={(e) => (severity.value = e.currentTarget.value as 'all' | 'critical' | 'warning')}>
              <option value="all">{t('alerts.severity.all')}</option>
              <option value="critical">{t('severity.critical')}</option>
              <option value="warning">{t('severity.warning')}</option>
            </select>
          </label>
          {!operator && (
            <a class="btn btn--link" href="#/signin">
              {t('alerts.signInToAck')}
            </a>
          )}
        </div>
      </div>
      {sorted.length === 0 ? (
        <p class="card__empty">{t('alerts.noMatch')}</p>
      ) : (
        <ul class="incidents">
          {shown.map((i) => (
            <IncidentCard key={i.id} incident={i} operator={operator} />
          ))}
        </ul>
      )}
      {sorted.length > shown.length && <p class="muted small card__foot">{t('alerts.more', { n: formatNumber(sorted.length - shown.length, lang, 0) })}</p>}
    </section>
  )
}

/** Cards rendered at once; a province-wide outage is narrowed with the filters. */
const OPEN_SHOWN = 100

function IncidentCard({ incident: i, operator }: { incident: IncidentView; operator: boolean }) {
  const { alerts, live } = useModels()
  const { t, lang } = useI18n()
  const acking = useSignal(false)
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
    } else error.value = r.error
  }

  return (
    <li class={`incident incident--${i.state} incident--${i.severity}`} data-incident={i.id}>
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
          {described.error && <p class="incident__error mono small">{described.error}</p>}
          <p class="muted small incident__meta">
            <span title={formatDateTime(opened)}>{t('incident.opened', { time: formatShortDateTime(opened, nowMs) })}</span>
            {' · '}
            {t('attention.for', { duration: formatDuration((nowMs - opened) / 1000, t) })}
            {i.cluster && ` · ${i.cluster}`}
            {i.affectedCommunes > 1 && ` · ${t('incident.affected', { n: formatNumber(i.affectedCommunes, lang, 0) })}`}
          </p>
          {i.state === 'acknowledged' && (
            <p class="incident__ack">
              {t('incident.ackedBy', { user: i.ackedBy ?? '?' })}
              {i.ackedAt && ` · ${formatShortDateTime(toMs(i.ackedAt) ?? nowMs, nowMs)}`}
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
      {showTimeline && selected && <Timeline detail={selected.detail.data} loading={selected.detail.status === 'loading'} error={selected.detail.error} />}
    </li>
  )
}

const EVENT_KEYS: Record<IncidentEvent['type'], MessageKey> = {
  opened: 'event.opened',
  severity: 'event.severity',
  flapping_start: 'event.flapping_start',
  flapping_stop: 'event.flapping_stop',
  notified: 'event.notified',
  notify_failed: 'event.notify_failed',
  notify_overdue: 'event.notify_overdue',
  ack: 'event.ack',
  escalated: 'event.escalated',
  reminder: 'event.reminder',
  resolved: 'event.resolved',
  note: 'event.note',
}

function Timeline({ detail, loading, error }: { detail: IncidentView | null; loading: boolean; error: ApiError | null }) {
  const { t, lang } = useI18n()
  // "opened" events carry the incident summary of that moment, "severity" events the change
  // ("down → warning (rtt)"): say both in words, without today's figures.
  const detailText = (e: IncidentEvent): string => {
    if (!detail) return e.detail
    if (e.type === 'severity') return describeStateChange(e.detail, t)
    if (e.type !== 'opened') return e.detail
    const d = describeIncident({ alertname: detail.alertname, role: detail.role, severity: detail.severity, summary: e.detail, targetName: detail.targetName, kind: detail.kind }, t, lang)
    return d.error ? `${d.what} — ${d.error}` : d.what
  }
  if (error) return <LoadError error={error} />
  if (!detail) return <p class="muted small timeline__loading">{loading ? t('load.loading') : ''}</p>
  const events = detail.timeline ?? []
  return (
    <ol class="timeline" aria-label={t('incident.timeline')}>
      {events.length === 0 && <li class="muted">{t('incident.noEvents')}</li>}
      {events.map((e, n) => (
        <li key={n} class={`timeline__item timeline__item--${e.type}`}>
          <time dateTime={e.at}>{formatDateTime(toMs(e.at) ?? 0)}</time>
          <strong>{t(EVENT_KEYS[e.type])}</strong>
          {e.actor && <span class="muted"> · {e.actor}</span>}
          {e.detail && <span class="timeline__detail">{detailText(e)}</span>}
        </li>
      ))}
    </ol>
  )
}

function History() {
  const { alerts, live } = useModels()
  const { t, lang } = useI18n()
  const history = alerts.history.value
  const nowMs = live.now.value
  const filter = useSignal('')
  if (!history.data) {
    if (history.error) return <LoadError error={history.error} onRetry={() => void alerts.loadHistory()} />
    return (
      <p class="loading" role="status">
        {t('load.loading')}
      </p>
    )
  }
  const q = filter.value.trim().toLowerCase()
  const rows = history.data.filter((i) => !q || `${i.communeName ?? ''} ${i.communeCode ?? ''} ${i.summary} ${i.cluster ?? ''}`.toLowerCase().includes(q))
  return (
    <section class="card" aria-labelledby="history-title">
      <div class="card__head">
        <h2 id="history-title" class="card__title">
          {t('alerts.view.history')}
          <span class="count-pill">{rows.length}</span>
        </h2>
        <SearchField label={t('alerts.filter')} value={filter.value} placeholder={t('alerts.filter')} onInput={(v) => (filter.value = v)} />
      </div>
      <div class="hscroll">
        <table class="simple">
          <thead>
            <tr>
              <th scope="col">{t('incident.col.state')}</th>
              <th scope="col">{t('incident.col.commune')}</th>
              <th scope="col">{t('incident.col.summary')}</th>
              <th scope="col">{t('incident.col.opened')}</th>
              <th scope="col">{t('incident.col.duration')}</th>
              <th scope="col">{t('incident.col.ack')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((i) => {
              const opened = toMs(i.openedAt) ?? nowMs
              const end = toMs(i.resolvedAt) ?? nowMs
              return (
                <tr key={i.id}>
                  <td>
                    <IncidentStateBadge state={i.state} /> <SeverityBadge severity={i.severity} />
                  </td>
                  <th scope="row">{i.communeCode ? <a href={communeHref(i.communeCode)}>{i.communeName ?? i.communeCode}</a> : i.alertname}</th>
                  <td class="cell-wrap">{describeIncident(i, t, lang).what}</td>
                  <td title={formatDateTime(opened)}>{formatShortDateTime(opened, nowMs)}</td>
                  <td>{formatDuration((end - opened) / 1000, t)}</td>
                  <td class="cell-wrap">{i.ackedBy ? `${i.ackedBy}${i.ackComment ? `: ${i.ackComment}` : ''}` : t('value.none')}</td>
                </tr>
              )
            })}
          </tbody>
        </table>
      </div>
    </section>
  )
}

const DURATIONS_H = [1, 2, 4, 8, 24, 72] as const
const MATCHER_LABELS = ['commune_code', 'cluster', 'target', 'role', 'alertname', 'severity', 'kind'] as const

function Silences() {
  const { alerts, live } = useModels()
  const { t, lang } = useI18n()
  const list = alerts.silences.value
  const nowMs = live.now.value
  const name = useSignal<string>('commune_code')
  const op = useSignal('=')
  const value = useSignal('')
  const hours = useSignal<number>(2)
  const comment = useSignal('')
  const error = useSignal<ApiError | null>(null)

  async function create(e: Event): Promise<void> {
    e.preventDefault()
    const start = live.now.peek()
    const r = await alerts.createSilence({
      matchers: [{ name: name.value, value: value.value.trim(), isRegex: op.value.includes('~'), isEqual: !op.value.startsWith('!') }],
      startsAtMs: start,
      endsAtMs: start + hours.value * 3600_000,
      comment: comment.value.trim(),
    })
    if (r.ok) {
      value.value = ''
      comment.value = ''
      error.value = null
    } else error.value = r.error
  }

  return (
    <div class="two-col">
      <section class="card" aria-labelledby="silences-title">
        <div class="card__head">
          <h2 id="silences-title" class="card__title">
            {t('silences.title')}
            <span class="count-pill">{list.data?.filter((s) => s.state !== 'expired').length ?? 0}</span>
          </h2>
        </div>
        {list.error && !list.data ? (
          <LoadError error={list.error} onRetry={() => void alerts.loadSchedules()} />
        ) : (list.data ?? []).length === 0 ? (
          <p class="card__empty">{t('silences.none')}</p>
        ) : (
          <ul class="schedule-list">
            {(list.data ?? []).map((s) => (
              <SilenceRow key={s.id} s={s} nowMs={nowMs} />
            ))}
          </ul>
        )}
      </section>
      <form class="card form-card" onSubmit={create} aria-labelledby="silence-new-title">
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
          <label class="form-field">
            <span>{t('silences.duration')}</span>
            <select value={String(hours.value)} onChange={(e) => (hours.value = Number(e.currentTarget.value))}>
              {DURATIONS_H.map((h) => (
                <option key={h} value={String(h)}>
                  {formatDuration(h * 3600, t)}
                </option>
              ))}
            </select>
          </label>
          <label class="form-field">
            <span>{t('form.reason')}</span>
            <textarea rows={2} required value={comment.value} onInput={(e) => (comment.value = e.currentTarget.value)} />
          </label>
          <FormError error={error.value} />
          <div class="form-actions">
            <button type="submit" class="btn btn--primary" disabled={!value.value.trim() || !comment.value.trim()}>
              {t('silences.create')}
            </button>
            <span class="muted small">{t('silences.hint', { until: formatShortDateTime(nowMs + hours.value * 3600_000, nowMs), n: formatNumber(hours.value, lang, 0) })}</span>
          </div>
        </div>
      </form>
    </div>
  )
}

function SilenceRow({ s, nowMs }: { s: SilenceView; nowMs: number }) {
  const { alerts } = useModels()
  const { t } = useI18n()
  const error = useSignal<ApiError | null>(null)
  const start = toMs(s.startsAt) ?? 0
  const end = toMs(s.endsAt) ?? 0
  return (
    <li class={`schedule schedule--${s.state}`}>
      <div class="schedule__main">
        <span class={`pill pill--${s.state}`}>{t(`silence.state.${s.state}` as MessageKey)}</span>
        <span class="matchers">
          {s.matchers.map((m, n) => (
            <code key={n} class="matcher">
              {m.name}
              {m.isEqual ? '' : '!'}
              {m.isRegex ? '=~' : '='}
              {m.value}
            </code>
          ))}
        </span>
        <span class="muted small">
          {formatShortDateTime(start, nowMs)} → {formatShortDateTime(end, nowMs)} · {s.createdBy}
        </span>
        <span class="schedule__comment">{s.comment}</span>
        <FormError error={error.value} />
      </div>
      {s.state !== 'expired' && (
        <button
          type="button"
          class="btn btn--danger-ghost"
          onClick={async () => {
            const r = await alerts.expireSilence(s.id)
            error.value = r.ok ? null : r.error
          }}
        >
          {t('silences.expire')}
        </button>
      )}
    </li>
  )
}

const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7] as const

function Maintenance() {
  const { alerts, live, overview } = useModels()
  const { t } = useI18n()
  const list = alerts.maintenance.value
  const nowMs = live.now.value
  const scopeKind = useSignal<'communes' | 'clusters'>('communes')
  const scope = useSignal('')
  const start = useSignal(toLocalInput(Math.ceil(nowMs / 3600_000) * 3600_000))
  const end = useSignal(toLocalInput(Math.ceil(nowMs / 3600_000) * 3600_000 + 2 * 3600_000))
  const weekly = useSignal(false)
  const days = useSignal<number[]>([6, 7])
  const dayStart = useSignal('22:00')
  const dayEnd = useSignal('02:00')
  const reason = useSignal('')
  const error = useSignal<ApiError | null>(null)
  const clusters = [...new Set(overview.communes.value.map((c) => c.cluster).filter(Boolean))].sort()

  async function create(e: Event): Promise<void> {
    e.preventDefault()
    const s = fromLocalInput(start.value)
    const en = fromLocalInput(end.value)
    if (s === null || en === null || en <= s) {
      error.value = { code: 'E_VALIDATION', message: t('maintenance.badTimes') }
      return
    }
    const items = scope.value
      .split(/[\s,;]+/)
      .map((x) => x.trim())
      .filter(Boolean)
    const r = await alerts.createMaintenance({
      scope: { communes: scopeKind.value === 'communes' ? items : [], clusters: scopeKind.value === 'clusters' ? [scope.value] : [], targets: [] },
      startsAt: new Date(s).toISOString(),
      endsAt: new Date(en).toISOString(),
      recurrence: weekly.value ? { weekdays: days.value, start: dayStart.value, end: dayEnd.value } : null,
      reason: reason.value.trim(),
    })
    if (r.ok) {
      scope.value = ''
      reason.value = ''
      error.value = null
    } else error.value = r.error
  }

  return (
    <div class="two-col">
      <section class="card" aria-labelledby="maint-title">
        <div class="card__head">
          <h2 id="maint-title" class="card__title">
            {t('maintenance.title')}
            <span class="count-pill">{list.data?.length ?? 0}</span>
          </h2>
        </div>
        {list.error && !list.data ? (
          <LoadError error={list.error} onRetry={() => void alerts.loadSchedules()} />
        ) : (list.data ?? []).length === 0 ? (
          <p class="card__empty">{t('maintenance.none')}</p>
        ) : (
          <ul class="schedule-list">
            {(list.data ?? []).map((w) => (
              <MaintenanceRow key={w.id} w={w} nowMs={nowMs} />
            ))}
          </ul>
        )}
      </section>
      <form class="card form-card" onSubmit={create} aria-labelledby="maint-new-title">
        <div class="card__head">
          <h2 id="maint-new-title" class="card__title">
            {t('maintenance.new')}
          </h2>
        </div>
        <div class="form-body">
          <fieldset class="form-fieldset">
            <legend>{t('maintenance.scope')}</legend>
            <label class="radio">
              <input type="radio" name="scope" checked={scopeKind.value === 'communes'} onChange={() => (scopeKind.value = 'communes')} /> {t('maintenance.scope.communes')}
            </label>
            <label class="radio">
              <input type="radio" name="scope" checked={scopeKind.value === 'clusters'} onChange={() => (scopeKind.value = 'clusters')} /> {t('maintenance.scope.cluster')}
            </label>
          </fieldset>
          {scopeKind.value === 'communes' ? (
            <label class="form-field">
              <span>{t('maintenance.codes')}</span>
              <input required value={scope.value} onInput={(e) => (scope.value = e.currentTarget.value)} placeholder="NA-…, NA-…" />
            </label>
          ) : (
            <label class="form-field">
              <span>{t('col.cluster')}</span>
              <select required value={scope.value} onChange={(e) => (scope.value = e.currentTarget.value)}>
                <option value="">—</option>
                {clusters.map((c) => (
                  <option key={c} value={c}>
                    {c}
                  </option>
                ))}
              </select>
            </label>
          )}
          <div class="form-row">
            <label class="form-field form-field--grow">
              <span>{t('maintenance.from')}</span>
              <input type="datetime-local" required value={start.value} onInput={(e) => (start.value = e.currentTarget.value)} />
            </label>
            <label class="form-field form-field--grow">
              <span>{t('maintenance.to')}</span>
              <input type="datetime-local" required value={end.value} onInput={(e) => (end.value = e.currentTarget.value)} />
            </label>
          </div>
          <p class="muted small">{t('maintenance.tz')}</p>
          <label class="checkbox">
            <input type="checkbox" checked={weekly.value} onChange={(e) => (weekly.value = e.currentTarget.checked)} /> {t('maintenance.weekly')}
          </label>
          {weekly.value && (
            <div class="weekly">
              <fieldset class="form-fieldset weekdays">
                <legend>{t('maintenance.weekdays')}</legend>
                {WEEKDAYS.map((d) => (
                  <label key={d} class="checkbox">
                    <input
                      type="checkbox"
                      checked={days.value.includes(d)}
                      onChange={(e) => (days.value = e.currentTarget.checked ? [...days.value, d].sort() : days.value.filter((x) => x !== d))}
                    />{' '}
                    {t(`weekday.${d}` as MessageKey)}
                  </label>
                ))}
              </fieldset>
              <div class="form-row">
                <label class="form-field">
                  <span>{t('maintenance.dayStart')}</span>
                  <input type="time" value={dayStart.value} onInput={(e) => (dayStart.value = e.currentTarget.value)} />
                </label>
                <label class="form-field">
                  <span>{t('maintenance.dayEnd')}</span>
                  <input type="time" value={dayEnd.value} onInput={(e) => (dayEnd.value = e.currentTarget.value)} />
                </label>
              </div>
            </div>
          )}
          <label class="form-field">
            <span>{t('form.reason')}</span>
            <textarea rows={2} required value={reason.value} onInput={(e) => (reason.value = e.currentTarget.value)} />
          </label>
          <FormError error={error.value} />
          <div class="form-actions">
            <button type="submit" class="btn btn--primary" disabled={!scope.value.trim() || !reason.value.trim()}>
              {t('maintenance.create')}
            </button>
          </div>
        </div>
      </form>
    </div>
  )
}

function MaintenanceRow({ w, nowMs }: { w: MaintenanceView; nowMs: number }) {
  const { alerts } = useModels()
  const { t } = useI18n()
  const error = useSignal<ApiError | null>(null)
  const start = toMs(w.startsAt) ?? 0
  const end = toMs(w.endsAt) ?? 0
  const scope = [...w.scope.communes, ...w.scope.clusters, ...w.scope.targets]
  return (
    <li class="schedule">
      <div class="schedule__main">
        <span class={`pill pill--${w.activeNow ? 'active' : end < nowMs ? 'expired' : 'pending'}`}>
          {w.activeNow ? t('maintenance.activeNow') : end < nowMs ? t('maintenance.ended') : t('maintenance.scheduled')}
        </span>
        <span class="schedule__scope">
          {scope.slice(0, 6).join(', ')}
          {scope.length > 6 ? ` +${scope.length - 6}` : ''}
        </span>
        <span class="muted small">
          {formatShortDateTime(start, nowMs)} → {formatShortDateTime(end, nowMs)}
          {w.recurrence && ` · ${w.recurrence.weekdays.map((d) => t(`weekday.${d}` as MessageKey)).join(', ')} ${w.recurrence.start}–${w.recurrence.end}`} · {w.createdBy}
        </span>
        <span class="schedule__comment">{w.reason}</span>
        <FormError error={error.value} />
      </div>
      <button
        type="button"
        class="btn btn--danger-ghost"
        onClick={async () => {
          const r = await alerts.deleteMaintenance(w.id)
          error.value = r.ok ? null : r.error
        }}
      >
        {t('maintenance.delete')}
      </button>
    </li>
  )
}
