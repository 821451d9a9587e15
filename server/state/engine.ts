/**
 * State engine (SPEC §4): per-target up/down with hysteresis, unknown on data gaps, degraded from
 * the grading rules (`rules/`, composed by `grading.ts`: worst wins), topology (`topology.ts`),
 * flapping (`flapping.ts`), and the per-commune roll-up (line first).
 * Pure in-memory logic with an injected clock: no I/O, so every transition is testable.
 * @module
 */
import {
  primaryVerdict,
  SEVERITY,
  type CheckKind,
  type CommuneKind,
  type CommuneSummary,
  type State,
  type StateCounts,
  type TargetRole,
  type TargetStatus,
  type ThresholdOverrides,
  type Verdict,
} from '../../protocol'
import type { StateConfig, Thresholds } from '../config'
import { STATE_INITIAL, flapRatio } from './flapping'
import { gradesWithTime, gradeTarget } from './grading'
import type { WindowFigures } from './rules/index'
import { newChildTopology, updateTopology, type ChildTopology } from './topology'
import { EMPTY_WINDOW, FIELD, SampleWindow } from './window'

export { flapRatio } from './flapping'

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
  thresholds?: ThresholdOverrides | Record<string, number> | null
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
  thresholds?: ThresholdOverrides | Record<string, number> | null
  /** The target's own contracted rate (snmp `options.contractedBytesPerSecond`), over the commune's. */
  contractedBytesPerSecond?: number | null
}

/** The part of a stored or ingested result the engine reads. */
export interface ResultFact {
  targetId: string
  observedAt: number
  ok: boolean
  error: string | null
  measurements: Record<string, number>
}

/** A window keeps at most this many times the rounds its target's interval puts in it. */
const WINDOW_ROUNDS_FACTOR = 4
/** …and never fewer rounds than this. */
const MIN_WINDOW_CAP = 20

/** Successful rounds kept per throughput target, whatever their age (the largest `throughputTests`). */
const MAX_RECENT = 10

/**
 * A target's live state. It is also the target as alerting reads it ({@link TargetAlertView}:
 * the getters below), so no second object per target is kept or refreshed every tick.
 */
class TargetRuntime implements TargetAlertView {
  /** Its commune's runtime (none when the inventory names an unknown commune). */
  commune: CommuneRuntime | undefined = undefined
  lastObservedAt: number | null = null
  lastOk: boolean | null = null
  /** The latest round's error, whatever its outcome (alerting reads {@link lastError}). */
  error: string | null = null
  measurements: Record<string, number> = {}
  consecutiveFailures = 0
  consecutiveSuccesses = 0
  /** Observed time of the first failure of the current streak (topology). */
  failingSince: number | null = null
  down = false
  /** Packets sent and received over `window`, kept with it while every count is a small integer (sums exact in any order). */
  sent = 0
  received = 0
  /** Samples in `window` whose counts are not small integers: then the sums are taken in window order, as `windowFigures` does. */
  inexact = 0
  /** The contracted rate (bytes/s) the rules judge against; null until the next evaluation after an inventory load. */
  contracted: number | null = null
  /** Defaults, then the commune's overrides, then the target's; null until the next evaluation after an inventory load. */
  th: Thresholds | null = null
  figures: WindowFigures = EMPTY_FIGURES
  verdicts: Verdict[] = []
  verdict: Verdict | null = null
  /** The window or the recent rounds changed since the verdicts were computed. */
  windowStale = true
  /**
   * From when an evaluation with no new result can come out differently (ms): its window's oldest
   * round ages out, or it has been silent too long; always (-Infinity) for a time-dependent rule
   * and until the first evaluation. The tick evaluates only targets due (see {@link StateEngine.tick}).
   */
  dueAt = -Infinity
  state: State = 'unknown'
  reason: string | null = 'no-data'
  /** When the current state began (ms; alerting reads it as text, {@link since}). */
  sinceMs: number | null = null
  topology: ChildTopology = newChildTopology()
  /** Mirrors `topology.unreachable` (the metrics renderer reads the runtime object as its view). */
  unreachable = false
  /** States after each of the last rounds, oldest first, as their {@link STATE_INITIAL} letters (flap detection). */
  history = ''
  roundPending = false
  flapping = false
  /** Packet counters over every ingested round since start (late replays included): metrics. */
  packetsSent = 0
  packetsReceived = 0
  packetsDuplicated = 0
  packetsReordered = 0
  /** Closed unknown (data gap) time since start, ms; the open gap is `now - gapSince`. */
  gapMs = 0
  gapSince: number | null
  /** What the published view showed when the evaluation numbered `key.epoch` began (see {@link StateEngine.evaluate}). */
  key: PublishedKey = { epoch: -1, state: 'unknown', reason: null, lastObservedAt: null, flapping: false, unreachable: false, awaitingParents: false, hasVerdict: false, value: null, threshold: 0 }
  /** The evaluation whose topology pass already compared this target's view. */
  topologyEpoch = -1
  /** `sinceMs` as ISO text, and the `sinceMs` it was formatted from. */
  private sinceIso: string | null = null
  private sinceIsoOf: number | null = null

  /**
   * @param meta what the inventory says of the target
   * @param window its successful rounds in the window, oldest first (compact rows: ./window.ts)
   * @param recent its latest successful rounds (throughput targets only, else null), oldest first
   * @param timeDependent re-grade on every evaluation (a rule whose verdict ages, e.g. stale throughput)
   * @param knownAt when the engine first knew it: a target nobody has reported on yet is a data gap from then
   */
  constructor(
    public meta: TargetMeta,
    public window: SampleWindow,
    public recent: SampleWindow | null,
    public timeDependent: boolean,
    knownAt: number,
  ) {
    this.gapSince = knownAt
  }

  get id(): string {
    return this.meta.id
  }
  get communeCode(): string {
    return this.meta.communeCode
  }
  get name(): string | null {
    return this.meta.name
  }
  get kind(): CheckKind {
    return this.meta.kind
  }
  get role(): TargetRole {
    return this.meta.role
  }
  get awaitingParents(): boolean {
    return this.topology.awaitingParents
  }
  /** The latest round's error while it failed, else null. */
  get lastError(): string | null {
    return this.lastOk === false ? this.error : null
  }
  /** When the current state began, as ISO text (formatted once per change). */
  get since(): string | null {
    if (this.sinceIsoOf !== this.sinceMs) {
      this.sinceIso = iso(this.sinceMs)
      this.sinceIsoOf = this.sinceMs
    }
    return this.sinceIso
  }
}

/**
 * What alerting reads of a target each tick (the fields of {@link TargetStatus} it uses): the
 * target's runtime object itself, instead of 10,000 full statuses built every second.
 */
export type TargetAlertView = Pick<TargetStatus, 'id' | 'communeCode' | 'name' | 'kind' | 'role' | 'state' | 'reason' | 'since' | 'lastError' | 'flapping' | 'unreachable' | 'awaitingParents' | 'verdict'>

/** The parts of a target's view whose change is published (compared field by field: no key strings per round). */
interface PublishedKey {
  epoch: number
  state: State
  reason: string | null
  lastObservedAt: number | null
  flapping: boolean
  unreachable: boolean
  awaitingParents: boolean
  hasVerdict: boolean
  value: number | null
  threshold: number
}

/** A commune's targets, grouped once per inventory load. */
interface CommuneGroups {
  all: TargetRuntime[]
  lines: TargetRuntime[]
  mcus: TargetRuntime[]
  /** Lines first, then the others: on equal severity the line is named as the cause. */
  linesFirst: TargetRuntime[]
  /** The first line with a packet check (its figures are the commune's RTT and loss). */
  packetLine: TargetRuntime | undefined
  /** The throughput target the summary shows: the first on the line, else the first. */
  throughput: TargetRuntime | undefined
}

const NO_GROUPS: CommuneGroups = { all: [], lines: [], mcus: [], linesFirst: [], packetLine: undefined, throughput: undefined }

interface CommuneRuntime {
  meta: CommuneMeta
  state: State
  reason: string | null
  verdict: Verdict | null
  since: number | null
  /** What the summary showed when last compared (JSON-equal values); null before the first evaluation. */
  summaryValues: unknown[] | null
  /** Defaults, then this commune's overrides: shared by its targets without overrides of their own; null until needed. */
  th: Thresholds | null
}

/**
 * The live view of one target the metrics renderer reads (no copies). Counters only grow while
 * the process runs; `gapMs + (gapSince === null ? 0 : now - gapSince)` is the data gap time.
 */
export interface TargetView {
  readonly meta: TargetMeta
  readonly state: State
  readonly reason: string | null
  readonly lastOk: boolean | null
  readonly lastObservedAt: number | null
  readonly measurements: Readonly<Record<string, number>>
  readonly verdicts: readonly Verdict[]
  readonly verdict: Verdict | null
  readonly packetsSent: number
  readonly packetsReceived: number
  readonly packetsDuplicated: number
  readonly packetsReordered: number
  readonly gapMs: number
  readonly gapSince: number | null
  /** True when the target is not paged on its own (all parents down, or held after their recovery). */
  readonly unreachable: boolean
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

const EMPTY_FIGURES: WindowFigures = { rttMedian: null, jitterMedian: null, sent: 0, received: 0, lossRatio: null, newestAt: null }

/** Kinds whose rounds carry packets: their window figures are the line's RTT and loss. */
const PACKET_KINDS: ReadonlySet<CheckKind> = new Set(['icmp', 'udp_echo'])

/** A value as JSON.stringify writes it inside an array, to compare two summaries as their JSON would. */
function jsonValue(v: unknown): unknown {
  if (v === undefined) return null
  if (typeof v === 'number') return Number.isFinite(v) ? v : null
  if (typeof v === 'object' && v !== null) return JSON.stringify(v)
  return v
}

/** Whether two numbers print the same (`${a}` === `${b}`). */
const sameText = (a: number | null, b: number | null): boolean => a === b || (a !== a && b !== b)

/** Packet counts whose sums over any window stay exact integers (2^31 × millions of samples < 2^53). */
const exactCounts = (sent: number, received: number): boolean => Number.isInteger(sent) && Number.isInteger(received) && Math.abs(sent) <= 2 ** 31 && Math.abs(received) <= 2 ** 31

/** Counts row `i` of the window into the aggregates kept with it (`into`), or out of them. */
function account(rt: TargetRuntime, i: number, into: boolean): void {
  const w = rt.window
  const sent = w.valueAt(i, FIELD.sent) as number
  const received = w.valueAt(i, FIELD.received) as number
  const sign = into ? 1 : -1
  if (exactCounts(sent, received)) {
    rt.sent += sign * sent
    rt.received += sign * received
  } else rt.inexact += sign
}

/** Adds a successful round to the window and the aggregates kept with it. */
function addToWindow(rt: TargetRuntime, t: number, m: Readonly<Record<string, number>>): void {
  account(rt, rt.window.insert(t, m), true)
}

/** Takes the `n` oldest rounds out of the window and its aggregates. */
function dropOldest(rt: TargetRuntime, n: number): void {
  for (let i = 0; i < n; i++) account(rt, i, false)
  rt.window.dropOldest(n)
}

/**
 * Holds the live state of every target and commune.
 * Feed it results with {@link StateEngine.ingest}, call {@link StateEngine.tick} periodically
 * (silence is only noticed by the clock), and read views or drain changes.
 */
export class StateEngine {
  private readonly targets = new Map<string, TargetRuntime>()
  private readonly communes = new Map<string, CommuneRuntime>()
  private readonly targetsByCommune = new Map<string, TargetRuntime[]>()
  private readonly groupsByCommune = new Map<string, CommuneGroups>()
  /** Targets with parents, in inventory order (the topology pass). */
  private children: TargetRuntime[] = []
  private epoch = 0
  // Runtimes rather than ids: no hashing of ids and no second lookup per round.
  private readonly dirtyTargets = new Set<TargetRuntime>()
  private readonly dirtyCommunes = new Set<CommuneRuntime>()
  // What changed since the last drain, in order of first change: a state change (pushed at once)
  // or only figures (a new round's time or values, which the caller may push less often). An id
  // is in one of a pair at most; a state change takes it out of the figures set.
  private readonly changedTargets = new Set<string>()
  private readonly figuresTargets = new Set<string>()
  private readonly changedCommunes = new Set<string>()
  private readonly figuresCommunes = new Set<string>()
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
      if (existing) {
        existing.meta = c
        existing.th = null
      } else {
        this.communes.set(c.code, { meta: c, state: 'unknown', reason: 'no-data', verdict: null, since: null, summaryValues: null, th: null })
        this.recordTransition('commune', c.code, 'unknown', this.now())
      }
      this.dirtyCommunes.add(this.communes.get(c.code) as CommuneRuntime)
    }
    const keepT = new Set(targets.filter((t) => t.enabled).map((t) => t.id))
    for (const id of this.targets.keys()) if (!keepT.has(id)) this.targets.delete(id)
    this.targetsByCommune.clear()
    for (const t of targets) {
      if (!t.enabled) continue
      const existing = this.targets.get(t.id)
      if (existing) {
        existing.meta = t
        existing.timeDependent = gradesWithTime(t)
        // Thresholds or the contracted rate may have changed: judge again.
        existing.th = null
        existing.contracted = null
        existing.windowStale = true
      } else {
        const at = this.now()
        this.recordTransition('target', t.id, 'unknown', at)
        this.targets.set(t.id, new TargetRuntime(t, new SampleWindow(this.windowRows(t)), t.kind === 'throughput' ? new SampleWindow(MAX_RECENT + 1) : null, gradesWithTime(t), at))
      }
      const rt = this.targets.get(t.id) as TargetRuntime
      rt.commune = this.communes.get(t.communeCode)
      const list = this.targetsByCommune.get(t.communeCode) ?? []
      list.push(rt)
      this.targetsByCommune.set(t.communeCode, list)
      this.dirtyTargets.add(rt)
    }
    this.groupsByCommune.clear()
    for (const [code, all] of this.targetsByCommune) {
      const lines = all.filter((t) => t.meta.role === 'line')
      this.groupsByCommune.set(code, {
        all,
        lines,
        mcus: all.filter((t) => t.meta.role === 'mcu'),
        linesFirst: [...lines, ...all.filter((t) => t.meta.role !== 'line')],
        packetLine: lines.find((t) => PACKET_KINDS.has(t.meta.kind)),
        throughput: all.find((x) => x.meta.kind === 'throughput' && x.meta.role === 'line') ?? all.find((x) => x.meta.kind === 'throughput'),
      })
    }
    this.children = [...this.targets.values()].filter((rt) => rt.meta.parents.length > 0)
    this.evaluate()
  }

  /** Feeds results (any order; replays older than the newest seen only fill the window). */
  ingest(results: readonly ResultFact[]): void {
    // Agents send rounds in time order: sort (a stable sort, so equal times keep their order) only when not.
    let ordered = true
    for (let i = 1; i < results.length && ordered; i++) ordered = (results[i - 1] as ResultFact).observedAt <= (results[i] as ResultFact).observedAt
    const sorted = ordered ? results : [...results].sort((a, b) => a.observedAt - b.observedAt)
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
        addToWindow(rt, r.observedAt, m)
        const cap = this.windowCapOf(rt)
        if (rt.window.length > cap) dropOldest(rt, rt.window.length - cap)
        if (rt.meta.kind === 'throughput') {
          rt.recent ??= new SampleWindow(MAX_RECENT + 1)
          rt.recent.insert(r.observedAt, m)
          if (rt.recent.length > MAX_RECENT) rt.recent.dropOldest(1)
        }
        rt.windowStale = true
      }
      if (rt.lastObservedAt !== null && r.observedAt <= rt.lastObservedAt) {
        // Late replay: it belongs to the window, but hysteresis counts rounds in time order.
        this.dirtyTargets.add(rt)
        continue
      }
      rt.lastObservedAt = r.observedAt
      rt.roundPending = true
      rt.lastOk = r.ok
      rt.error = r.error
      rt.measurements = m
      const topo = rt.topology
      if (r.ok) {
        rt.consecutiveSuccesses++
        rt.consecutiveFailures = 0
        rt.failingSince = null
        topo.ownFailures = 0
        if (rt.down && rt.consecutiveSuccesses >= this.config.upAfter) rt.down = false
      } else {
        rt.consecutiveFailures++
        rt.consecutiveSuccesses = 0
        rt.failingSince ??= r.observedAt
        // Held behind parents that came back: count only the failures seen after their return.
        if (topo.held && topo.parentsUpAt !== null && r.observedAt > topo.parentsUpAt) topo.ownFailures++
        if (!rt.down && rt.consecutiveFailures >= this.config.downAfter) rt.down = true
      }
      this.dirtyTargets.add(rt)
    }
    this.evaluate()
  }

  /**
   * Moves every target on with the clock (finds silent ones, ages rounds out of windows) and
   * recomputes views. Only targets due ({@link TargetRuntime.dueAt}) are evaluated: with no new
   * result nothing else in a target's evaluation depends on the time, and evaluating all 10,000
   * national targets every second took 20–70 ms of the event loop each time (issue 14: 846 ms of
   * a 1 M-stored ingest benchmark's main thread, 202 ms since). The topology pass runs every tick.
   */
  tick(): void {
    const now = this.now()
    for (const rt of this.targets.values()) if (rt.dueAt <= now) this.dirtyTargets.add(rt)
    this.evaluate(true)
  }

  /** {@link TargetRuntime.dueAt} after an evaluation at `now`. */
  private nextDue(rt: TargetRuntime, th: Thresholds, now: number): number {
    if (rt.timeDependent) return -Infinity
    let due = Infinity
    if (rt.lastObservedAt !== null) {
      // evaluateTarget: unknown once silent for more than this (from then on, for good).
      const silentAt = rt.lastObservedAt + this.config.unknownAfterIntervals * rt.meta.intervalSeconds * 1000
      if (silentAt >= now) due = silentAt
    }
    // trimWindow: the oldest round goes once it is older than the window.
    if (rt.window.length > 0) due = Math.min(due, rt.window.at(0) + this.windowSecondsOf(rt, th) * 1000)
    return due
  }

  /** Rows a full window of `t` holds (its rounds over the window, and one late replay): room made once. */
  private windowRows(t: TargetMeta): number {
    return Math.ceil(this.config.windowSeconds / Math.max(1, t.intervalSeconds)) + 1
  }

  /**
   * A target's thresholds. Most targets override nothing: they share their commune's object (or
   * the defaults) instead of a 30-field copy each (~0.9 KB with its numbers, 10,000 targets).
   */
  private thresholdsFor(rt: TargetRuntime): Thresholds {
    if (rt.th === null) {
      const commune = this.communes.get(rt.meta.communeCode)
      const own = rt.meta.thresholds
      if (own === undefined || own === null || Object.keys(own).length === 0) rt.th = commune ? this.communeThresholds(commune) : this.thresholds
      else rt.th = { ...this.thresholds, ...(commune?.meta.thresholds ?? {}), ...own }
    }
    return rt.th
  }

  private communeThresholds(c: CommuneRuntime): Thresholds {
    if (c.th === null) {
      const overrides = c.meta.thresholds
      c.th = overrides === undefined || overrides === null || Object.keys(overrides).length === 0 ? this.thresholds : { ...this.thresholds, ...overrides }
    }
    return c.th
  }

  private contractedFor(rt: TargetRuntime): number {
    if (rt.contracted === null) {
      const own = rt.meta.contractedBytesPerSecond
      rt.contracted = own !== undefined && own !== null && own > 0 ? own : ((this.communes.get(rt.meta.communeCode)?.meta.contractedMbps ?? 100) * 1e6) / 8
    }
    return rt.contracted
  }

  /** Drops samples older than the target's window; SNMP keeps long enough for its sustained-utilization rule. */
  /** How far back a target's window reaches (s): an SNMP line's spans its utilisation rule too. */
  private windowSecondsOf(rt: TargetRuntime, th: Thresholds): number {
    return rt.meta.kind === 'snmp' ? Math.max(this.config.windowSeconds, th.utilizationForSeconds + rt.meta.intervalSeconds) : this.config.windowSeconds
  }

  /**
   * The most rounds a target's window keeps: {@link WINDOW_ROUNDS_FACTOR} times what its interval
   * puts in the window. An agent reporting far faster than its target's interval (a load test,
   * a misconfigured probe) then costs bounded memory; the window holds its latest rounds.
   */
  private windowCapOf(rt: TargetRuntime): number {
    const expected = this.windowSecondsOf(rt, this.thresholdsFor(rt)) / Math.max(1, rt.meta.intervalSeconds)
    return Math.max(MIN_WINDOW_CAP, Math.ceil(WINDOW_ROUNDS_FACTOR * expected))
  }

  private trimWindow(rt: TargetRuntime, th: Thresholds, now: number): void {
    const horizon = now - this.windowSecondsOf(rt, th) * 1000
    let drop = 0
    while (drop < rt.window.length && rt.window.at(drop) < horizon) drop++
    if (drop > 0) {
      dropOldest(rt, drop)
      rt.windowStale = true
    }
  }

  /**
   * Sets the window's shared aggregates (what `windowFigures` computes) from those kept with the
   * window, in the target's own figures object (nothing else holds it: one allocation less per round).
   */
  private updateFigures(rt: TargetRuntime): void {
    const window = rt.window
    let sent = rt.sent
    let received = rt.received
    if (rt.inexact > 0) {
      sent = 0
      received = 0
      for (let i = 0; i < window.length; i++) {
        sent += window.valueAt(i, FIELD.sent) as number
        received += window.valueAt(i, FIELD.received) as number
      }
    }
    const f = rt.figures === EMPTY_FIGURES ? (rt.figures = { ...EMPTY_FIGURES }) : rt.figures
    f.rttMedian = window.median(FIELD.rtt)
    f.jitterMedian = window.median(FIELD.jitter)
    f.sent = sent
    f.received = received
    f.lossRatio = sent > 0 ? Math.max(0, (sent - received) / sent) : null
    f.newestAt = window.newestAt()
  }

  private evaluateTarget(rt: TargetRuntime, now: number): void {
    const th = this.thresholdsFor(rt)
    this.trimWindow(rt, th, now)
    if (rt.windowStale || rt.timeDependent) {
      if (rt.windowStale) this.updateFigures(rt)
      rt.windowStale = false
      rt.verdicts = gradeTarget({
        kind: rt.meta.kind,
        role: rt.meta.role,
        intervalSeconds: rt.meta.intervalSeconds,
        window: rt.window,
        figures: rt.figures,
        recent: rt.recent ?? EMPTY_WINDOW,
        thresholds: th,
        contractedBytesPerSecond: this.contractedFor(rt),
        now,
      })
    }

    let state: State
    let reason: string | null
    let verdict: Verdict | null = null
    const silentFor = rt.lastObservedAt === null ? Infinity : now - rt.lastObservedAt
    if (silentFor > this.config.unknownAfterIntervals * rt.meta.intervalSeconds * 1000) {
      state = 'unknown'
      reason = rt.lastObservedAt === null ? 'no-data' : 'silent'
    } else if (rt.down) {
      state = 'down'
      reason = 'down'
    } else {
      verdict = primaryVerdict(rt.verdicts)
      state = verdict ? (verdict.state as 'warning' | 'critical') : 'ok'
      reason = verdict ? verdict.rule : 'ok'
      // One or two failed rounds show (never page) until the hysteresis decides.
      if (rt.consecutiveFailures > 0 && SEVERITY.warning > SEVERITY[state]) {
        state = 'warning'
        reason = `failing-${rt.consecutiveFailures}`
        verdict = null
      }
      if (state === 'ok' && rt.verdicts.some((v) => v.state === 'stale')) {
        // Its only figures are too old to judge: a gap in the data, shown as such, never ok.
        state = 'unknown'
        reason = 'stale'
      }
    }
    if (state !== rt.state) {
      if (rt.gapSince !== null) {
        rt.gapMs += now - rt.gapSince
        rt.gapSince = null
      }
      if (state === 'unknown') rt.gapSince = now
      rt.state = state
      rt.sinceMs = now
      this.recordTransition('target', rt.meta.id, state, now)
    }
    rt.reason = reason
    rt.verdict = verdict
    rt.dueAt = this.nextDue(rt, th, now)
    if (rt.roundPending) {
      rt.roundPending = false
      // A new string per round (young garbage) rather than a long-lived array per target.
      const h = rt.history + STATE_INITIAL[state]
      rt.history = h.length > this.config.flapRounds ? h.slice(h.length - this.config.flapRounds) : h
      const ratio = flapRatio(rt.history, this.config.flapRounds)
      if (!rt.flapping && ratio >= this.config.flapEnterRatio) rt.flapping = true
      else if (rt.flapping && ratio < this.config.flapLeaveRatio) rt.flapping = false
    }
  }

  /** Notes what the published view of a target shows now, as of evaluation `epoch`. */
  private snapshot(rt: TargetRuntime, epoch: number): void {
    const k = rt.key
    const v = rt.verdict
    k.epoch = epoch
    k.state = rt.state
    k.reason = rt.reason
    k.lastObservedAt = rt.lastObservedAt
    k.flapping = rt.flapping
    k.unreachable = rt.topology.unreachable
    k.awaitingParents = rt.topology.awaitingParents
    k.hasVerdict = v !== null
    k.value = v ? v.value : null
    k.threshold = v ? v.threshold : 0
  }

  /**
   * How the published view differs from the last {@link snapshot}: `state` when what an operator
   * acts on moved (state, reason, flapping, topology, a verdict appearing or going), `figures`
   * when only the newest round's time or the verdict's value or threshold did, else null.
   */
  private viewChange(rt: TargetRuntime): 'state' | 'figures' | null {
    const k = rt.key
    const v = rt.verdict
    if (
      k.state !== rt.state ||
      k.reason !== rt.reason ||
      k.flapping !== rt.flapping ||
      k.unreachable !== rt.topology.unreachable ||
      k.awaitingParents !== rt.topology.awaitingParents ||
      k.hasVerdict !== (v !== null)
    ) {
      return 'state'
    }
    if (k.lastObservedAt !== rt.lastObservedAt || (v !== null && (!sameText(k.value, v.value) || !sameText(k.threshold, v.threshold)))) return 'figures'
    return null
  }

  /** Notes a published change of a target; returns whether there was one. */
  private noteTargetChange(rt: TargetRuntime): boolean {
    const change = this.viewChange(rt)
    if (change === null) return false
    noteChange(rt.meta.id, change, this.changedTargets, this.figuresTargets)
    return true
  }

  /** @param clock a tick: the topology pass runs even when no target is due. */
  private evaluate(clock = false): void {
    if (this.dirtyTargets.size === 0 && this.dirtyCommunes.size === 0 && (!clock || this.children.length === 0)) return
    const now = this.now()
    const epoch = ++this.epoch
    for (const rt of this.dirtyTargets) {
      this.snapshot(rt, epoch)
      this.evaluateTarget(rt, now)
      if (rt.commune) this.dirtyCommunes.add(rt.commune)
    }
    // Topology needs every parent's fresh state, so it is a second pass over the children.
    for (const rt of this.children) {
      if (rt.key.epoch !== epoch) this.snapshot(rt, epoch)
      const parents = rt.meta.parents.flatMap((p) => {
        const pr = this.targets.get(p)
        return pr ? [{ state: pr.state, consecutiveFailures: pr.consecutiveFailures, lastObservedAt: pr.lastObservedAt, intervalSeconds: pr.meta.intervalSeconds }] : []
      })
      const wasHeld = rt.topology.held
      updateTopology(rt.topology, rt, parents, now, this.config.downAfter)
      rt.unreachable = rt.topology.unreachable
      // Down behind its parents, now down on its own: its own outage (and incident) starts here.
      if (wasHeld && !rt.topology.held && rt.state === 'down') rt.sinceMs = now
      if (this.noteTargetChange(rt) && rt.commune) this.dirtyCommunes.add(rt.commune)
      rt.topologyEpoch = epoch
    }
    for (const rt of this.dirtyTargets) if (rt.topologyEpoch !== epoch) this.noteTargetChange(rt)
    this.dirtyTargets.clear()
    for (const c of this.dirtyCommunes) this.evaluateCommune(c, now)
    this.dirtyCommunes.clear()
  }

  private groupsOf(code: string): CommuneGroups {
    return this.groupsByCommune.get(code) ?? NO_GROUPS
  }

  private evaluateCommune(c: CommuneRuntime, now: number): void {
    const { all: rts, lines, linesFirst } = this.groupsOf(c.meta.code)
    let state: State = 'unknown'
    let reason: string | null = rts.length === 0 ? 'no-targets' : 'no-data'
    let verdict: Verdict | null = null
    const lineState = this.combine(lines)
    if (lines.length > 0 && lineState.state === 'unknown') {
      state = 'unknown'
      reason = `line:${lineState.reason ?? 'silent'}`
    } else {
      // Line targets first so that on equal severity the line is named as the cause.
      let worst: TargetRuntime | undefined
      for (const t of linesFirst) {
        if (t.state === 'unknown') continue
        if (!worst || SEVERITY[t.state] > SEVERITY[worst.state as Exclude<State, 'unknown'>]) worst = t
      }
      if (worst) {
        state = worst.state
        reason = `${worst.meta.role}:${worst.topology.unreachable ? 'unreachable' : worst.reason}`
        verdict = worst.verdict
      }
    }
    if (state !== c.state) {
      c.state = state
      c.since = now
      this.recordTransition('commune', c.meta.code, state, now)
    }
    c.reason = reason
    c.verdict = verdict
    // What the published summary shows, as its JSON would compare (lastSeenAt as the time it prints).
    const line = this.lineOf(c.meta.code)
    const lineFresh = line !== undefined && line.state !== 'down' && line.state !== 'unknown'
    const values = [
      c.state,
      c.reason,
      c.verdict?.value,
      c.verdict?.threshold,
      lineFresh ? line.figures.rttMedian : null,
      lineFresh ? line.figures.lossRatio : null,
      this.throughputOf(c),
      this.utilizationOf(rts),
      this.mosOf(this.groupsOf(c.meta.code).mcus),
      this.lastSeenOf(rts),
      c.meta.openGaps,
    ].map(jsonValue)
    const old = c.summaryValues
    if (old === null || values.some((v, i) => v !== old[i])) {
      c.summaryValues = values
      // State, reason and open gaps are what the overview's colours and lists follow; the rest are figures.
      const stateMoved = old === null || old[0] !== values[0] || old[1] !== values[1] || old[10] !== values[10]
      noteChange(c.meta.code, stateMoved ? 'state' : 'figures', this.changedCommunes, this.figuresCommunes)
    }
  }

  /** The line target whose figures are the commune's RTT and loss: its packet check, else any line with an RTT. */
  private lineOf(code: string): TargetRuntime | undefined {
    const { packetLine, lines } = this.groupsOf(code)
    return packetLine ?? lines.find((t) => t.figures.rttMedian !== null)
  }

  private lastSeenOf(rts: readonly TargetRuntime[]): number | null {
    let lastSeen: number | null = null
    for (const t of rts) if (t.lastObservedAt !== null && (lastSeen === null || t.lastObservedAt > lastSeen)) lastSeen = t.lastObservedAt
    return lastSeen
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
    const { all: rts, lines, mcus } = this.groupsOf(c.meta.code)
    // The line's packet check is what RTT and loss mean; a throughput or SNMP target is also a line.
    const line = this.lineOf(c.meta.code)
    const lineFresh = line !== undefined && line.state !== 'down' && line.state !== 'unknown'
    const lastSeen = this.lastSeenOf(rts)
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
      verdict: c.verdict,
      lineState: this.combine(lines).state,
      mcuState: this.combine(mcus).state,
      rttSeconds: lineFresh ? line.figures.rttMedian : null,
      lossRatio: lineFresh ? line.figures.lossRatio : null,
      throughput: this.throughputOf(c),
      utilizationRatio: this.utilizationOf(rts),
      mos: this.mosOf(mcus),
      lastSeenAt: iso(lastSeen),
      openGaps: c.meta.openGaps,
    }
  }

  private throughputOf(c: CommuneRuntime): CommuneSummary['throughput'] {
    const t = this.groupsOf(c.meta.code).throughput
    if (!t) return null
    const tv = t.verdicts.filter((v) => v.rule === 'throughput')
    if (tv.length === 0) return null
    const down = tv.find((v) => v.part === 'download')
    const up = tv.find((v) => v.part === 'upload')
    const rank = { stale: 3, critical: 2, warning: 1, ok: 0 } as const
    let state: NonNullable<CommuneSummary['throughput']>['state'] = 'ok'
    for (const v of tv) if (rank[v.state] > rank[state]) state = v.state
    return {
      downloadBytesPerSecond: down?.value ?? null,
      uploadBytesPerSecond: up?.value ?? null,
      downloadState: down?.state ?? null,
      uploadState: up?.state ?? null,
      contractedBytesPerSecond: tv[0]?.contracted ?? (c.meta.contractedMbps * 1e6) / 8,
      state,
      testedAt: tv[0]?.at ?? null,
    }
  }

  private utilizationOf(rts: readonly TargetRuntime[]): number | null {
    let best: number | null = null
    for (const t of rts) {
      if (t.state === 'down' || t.state === 'unknown') continue
      for (const v of t.verdicts) if (v.rule === 'utilization' && v.value !== null && (best === null || v.value > best)) best = v.value
    }
    return best
  }

  private mosOf(mcus: readonly TargetRuntime[]): number | null {
    let worst: number | null = null
    for (const t of mcus) {
      if (t.state === 'down' || t.state === 'unknown') continue
      for (const v of t.verdicts) if (v.rule === 'mos' && v.value !== null && (worst === null || v.value < worst)) worst = v.value
    }
    return worst
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
      awaitingParents: rt.topology.awaitingParents,
      since: rt.since,
      reason: rt.reason,
      lastResultAt: iso(rt.lastObservedAt),
      lastError: rt.lastError,
      consecutiveFailures: rt.consecutiveFailures,
      flapping: rt.flapping,
      measurements: rt.measurements,
      window: { rttMedianSeconds: rt.figures.rttMedian, lossRatio: rt.figures.lossRatio, packets: rt.figures.sent, asOf: iso(rt.figures.newestAt) },
      verdict: rt.verdict,
      verdicts: rt.verdicts,
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
    const rts = communeCode === undefined ? [...this.targets.values()] : (this.targetsByCommune.get(communeCode) ?? [])
    return rts.map((rt) => this.targetStatusOf(rt))
  }

  /**
   * Every target as alerting reads it, in inventory order, as of the last evaluation: the same
   * values {@link targetStatuses} shows, but the live runtime objects, no copies (read them
   * before the next ingest or tick; do not keep them).
   */
  alertTargets(): TargetAlertView[] {
    return [...this.targets.values()]
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
  communeViews(): Array<{ readonly meta: CommuneMeta; readonly state: State; readonly reason: string | null; readonly verdict: Verdict | null }> {
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

  /** Forgets what changed since the previous drain without building it (nobody listens to the live feed). */
  discardChanges(): void {
    this.changedCommunes.clear()
    this.changedTargets.clear()
    this.figuresCommunes.clear()
    this.figuresTargets.clear()
  }

  /**
   * Returns and clears what changed since the previous call (feeds the live WebSocket): state
   * changes first (communes, then targets), then figures-only changes, each in the order it
   * first changed. What is left out stays pending for the next call, its latest view sent then.
   * @param opts.figures also drain changes of figures only (default true)
   * @param opts.maxEntries at most this many state changes (default all), communes first: bounds a
   *   delta's size when thousands change at once (a mass outage, a storm of warnings)
   * @param opts.maxFigures at most this many figures-only changes (default all), communes and
   *   targets in turn
   */
  drainChanges(opts: { figures?: boolean; maxEntries?: number; maxFigures?: number } = {}): EngineChanges {
    const communes: CommuneSummary[] = []
    const targets: TargetStatus[] = []
    /** Takes the first id of `set` that still exists into `out`; false when the set is empty. */
    const takeOne = <R, V>(set: Set<string>, from: Map<string, R>, view: (r: R) => V, out: V[]): boolean => {
      for (const id of set) {
        set.delete(id)
        const r = from.get(id)
        if (r !== undefined) {
          out.push(view(r))
          return true
        }
      }
      return false
    }
    const commune = (c: CommuneRuntime): CommuneSummary => this.communeSummaryOf(c)
    const target = (rt: TargetRuntime): TargetStatus => this.targetStatusOf(rt)
    // Communes first (the map's colours), then targets; every delta carries the exact counts.
    let room = opts.maxEntries ?? Infinity
    while (room > 0 && takeOne(this.changedCommunes, this.communes, commune, communes)) room--
    while (room > 0 && takeOne(this.changedTargets, this.targets, target, targets)) room--
    if (opts.figures ?? true) {
      // Communes and targets in turn, so that neither starves the other when both overflow.
      let figures = opts.maxFigures ?? Infinity
      let more = true
      while (figures > 0 && more) {
        more = false
        if (takeOne(this.figuresCommunes, this.communes, commune, communes)) {
          figures--
          more = true
        }
        if (figures > 0 && takeOne(this.figuresTargets, this.targets, target, targets)) {
          figures--
          more = true
        }
      }
    }
    return { communes, targets }
  }
}

/** Records a change of `id` in the state set or, unless a state change is already pending, the figures set. */
function noteChange(id: string, change: 'state' | 'figures', state: Set<string>, figures: Set<string>): void {
  if (change === 'state') {
    figures.delete(id)
    state.add(id)
  } else if (!state.has(id)) figures.add(id)
}
