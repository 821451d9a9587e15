import { useSignal } from '@preact/signals'
import { useEffect, useMemo } from 'preact/hooks'
import { CheckKind, KIND_DEFAULTS, TargetRole, type CheckKind as Kind, type CommuneInput, type CommuneKind, type TargetRole as Role } from '../../../protocol'
import type { ApiError } from '../api'
import { useModels, useI18n } from '../context'
import { formatNumber, formatShortDateTime, toMs } from '../format'
import type { MessageKey } from '../i18n'
import { FormError } from '../components/FormError'
import { SearchField } from '../components/SearchField'
import { ImportPanel } from '../components/ImportPanel'
import { LoadError } from '../components/LoadError'
import { foldSearch } from '../models/communes'
import { communeHref, SETTINGS_TABS, settingsHref, type SettingsTab } from '../models/router'
import { hasRole } from '../models/session'
import { DeleteButton } from './settings/DeleteButton'
import { GroupsTab } from './settings/GroupsTab'
import { UsersTab } from './settings/UsersTab'
import { AuditTab } from './settings/AuditTab'

/** Admin settings: one tab per inventory area, plus imports and the map outline. */
export function SettingsPage({ tab }: { tab: SettingsTab }) {
  const { session } = useModels()
  const { t } = useI18n()
  if (!session.checked.value) return null
  if (!hasRole(session.user.value, 'admin')) {
    return (
      <div class="panel">
        <h1 class="page-title">{t('nav.settings')}</h1>
        <p>{t('settings.needAdmin')}</p>
        {!session.user.value && (
          <a class="btn btn--primary" href="#/signin">
            {t('session.signIn')}
          </a>
        )}
      </div>
    )
  }
  return (
    <>
      <div class="page-head">
        <h1 class="page-title">{t('nav.settings')}</h1>
      </div>
      <nav class="tabs" aria-label={t('settings.sections')}>
        {SETTINGS_TABS.map((k) => (
          <a key={k} class={`tabs__tab${k === tab ? ' tabs__tab--current' : ''}`} href={settingsHref(k)} aria-current={k === tab ? 'page' : undefined}>
            {t(`settings.tab.${k}` as MessageKey)}
          </a>
        ))}
      </nav>
      {tab === 'communes' && <CommunesTab />}
      {tab === 'targets' && <TargetsTab />}
      {tab === 'probes' && <ProbesTab />}
      {tab === 'groups' && <GroupsTab />}
      {tab === 'users' && <UsersTab />}
      {tab === 'audit' && <AuditTab />}
      {tab === 'import' && <ImportTab />}
      {tab === 'map' && <MapTab />}
    </>
  )
}

// ---------- communes ----------

function CommunesTab() {
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

// ---------- targets ----------

const KINDS: readonly Kind[] = CheckKind.options
const ROLES: readonly Role[] = TargetRole.options

function TargetsTab() {
  const { settings } = useModels()
  const { t, lang } = useI18n()
  const list = settings.targets.value
  const probes = settings.probes.value.data ?? []
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
          {!adding.value && (
            <button type="button" class="btn btn--primary" onClick={() => (adding.value = true)}>
              {t('settings.targets.new')}
            </button>
          )}
        </div>
      </div>
      {adding.value && <TargetForm onDone={() => (adding.value = false)} />}
      {list.error && !list.data ? (
        <LoadError error={list.error} onRetry={() => void settings.loadTargets()} />
      ) : (
        <div class="hscroll">
          <table class="simple">
            <thead>
              <tr>
                <th scope="col">{t('settings.targets.id')}</th>
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
                <tr key={x.id} class={x.enabled ? undefined : 'row--fixed'}>
                  <th scope="row" class="mono">
                    {x.id}
                  </th>
                  <td>
                    <a href={communeHref(x.communeCode)} class="mono">
                      {x.communeCode}
                    </a>
                  </td>
                  <td>{t(`role.${x.role}`)}</td>
                  <td class="mono">{x.kind}</td>
                  <td class="mono">{x.port === null ? x.host : `${x.host}:${x.port}`}</td>
                  <td class="num">{formatNumber(x.intervalS, lang, 0)} s</td>
                  <td>{probeName(x.probeId)}</td>
                  <td>
<div class="actions">
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

function TargetForm({ onDone }: { onDone: () => void }) {
  const { settings } = useModels()
  const { t } = useI18n()
  const probes = settings.probes.value.data ?? []
  const v = useSignal({ id: '', communeCode: '', name: '', kind: 'udp_echo' as Kind, host: '', port: '', role: 'line' as Role, interval: '', probeId: '', parents: '' })
  const error = useSignal<ApiError | null>(null)
  const set = (k: keyof typeof v.value) => (e: Event) => {
    v.value = { ...v.value, [k]: (e.currentTarget as HTMLInputElement).value }
  }
  const d = KIND_DEFAULTS[v.value.kind]
  return (
    <form
      class="inline-form"
      aria-label={t('settings.targets.new')}
      onSubmit={async (e) => {
        e.preventDefault()
        const x = v.value
        const r = await settings.createTarget({
          id: x.id.trim(),
          communeCode: x.communeCode.trim(),
          ...(x.name.trim() ? { name: x.name.trim() } : {}),
          kind: x.kind,
          host: x.host.trim(),
          ...(x.port ? { port: Number(x.port) } : {}),
          role: x.role,
          ...(x.interval ? { intervalSeconds: Number(x.interval) } : {}),
          parents: x.parents
            .split(/[\s,]+/)
            .map((p) => p.trim())
            .filter(Boolean),
          options: {},
          probeId: x.probeId || null,
          enabled: true,
        })
        if (r.ok) onDone()
        else error.value = r.error
      }}
    >
      <div class="form-grid">
        <label class="form-field">
          <span>{t('settings.targets.id')}</span>
          <input required value={v.value.id} onInput={set('id')} placeholder="xa-abc-line" />
        </label>
        <label class="form-field">
          <span>{t('commune.code')}</span>
          <input required value={v.value.communeCode} onInput={set('communeCode')} />
        </label>
        <label class="form-field">
          <span>{t('col.name')}</span>
          <input value={v.value.name} onInput={set('name')} />
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
          <span>{t('settings.targets.interval')}</span>
          <input type="number" min={1} value={v.value.interval} onInput={set('interval')} placeholder={String(d.intervalSeconds)} />
        </label>
        <label class="form-field">
          <span>{t('settings.targets.probe')}</span>
          <select value={v.value.probeId} onChange={set('probeId')}>
            <option value="">{t('settings.targets.embedded')}</option>
            {probes
              .filter((p) => !p.builtin && !p.revoked)
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

// ---------- probes ----------

function ProbesTab() {
  const { settings, live } = useModels()
  const { t } = useI18n()
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
      <div class="two-col two-col--wide-left">
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
                    <th scope="col">{t('settings.probes.location')}</th>
                    <th scope="col">{t('settings.probes.version')}</th>
                    <th scope="col">{t('col.lastSeen')}</th>
                    <th scope="col" class="num">
                      {t('settings.probes.spool')}
                    </th>
                    <th scope="col">{t('form.actions')}</th>
                  </tr>
                </thead>
                <tbody>
                  {(list.data ?? []).map((p) => {
                    const seen = toMs(p.lastSeenAt)
                    return (
                      <tr key={p.id} class={p.revoked ? 'row--fixed' : undefined}>
                        <th scope="row">
                          {p.name}
                          {p.builtin && <span class="flag"> {t('settings.probes.builtin')}</span>}
                          {p.revoked && <span class="flag"> {t('settings.probes.revoked')}</span>}
                        </th>
                        <td>{p.location || t('value.none')}</td>
                        <td class="mono">{p.version ?? t('value.none')}</td>
                        <td>{seen === null ? t('value.never') : formatShortDateTime(seen, nowMs)}</td>
                        <td class="num">{p.spoolBatches ?? t('value.none')}</td>
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

// ---------- import ----------

function ImportTab() {
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

// ---------- map outline ----------

function MapTab() {
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
