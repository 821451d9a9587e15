/**
 * Loading and removing the demo province in the database.
 * @module
 */
import type { Store } from '../store/store'
import { BOUNDARY_SETTING } from '../routes/settings'
import { buildDemoInventory, demoBoundary, DEMO_PROVINCE, type DemoInventory } from './province'

/** Setting key that marks the database as holding the demo province. */
export const DEMO_SETTING = 'demo'
/** Name of the simulated commune-office agent whose outages make communes silent. */
export const DEMO_REMOTE_PROBE = 'demo-agent-ky-son'
/** How many communes the simulated remote agent watches. */
const REMOTE_COMMUNES = 4

export interface SeededDemo {
  inventory: DemoInventory
  /** Probe id of the simulated remote agent. */
  remoteProbeId: string
}

/**
 * Writes (or refreshes, idempotently) the demo province in one transaction. Refreshing on
 * every start keeps responder addresses in step with the configured demo network.
 */
export function seedDemo(store: Store, demoNet: number): SeededDemo {
  const inventory = buildDemoInventory(demoNet)
  return store.transaction(() => {
    const fresh = store.getSetting(DEMO_SETTING) !== '1'
    store.setSetting(DEMO_SETTING, '1')
    store.setSetting('province.code', DEMO_PROVINCE.code)
    store.setSetting('province.name', DEMO_PROVINCE.name)
    // The map's outline, only where nobody chose one: an uploaded outline, or one an admin
    // cleared (stored as empty), is the operator's and stays as it is.
    if (store.getSetting(BOUNDARY_SETTING) === undefined) store.setSetting(BOUNDARY_SETTING, JSON.stringify(demoBoundary()))
    let remote = store.getProbeByName(DEMO_REMOTE_PROBE)
    if (!remote) remote = store.createProbe(DEMO_REMOTE_PROBE, 'Demo — máy đo mô phỏng tại UBND xã (Kỳ Sơn)').probe
    for (const c of inventory.communes) store.upsertCommune(c, true)
    // The westernmost communes are watched by the simulated commune-office agent.
    const remoteCodes = new Set(
      [...inventory.communes].sort((a, b) => a.lon - b.lon).slice(0, REMOTE_COMMUNES).map((c) => c.code),
    )
    for (const t of inventory.targets) store.upsertTarget({ ...t, probeId: remoteCodes.has(t.communeCode) ? remote.id : null })
    if (fresh) for (const g of inventory.gaps) store.addGap(g)
    store.audit('system', fresh ? 'demo-load' : 'demo-refresh', 'province', DEMO_PROVINCE.code)
    return { inventory, remoteProbeId: remote.id }
  })
}

/** Removes every demo commune (targets and gaps cascade) and the demo marks. @returns communes removed */
export function removeDemo(store: Store): number {
  return store.transaction(() => {
    const removed = store.deleteDemoCommunes()
    const remote = store.getProbeByName(DEMO_REMOTE_PROBE)
    if (remote) store.deleteProbe(remote.id)
    // The demo's own outline leaves with it (an operator's stays).
    if (store.getSetting(BOUNDARY_SETTING) === JSON.stringify(demoBoundary())) store.deleteSetting(BOUNDARY_SETTING)
    store.setSetting(DEMO_SETTING, '0')
    store.audit('system', 'demo-remove', 'province', DEMO_PROVINCE.code, { communes: removed })
    return removed
  })
}
