import { useSignal } from '@preact/signals'
import { useEffect } from 'preact/hooks'
import type { ApiError } from '../../api'
import { FormError } from '../../components/FormError'
import { LoadError } from '../../components/LoadError'
import { useI18n, useModels } from '../../context'
import { formatNumber, formatShortDateTime, toMs } from '../../format'
import type { Lang, Translate } from '../../i18n'
import { contactOf, DEFAULT_SILENT_AFTER_S } from '../../models/settings'
import { DeleteButton } from './DeleteButton'

/** The probe's clock against the server's: "nhanh 1,5 giây", "chậm 0,2 giây", or "không rõ" before its first batch. */
function offsetText(seconds: number | null | undefined, t: Translate, lang: Lang): string {
  if (seconds === null || seconds === undefined) return t('settings.probes.unknown')
  // Below half a second the figure is mostly the batch's trip over the network, not the clock.
  if (Math.abs(seconds) < 0.5) return t('settings.probes.offsetInSync')
  const n = formatNumber(Math.abs(seconds), lang, Math.abs(seconds) < 10 ? 1 : 0)
  return seconds >= 0 ? t('settings.probes.offsetAhead', { n }) : t('settings.probes.offsetBehind', { n })
}

/** Settings → probes: each probe's contact, version, last seen, clock offset and spool depth; add, rotate, delete. */
export function ProbesTab() {
  const { settings, live } = useModels()
  const { t, lang } = useI18n()
  const list = settings.probes.value
  const name = useSignal('')
  const location = useSignal('')
  const error = useSignal<ApiError | null>(null)
  const token = settings.newToken.value
  const nowMs = live.now.value
  useEffect(() => {
    void settings.loadProbes()
  }, [])
  return (
    <>
      {token && (
        <section class="token-box" role="alert" aria-labelledby="token-title">
          <h2 id="token-title">{t('settings.probes.tokenTitle', { name: token.name })}</h2>
          <p>{t('settings.probes.tokenOnce')}</p>
          <code class="token-box__token" tabIndex={0}>
            {token.token}
          </code>
          <pre class="token-box__cmd">{`npm run probe -- --server ${window.location.origin} --token ${token.token}`}</pre>
          <div class="form-actions">
            <button type="button" class="btn" onClick={() => void navigator.clipboard?.writeText(token.token)}>
              {t('settings.probes.copy')}
            </button>
            <button type="button" class="btn btn--primary" onClick={() => settings.dismissToken()}>
              {t('settings.probes.saved')}
            </button>
          </div>
        </section>
      )}
      <div class="probes-layout">
        <section class="card" aria-labelledby="probes-title">
          <div class="card__head">
            <h2 id="probes-title" class="card__title">
              {t('settings.tab.probes')}
              <span class="count-pill">{list.data?.length ?? 0}</span>
            </h2>
          </div>
          {list.error && !list.data ? (
            <LoadError error={list.error} onRetry={() => void settings.loadProbes()} />
          ) : (
            <div class="hscroll">
              <table class="simple">
                <thead>
                  <tr>
                    <th scope="col">{t('col.name')}</th>
                    <th scope="col">{t('settings.probes.contact')}</th>
                    <th scope="col">{t('settings.probes.location')}</th>
                    <th scope="col">{t('settings.probes.version')}</th>
                    <th scope="col">{t('col.lastSeen')}</th>
                    <th scope="col" class="num">
                      {t('settings.probes.clockOffset')}
                    </th>
                    <th scope="col" class="num">
                      {t('settings.probes.spool')}
                    </th>
                    <th scope="col">{t('form.actions')}</th>
                  </tr>
                </thead>
                <tbody>
                  {(list.data ?? []).map((p) => {
                    const seen = toMs(p.lastSeenAt)
                    const contact = contactOf(p, nowMs)
                    return (
                      <tr key={p.id} data-probe={p.name} data-contact={contact} class={p.revoked ? 'row--fixed' : undefined}>
                        <th scope="row">
                          {p.name}
                          {p.builtin && <span class="flag"> {t('settings.probes.builtin')}</span>}
                          {p.revoked && <span class="flag"> {t('settings.probes.revoked')}</span>}
                        </th>
                        <td>
                          <span class={`probe-contact probe-contact--${contact}`} title={t('settings.probes.silentAfter', { n: formatNumber(p.silentAfterSeconds ?? DEFAULT_SILENT_AFTER_S, lang, 0) })}>
                            {t(`settings.probes.contact.${contact}`)}
                          </span>
                        </td>
                        <td>{p.location || t('value.none')}</td>
                        <td class={p.version === null ? undefined : 'mono'}>{p.version ?? t('settings.probes.unknown')}</td>
                        <td>{seen === null ? t('value.never') : formatShortDateTime(seen, nowMs)}</td>
                        <td class="num">{offsetText(p.clockOffsetSeconds, t, lang)}</td>
                        <td class="num">{p.spoolBatches === null ? t('settings.probes.unknown') : formatNumber(p.spoolBatches, lang, 0)}</td>
                        <td>
<div class="actions">
                          {!p.builtin && (
                            <>
                              <button type="button" class="btn btn--small" onClick={() => void settings.rotateProbe(p.id)} aria-label={`${t('settings.probes.rotate')} ${p.name}`}>
                                {t('settings.probes.rotate')}
                              </button>
                              <DeleteButton label={p.name} onDelete={() => settings.deleteProbe(p.id)} />
                            </>
                          )}
                        </div>
</td>
                      </tr>
                    )
                  })}
                </tbody>
              </table>
            </div>
          )}
          <p class="muted small card__foot">{t('settings.probes.contactHelp')}</p>
        </section>
        <form
          class="card form-card"
          aria-labelledby="probe-new-title"
          onSubmit={async (e) => {
            e.preventDefault()
            const r = await settings.createProbe(name.value.trim(), location.value.trim())
            if (r.ok) {
              name.value = ''
              location.value = ''
              error.value = null
            } else error.value = r.error
          }}
        >
          <div class="card__head">
            <h2 id="probe-new-title" class="card__title">
              {t('settings.probes.new')}
            </h2>
          </div>
          <div class="form-body">
            <label class="form-field">
              <span>{t('col.name')}</span>
              <input required pattern="[A-Za-z0-9][A-Za-z0-9._\-]*" value={name.value} onInput={(e) => (name.value = e.currentTarget.value)} placeholder="huyen-ky-son" />
            </label>
            <label class="form-field">
              <span>{t('settings.probes.location')}</span>
              <input value={location.value} onInput={(e) => (location.value = e.currentTarget.value)} />
            </label>
            <p class="muted small">{t('settings.probes.help')}</p>
            <FormError error={error.value} />
            <div class="form-actions">
              <button type="submit" class="btn btn--primary">
                {t('settings.probes.create')}
              </button>
            </div>
          </div>
        </form>
      </div>
    </>
  )
}
