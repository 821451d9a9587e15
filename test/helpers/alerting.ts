/**
 * The alerting pipeline on its own — state engine → alerts → incidents → dispatcher → outbox →
 * real notifiers — over either implementation of its repositories: the Store on a SQLite
 * database, or the in-memory repositories (no database at all). No HTTP routes, no runtime; a
 * manual clock.
 */
import pino from 'pino'
import type { CommuneInput, TargetInput } from '../../protocol'
import { createAlerting, type Alerting, type AlertingStore } from '../../server/alerting/service'
import type { MaintenanceInventory } from '../../server/alerting/maintenance'
import { loadServerConfig } from '../../server/config'
import { StateEngine, type CommuneMeta, type TargetMeta } from '../../server/state/engine'
import { openDatabase } from '../../server/store/db'
import { createMemoryAlertingRepos } from '../../server/store/memory/alerting-repos'
import { Store } from '../../server/store/store'

/** Which implementation of the alerting repositories a harness runs on. */
export type RepoKind = 'sqlite' | 'memory'

/** Both, for `describe.each`. */
export const REPO_KINDS: RepoKind[] = ['memory', 'sqlite']

export interface AlertingHarness {
  /** The alerting state and the inventory it reads. */
  store: AlertingStore & MaintenanceInventory
  engine: StateEngine
  alerting: Alerting
  clock: { now: number }
  /** Advances the engine's clock-driven part, then one alerting evaluation (as the runtime's tick). */
  tick(): void
  close(): void
}

function communeMeta(c: CommuneInput): CommuneMeta {
  return { code: c.code, name: c.name, kind: c.kind, cluster: c.districtCluster, lat: c.lat, lon: c.lon, contractedMbps: c.contractedMbps, priority: c.priority, notes: c.notes, openGaps: 0 }
}

function targetMeta(t: TargetInput): TargetMeta {
  return { id: t.id, communeCode: t.communeCode, name: t.name ?? null, kind: t.kind, role: t.role, host: t.host, port: t.port ?? null, intervalSeconds: t.intervalSeconds ?? 15, parents: t.parents, enabled: t.enabled }
}

/**
 * Builds the pipeline over `kind` repositories with this inventory.
 * @param opts.configYaml server config (alerting timings), as in a config file
 */
export function makeAlertingHarness(kind: RepoKind, opts: { communes: CommuneInput[]; targets: TargetInput[]; configYaml?: string; env?: Record<string, string> }): AlertingHarness {
  const clock = { now: Date.parse('2026-11-24T03:00:00Z') }
  const now = (): number => clock.now
  const config = loadServerConfig({ XANH_DATA_DIR: '/nonexistent/xanh-alerting-harness', ...(opts.env ?? {}) }, opts.configYaml)
  let store: AlertingStore & MaintenanceInventory
  let close = (): void => {}
  if (kind === 'sqlite') {
    const opened = openDatabase(':memory:')
    const sqliteStore = new Store(opened.sqlite, opened.db)
    for (const c of opts.communes) sqliteStore.upsertCommune(c)
    for (const t of opts.targets) sqliteStore.upsertTarget(t)
    store = sqliteStore
    close = () => opened.sqlite.close()
  } else {
    const communes = opts.communes.map((c) => ({ code: c.code, name: c.name, districtCluster: c.districtCluster }))
    store = Object.assign(createMemoryAlertingRepos(now), {
      listTargets: () => opts.targets.map((t) => ({ id: t.id, communeCode: t.communeCode, parents: t.parents })),
      listCommunes: () => communes,
      getCommune: (code: string) => communes.find((c) => c.code === code),
      getTarget: (id: string) => opts.targets.find((t) => t.id === id),
      audit: () => {},
    })
  }
  const engine = new StateEngine(config.state, config.thresholds, now)
  engine.setInventory(opts.communes.map(communeMeta), opts.targets.map(targetMeta))
  const alerting = createAlerting({
    store,
    engine,
    config,
    log: pino({ level: 'silent' }),
    now,
    fetch,
    publicUrl: () => 'http://xanh.test',
    province: () => ({ code: 'NA', name: 'Nghệ An' }),
  })
  return {
    store,
    engine,
    alerting,
    clock,
    tick() {
      engine.tick()
      alerting.tick()
    },
    close,
  }
}
