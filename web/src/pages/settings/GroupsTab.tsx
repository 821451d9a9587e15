/**
 * Settings → support groups: each group's channels with their delivery health (last success,
 * last error explained in the UI's language, failures in a row, next retry, messages waiting,
 * disabled by the receiver), a test send that shows each service's real answer, and the form
 * for a new group (Zalo bot, Zalo OA group/user with its token pair, Telegram, e-mail, webhook).
 * @module
 */
import { useSignal } from '@preact/signals'
import { useEffect } from 'preact/hooks'
import { CHANNEL_ERROR_HINTS, CHANNEL_TYPES, type ChannelConfig, type ChannelHealth, type ChannelTestResult, type ZaloBotChatsAnswer } from '../../../../protocol'
import type { ApiError } from '../../api'
import { FormError } from '../../components/FormError'
import { LoadError } from '../../components/LoadError'
import { useModels, useI18n } from '../../context'
import { formatNumber, formatShortDateTime, toMs } from '../../format'
import type { MessageKey } from '../../i18n'
import type { GroupView } from '../../wire'
import { DeleteButton } from './DeleteButton'

type ChannelType = ChannelConfig['type']
/** The form's channel kinds: Zalo splits by how it reaches people. */
type FormKind = Exclude<ChannelType, 'zalo'> | 'zalo-bot' | 'zalo-oa-group' | 'zalo-oa-user'
const FORM_KINDS: readonly FormKind[] = ['zalo-oa-group', 'zalo-oa-user', 'zalo-bot', ...CHANNEL_TYPES.filter((c): c is Exclude<ChannelType, 'zalo'> => c !== 'zalo')]

interface Field {
  key: string
  label: MessageKey
  secret?: boolean
  placeholder?: string
  optional?: boolean
}

const ZALO_PAIR: readonly Field[] = [
  { key: 'appId', label: 'channel.appId', optional: true },
  { key: 'secretKey', label: 'channel.secretKey', secret: true, optional: true },
  { key: 'refreshToken', label: 'channel.refreshToken', secret: true, optional: true },
]

/** Fields each kind asks for (secrets are write-only: the API never shows them again). */
const FIELDS: Record<FormKind, readonly Field[]> = {
  'zalo-oa-group': [{ key: 'token', label: 'channel.oaToken', secret: true }, { key: 'groupId', label: 'channel.groupId' }, ...ZALO_PAIR],
  'zalo-oa-user': [{ key: 'token', label: 'channel.oaToken', secret: true }, { key: 'userId', label: 'channel.userId' }, ...ZALO_PAIR],
  'zalo-bot': [
    { key: 'token', label: 'channel.token', secret: true },
    { key: 'chatId', label: 'channel.chatId' },
  ],
  telegram: [
    { key: 'botToken', label: 'channel.token', secret: true },
    { key: 'chatId', label: 'channel.chatId', placeholder: '-100…' },
  ],
  email: [
    { key: 'host', label: 'channel.smtpHost', placeholder: 'smtp.example.vn' },
    { key: 'from', label: 'channel.from' },
    { key: 'to', label: 'channel.to', placeholder: 'a@…, b@…' },
  ],
  webhook: [
    { key: 'url', label: 'channel.url', placeholder: 'https://…' },
    { key: 'secret', label: 'channel.secret', secret: true, optional: true, placeholder: 'whsec_…' },
  ],
  slack: [{ key: 'url', label: 'channel.url', placeholder: 'https://…' }],
}

const opt = (v: string | undefined): string | undefined => (v && v.trim() !== '' ? v.trim() : undefined)

function channelOf(kind: FormKind, f: Record<string, string>): ChannelConfig {
  switch (kind) {
    case 'zalo-bot':
      return { type: 'zalo', mode: 'bot', token: f.token ?? '', chatId: f.chatId ?? '' }
    case 'zalo-oa-group':
    case 'zalo-oa-user': {
      const pair = { appId: opt(f.appId), secretKey: opt(f.secretKey), refreshToken: opt(f.refreshToken) }
      const recipient = kind === 'zalo-oa-group' ? { groupId: f.groupId ?? '' } : { userId: f.userId ?? '' }
      return { type: 'zalo', mode: 'oa', token: f.token ?? '', ...recipient, ...Object.fromEntries(Object.entries(pair).filter(([, v]) => v !== undefined)) }
    }
    case 'telegram':
      return { type: 'telegram', baseUrl: 'https://api.telegram.org', botToken: f.botToken ?? '', chatId: f.chatId ?? '' }
    case 'email':
      return {
        type: 'email',
        host: f.host ?? '',
        port: 587,
        secure: false,
        requireTls: false,
        from: f.from ?? '',
        to: (f.to ?? '')
          .split(/[\s,;]+/)
          .map((x) => x.trim())
          .filter(Boolean),
      }
    case 'webhook':
      return { type: 'webhook', url: f.url ?? '', ...(opt(f.secret) ? { secret: opt(f.secret) } : {}) }
    case 'slack':
      return { type: 'slack', url: f.url ?? '', flavor: 'slack' }
  }
}

/** Where a channel sends, in a few words (no secrets: the API hides them). */
function channelSummary(c: GroupView['channels'][number]): string {
  const id = [c.chatId, c.groupId, c.userId].find((v) => typeof v === 'string' || typeof v === 'number')
  const to = Array.isArray(c.to) ? c.to.join(', ') : typeof c.url === 'string' ? c.url : ''
  const mode = c.type === 'zalo' ? (c.mode === 'oa' ? (c.groupId !== undefined ? ' OA GMF' : ' OA') : ' bot') : ''
  return `${c.type}${mode}${id !== undefined ? ` ${String(id)}` : to ? ` ${to}` : ''}`
}

/** The support groups tab. */
export function GroupsTab() {
  const { settings } = useModels()
  const { t } = useI18n()
  const list = settings.groups.value
  const error = useSignal<ApiError | null>(null)
  useEffect(() => {
    void settings.loadGroups()
  }, [])
  return (
    <div class="two-col two-col--wide-left">
      <section class="card" aria-labelledby="groups-title">
        <div class="card__head">
          <h2 id="groups-title" class="card__title">
            {t('settings.tab.groups')}
            <span class="count-pill">{list.data?.length ?? 0}</span>
          </h2>
        </div>
        <FormError error={error.value} />
        {list.error && !list.data ? (
          <LoadError error={list.error} onRetry={() => void settings.loadGroups()} />
        ) : (list.data ?? []).length === 0 ? (
          <p class="card__empty">{t('settings.groups.none')}</p>
        ) : (
          <ul class="schedule-list">
            {(list.data ?? []).map((g) => (
              <GroupItem key={g.id} group={g} onError={(e) => (error.value = e)} />
            ))}
          </ul>
        )}
      </section>
      <GroupForm />
    </div>
  )
}

function GroupItem({ group: g, onError }: { group: GroupView; onError: (e: ApiError | null) => void }) {
  const { settings } = useModels()
  const { t } = useI18n()
  const results = settings.testResults.value.get(g.id)
  const testing = settings.testing.value === g.id
  return (
    <li class="schedule group" data-group={g.name}>
      <div class="schedule__main">
        <strong>{g.name}</strong>
        <span class="muted small">
          {g.clusters.length + g.communes.length === 0 ? t('settings.groups.everything') : [...g.clusters, ...g.communes].join(', ')} · {t('settings.groups.min')}{' '}
          {t(`severity.${g.minSeverity}` as MessageKey)}
          {g.escalation.length > 0 && ` · ${t('settings.groups.escalation', { steps: g.escalation.map((s) => `${s.afterMinutes}′ → ${s.group}`).join(', ') })}`}
        </span>
        {g.channels.length === 0 && <span class="muted small">{t('settings.groups.noChannels')}</span>}
        <ul class="channel-list">
          {g.channels.map((c, i) => (
            <ChannelRow key={i} groupId={g.id} index={i} summary={channelSummary(c)} health={g.health[i]} test={results?.find((r) => r.index === i)} />
          ))}
        </ul>
      </div>
      <div class="actions">
        <button
          type="button"
          class="btn btn--small"
          disabled={testing || g.channels.length === 0}
          onClick={async () => {
            const r = await settings.testGroup(g.id)
            onError(r.ok ? null : r.error)
          }}
        >
          {testing ? t('settings.groups.testing') : t('settings.groups.test')}
        </button>
        <DeleteButton label={g.name} onDelete={() => settings.deleteGroup(g.id)} />
      </div>
    </li>
  )
}

/** One channel: where it sends, its health, and the answer of the last test. */
function ChannelRow({ groupId, index, summary, health, test }: { groupId: number; index: number; summary: string; health: ChannelHealth | undefined; test: ChannelTestResult | undefined }) {
  const { settings } = useModels()
  const { t, lang } = useI18n()
  const now = Date.now()
  const when = (iso: string | null): string => (iso === null ? t('health.never') : formatShortDateTime(toMs(iso) ?? 0, now))
  const status = health?.status ?? 'unused'
  const hint = health?.lastErrorCode ? CHANNEL_ERROR_HINTS[health.lastErrorCode][lang] : null
  return (
    <li class={`channel channel--${status}`} data-channel={index} data-status={status}>
      <div class="channel__head">
        <code class="matcher">{summary}</code>
        <span class={`pill channel__status channel__status--${status}`}>{t(`health.status.${status}` as MessageKey)}</span>
      </div>
      {health && (
        <dl class="channel__facts small">
          <div>
            <dt>{t('health.lastSuccess')}</dt>
            <dd>{when(health.lastSuccessAt)}</dd>
          </div>
          {health.consecutiveFailures > 0 && (
            <div>
              <dt>{t('health.failures')}</dt>
              <dd>{formatNumber(health.consecutiveFailures, lang, 0)}</dd>
            </div>
          )}
          {health.nextRetryAt !== null && health.consecutiveFailures > 0 && (
            <div>
              <dt>{t('health.nextRetry')}</dt>
              <dd>{when(health.nextRetryAt)}</dd>
            </div>
          )}
          {health.pending > 0 && (
            <div>
              <dt>{t('health.pending')}</dt>
              <dd class={health.overdue ? 'form-error' : undefined}>
                {t('health.pendingSince', { n: formatNumber(health.pending, lang, 0), time: when(health.oldestPendingAt) })}
                {health.overdue && ` — ${t('health.overdue')}`}
              </dd>
            </div>
          )}
        </dl>
      )}
      {health?.lastError && health.consecutiveFailures > 0 && (
        <div class="channel__error small" role="note">
          {hint && <p class="channel__hint">{hint}</p>}
          <p class="muted mono">
            {when(health.lastErrorAt)}: {health.lastError}
          </p>
        </div>
      )}
      {status === 'disabled' && (
        <button type="button" class="btn btn--small" onClick={() => void settings.enableChannel(groupId, index)}>
          {t('health.enable')}
        </button>
      )}
      {test && (
        <p class={`channel__test small ${test.ok ? 'channel__test--ok' : 'form-error'}`} role="status" data-test-ok={String(test.ok)}>
          {test.ok
            ? t('settings.groups.testOk', { id: test.providerMessageId ?? '—', ms: formatNumber(test.milliseconds, lang, 0) })
            : `${t('settings.groups.testFailed')}: ${test.errorCode ? CHANNEL_ERROR_HINTS[test.errorCode][lang] : ''} (${test.error ?? ''})`}
        </p>
      )}
    </li>
  )
}

function GroupForm() {
  const { settings, overview } = useModels()
  const { t } = useI18n()
  const name = useSignal('')
  const kind = useSignal<FormKind>('zalo-oa-group')
  const fields = useSignal<Record<string, string>>({})
  const clusters = useSignal<string[]>([])
  const minSeverity = useSignal<'warning' | 'critical'>('warning')
  const error = useSignal<ApiError | null>(null)
  const chats = useSignal<ZaloBotChatsAnswer | null>(null)
  const allClusters = [...new Set(overview.communes.value.map((c) => c.cluster).filter(Boolean))].sort()
  return (
    <form
      class="card form-card"
      aria-labelledby="group-new-title"
      onSubmit={async (e) => {
        e.preventDefault()
        const r = await settings.createGroup({
          name: name.value.trim(),
          channels: [channelOf(kind.value, fields.value)],
          communes: [],
          clusters: clusters.value,
          roles: [],
          minSeverity: minSeverity.value,
          language: 'vi',
          escalation: [],
          sendResolved: true,
        })
        if (r.ok) {
          name.value = ''
          fields.value = {}
          clusters.value = []
          chats.value = null
          error.value = null
        } else error.value = r.error
      }}
    >
      <div class="card__head">
        <h2 id="group-new-title" class="card__title">
          {t('settings.groups.new')}
        </h2>
      </div>
      <div class="form-body">
        <label class="form-field">
          <span>{t('col.name')}</span>
          <input required value={name.value} onInput={(e) => (name.value = e.currentTarget.value)} />
        </label>
        <label class="form-field">
          <span>{t('settings.groups.channel')}</span>
          <select
            value={kind.value}
            onChange={(e) => {
              kind.value = e.currentTarget.value as FormKind
              fields.value = {}
              chats.value = null
            }}
          >
            {FORM_KINDS.map((c) => (
              <option key={c} value={c}>
                {t(`channel.kind.${c}` as MessageKey)}
              </option>
            ))}
          </select>
        </label>
        <p class="muted small">{t(`channel.help.${kind.value}` as MessageKey)}</p>
        {FIELDS[kind.value].map((f) => (
          <label key={f.key} class="form-field">
            <span>
              {t(f.label)}
              {f.optional && <span class="muted"> ({t('form.optional')})</span>}
            </span>
            <input
              required={!f.optional}
              type={f.secret ? 'password' : 'text'}
              autocomplete="off"
              value={fields.value[f.key] ?? ''}
              placeholder={f.placeholder}
              onInput={(e) => (fields.value = { ...fields.value, [f.key]: e.currentTarget.value })}
            />
          </label>
        ))}
        {kind.value === 'zalo-bot' && (
          <div class="zalo-chats">
            <button
              type="button"
              class="btn btn--small"
              disabled={!fields.value.token}
              onClick={async () => {
                const r = await settings.zaloChats(fields.value.token ?? '')
                chats.value = r.ok ? r.data : null
                error.value = r.ok ? null : r.error
              }}
            >
              {t('channel.findChats')}
            </button>
            {chats.value && (
              <div class="small">
                {chats.value.bot.canJoinGroups === false && <p class="muted">{t('channel.botNoGroups')}</p>}
                {chats.value.chats.length === 0 ? (
                  <p class="muted">{t('channel.chatsNone')}</p>
                ) : (
                  <ul class="zalo-chats__list">
                    {chats.value.chats.map((c) => (
                      <li key={c.chatId}>
                        <button type="button" class="btn btn--link" onClick={() => (fields.value = { ...fields.value, chatId: c.chatId })}>
                          {c.name ?? c.chatId}
                        </button>{' '}
                        <span class="muted mono">{c.chatId}</span> {c.lastText && <span class="muted">“{c.lastText}”</span>}
                      </li>
                    ))}
                  </ul>
                )}
              </div>
            )}
          </div>
        )}
        <label class="form-field">
          <span>{t('settings.groups.clusters')}</span>
          <select multiple size={Math.min(6, Math.max(3, allClusters.length))} onChange={(e) => (clusters.value = [...e.currentTarget.selectedOptions].map((o) => o.value))}>
            {allClusters.map((c) => (
              <option key={c} value={c} selected={clusters.value.includes(c)}>
                {c}
              </option>
            ))}
          </select>
        </label>
        <p class="muted small">{t('settings.groups.clustersHelp')}</p>
        <label class="form-field">
          <span>{t('settings.groups.minLabel')}</span>
          <select value={minSeverity.value} onChange={(e) => (minSeverity.value = e.currentTarget.value as 'warning' | 'critical')}>
            <option value="warning">{t('severity.warning')}</option>
            <option value="critical">{t('severity.critical')}</option>
          </select>
        </label>
        <FormError error={error.value} />
        <div class="form-actions">
          <button type="submit" class="btn btn--primary">
            {t('settings.groups.create')}
          </button>
        </div>
      </div>
    </form>
  )
}
