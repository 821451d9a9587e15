/**
 * Browser entry: builds the real dependencies (fetch, WebSocket, localStorage, clock),
 * the models, and renders the app. The only file that touches browser globals for wiring.
 * @module
 */
import { render } from 'preact'
import { createApi, type ApiHooks } from './api'
import { UsersModel } from './models/users'
import { App } from './app'
import { ModelsContext, type AppModels } from './context'
import { AlertsModel } from './models/alerts'
import { createSystemClock } from './models/clock'
import { CommuneModel } from './models/commune'
import { TestRunModel } from './models/test-run'
import { CommuneTableModel } from './models/commune-table'
import { GapsModel } from './models/gaps'
import { HistoryModel } from './models/history'
import { ImportModel } from './models/import'
import { LiveModel, liveUrl, type SocketLike } from './models/live'
import { MapModel } from './models/map'
import { OverviewModel } from './models/overview'
import { PrefsModel, type StorageLike } from './models/prefs'
import { ReportsModel, fetchSlaReport } from './models/reports'
import { RouterModel } from './models/router'
import { SessionModel } from './models/session'
import { SettingsModel } from './models/settings'
import './styles.css'

function connectWebSocket(url: string): SocketLike {
  const ws = new WebSocket(url)
  const socket: SocketLike = { onopen: null, onmessage: null, onclose: null, onerror: null, close: () => ws.close() }
  ws.onopen = (e) => socket.onopen?.(e)
  ws.onmessage = (e) => socket.onmessage?.(e)
  ws.onclose = (e) => socket.onclose?.(e)
  ws.onerror = (e) => socket.onerror?.(e)
  return socket
}

function localStorageOrNull(): StorageLike | null {
  try {
    return window.localStorage
  } catch {
    return null // blocked by policy or a sandboxed iframe
  }
}

const clock = createSystemClock()
// The session model hears of every E_UNAUTHORIZED (a session that ended brings the sign-in form back).
const apiHooks: ApiHooks = {}
const api = createApi((url, init) => fetch(url, init), '', apiHooks)
const storage = localStorageOrNull()
const prefs = new PrefsModel(storage)
const router = new RouterModel({
  getHash: () => window.location.hash,
  subscribe: (fn) => {
    window.addEventListener('hashchange', fn)
    return () => window.removeEventListener('hashchange', fn)
  },
})
const session = new SessionModel({
  api,
  // What an anonymous visitor could not read loads once somebody signs in.
  onSignedIn: () => {
    live.start()
    void overview.load()
    void alerts.loadOpen()
    void map.load()
  },
})
const onUnauthorized = (): void => session.expired()
apiHooks.onUnauthorized = onUnauthorized
const alerts = new AlertsModel({ api, clock, onUnauthorized })
// Deltas are applied at most 4 times a second: one re-render of 3,321 markers and rows per
// batch keeps 100 changes/s free of long tasks.
const overview = new OverviewModel({ api, flapping: alerts.flappingCommunes, clock, coalesceMs: 250 })
const commune = new CommuneModel({ api, clock })
const testRun = new TestRunModel({ api, clock, onUnauthorized })
const table = new CommuneTableModel({ communes: overview.communes, locale: prefs.locale })
const history = new HistoryModel({ api, clock, onUnauthorized })
const gaps = new GapsModel({ api, clock, onUnauthorized, fetchSla: (month, signal) => fetchSlaReport((url, init) => fetch(url, init), month, signal) })
const map = new MapModel({ api, onUnauthorized })
const settings = new SettingsModel({ api, onUnauthorized, onInventoryChanged: () => void overview.load() })
const gapImport = new ImportModel({ api, kind: 'gaps', onUnauthorized, onImported: () => void gaps.load() })
const reports = new ReportsModel({ fetch: (url, init) => fetch(url, init), clock })
const inventoryImport = new ImportModel({ api, kind: 'communes', onUnauthorized, onImported: () => void overview.load() })
const live = new LiveModel({
  connect: connectWebSocket,
  url: liveUrl(window.location),
  clock,
  onMessage: (msg) => {
    overview.applyLive(msg)
    commune.applyLive(msg)
    alerts.applyLive(msg)
    gaps.applyLive(msg)
  },
})

const users = new UsersModel({ api, onUnauthorized })
const models: AppModels = { prefs, router, live, overview, table, history, commune, testRun, session, alerts, gaps, map, settings, gapImport, inventoryImport, reports, users }

// Nothing is read before the server says who is signed in: an anonymous visitor gets the
// sign-in form (and no request answered 401), a signed-in one or a wallboard gets the data.
void session.check().then(() => {
  if (session.needsSignIn.value) return
  live.start()
  void overview.load()
  void alerts.loadOpen()
  void map.load()
})

const root = document.getElementById('app')
if (root) {
  render(
    <ModelsContext.Provider value={models}>
      <App />
    </ModelsContext.Provider>,
    root,
  )
}
