import { ImportPanel } from '../../components/ImportPanel'
import { useI18n, useModels } from '../../context'

/** Settings → import: a CSV or YAML file of communes, targets or coverage gaps. */
export function ImportTab() {
  const { inventoryImport } = useModels()
  const { t } = useI18n()
  return (
    <section class="card" aria-labelledby="import-title">
      <div class="card__head">
        <h2 id="import-title" class="card__title">
          {t('settings.tab.import')}
        </h2>
      </div>
      <div class="card__body">
        <ImportPanel model={inventoryImport} chooseKind idPrefix="inv-import" />
      </div>
    </section>
  )
}
