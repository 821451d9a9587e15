import { useSignal } from '@preact/signals'
import { useEffect } from 'preact/hooks'
import { CheckKind, KIND_DEFAULTS, TargetRole, type CheckKind as Kind, type TargetInput, type TargetRole as Role } from '../../../../protocol'
import type { ApiError } from '../../api'
import { FormError } from '../../components/FormError'
import { LoadError } from '../../components/LoadError'
import { SearchField } from '../../components/SearchField'
import { useI18n, useModels } from '../../context'
import { formatNumber } from '../../format'
import { foldSearch } from '../../models/communes'
import { communeHref } from '../../models/router'
import type { TargetRowView } from '../../wire'
import { DeleteButton } from './DeleteButton'

const KINDS: readonly Kind[] = CheckKind.options
const ROLES: readonly Role[] = TargetRole.options

/** Settings → targets: search, add, edit (name, address, interval, probe…), delete. */
export function TargetsTab() {
  const { settings } = useModels()
  const { t, lang } = useI18n()
  const list = settings.targets.value
  const probes = settings.probes.value.data ?? []
  const editing = settings.targetDraft.value
  const saved = settings.savedTarget.value
  const query = useSignal('')
  const adding = useSignal(false)
  useEffect(() => {
    void settings.loadTargets()
    void settings.loadProbes()
  }, [])
  const q = foldSearch(query.value.trim())
  const rows = (list.data ?? []).filter((x) => !q || foldSearch(`${x.id} ${x.communeCode} ${x.host} ${x.name ?? ''}`).includes(q))
  const probeName = (id: string | null) => (id === null ? t('settings.targets.embedded') : (probes.find((p) => p.id === id)?.name ?? id))
  return (
    <section class="card" aria-labelledby="targets-title">
      <div class="card__head">
        <h2 id="targets-title" class="card__title">
          {t('settings.tab.targets')}
          <span class="count-pill">{formatNumber(list.data?.length ?? 0, lang, 0)}</span>
        </h2>
        <div class="filters">
          <SearchField label={t('settings.targets.search')} value={query.value} placeholder={t('settings.targets.search')} onInput={(v) => (query.value = v)} />
          {!adding.value && !editing && (
            <button type="button" class="btn btn--primary" onClick={() => (adding.value = true)}>
              {t('settings.targets.new')}
            </button>
          )}
        </div>
      </div>
      {adding.value && !editing && <TargetForm onDone={() => (adding.value = false)} />}
      {editing && <TargetForm key={editing.id} row={editing} onDone={() => settings.closeTarget()} />}
      {saved && !editing && (
        <p class="import-done" role="status">
          {t('settings.targets.saved', { id: saved })}
        </p>
      )}
      {list.error && !list.data ? (
        <LoadError error={list.error} onRetry={() => void settings.loadTargets()} />
      ) : (
        <div class="hscroll">
          <table class="simple">
            <thead>
              <tr>
                <th scope="col">{t('settings.targets.id')}</th>
                <th scope="col">{t('col.name')}</th>
                <th scope="col">{t('commune.code')}</th>
                <th scope="col">{t('targets.role')}</th>
                <th scope="col">{t('targets.kind')}</th>
                <th scope="col">{t('targets.address')}</th>
                <th scope="col" class="num">
                  {t('settings.targets.interval')}
                </th>
                <th scope="col">{t('settings.targets.probe')}</th>
                <th scope="col">{t('form.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.slice(0, 200).map((x) => (
                <tr key={x.id} data-target={x.id} class={x.enabled ? undefined : 'row--fixed'}>
                  <th scope="row" class="mono">
                    {x.id}
                    {!x.enabled && <span class="flag"> {t('settings.targets.paused')}</span>}
                  </th>
                  <td>{x.name ?? t('value.none')}</td>
                  <td>
                    <a href={communeHref(x.communeCode)} class="mono">
                      {x.communeCode}
                    </a>
                  </td>
                  <td>{t(`role.${x.role}`)}</td>
                  <td class="mono">{x.kind}</td>
                  <td class="mono">{x.port === null ? x.host : `${x.host}:${x.port}`}</td>
                  <td class="num">{formatNumber(x.intervalS, lang, 1)} s</td>
                  <td>{probeName(x.probeId)}</td>
                  <td>
                    <div class="actions">
                      <button
                        type="button"
                        class="btn btn--small"
                        onClick={() => {
                          adding.value = false
                          settings.editTarget(x.id)
                        }}
                        aria-label={`${t('form.edit')} ${x.id}`}
                      >
                        {t('form.edit')}
                      </button>
                      <DeleteButton label={x.id} onDelete={() => settings.deleteTarget(x.id)} />
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {rows.length > 200 && <p class="muted small card__foot">{t('settings.more', { n: formatNumber(rows.length - 200, lang, 0) })}</p>}
    </section>
  )
}

/** The form's text fields (numbers as typed, so an empty field means "the kind's default"). */
interface Draft {
  id: string
  communeCode: string
  name: string
  kind: Kind
  host: string
  port: string
  role: Role
  interval: string
  timeout: string
  probeId: string
  parents: string
  enabled: boolean
}

function draftOf(row: TargetRowView | undefined): Draft {
  if (!row) return { id: '', communeCode: '', name: '', kind: 'udp_echo', host: '', port: '', role: 'line', interval: '', timeout: '', probeId: '', parents: '', enabled: true }
  return {
    id: row.id,
    communeCode: row.communeCode,
    name: row.name ?? '',
    kind: CheckKind.safeParse(row.kind).data ?? 'udp_echo',
    host: row.host,
    port: row.port === null ? '' : String(row.port),
    role: row.role,
    interval: String(row.intervalS),
    timeout: String(row.timeoutS),
    probeId: row.probeId ?? '',
    parents: row.parents.join(', '),
    enabled: row.enabled,
  }
}

/** Adds a target, or edits `row` (its id stays; its kind-specific options are sent back unchanged). */
function TargetForm({ row, onDone }: { row?: TargetRowView; onDone: () => void }) {
  const { settings } = useModels()
  const { t } = useI18n()
  const probes = settings.probes.value.data ?? []
  const v = useSignal<Draft>(draftOf(row))
  const error = useSignal<ApiError | null>(null)
  const set = (k: keyof Draft) => (e: Event) => {
    v.value = { ...v.value, [k]: (e.currentTarget as HTMLInputElement).value }
  }
  const d = KIND_DEFAULTS[v.value.kind]
  const label = row ? t('settings.targets.edit', { id: row.id }) : t('settings.targets.new')
  return (
    <form
      class="inline-form"
      aria-label={label}
      onSubmit={async (e) => {
        e.preventDefault()
        const x = v.value
        const input: TargetInput = {
          id: x.id.trim(),
          communeCode: x.communeCode.trim(),
          ...(x.name.trim() ? { name: x.name.trim() } : {}),
          kind: x.kind,
          host: x.host.trim(),
          ...(x.port ? { port: Number(x.port) } : {}),
          role: x.role,
          ...(x.interval ? { intervalSeconds: Number(x.interval) } : {}),
          ...(x.timeout ? { timeoutSeconds: Number(x.timeout) } : {}),
          parents: x.parents
            .split(/[\s,]+/)
            .map((p) => p.trim())
            .filter(Boolean),
          // Options of another kind would not validate: a kind change starts from the new kind's defaults.
          options: row && row.kind === x.kind ? (row.options ?? {}) : {},
          probeId: x.probeId || null,
          enabled: x.enabled,
        }
        const r = row ? await settings.updateTarget(input) : await settings.createTarget(input)
        if (r.ok) onDone()
        else error.value = r.error
      }}
    >
      {row && <h3 class="inline-form__title">{label}</h3>}
      <div class="form-grid">
        <label class="form-field">
          <span>{t('settings.targets.id')}</span>
          <input required disabled={row !== undefined} value={v.value.id} onInput={set('id')} placeholder="xa-abc-line" />
        </label>
        <label class="form-field">
          <span>{t('commune.code')}</span>
          <input name="communeCode" required value={v.value.communeCode} onInput={set('communeCode')} />
        </label>
        <label class="form-field">
          <span>{t('col.name')}</span>
          <input name="name" value={v.value.name} onInput={set('name')} />
        </label>
        <label class="form-field">
          <span>{t('targets.kind')}</span>
          <select value={v.value.kind} onChange={set('kind')}>
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        <label class="form-field">
          <span>{t('targets.role')}</span>
          <select value={v.value.role} onChange={set('role')}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {t(`role.${r}`)}
              </option>
            ))}
          </select>
        </label>
        <label class="form-field">
          <span>{t('settings.targets.host')}</span>
          <input required value={v.value.host} onInput={set('host')} placeholder="10.0.0.1" />
        </label>
        <label class="form-field">
          <span>{t('settings.targets.port')}</span>
          <input type="number" min={1} max={65535} value={v.value.port} onInput={set('port')} placeholder={d.port ? String(d.port) : ''} />
        </label>
        <label class="form-field">
          <span>{t('settings.targets.intervalSeconds')}</span>
          <input name="interval" type="number" min={1} max={86400} step="any" value={v.value.interval} onInput={set('interval')} placeholder={String(d.intervalSeconds)} />
        </label>
        <label class="form-field">
          <span>{t('settings.targets.timeoutSeconds')}</span>
          <input name="timeout" type="number" min={0.1} max={600} step="any" value={v.value.timeout} onInput={set('timeout')} placeholder={String(d.timeoutSeconds)} />
        </label>
        <label class="form-field">
          <span>{t('settings.targets.probe')}</span>
          <select value={v.value.probeId} onChange={set('probeId')}>
            <option value="">{t('settings.targets.embedded')}</option>
            {probes
              .filter((p) => (!p.builtin && !p.revoked) || p.id === row?.probeId)
              .map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
          </select>
        </label>
        <label class="form-field form-field--wide">
          <span>{t('settings.targets.parents')}</span>
          <input value={v.value.parents} onInput={set('parents')} placeholder="core-1, hub-2" />
        </label>
        <label class="form-field form-field--check">
          <input type="checkbox" checked={v.value.enabled} onChange={(e) => (v.value = { ...v.value, enabled: e.currentTarget.checked })} />
          <span>{t('settings.targets.enabled')}</span>
        </label>
      </div>
      <FormError error={error.value} />
      <div class="form-actions">
        <button type="submit" class="btn btn--primary">
          {t('form.save')}
        </button>
        <button type="button" class="btn" onClick={onDone}>
          {t('form.cancel')}
        </button>
      </div>
    </form>
  )
}
