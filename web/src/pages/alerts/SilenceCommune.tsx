import { useSignal } from '@preact/signals'
import type { IncidentView } from '../../../../protocol'
import type { ApiError } from '../../api'
import { useModels, useI18n } from '../../context'
import { formatShortDateTime } from '../../format'
import { FormError } from '../../components/FormError'
import { silenceOptions, type SilenceOption } from '../../models/alerts'

/**
 * "Silence this commune for …" under an incident: one click on a length creates a silence of
 * exactly this commune (`commune_code=<code>`), with the incident named in its comment. What was
 * done stays in place as a sentence after the choices close.
 */
export function SilenceCommune(props: { id: string; incident: IncidentView; what: string; open: boolean; onDone: () => void }) {
  const { alerts, live } = useModels()
  const { t } = useI18n()
  const { incident: i } = props
  const error = useSignal<ApiError | null>(null)
  const busy = useSignal(false)
  const done = useSignal<string | null>(null)
  const nowMs = live.now.value
  const commune = i.communeName ?? i.communeCode ?? ''

  async function silence(o: SilenceOption): Promise<void> {
    if (!i.communeCode) return
    busy.value = true
    const r = await alerts.silenceCommune(i.communeCode, o.untilMs, t('incident.silenceComment', { id: i.id, what: props.what }).slice(0, 1000))
    busy.value = false
    if (r.ok) {
      error.value = null
      done.value = t('incident.silencedNow', { commune, time: formatShortDateTime(o.untilMs, live.now.peek()) })
      props.onDone()
    } else error.value = r.error
  }

  const label = (o: SilenceOption): string => (o.id === 'morning' ? t('incident.silence.morning', { date: o.date }) : t(`incident.silence.${o.id}`))
  return (
    <>
      {props.open && (
        <div id={props.id} class="silence-commune" role="group" aria-label={t('incident.silenceFor', { commune })}>
          <span class="silence-commune__label">{t('incident.silenceFor', { commune })}</span>
          {silenceOptions(nowMs).map((o) => (
            <button key={o.id} type="button" class="btn" data-silence={o.id} disabled={busy.value} onClick={() => void silence(o)}>
              {label(o)}
            </button>
          ))}
          <FormError error={error.value} />
        </div>
      )}
      {done.value && (
        <p class="silence-commune__done small" role="status">
          {done.value}
        </p>
      )}
    </>
  )
}
