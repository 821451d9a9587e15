import { useModels, useI18n } from '../context'
import type { MessageKey } from '../i18n'
import { SETTINGS_TABS, settingsHref, type SettingsTab } from '../models/router'
import { hasRole } from '../models/session'
import { AuditTab } from './settings/AuditTab'
import { CommunesTab } from './settings/CommunesTab'
import { GroupsTab } from './settings/GroupsTab'
import { ImportTab } from './settings/ImportTab'
import { MapTab } from './settings/MapTab'
import { ProbesTab } from './settings/ProbesTab'
import { TargetsTab } from './settings/TargetsTab'
import { UsersTab } from './settings/UsersTab'

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
