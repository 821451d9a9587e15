/**
 * Browser entry: builds the real dependencies (fetch, WebSocket, localStorage, clock),
 * the models, and renders the app. The only file that touches browser globals for wiring.
 * @module
 */
import { render } from 'preact'
import { createApi } from './api'
import { App } from './app'
import { ModelsContext, type AppModels } from './context'
import { createSystemClock } from './models/clock'
import { CommuneModel } from './models/commune'
import { CommuneTableModel } from './models/commune-table'
import { LiveModel, liveUrl, type SocketLike } from './models/live'
import { OverviewModel } from './models/overview'
import { PrefsModel, type StorageLike } from './models/prefs'
import { RouterModel } from './models/router'
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
const api = createApi((url, init) => fetch(url, init))
const prefs = new PrefsModel(localStorageOrNull())
const router = new RouterModel({
  getHash: () => window.location.hash,
  subscribe: (fn) => {
    window.addEventListener('hashchange', fn)
    return () => window.removeEventListener('hashchange', fn)
  },
})
const overview = new OverviewModel({ api })
const commune = new CommuneModel({ api, clock })
const table = new CommuneTableModel({ communes: overview.communes, locale: prefs.locale })
const live = new LiveModel({
  connect: connectWebSocket,
  url: liveUrl(window.location),
  clock,
  onMessage: (msg) => {
    overview.applyLive(msg)
    commune.applyLive(msg)
  },
})

const models: AppModels = { prefs, router, live, overview, table, commune }

void overview.load()
live.start()

const root = document.getElementById('app')
if (root) {
  render(
    <ModelsContext.Provider value={models}>
      <App />
    </ModelsContext.Provider>,
    root,
  )
}
