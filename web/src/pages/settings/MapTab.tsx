import { useSignal } from '@preact/signals'
import type { ApiError } from '../../api'
import { FormError } from '../../components/FormError'
import { useI18n, useModels } from '../../context'

/** Settings → map: the province outline (GeoJSON) drawn under the communes. */
export function MapTab() {
  const { map } = useModels()
  const { t } = useI18n()
  const error = useSignal<ApiError | null>(null)
  const done = useSignal<string | null>(null)
  const boundary = map.boundary.value.data
  return (
    <section class="card" aria-labelledby="maptab-title">
      <div class="card__head">
        <h2 id="maptab-title" class="card__title">
          {t('settings.tab.map')}
        </h2>
      </div>
      <div class="card__body form-body">
        <p>{t('settings.map.help')}</p>
        <p class="muted">{boundary ? t('settings.map.present') : t('settings.map.absent')}</p>
        <label class="form-field" htmlFor="boundary-file">
          <span>{t('settings.map.file')}</span>
        </label>
        <input
          id="boundary-file"
          type="file"
          accept=".geojson,.json,application/geo+json,application/json"
          onChange={async (e) => {
            const file = e.currentTarget.files?.[0]
            if (!file) return
            const r = await map.upload(await file.text())
            error.value = r.ok ? null : r.error
            done.value = r.ok ? t('settings.map.saved', { file: file.name }) : null
          }}
        />
        {done.value && (
          <p class="import-done" role="status">
            {done.value}
          </p>
        )}
        <FormError error={error.value} />
        {boundary && (
          <div class="form-actions">
            <button
              type="button"
              class="btn btn--danger-ghost"
              onClick={async () => {
                const r = await map.clear()
                error.value = r.ok ? null : r.error
                done.value = null
              }}
            >
              {t('settings.map.remove')}
            </button>
          </div>
        )}
      </div>
    </section>
  )
}
