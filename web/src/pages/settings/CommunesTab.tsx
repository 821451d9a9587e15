import { useSignal } from '@preact/signals'
import { useEffect, useMemo } from 'preact/hooks'
import type { CommuneInput, CommuneKind } from '../../../../protocol'
import type { ApiError } from '../../api'
import { FormError } from '../../components/FormError'
import { LoadError } from '../../components/LoadError'
import { SearchField } from '../../components/SearchField'
import { useI18n, useModels } from '../../context'
import { formatNumber } from '../../format'
import { foldSearch } from '../../models/communes'
import { communeHref } from '../../models/router'
import { DeleteButton } from './DeleteButton'

/** Settings → communes: search, edit, add, delete. */
export function CommunesTab() {
  const { overview, settings } = useModels()
  const { t, lang } = useI18n()
  const query = useSignal('')
  const communes = overview.communes.value
  const q = foldSearch(query.value.trim())
  const rows = useMemo(() => (q ? communes.filter((c) => foldSearch(`${c.name} ${c.code} ${c.cluster}`).includes(q)) : communes), [communes, q])
  const draft = settings.communeDraft.value
  return (
    <section class="card" aria-labelledby="communes-title">
      <div class="card__head">
        <h2 id="communes-title" class="card__title">
          {t('settings.tab.communes')}
          <span class="count-pill">{formatNumber(communes.length, lang, 0)}</span>
        </h2>
        <div class="filters">
          <SearchField label={t('table.search')} value={query.value} placeholder={t('table.search.placeholder')} onInput={(v) => (query.value = v)} />
          <button type="button" class="btn btn--primary" onClick={() => settings.newCommune()}>
            {t('settings.communes.new')}
          </button>
        </div>
      </div>
      {draft && <CommuneForm />}
      <div class="hscroll">
        <table class="simple">
          <thead>
            <tr>
              <th scope="col">{t('col.name')}</th>
              <th scope="col">{t('col.code')}</th>
              <th scope="col">{t('commune.kind')}</th>
              <th scope="col">{t('col.cluster')}</th>
              <th scope="col" class="num">
                {t('col.contracted')}
              </th>
              <th scope="col">{t('settings.communes.position')}</th>
              <th scope="col">{t('form.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.slice(0, 100).map((c) => (
              <tr key={c.code}>
                <th scope="row">
                  <a href={communeHref(c.code)}>{c.name}</a>
                </th>
                <td class="mono">{c.code}</td>
                <td>{t(`kind.${c.kind}`)}</td>
                <td>{c.cluster || t('value.none')}</td>
                <td class="num">{formatNumber(c.contractedMbps, lang, 0)}</td>
                <td class="mono small">
                  {c.lat.toFixed(4)}, {c.lon.toFixed(4)}
                </td>
                <td>
<div class="actions">
                  <button type="button" class="btn btn--small" onClick={() => void settings.editCommune(c.code)} aria-label={`${t('form.edit')} ${c.name}`}>
                    {t('form.edit')}
                  </button>
                  <DeleteButton label={c.name} onDelete={() => settings.deleteCommune(c.code)} />
                </div>
</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {rows.length > 100 && <p class="muted small card__foot">{t('settings.more', { n: formatNumber(rows.length - 100, lang, 0) })}</p>}
    </section>
  )
}

const COMMUNE_KINDS: readonly CommuneKind[] = ['xa', 'phuong', 'dac_khu']

function CommuneForm() {
  const { settings } = useModels()
  const { t } = useI18n()
  const draft = settings.communeDraft.value
  const values = useSignal<CommuneInput | null>(null)
  const error = useSignal<ApiError | null>(null)
  const loaded = draft?.loaded
  useEffect(() => {
    values.value = loaded?.data ?? null
    error.value = null
  }, [loaded?.data])
  if (!draft || !loaded) return null
  if (loaded.error) return <LoadError error={loaded.error} />
  const v = values.value
  if (!v) return <p class="muted card__empty">{t('load.loading')}</p>
  const set = <K extends keyof CommuneInput>(k: K, val: CommuneInput[K]) => {
    values.value = { ...v, [k]: val }
  }
  return (
    <form
      class="inline-form"
      aria-label={draft.isNew ? t('settings.communes.new') : t('settings.communes.edit', { name: v.name })}
      onSubmit={async (e) => {
        e.preventDefault()
        const r = await settings.saveCommune(v, draft.isNew)
        error.value = r.ok ? null : r.error
      }}
    >
      <div class="form-grid">
        <label class="form-field">
          <span>{t('col.code')}</span>
          <input required disabled={!draft.isNew} value={v.code} onInput={(e) => set('code', e.currentTarget.value)} />
        </label>
        <label class="form-field">
          <span>{t('col.name')}</span>
          <input required value={v.name} onInput={(e) => set('name', e.currentTarget.value)} />
        </label>
        <label class="form-field">
          <span>{t('commune.kind')}</span>
          <select value={v.kind} onChange={(e) => set('kind', e.currentTarget.value as CommuneKind)}>
            {COMMUNE_KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`kind.${k}`)}
              </option>
            ))}
          </select>
        </label>
        <label class="form-field">
          <span>{t('col.cluster')}</span>
          <input value={v.districtCluster} onInput={(e) => set('districtCluster', e.currentTarget.value)} />
        </label>
        <label class="form-field">
          <span>{t('settings.communes.lat')}</span>
          <input type="number" step="any" min={-90} max={90} required value={v.lat} onInput={(e) => set('lat', Number(e.currentTarget.value))} />
        </label>
        <label class="form-field">
          <span>{t('settings.communes.lon')}</span>
          <input type="number" step="any" min={-180} max={180} required value={v.lon} onInput={(e) => set('lon', Number(e.currentTarget.value))} />
        </label>
        <label class="form-field">
          <span>{t('col.contracted')}</span>
          <input type="number" min={1} required value={v.contractedMbps} onInput={(e) => set('contractedMbps', Number(e.currentTarget.value))} />
        </label>
        <label class="form-field">
          <span>{t('settings.communes.priority')}</span>
          <input type="number" min={0} max={9} value={v.priority} onInput={(e) => set('priority', Number(e.currentTarget.value))} />
        </label>
        <label class="form-field form-field--wide">
          <span>{t('commune.notes')}</span>
          <input value={v.notes} onInput={(e) => set('notes', e.currentTarget.value)} />
        </label>
      </div>
      <FormError error={error.value} />
      <div class="form-actions">
        <button type="submit" class="btn btn--primary">
          {t('form.save')}
        </button>
        <button type="button" class="btn" onClick={() => settings.closeCommune()}>
          {t('form.cancel')}
        </button>
      </div>
    </form>
  )
}
