import type { SilentProbe } from '../../../protocol'
import { useI18n } from '../context'
import { formatDateTime, sinceLabel, toMs } from '../format'
import { communeHref } from '../models/router'

/** Communes named per probe before "and N more". */
const NAMES_SHOWN = 8

/**
 * Probes that stopped reporting, each with since when and the communes it leaves without data:
 * the cause of a cluster of silent communes, named once instead of as a list of target ids.
 */
export function SilentProbes({ probes, nowMs, compact = false }: { probes: readonly SilentProbe[]; nowMs: number; compact?: boolean }) {
  const { t } = useI18n()
  if (probes.length === 0) return null
  return (
    <ul class={`silent-probes${compact ? ' silent-probes--compact' : ''}`}>
      {probes.map((p) => {
        const since = toMs(p.silentSince)
        const shown = p.communes.slice(0, NAMES_SHOWN)
        return (
          <li key={p.id} class="silent-probe" data-probe={p.name}>
            <p class="silent-probe__head">
              <strong>{t('probe.silent', { name: p.name })}</strong>
              {p.location && <span class="muted"> · {p.location}</span>}
              <span class="silent-probe__since" title={since !== null ? formatDateTime(since) : undefined}>
                {' '}
                {p.lastSeenAt === null ? t('probe.neverSeen') : since !== null ? sinceLabel(since, nowMs, t) : ''}
              </span>
            </p>
            <p class="silent-probe__communes small">
              {p.communes.length === 0 ? (
                <span class="muted">{t('probe.silencesNone')}</span>
              ) : (
                <>
                  {t('probe.silences', { n: p.communes.length })}
                  {shown.map((c, i) => (
                    <span key={c.code}>
                      {i > 0 && ', '}
                      <a href={communeHref(c.code)}>{c.name}</a>
                    </span>
                  ))}
                  {p.communes.length > shown.length && <span class="muted"> {t('probe.more', { n: p.communes.length - shown.length })}</span>}
                </>
              )}
            </p>
          </li>
        )
      })}
    </ul>
  )
}
