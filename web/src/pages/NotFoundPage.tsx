import { useI18n } from '../context'

/** Any hash that is not a known route. */
export function NotFoundPage() {
  const { t } = useI18n()
  return (
    <div class="panel">
      <h1 class="page-title">{t('notFound.title')}</h1>
      <p>
        <a href="#/">{t('notFound.back')}</a>
      </p>
    </div>
  )
}
