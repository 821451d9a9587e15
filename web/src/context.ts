/**
 * Hands the app's models to the views. Views read signals and call actions; they never
 * fetch or open sockets themselves, so a test or a story can render them with hand-made
 * models.
 * @module
 */
import { createContext } from 'preact'
import { useContext } from 'preact/hooks'
import type { Lang, Translate } from './i18n'
import type { AlertsModel } from './models/alerts'
import type { CommuneModel } from './models/commune'
import type { CommuneTableModel } from './models/commune-table'
import type { GapsModel } from './models/gaps'
import type { HistoryModel } from './models/history'
import type { ImportModel } from './models/import'
import type { LiveModel } from './models/live'
import type { MapModel } from './models/map'
import type { OverviewModel } from './models/overview'
import type { PrefsModel } from './models/prefs'
import type { ReportsModel } from './models/reports'
import type { RouterModel } from './models/router'
import type { SessionModel } from './models/session'
import type { SettingsModel } from './models/settings'
import type { TestRunModel } from './models/test-run'
import type { UsersModel } from './models/users'

/** Every model of the running app. */
export interface AppModels {
  prefs: PrefsModel
  router: RouterModel
  live: LiveModel
  overview: OverviewModel
  table: CommuneTableModel
  /** The overview's 24-hour strips, availability and silent probes. */
  history: HistoryModel
  commune: CommuneModel
  /** "Đo ngay" of the commune page. */
  testRun: TestRunModel
  session: SessionModel
  alerts: AlertsModel
  gaps: GapsModel
  map: MapModel
  settings: SettingsModel
  /** Monthly SLA report. */
  reports: ReportsModel
  /** Coverage-gap CSV import of the signal gaps page. */
  gapImport: ImportModel
  /** Inventory import of the settings page (any kind). */
  inventoryImport: ImportModel
  /** Users and audit log (admin), one's own account. */
  users: UsersModel
}

/** Provider of {@link AppModels}; `main.tsx` supplies the real ones. */
export const ModelsContext = createContext<AppModels | null>(null)

/**
 * The app's models.
 * @throws Error when rendered outside a ModelsContext provider (a wiring bug).
 */
export function useModels(): AppModels {
  const models = useContext(ModelsContext)
  if (!models) throw new Error('ModelsContext missing')
  return models
}

/**
 * Translate for the current language. Reading it subscribes the calling component, so it
 * re-renders when the language is toggled.
 */
export function useI18n(): { t: Translate; lang: Lang } {
  const { prefs } = useModels()
  return { t: prefs.t.value, lang: prefs.lang.value }
}
