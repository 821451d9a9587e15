/**
 * Inventory a probe needs before the server lets it use something: the speedtest endpoints serve
 * only probes that run a throughput target (server/routes/speedtest.ts).
 * @module
 */
import type { Store } from '../../server/store/store'

/**
 * Gives `probeId` an enabled throughput target (and the commune it needs), so its token may use
 * `/api/v1/speedtest/*`.
 * @returns the target's id
 */
export function giveThroughputTarget(store: Store, probeId: string, communeCode = 'TP'): string {
  if (!store.getCommune(communeCode)) {
    store.upsertCommune({ code: communeCode, name: `Xã ${communeCode}`, kind: 'xa', districtCluster: 'Cụm A', lat: 19, lon: 105, contractedMbps: 100, priority: 0, notes: '' })
  }
  const id = `${communeCode.toLowerCase()}-tput-${probeId}`
  store.upsertTarget({ id, communeCode, kind: 'throughput', host: '127.0.0.1', role: 'line', parents: [], options: {}, probeId, enabled: true })
  return id
}
