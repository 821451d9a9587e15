/**
 * `/metrics` at 100k series (SPEC §10): Xanh's renderer (string building from the engine's
 * live objects) against prom-client rendering the very same series (same names, HELP, labels
 * and values, set beforehand so only its render is timed), in the same run. Also the longest
 * event-loop stall while Xanh renders: what an ingest request could wait at most.
 */
import { Counter, Gauge, Registry } from 'prom-client'
import { loadServerConfig } from '../server/config'
import { createMetrics } from '../server/metrics'
import { StateEngine, type CommuneMeta, type TargetMeta } from '../server/state/engine'

interface Family {
  name: string
  type: string
  help: string
  samples: Array<{ labels: Array<[string, string]>; value: number }>
}

/** Parses Prometheus text (as Xanh writes it) back into families, to feed prom-client. */
function parseExposition(text: string): Family[] {
  const families: Family[] = []
  let current: Family | undefined
  for (const line of text.split('\n')) {
    if (line.startsWith('# HELP ')) {
      const rest = line.slice(7)
      const sp = rest.indexOf(' ')
      current = { name: rest.slice(0, sp), type: 'gauge', help: rest.slice(sp + 1).replace(/\\n/g, '\n').replace(/\\\\/g, '\\'), samples: [] }
      families.push(current)
    } else if (line.startsWith('# TYPE ') && current) current.type = line.split(' ')[3] ?? 'gauge'
    else if (line && current) {
      const brace = line.indexOf('{')
      const end = line.lastIndexOf(' ')
      const labels: Array<[string, string]> = []
      if (brace >= 0) {
        const body = line.slice(brace + 1, line.lastIndexOf('}'))
        for (const m of body.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels.push([m[1] as string, (m[2] as string).replace(/\\"/g, '"').replace(/\\n/g, '\n').replace(/\\\\/g, '\\')])
      }
      current.samples.push({ labels, value: Number(line.slice(end + 1)) })
    }
  }
  return families
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? NaN

/** Runs the benchmark; returns printable lines. */
export async function benchMetrics(opts: { targets: number; runs: number }): Promise<string[]> {
  const config = loadServerConfig({})
  let now = Date.parse('2026-11-24T03:00:00Z')
  const engine = new StateEngine(config.state, config.thresholds, () => now)
  const communes: CommuneMeta[] = []
  const targets: TargetMeta[] = []
  for (let i = 0; i < Math.ceil(opts.targets / 4); i++) {
    const code = `NA-${String(i).padStart(5, '0')}`
    communes.push({ code, name: `Xã Số ${i}`, kind: 'xa', cluster: `Cụm ${i % 20}`, lat: 19, lon: 105, contractedMbps: 100, priority: 0, notes: '', openGaps: 0 })
    for (let j = 0; j < 4 && targets.length < opts.targets; j++) {
      targets.push({ id: `${code}-t${j}`, communeCode: code, name: null, kind: 'udp_echo', role: j === 0 ? 'line' : 'mcu', host: '127.0.0.1', port: 8620, intervalSeconds: 15, parents: [], enabled: true })
    }
  }
  engine.setInventory(communes, targets)
  engine.ingest(
    targets.map((t, i) => ({
      targetId: t.id,
      observedAt: now - 1000,
      ok: i % 50 !== 0,
      error: null,
      measurements: { rtt_median_seconds: 0.012 + i * 1e-7, rtt_min_seconds: 0.01, rtt_max_seconds: 0.02, sent: 50, received: 49, loss_ratio: 0.02, jitter_seconds: 0.001, mos_estimate: 4.3, duplicates: 0, reordered: 1, duration_seconds: 2.5 },
    })),
  )
  now += 1000
  const metrics = createMetrics({ engine, demo: () => false, province: () => ({ code: 'NA', name: 'Nghệ An' }), probes: () => [], now: () => now, processMetrics: false, cacheSeconds: 0 })

  // The same series in prom-client: families, HELP, label names and values, values set once.
  const reference = (await metrics.render('prometheus')).toString('utf8')
  const families = parseExposition(reference)
  const series = families.reduce((n, f) => n + f.samples.length, 0)
  const registry = new Registry()
  for (const f of families) {
    // A family without samples still needs a label name, or prom-client would print `name 0`.
    const found = [...new Set(f.samples.flatMap((s) => s.labels.map(([k]) => k)))]
    const labelNames = f.samples.length === 0 ? ['target'] : found
    if (f.type === 'counter') {
      const c = new Counter({ name: f.name, help: f.help, labelNames, registers: [registry] })
      for (const s of f.samples) c.inc(Object.fromEntries(s.labels), s.value)
    } else {
      const g = new Gauge({ name: f.name, help: f.help, labelNames, registers: [registry] })
      for (const s of f.samples) g.set(Object.fromEntries(s.labels), s.value)
    }
  }
  // Both must say the same thing, line for line.
  const lines = (t: string): string[] => t.split('\n').filter((l) => l !== '').sort()
  const promText = await registry.metrics()
  const a = lines(reference)
  const b = lines(promText)
  if (a.length !== b.length || a.some((l, i) => l !== b[i])) throw new Error(`prom-client's text differs from Xanh's (${a.length} vs ${b.length} lines)`)

  // Interleaved runs, medians.
  const xanhMs: number[] = []
  const promMs: number[] = []
  for (let r = 0; r < opts.runs + 2; r++) {
    let t = performance.now()
    await registry.metrics()
    const p = performance.now() - t
    t = performance.now()
    await metrics.render('prometheus')
    const x = performance.now() - t
    if (r < 2) continue // warm-up
    promMs.push(p)
    xanhMs.push(x)
  }
  // Longest gap between event-loop turns while Xanh renders (alone, so prom-client's garbage
  // is not collected on Xanh's time): the most an ingest request waits behind a scrape.
  const stalls: number[] = []
  for (let r = 0; r < opts.runs; r++) {
    let last = performance.now()
    let longest = 0
    let spinning = true
    const spin = (): void => {
      const n = performance.now()
      longest = Math.max(longest, n - last)
      last = n
      if (spinning) setImmediate(spin)
    }
    setImmediate(spin)
    await metrics.render('prometheus')
    spinning = false
    stalls.push(longest)
  }
  const stall = median(stalls)
  const ratio = median(xanhMs) / median(promMs)
  return [
    `/metrics render, ${series.toLocaleString('en')} series (${opts.targets.toLocaleString('en')} targets, ${communes.length.toLocaleString('en')} communes), median of ${opts.runs}`,
    `  prom-client registry.metrics() (values preset) : ${median(promMs).toFixed(1)} ms`,
    `  Xanh render from the engine                    : ${median(xanhMs).toFixed(1)} ms, longest event-loop stall ${stall.toFixed(1)} ms (median)`,
    `  ratio Xanh / prom-client                       : ${ratio.toFixed(2)} (target ≤ 1.10)`,
  ]
}
