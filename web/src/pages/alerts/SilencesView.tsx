import { useSignal } from '@preact/signals'
import { useModels, useI18n } from '../../context'
import { formatShortDateTime, toMs } from '../../format'
import type { MessageKey } from '../../i18n'
import type { ApiError } from '../../api'
import type { SilenceView } from '../../wire'
import { FormError } from '../../components/FormError'
import { LoadError } from '../../components/LoadError'
import { SilenceForm } from './SilenceForm'

/** The silences tab: the list (with "end now") beside the form for a new one. */
export function SilencesView() {
  const { alerts, live } = useModels()
  const { t } = useI18n()
  const list = alerts.silences.value
  const nowMs = live.now.value
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
      <SilenceForm />
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
    <li class={`schedule schedule--${s.state}`} data-silence-id={s.id}>
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
