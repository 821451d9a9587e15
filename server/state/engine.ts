/**
 * State engine v1 (SPEC §4): per-target up/down with hysteresis, unknown on data gaps,
 * degraded from RTT/loss/jitter over a window; per-commune worst state, line first.
 * Pure in-memory logic with an injected clock: no I/O, so every transition is testable.
 * @module
 */
import {
  SEVERITY,
  type CheckKind,
  type CommuneKind,
  type CommuneSummary,
  type State,
  type StateCounts,
  type TargetRole,
  type TargetStatus,
} from '../../protocol'
import type { StateConfig, Thresholds } from '../config'

/** What the engine needs to know about a commune. */
export interface CommuneMeta {
  code: string
  name: string
  kind: CommuneKind
  cluster: string
  lat: number
  lon: number
  contractedMbps: number
  priority: number
  notes: string
  openGaps: number
  thresholds?: Partial<Thresholds> | null
}

/** What the engine needs to know about a target. */
export interface TargetMeta {
  id: string
  communeCode: string
  name: string | null
  kind: CheckKind
  role: TargetRole
  host: string
  port: number | null
  intervalSeconds: number
  parents: string[]
  enabled: boolean
  thresholds?: Partial<Thresholds> | null
}

/** The part of a stored or ingested result the engine reads. */
export interface ResultFact {
  targetId: string
  observedAt: number
  ok: boolean
  error: string | null
  measurements: Record<string, number>
}

interface WindowSample {
  t: number
  rtt: number | undefined
  sent: number
  received: number
  jitter: number | undefined
}

interface TargetRuntime {
  meta: TargetMeta
  lastObservedAt: number | null
  lastOk: boolean | null
  lastError: string | null
  measurements: Record<string, number>
  consecutiveFailures: number
  consecutiveSuccesses: number
  down: boolean
  window: WindowSample[]
  state: State
  reason: string | null
  since: number | null
  unreachable: boolean
  rttMedian: number | null
  lossRatio: number | null
  packets: number
  jitterMedian: number | null
  /** The window changed since its figures were last computed (ticks then cost no sorting). */
  windowStale: boolean
  /** States after each of the last rounds, oldest first (flap detection). */
  history: State[]
  roundPending: boolean
  flapping: boolean
  /** Packet counters over every ingested round since start (late replays included): metrics. */
  packetsSent: number
  packetsReceived: number
  packetsDuplicated: number
  packetsReordered: number
  /** Closed unknown (data gap) time since start, ms; the open gap is `now - gapSince`. */
  gapMs: number
  gapSince: number | null
}

interface CommuneRuntime {
  meta: CommuneMeta
  state: State
  reason: string | null
  since: number | null
  summaryKey: string
}

/**
 * The live view of one target the metrics renderer reads (no copies). Counters only grow while
 * the process runs; `gapMs + (gapSince === null ? 0 : now - gapSince)` is the data gap time.
 */
export interface TargetView {
  readonly meta: TargetMeta
  readonly state: State
  readonly lastOk: boolean | null
  readonly lastObservedAt: number | null
  readonly unreachable: boolean
  readonly measurements: Readonly<Record<string, number>>
  readonly packetsSent: number
  readonly packetsReceived: number
  readonly packetsDuplicated: number
  readonly packetsReordered: number
  readonly gapMs: number
  readonly gapSince: number | null
}

/** One state change of a target or a commune, at the engine's clock (what the state log stores). */
export interface StateTransition {
  entity: 'target' | 'commune'
  id: string
  state: State
  at: number
}

/** Transitions kept for {@link StateEngine.drainTransitions} when nobody drains (bounded memory). */
const MAX_PENDING_TRANSITIONS = 100_000

/** Targets and communes whose published view changed since the last call. */
export interface EngineChanges {
  communes: CommuneSummary[]
  targets: TargetStatus[]
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString())

function median(values: number[]): number | null {
  if (values.length === 0) return null
  const s = [...values].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}

/**
 * Weighted share of state changes over a window of `rounds` rounds (Nagios/Icinga model):
 * the newest possible change weighs 1.25, the oldest 0.75, so recent changes count more.
 * The denominator is always the full window, so a short history cannot look like flapping;
 * changes to or from `unknown` are data gaps, not flapping. 0 = stable, 1 = changes every round.
 */
export function flapRatio(history: readonly State[], rounds: number): number {
  const slots = rounds - 1
  if (slots < 1 || history.length < 2) return 0
  const offset = rounds - history.length
  let weighted = 0
  for (let i = 1; i < history.length; i++) {
    const a = history[i - 1]
    const b = history[i]
    if (a === b || a === 'unknown' || b === 'unknown') continue
    const slot = offset + i // 1 … slots, newest = slots
    weighted += slots === 1 ? 1 : 0.75 + (0.5 * (slot - 1)) / (slots - 1)
  }
  return weighted / slots
}

const VIDEO_ROLES: ReadonlySet<TargetRole> = new Set(['mcu'])

/**
 * Holds the live state of every target and commune.
 * Feed it results with {@link StateEngine.ingest}, call {@link StateEngine.tick} periodically
 * (silence is only noticed by the clock), and read views or drain changes.
 */
export class StateEngine {
  private readonly targets = new Map<string, TargetRuntime>()
  private readonly communes = new Map<string, CommuneRuntime>()
  private readonly targetsByCommune = new Map<string, string[]>()
  private readonly dirtyTargets = new Set<string>()
  private readonly dirtyCommunes = new Set<string>()
  private readonly changedTargets = new Set<string>()
  private readonly changedCommunes = new Set<string>()
  private transitions: StateTransition[] = []

  constructor(
    private readonly config: StateConfig,
    private readonly thresholds: Thresholds,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Replaces the inventory. Runtime state of targets that still exist is kept, so editing a
   * commune does not reset hysteresis counters.
   */
  setInventory(communes: CommuneMeta[], targets: TargetMeta[]): void {
    const keepC = new Set(communes.map((c) => c.code))
    for (const code of this.communes.keys()) if (!keepC.has(code)) this.communes.delete(code)
    for (const c of communes) {
      const existing = this.communes.get(c.code)
      if (existing) existing.meta = c
      else {
        this.communes.set(c.code, { meta: c, state: 'unknown', reason: 'no-data', since: null, summaryKey: '' })
        this.recordTransition('commune', c.code, 'unknown', this.now())
      }
      this.dirtyCommunes.add(c.code)
    }
    const keepT = new Set(targets.filter((t) => t.enabled).map((t) => t.id))
    for (const id of this.targets.keys()) if (!keepT.has(id)) this.targets.delete(id)
    this.targetsByCommune.clear()
    for (const t of targets) {
      if (!t.enabled) continue
      const existing = this.targets.get(t.id)
      if (existing) existing.meta = t
      else {
        const at = this.now()
        this.recordTransition('target', t.id, 'unknown', at)
        this.targets.set(t.id, {
          meta: t,
          lastObservedAt: null,
          lastOk: null,
          lastError: null,
          measurements: {},
          consecutiveFailures: 0,
          consecutiveSuccesses: 0,
          down: false,
          window: [],
          jitterMedian: null,
          windowStale: true,
          state: 'unknown',
          reason: 'no-data',
          since: null,
          unreachable: false,
          rttMedian: null,
          lossRatio: null,
          packets: 0,
          history: [],
          roundPending: false,
          flapping: false,
          packetsSent: 0,
          packetsReceived: 0,
          packetsDuplicated: 0,
          packetsReordered: 0,
          gapMs: 0,
          // A target nobody has reported on yet is a data gap from the moment it is known.
          gapSince: at,
        })
      }
      const list = this.targetsByCommune.get(t.communeCode) ?? []
      list.push(t.id)
      this.targetsByCommune.set(t.communeCode, list)
      this.dirtyTargets.add(t.id)
    }
    this.evaluate()
  }

  /** Feeds results (any order; replays older than the newest seen only fill the window). */
  ingest(results: readonly ResultFact[]): void {
    const sorted = [...results].sort((a, b) => a.observedAt - b.observedAt)
    for (const r of sorted) {
      const rt = this.targets.get(r.targetId)
      if (!rt) continue
      const m = r.measurements
      rt.packetsSent += m.sent ?? 0
      rt.packetsReceived += m.received ?? 0
      rt.packetsDuplicated += m.duplicates ?? 0
      rt.packetsReordered += m.reordered ?? 0
      // Failed rounds are outages, judged by the up/down hysteresis; counting their packets as
      // loss too would page a second time, as "degraded", for 15 minutes after every outage.
      if (r.ok) {
        rt.windowStale = true
        rt.window.push({
          t: r.observedAt,
          rtt: m.rtt_median_seconds ?? m.rtt_avg_seconds ?? m.connect_seconds,
          sent: m.sent ?? 0,
          received: m.received ?? 0,
          jitter: m.jitter_seconds,
        })
      }
      if (rt.lastObservedAt !== null && r.observedAt <= rt.lastObservedAt) {
        // Late replay: it belongs to the window, but hysteresis counts rounds in time order.
        rt.window.sort((a, b) => a.t - b.t)
        rt.windowStale = true
        this.dirtyTargets.add(r.targetId)
        continue
      }
      rt.lastObservedAt = r.observedAt
      rt.roundPending = true
      rt.lastOk = r.ok
      rt.lastError = r.error
      rt.measurements = m
      if (r.ok) {
        rt.consecutiveSuccesses++
        rt.consecutiveFailures = 0
        if (rt.down && rt.consecutiveSuccesses >= this.config.upAfter) rt.down = false
      } else {
        rt.consecutiveFailures++
        rt.consecutiveSuccesses = 0
        if (!rt.down && rt.consecutiveFailures >= this.config.downAfter) rt.down = true
      }
      this.dirtyTargets.add(r.targetId)
    }
    this.evaluate()
  }

  /** Re-evaluates every target against the clock (finds silent ones) and recomputes views. */
  tick(): void {
    for (const id of this.targets.keys()) this.dirtyTargets.add(id)
    this.evaluate()
  }

  private thresholdsFor(rt: TargetRuntime): Thresholds {
    const communeT = this.communes.get(rt.meta.communeCode)?.meta.thresholds
    return { ...this.thresholds, ...(communeT ?? {}), ...(rt.meta.thresholds ?? {}) }
  }

  private evaluateTarget(rt: TargetRuntime, now: number): void {
    const horizon = now - this.config.windowSeconds * 1000
    while (rt.window.length > 0 && (rt.window[0] as WindowSample).t < horizon) {
      rt.window.shift()
      rt.windowStale = true
    }
    if (rt.windowStale) {
      rt.windowStale = false
      rt.rttMedian = median(rt.window.flatMap((s) => (s.rtt === undefined ? [] : [s.rtt])))
      rt.jitterMedian = median(rt.window.flatMap((s) => (s.jitter === undefined ? [] : [s.jitter])))
      const sent = rt.window.reduce((a, s) => a + s.sent, 0)
      const received = rt.window.reduce((a, s) => a + s.received, 0)
      rt.packets = sent
      rt.lossRatio = sent > 0 ? Math.max(0, (sent - received) / sent) : null
    }

    let state: State
    let reason: string | null
    const silentFor = rt.lastObservedAt === null ? Infinity : now - rt.lastObservedAt
    if (silentFor > this.config.unknownAfterIntervals * rt.meta.intervalSeconds * 1000) {
      state = 'unknown'
      reason = rt.lastObservedAt === null ? 'no-data' : 'silent'
    } else if (rt.down) {
      state = 'down'
      reason = 'down'
    } else {
      const th = this.thresholdsFor(rt)
      const video = VIDEO_ROLES.has(rt.meta.role)
      const jitterWarn = video ? th.videoJitterWarningSeconds : th.jitterWarningSeconds
      const jitterCrit = video ? th.videoJitterCriticalSeconds : th.jitterCriticalSeconds
      const jitterMedian = rt.jitterMedian
      const judged: Array<[Exclude<State, 'unknown'>, string]> = [['ok', 'ok']]
      if (rt.rttMedian !== null) {
        if (rt.rttMedian > th.rttCriticalSeconds) judged.push(['critical', 'rtt'])
        else if (rt.rttMedian > th.rttWarningSeconds) judged.push(['warning', 'rtt'])
      }
      if (rt.lossRatio !== null && rt.packets >= th.lossMinPackets) {
        if (rt.lossRatio > th.lossCriticalRatio) judged.push(['critical', 'loss'])
        else if (rt.lossRatio > th.lossWarningRatio) judged.push(['warning', 'loss'])
      }
      if (jitterMedian !== null) {
        if (jitterMedian > jitterCrit) judged.push(['critical', 'jitter'])
        else if (jitterMedian > jitterWarn) judged.push(['warning', 'jitter'])
      }
      if (rt.consecutiveFailures > 0) judged.push(['warning', `failing-${rt.consecutiveFailures}`])
      let worst = judged[0] as [Exclude<State, 'unknown'>, string]
      for (const j of judged) if (SEVERITY[j[0]] > SEVERITY[worst[0]]) worst = j
      state = worst[0]
      reason = worst[1]
    }
    if (state !== rt.state) {
      if (rt.gapSince !== null) {
        rt.gapMs += now - rt.gapSince
        rt.gapSince = null
      }
      if (state === 'unknown') rt.gapSince = now
      rt.state = state
      rt.since = now
      this.recordTransition('target', rt.meta.id, state, now)
    }
    rt.reason = reason
    if (rt.roundPending) {
      rt.roundPending = false
      rt.history.push(state)
      if (rt.history.length > this.config.flapRounds) rt.history.shift()
      const ratio = flapRatio(rt.history, this.config.flapRounds)
      if (!rt.flapping && ratio >= this.config.flapEnterRatio) rt.flapping = true
      else if (rt.flapping && ratio < this.config.flapLeaveRatio) rt.flapping = false
    }
  }

  private evaluate(): void {
    if (this.dirtyTargets.size === 0 && this.dirtyCommunes.size === 0) return
    const now = this.now()
    for (const id of this.dirtyTargets) {
      const rt = this.targets.get(id)
      if (!rt) continue
      const before = `${rt.state}|${rt.reason}|${rt.lastObservedAt}|${rt.flapping}`
      this.evaluateTarget(rt, now)
      if (`${rt.state}|${rt.reason}|${rt.lastObservedAt}|${rt.flapping}` !== before) this.changedTargets.add(id)
      this.dirtyCommunes.add(rt.meta.communeCode)
    }
    this.dirtyTargets.clear()
    // Unreachable needs every parent's fresh state, so it is a second pass.
    for (const rt of this.targets.values()) {
      const parents = rt.meta.parents.flatMap((p) => {
        const pr = this.targets.get(p)
        return pr ? [pr] : []
      })
      // Only a failing child is "unreachable": an answering one needs no explanation.
      const failing = rt.state === 'down' || rt.state === 'unknown'
      const unreachable = failing && parents.length > 0 && parents.every((p) => p.state === 'down')
      if (unreachable !== rt.unreachable) {
        rt.unreachable = unreachable
        this.changedTargets.add(rt.meta.id)
        this.dirtyCommunes.add(rt.meta.communeCode)
      }
    }
    for (const code of this.dirtyCommunes) {
      const c = this.communes.get(code)
      if (!c) continue
      this.evaluateCommune(c, now)
    }
    this.dirtyCommunes.clear()
  }

  private evaluateCommune(c: CommuneRuntime, now: number): void {
    const ids = this.targetsByCommune.get(c.meta.code) ?? []
    const rts = ids.flatMap((id) => {
      const rt = this.targets.get(id)
      return rt ? [rt] : []
    })
    const lines = rts.filter((t) => t.meta.role === 'line')
    let state: State = 'unknown'
    let reason: string | null = rts.length === 0 ? 'no-targets' : 'no-data'
    const lineState = this.combine(lines)
    if (lines.length > 0 && lineState.state === 'unknown') {
      state = 'unknown'
      reason = `line:${lineState.reason ?? 'silent'}`
    } else {
      // Line targets first so that on equal severity the line is named as the cause.
      const ordered = [...lines, ...rts.filter((t) => t.meta.role !== 'line')]
      let worst: TargetRuntime | undefined
      for (const t of ordered) {
        if (t.state === 'unknown') continue
        if (!worst || SEVERITY[t.state] > SEVERITY[worst.state as Exclude<State, 'unknown'>]) worst = t
      }
      if (worst) {
        state = worst.state
        reason = `${worst.meta.role}:${worst.unreachable ? 'unreachable' : worst.reason}`
      }
    }
    if (state !== c.state) {
      c.state = state
      c.since = now
      this.recordTransition('commune', c.meta.code, state, now)
    }
    c.reason = reason
    const summary = this.communeSummaryOf(c)
    const key = JSON.stringify([summary.state, summary.reason, summary.rttSeconds, summary.lossRatio, summary.lastSeenAt, summary.openGaps])
    if (key !== c.summaryKey) {
      c.summaryKey = key
      this.changedCommunes.add(c.meta.code)
    }
  }

  /** Worst known state of a group of targets; unknown only when all are unknown. */
  private combine(rts: TargetRuntime[]): { state: State | null; reason: string | null } {
    if (rts.length === 0) return { state: null, reason: null }
    let worst: TargetRuntime | undefined
    for (const t of rts) {
      if (t.state === 'unknown') continue
      if (!worst || SEVERITY[t.state] > SEVERITY[worst.state as Exclude<State, 'unknown'>]) worst = t
    }
    if (!worst) return { state: 'unknown', reason: rts[0]?.reason ?? null }
    return { state: worst.state, reason: worst.reason }
  }

  private communeSummaryOf(c: CommuneRuntime): CommuneSummary {
    const ids = this.targetsByCommune.get(c.meta.code) ?? []
    const rts = ids.flatMap((id) => {
      const rt = this.targets.get(id)
      return rt ? [rt] : []
    })
    const lines = rts.filter((t) => t.meta.role === 'line')
    const mcus = rts.filter((t) => t.meta.role === 'mcu')
    const line = lines[0]
    let lastSeen: number | null = null
    for (const t of rts) if (t.lastObservedAt !== null && (lastSeen === null || t.lastObservedAt > lastSeen)) lastSeen = t.lastObservedAt
    return {
      code: c.meta.code,
      name: c.meta.name,
      kind: c.meta.kind,
      cluster: c.meta.cluster,
      lat: c.meta.lat,
      lon: c.meta.lon,
      contractedMbps: c.meta.contractedMbps,
      state: c.state,
      since: iso(c.since),
      reason: c.reason,
      lineState: this.combine(lines).state,
      mcuState: this.combine(mcus).state,
      rttSeconds: line?.rttMedian ?? null,
      lossRatio: line?.lossRatio ?? null,
      lastSeenAt: iso(lastSeen),
      openGaps: c.meta.openGaps,
    }
  }

  private targetStatusOf(rt: TargetRuntime): TargetStatus {
    return {
      id: rt.meta.id,
      communeCode: rt.meta.communeCode,
      name: rt.meta.name,
      kind: rt.meta.kind,
      role: rt.meta.role,
      host: rt.meta.host,
      port: rt.meta.port,
      intervalSeconds: rt.meta.intervalSeconds,
      state: rt.state,
      unreachable: rt.unreachable,
      since: iso(rt.since),
      reason: rt.reason,
      lastResultAt: iso(rt.lastObservedAt),
      lastError: rt.lastOk === false ? rt.lastError : null,
      consecutiveFailures: rt.consecutiveFailures,
      flapping: rt.flapping,
      measurements: rt.measurements,
      window: { rttMedianSeconds: rt.rttMedian, lossRatio: rt.lossRatio, packets: rt.packets },
    }
  }

  /** Counts of communes per state. */
  counts(): StateCounts {
    const counts: StateCounts = { ok: 0, warning: 0, critical: 0, down: 0, unknown: 0 }
    for (const c of this.communes.values()) counts[c.state]++
    return counts
  }

  /** Every commune's summary, in inventory order. */
  communeSummaries(): CommuneSummary[] {
    return [...this.communes.values()].map((c) => this.communeSummaryOf(c))
  }

  communeSummary(code: string): CommuneSummary | undefined {
    const c = this.communes.get(code)
    return c ? this.communeSummaryOf(c) : undefined
  }

  /** Statuses of a commune's targets (or all targets). */
  targetStatuses(communeCode?: string): TargetStatus[] {
    const ids = communeCode === undefined ? [...this.targets.keys()] : (this.targetsByCommune.get(communeCode) ?? [])
    return ids.flatMap((id) => {
      const rt = this.targets.get(id)
      return rt ? [this.targetStatusOf(rt)] : []
    })
  }

  targetStatus(id: string): TargetStatus | undefined {
    const rt = this.targets.get(id)
    return rt ? this.targetStatusOf(rt) : undefined
  }

  /** Target metadata joined with state, for the metrics renderer (the live objects: no copies). */
  forEachTarget(fn: (meta: TargetMeta, status: TargetView) => void): void {
    for (const rt of this.targets.values()) fn(rt.meta, rt)
  }

  /** Every target's live view, in inventory order (a fresh array of the live objects). */
  targetViews(): TargetView[] {
    return [...this.targets.values()]
  }

  /** Every commune's metadata and state, in inventory order (a fresh array of the live objects). */
  communeViews(): Array<{ readonly meta: CommuneMeta; readonly state: State }> {
    return [...this.communes.values()]
  }

  forEachCommune(fn: (meta: CommuneMeta, state: State) => void): void {
    for (const c of this.communes.values()) fn(c.meta, c.state)
  }

  private recordTransition(entity: StateTransition['entity'], id: string, state: State, at: number): void {
    if (this.transitions.length >= MAX_PENDING_TRANSITIONS) this.transitions.splice(0, this.transitions.length - MAX_PENDING_TRANSITIONS + 1)
    this.transitions.push({ entity, id, state, at })
  }

  /**
   * Returns and clears every state change since the previous call, in the order they happened
   * (feeds the state log). Unlike {@link drainChanges} nothing is collapsed: a target that went
   * down and up again between two calls yields both rows. New targets and communes start with
   * an `unknown` row.
   */
  drainTransitions(): StateTransition[] {
    const out = this.transitions
    this.transitions = []
    return out
  }

  /** Returns and clears what changed since the previous call (feeds the live WebSocket). */
  drainChanges(): EngineChanges {
    const communes = [...this.changedCommunes].flatMap((code) => {
      const c = this.communes.get(code)
      return c ? [this.communeSummaryOf(c)] : []
    })
    const targets = [...this.changedTargets].flatMap((id) => {
      const rt = this.targets.get(id)
      return rt ? [this.targetStatusOf(rt)] : []
    })
    this.changedCommunes.clear()
    this.changedTargets.clear()
    return { communes, targets }
  }
}
