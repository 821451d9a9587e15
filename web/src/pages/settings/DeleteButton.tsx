import { useSignal } from '@preact/signals'
import type { ApiError } from '../../api'
import { FormError } from '../../components/FormError'
import { useI18n } from '../../context'

/** A delete action that asks first and shows the server's refusal under itself. */
export function DeleteButton({ label, onDelete }: { label: string; onDelete: () => Promise<{ ok: true } | { ok: false; error: ApiError }> }) {
  const { t } = useI18n()
  const error = useSignal<ApiError | null>(null)
  return (
    <>
      <button
        type="button"
        class="btn btn--small btn--danger-ghost"
        aria-label={`${t('form.delete')} ${label}`}
        onClick={async () => {
          if (!window.confirm(t('settings.confirmDelete', { name: label }))) return
          const r = await onDelete()
          error.value = r.ok ? null : r.error
        }}
      >
        {t('form.delete')}
      </button>
      <FormError error={error.value} />
    </>
  )
}
