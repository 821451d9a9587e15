/**
 * Prometheus exposition (SPEC §7), rendered from the state engine's memory at scrape time:
 * never a database query per scrape.
 * @module
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client'
import { STATES } from '../protocol'
import type { StateEngine } from './state/engine'

/** Counters the rest of the server increments. */
export interface Metrics {
  registry: Registry
  ingestResults: Counter<'result'>
  ingestBatches: Counter<'result'>
  notifications: Counter<'channel' | 'result'>
}

export interface MetricsDeps {
  engine: StateEngine
  /** True while the demo province is loaded: exported as `xanh_demo 1`. */
  demo: () => boolean
  province: () => { code: string; name: string }
  probes: () => Array<{ name: string; lastSeenAt: number | null; spoolBatches: number | null }>
}

/**
 * Creates a fresh registry with Xanh's metrics and Node process metrics.
 * @example const m = createMetrics(deps); res.send(await m.registry.metrics())
 */
export function createMetrics(deps: MetricsDeps): Metrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  // These three are gauges named *_total, which promtool rejects; the handle counts are not worth the noise.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) registry.removeSingleMetric(name)
  const { engine } = deps
  const targetLabels = ['target', 'commune_code', 'kind', 'role'] as const

  new Gauge({
    name: 'xanh_demo',
    help: '1 when the demo province (simulated impairments on local responders) is loaded.',
    registers: [registry],
    collect() {
      this.set(deps.demo() ? 1 : 0)
    },
  })
  new Gauge({
    name: 'xanh_commune_info',
    help: 'Commune identity; the only series carrying Vietnamese names.',
    labelNames: ['commune_code', 'commune', 'cluster', 'kind', 'province'],
    registers: [registry],
    collect() {
      this.reset()
      const province = deps.province().code
      engine.forEachCommune((c) => this.set({ commune_code: c.code, commune: c.name, cluster: c.cluster, kind: c.kind, province }, 1))
    },
  })
  new Gauge({
    name: 'xanh_commune_state',
    help: 'Commune state as a state-set: 1 for the current state, 0 for the others.',
    labelNames: ['commune_code', 'state'],
    registers: [registry],
    collect() {
      this.reset()
      engine.forEachCommune((c, state) => {
        for (const s of STATES) this.set({ commune_code: c.code, state: s }, s === state ? 1 : 0)
      })
    },
  })
  new Gauge({
    name: 'xanh_link_contracted_bytes_per_second',
    help: 'Contracted line rate of the commune.',
    labelNames: ['commune_code'],
    registers: [registry],
    collect() {
      this.reset()
      engine.forEachCommune((c) => this.set({ commune_code: c.code }, (c.contractedMbps * 1e6) / 8))
    },
  })
  new Gauge({
    name: 'xanh_target_up',
    help: '1 when the target is not down or unknown (after hysteresis), 0 otherwise.',
    labelNames: targetLabels,
    registers: [registry],
    collect() {
      this.reset()
      engine.forEachTarget((t, s) => {
        if (s.state === 'unknown') return
        this.set({ target: t.id, commune_code: t.communeCode, kind: t.kind, role: t.role }, s.state === 'down' ? 0 : 1)
      })
    },
  })
  new Gauge({
    name: 'probe_success',
    help: 'Blackbox-compatible: 1 if the latest check of the target succeeded.',
    labelNames: targetLabels,
    registers: [registry],
    collect() {
      this.reset()
      engine.forEachTarget((t, s) => {
        if (s.lastOk === null) return
        this.set({ target: t.id, commune_code: t.communeCode, kind: t.kind, role: t.role }, s.lastOk ? 1 : 0)
      })
    },
  })
  const measurementGauge = (name: string, help: string, key: string, extra?: Record<string, string>): void => {
    const extraNames = Object.keys(extra ?? {})
    new Gauge({
      name,
      help,
      labelNames: [...targetLabels, ...extraNames],
      registers: [registry],
      collect() {
        this.reset()
        engine.forEachTarget((t, s) => {
          const v = s.measurements[key]
          if (v === undefined) return
          this.set({ target: t.id, commune_code: t.communeCode, kind: t.kind, role: t.role, ...(extra ?? {}) }, v)
        })
      },
    })
  }
  measurementGauge('probe_duration_seconds', 'Blackbox-compatible: how long the latest check took.', 'duration_seconds')
  measurementGauge('xanh_rtt_seconds', 'Median round-trip time of the latest round.', 'rtt_median_seconds')
  measurementGauge('xanh_rtt_min_seconds', 'Fastest round-trip time of the latest round.', 'rtt_min_seconds')
  measurementGauge('xanh_rtt_max_seconds', 'Slowest round-trip time of the latest round.', 'rtt_max_seconds')
  measurementGauge('xanh_packet_loss_ratio', 'Packet loss ratio of the latest round.', 'loss_ratio')
  measurementGauge('xanh_jitter_seconds', 'Jitter (RFC 3550) of the latest round.', 'jitter_seconds')

  new Gauge({
    name: 'xanh_probe_last_seen_timestamp_seconds',
    help: 'When the probe last delivered a batch or heartbeat.',
    labelNames: ['probe'],
    registers: [registry],
    collect() {
      this.reset()
      for (const p of deps.probes()) if (p.lastSeenAt !== null) this.set({ probe: p.name }, p.lastSeenAt / 1000)
    },
  })
  new Gauge({
    name: 'xanh_probe_spool_batches',
    help: 'Batches waiting in the probe spool, as last reported by the probe.',
    labelNames: ['probe'],
    registers: [registry],
    collect() {
      this.reset()
      for (const p of deps.probes()) if (p.spoolBatches !== null) this.set({ probe: p.name }, p.spoolBatches)
    },
  })

  const ingestResults = new Counter({
    name: 'xanh_ingest_results_total',
    help: 'Results received by ingest, by outcome (accepted, duplicate, rejected).',
    labelNames: ['result'],
    registers: [registry],
  })
  const ingestBatches = new Counter({
    name: 'xanh_ingest_batches_total',
    help: 'Batches received by ingest, by outcome (accepted, rejected).',
    labelNames: ['result'],
    registers: [registry],
  })
  const notifications = new Counter({
    name: 'xanh_notifications_total',
    help: 'Notification delivery attempts by channel type and outcome (sent, retry, dead, collapsed).',
    labelNames: ['channel', 'result'],
    registers: [registry],
  })
  for (const channel of ['zalo', 'telegram', 'email', 'webhook', 'slack']) for (const result of ['sent', 'retry', 'dead', 'collapsed']) notifications.inc({ channel, result }, 0)
  for (const r of ['accepted', 'duplicate', 'rejected']) ingestResults.inc({ result: r }, 0)
  for (const r of ['accepted', 'rejected']) ingestBatches.inc({ result: r }, 0)
  return { registry, ingestResults, ingestBatches, notifications }
}
